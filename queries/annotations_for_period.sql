-- returns: dated events to mark on charts (incidents, price changes, initiatives, launches) in a date range; an event logged for several org units is one row naming them all
-- grain: on_date, kind, label
-- params: start date, end date
with events as (
    select * from annotations
    where on_date between $start and $end
),

units as (
    select unit_id, name from org_units
)

select
    events.on_date,
    events.kind,
    events.label,
    string_agg(distinct coalesce(units.name, events.unit_id), ', '
               order by coalesce(units.name, events.unit_id)) as units,
    count(*) as annotations
from events
left join units on units.unit_id = events.unit_id
group by events.on_date, events.kind, events.label
order by events.on_date, events.label
