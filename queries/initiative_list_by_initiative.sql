-- returns: every initiative with its theme, its units (the main one first) and dates, newest first
-- grain: initiative_id
-- params: none
with extra as (
    select iu.initiative_id, list(iu.unit_id order by iu.unit_id) as more_units
    from initiative_units iu join initiatives i on i.initiative_id = iu.initiative_id
    where iu.unit_id <> i.unit_id
    group by iu.initiative_id
)

select
    i.initiative_id, i.title, i.theme_id, t.label as theme, i.unit_id, o.name as unit,
    list_prepend(i.unit_id, coalesce(e.more_units, [])) as units,
    i.started_at, i.ended_at, i.description, i.owner
from initiatives i
left join themes t on t.theme_id = i.theme_id
left join org_units o on o.unit_id = i.unit_id
left join extra e on e.initiative_id = i.initiative_id
order by i.started_at desc, i.initiative_id
