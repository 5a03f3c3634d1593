-- returns: feedback volume and sentiment sums per source in a date range (current) and in the range of equal length before it (previous)
-- grain: source, period
-- params: previous_start date, start date, end date
with daily as (
    select *, case when day >= $start then 'current' else 'previous' end as period
    from feedback_daily
    where day between $previous_start and $end
)

select
    source,
    period,
    cast(sum(n) as bigint)                        as n,
    cast(sum(sentiment_n) as bigint)              as sentiment_n,
    sum(sentiment_sum)                            as sentiment_sum,
    cast(sum(negative_n) as bigint)               as negative_n,
    cast(sum(text_n) as bigint)                   as text_n
from daily
group by all
order by source, period
