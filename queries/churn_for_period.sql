-- returns: customers active at the start of a date range and how many of them churned within it
-- grain: one row
-- params: start date, end date
with movements as (
    select * from customer_daily
),

before_start as (
    select cast(coalesce(sum(signups) - sum(churned), 0) as bigint) as active_at_start
    from movements
    where day < $start
),

within as (
    select cast(coalesce(sum(churned), 0) as bigint) as churned
    from movements
    where day between $start and $end
)

select
    before_start.active_at_start,
    within.churned
from before_start, within
