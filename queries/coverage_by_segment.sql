-- returns: per customer segment, the customers active on a date (signed up and not churned by it) and how many of them gave feedback from a source ('any' for every source) in the given number of days up to it
-- grain: segment
-- params: end date, days integer, source varchar
-- keep the definitions in step with coverage_by_segment_unit.sql
with movements as (
    select segment, signups, churned from customer_daily where day <= $end
),

recent_feedback as (  -- customer_feedback: feedback keyed by customer_facts' integer key
    select distinct customer_key, coalesce(segment, 'unknown') as segment
    from customer_feedback
    where ($source = 'any' or source = $source)
      and submitted_at >= $end - ($days - 1)
      and submitted_at < $end + 1
),

churned as (
    select customer_key from customer_facts where churned_at <= $end
),

base as (
    select segment, sum(signups) - sum(churned) as active
    from movements
    group by segment
    having sum(signups) - sum(churned) > 0
),

heard as (
    select segment, count(*) as heard
    from recent_feedback r
    where not exists (select 1 from churned c where c.customer_key = r.customer_key)
    group by segment
)

select
    base.segment,
    cast(base.active as bigint)            as active,
    cast(coalesce(heard.heard, 0) as bigint) as heard
from base
left join heard on heard.segment = base.segment
order by base.segment
