-- returns: NPS answer counts (answers, promoters, detractors) per calendar month of a date range
-- grain: month
-- params: start date, end date
with feedback as (
    select * from feedback_daily
    where day between $start and $end
)

select
    cast(date_trunc('month', day) as date) as month,
    cast(sum(nps_n) as bigint) as nps_n,
    cast(sum(promoters) as bigint) as promoters,
    cast(sum(detractors) as bigint) as detractors
from feedback
group by 1
having sum(nps_n) > 0
order by 1
