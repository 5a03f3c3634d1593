-- returns: support contacts per day of a date range, with the wait and first-contact-resolution counts behind the average wait and the resolution rate
-- grain: day
-- params: start date, end date
with contacts as (
    select * from contacts_daily
    where day between $start and $end
)

select
    day,
    cast(sum(n) as bigint)          as contacts_n,
    cast(sum(wait_sum) as bigint)   as wait_seconds_sum,
    cast(sum(fcr_n) as bigint)      as fcr_n
from contacts
group by day
order by day
