-- returns: feedback volume and the sentiment sums behind average sentiment per source in each time bucket (week or month) of a date range
-- grain: bucket, source
-- params: start date, end date, bucket varchar
with daily as (
    select * from feedback_daily
    where day between $start and $end
)

select
    cast(date_trunc($bucket, day) as date)        as bucket,
    source,
    cast(sum(n) as bigint)                        as n,
    cast(sum(sentiment_n) as bigint)              as sentiment_n,
    sum(sentiment_sum)                            as sentiment_sum,
    cast(sum(negative_n) as bigint)               as negative_n,
    cast(sum(text_n) as bigint)                   as text_n
from daily
group by all
order by bucket, source
