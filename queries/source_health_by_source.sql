-- returns: for each source with feedback, its volume in a date range, its volume in the given number of days up to the range's end, and its first and latest day with data
-- grain: source
-- params: start date, end date, days integer
with daily as (
    select source, day, n from feedback_daily
)

select
    source,
    cast(coalesce(sum(n) filter (where day between $start and $end), 0) as bigint)               as period_n,
    cast(coalesce(sum(n) filter (where day between $end - ($days - 1) and $end), 0) as bigint)  as recent_n,
    min(day)                                                                                     as first_day,
    max(day)                                                                                     as last_day
from daily
group by source
