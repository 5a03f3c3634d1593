-- returns: company-wide survey-score counts behind NPS, CSAT and CES for a date range, as one aggregate row with no unit detail (the benchmark a scoped manager may see)
-- grain: one row
-- params: start date, end date
with feedback as (
    select * from feedback_daily
    where day between $start and $end
)

select
    cast(coalesce(sum(n), 0) as bigint)              as feedback_n,
    cast(coalesce(sum(nps_n), 0) as bigint)          as nps_n,
    cast(coalesce(sum(promoters), 0) as bigint)      as promoters,
    cast(coalesce(sum(detractors), 0) as bigint)     as detractors,
    cast(coalesce(sum(csat_n), 0) as bigint)         as csat_n,
    cast(coalesce(sum(csat_satisfied), 0) as bigint) as csat_satisfied,
    cast(coalesce(sum(ces_n), 0) as bigint)          as ces_n,
    cast(coalesce(sum(ces_sum), 0) as bigint)        as ces_sum,
    cast(coalesce(sum(ces_sq_sum), 0) as bigint)     as ces_sq_sum
from feedback
