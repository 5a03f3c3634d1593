-- returns: for every org unit the reader can see, the survey-score counts over its whole sub-tree in a date range (rows outside the scope are not counted)
-- grain: unit_id
-- params: start date, end date
with recursive units as (
    select unit_id, name, parent_id, level
    from org_units
),

subtree(unit_id, member_id) as (
    select unit_id, unit_id from units
    union all
    select subtree.unit_id, units.unit_id
    from subtree join units on units.parent_id = subtree.member_id
),

feedback as (
    select
        unit_id,
        sum(n)              as feedback_n,
        sum(nps_n)          as nps_n,
        sum(promoters)      as promoters,
        sum(detractors)     as detractors,
        sum(csat_n)         as csat_n,
        sum(csat_satisfied) as csat_satisfied,
        sum(ces_n)          as ces_n,
        sum(ces_sum)        as ces_sum,
        sum(ces_sq_sum)     as ces_sq_sum
    from feedback_daily
    where day between $start and $end
    group by unit_id
)

select
    units.unit_id,
    units.name,
    units.parent_id,
    units.level,
    cast(coalesce(sum(feedback.feedback_n), 0) as bigint)     as feedback_n,
    cast(coalesce(sum(feedback.nps_n), 0) as bigint)          as nps_n,
    cast(coalesce(sum(feedback.promoters), 0) as bigint)      as promoters,
    cast(coalesce(sum(feedback.detractors), 0) as bigint)     as detractors,
    cast(coalesce(sum(feedback.csat_n), 0) as bigint)         as csat_n,
    cast(coalesce(sum(feedback.csat_satisfied), 0) as bigint) as csat_satisfied,
    cast(coalesce(sum(feedback.ces_n), 0) as bigint)          as ces_n,
    cast(coalesce(sum(feedback.ces_sum), 0) as bigint)        as ces_sum,
    cast(coalesce(sum(feedback.ces_sq_sum), 0) as bigint)     as ces_sq_sum
from units
left join subtree on subtree.unit_id = units.unit_id
left join feedback on feedback.unit_id = subtree.member_id
group by units.unit_id, units.name, units.parent_id, units.level
order by units.unit_id
