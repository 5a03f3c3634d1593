-- returns: the working-hours calendar that applies to each org unit: its own, else its nearest ancestor's (none: the default)
-- grain: unit_id
-- params: none
with recursive up(unit_id, ancestor_id, depth) as (
    select unit_id, unit_id, 0 from org_units
    union all
    select u.unit_id, o.parent_id, u.depth + 1
    from up u
    join org_units o on o.unit_id = u.ancestor_id
    where o.parent_id is not null and u.depth < 20
),

matched as (
    select up.unit_id, up.depth, c.timezone, c.day_start, c.day_end, c.workdays
    from up
    join case_calendars c on c.org_unit = up.ancestor_id
)

select
    unit_id,
    arg_min(timezone, depth)  as timezone,
    arg_min(day_start, depth) as day_start,
    arg_min(day_end, depth)   as day_end,
    arg_min(workdays, depth)  as workdays
from matched
group by unit_id
order by unit_id
