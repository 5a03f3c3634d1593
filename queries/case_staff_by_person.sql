-- returns: every staff row: who serves which org unit as agent or manager, whether active, and when they were last given a case
-- grain: username, unit_id, role
-- params: none
with staff as (
    select * from loop_staff
)

select s.unit_id, o.name as unit, s.role, s.username, s.display_name, s.email, s.active, s.last_assigned_at
from staff s
left join org_units o on o.unit_id = s.unit_id
order by s.unit_id, s.role, s.username
