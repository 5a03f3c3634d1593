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
    select count(*) as churned
    from customer_facts
    where churned_at between $start and $end
      and signup_at < $start
)

select
    before_start.active_at_start,
    within.churned
from before_start, within
