-- returns: for every org unit, the active staff of one role who serve it: its own, else those of its nearest ancestor that has any
-- grain: unit_id, username
-- params: role varchar
with recursive up(unit_id, ancestor_id, depth) as (
    select unit_id, unit_id, 0 from org_units
    union all
    select u.unit_id, o.parent_id, u.depth + 1
    from up u
    join org_units o on o.unit_id = u.ancestor_id
    where o.parent_id is not null and u.depth < 20
),

staffed as (
    select up.unit_id, up.depth, s.unit_id as home_unit, s.username, s.display_name, s.email, s.last_assigned_at
    from up
    join loop_staff s on s.unit_id = up.ancestor_id and s.role = $role and s.active
),

nearest as (
    select unit_id, min(depth) as depth from staffed group by unit_id
)

select s.unit_id, s.username, s.display_name, s.email, s.home_unit, s.last_assigned_at
from staffed s
join nearest n on n.unit_id = s.unit_id and n.depth = s.depth
order by s.unit_id, s.username
