-- returns: feedback volume and the NPS and CSAT counts per journey stage in a date range
-- grain: journey_stage
-- params: start date, end date
with feedback as (
    select * from feedback_daily
    where day between $start and $end
)

select
    journey_stage,
    cast(sum(n) as bigint)              as feedback_n,
    cast(sum(nps_n) as bigint)          as nps_n,
    cast(sum(promoters) as bigint)      as promoters,
    cast(sum(detractors) as bigint)     as detractors,
    cast(sum(csat_n) as bigint)         as csat_n,
    cast(sum(csat_satisfied) as bigint) as csat_satisfied
from feedback
group by journey_stage
order by journey_stage
