-- returns: enabled manager accounts whose org units include a given unit or one of its ancestors (company-wide managers are not included)
-- grain: username
-- params: unit varchar
with recursive up(unit_id) as (
    select unit_id from org_units where unit_id = $unit
    union
    select o.parent_id from org_units o join up on o.unit_id = up.unit_id where o.parent_id is not null
),

managers as (
    select username, display_name, units from users where role = 'manager' and not disabled and units is not null
)

select username, display_name
from managers
where list_has_any(units, (select coalesce(list(unit_id), []) from up))
order by username
