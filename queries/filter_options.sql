-- returns: the values each global filter can take (org units, segments, sources, journey stages) and the dates with data
-- grain: kind, value
-- params: none
with units as (
    select 'unit' as kind, unit_id as value, name as label, parent_id as parent, level
    from org_units
),

segments as (
    select distinct 'segment' as kind, segment as value, segment as label,
           null::varchar as parent, null::varchar as level
    from customer_daily
),

sources as (
    select distinct 'source' as kind, source as value, source as label,
           null::varchar as parent, null::varchar as level
    from feedback_daily
),

stages as (
    select distinct 'stage' as kind, journey_stage as value, journey_stage as label,
           null::varchar as parent, null::varchar as level
    from feedback_daily
),

days as (
    select 'day' as kind, 'first' as value, cast(min(day) as varchar) as label,
           null::varchar as parent, null::varchar as level
    from feedback_daily
    union all
    select 'day', 'last', cast(max(day) as varchar), null, null
    from feedback_daily
)

select kind, value, label, parent, level from units
union all select * from segments
union all select * from sources
union all select * from stages
union all select * from days
