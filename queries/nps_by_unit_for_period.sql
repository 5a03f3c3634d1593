-- returns: NPS answer counts per org unit of one level (e.g. region) in a date range and in the previous range, feedback of units below it rolled up
-- grain: unit_id
-- params: start date, end date, previous_start date, previous_end date, level varchar
-- the previous range must end before the current one starts (rows are told apart by day >= $start)
with recursive lineage(unit_id, ancestor_id) as (
    select unit_id, unit_id from org_units
    union all
    select lineage.unit_id, parent.parent_id
    from lineage
    join org_units parent on parent.unit_id = lineage.ancestor_id
    where parent.parent_id is not null
),

units_at_level as (
    select lineage.unit_id, target.unit_id as group_id, target.name as group_name
    from lineage
    join org_units target on target.unit_id = lineage.ancestor_id
    where target.level = $level
),

feedback as (
    select *, day >= $start as is_current
    from feedback_daily
    where day between $start and $end or day between $previous_start and $previous_end
)

select
    units_at_level.group_id as unit_id,
    any_value(units_at_level.group_name) as name,
    cast(coalesce(sum(feedback.nps_n) filter (where is_current), 0) as bigint) as nps_n,
    cast(coalesce(sum(feedback.promoters) filter (where is_current), 0) as bigint) as promoters,
    cast(coalesce(sum(feedback.detractors) filter (where is_current), 0) as bigint) as detractors,
    cast(coalesce(sum(feedback.nps_n) filter (where not is_current), 0) as bigint) as previous_nps_n,
    cast(coalesce(sum(feedback.promoters) filter (where not is_current), 0) as bigint) as previous_promoters,
    cast(coalesce(sum(feedback.detractors) filter (where not is_current), 0) as bigint) as previous_detractors
from feedback
join units_at_level on units_at_level.unit_id = feedback.unit_id
group by units_at_level.group_id
order by units_at_level.group_id
