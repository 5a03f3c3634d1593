-- returns: customers active on a date (signed up and not churned by it, from the customer_daily rollup) and how many of them gave feedback in the given number of days up to it, from any source (source 'any') and from each source
-- grain: unit_id, segment, source
-- params: end date, days integer
with movements as (
    select unit_id, segment, signups, churned from customer_daily where day <= $end
),

recent_feedback as (  -- customer_feedback: feedback keyed by customer_facts' integer key
    select distinct customer_key, unit_id, coalesce(segment, 'unknown') as segment, source
    from customer_feedback
    where submitted_at >= $end - ($days - 1)
      and submitted_at < $end + 1
),

churned as (
    select customer_key from customer_facts where churned_at <= $end
),

units as (
    select unit_id, name from org_units
),

base as (
    select unit_id, segment, sum(signups) - sum(churned) as active
    from movements
    group by unit_id, segment
    having sum(signups) - sum(churned) > 0
),

heard as (
    select * from recent_feedback r
    where not exists (select 1 from churned c where c.customer_key = r.customer_key)
),

reached as (
    select unit_id, segment, source, count(*) as heard
    from heard
    group by unit_id, segment, source
    union all
    select unit_id, segment, 'any' as source, count(distinct customer_key) as heard
    from heard
    group by unit_id, segment
)

select
    b.unit_id,
    coalesce(u.name, b.unit_id)    as unit_name,
    b.segment,
    coalesce(r.source, 'any')      as source,
    cast(b.active as bigint)       as active,
    coalesce(r.heard, 0)           as heard
from base b
left join reached r on r.unit_id = b.unit_id and r.segment = b.segment
left join units u on u.unit_id = b.unit_id
