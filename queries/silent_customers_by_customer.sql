-- returns: valuable customers (not churned by a date, revenue in the latest month with revenue up to it in the top quartile) with no feedback from any source in the year to that date; no contact details
-- grain: customer_id
-- params: end date
-- keep the definitions in step with silent_customers_by_segment_unit.sql
with revenue_month as (
    select max(month) as month
    from customer_revenue
    where month <= $end and month >= $end + 1 - interval 1 year
),

units as (
    select unit_id, name from org_units
),

paying as (  -- customer_facts: the customer's id, unit, segment and churn date
    select k.customer_key, k.customer_id, k.unit_id, k.segment, r.amount as monthly_revenue
    from customer_revenue r
    join revenue_month m on r.month = m.month
    join customer_facts k on k.customer_key = r.customer_key
    where k.churned_at is null or k.churned_at > $end
),

threshold as (
    select quantile_cont(monthly_revenue, 0.75) as top_quartile_from, count(*) as paying from paying
),

valuable as (
    select
        p.*,
        t.top_quartile_from,
        t.paying,
        not exists (select 1 from customer_feedback f where f.customer_key = p.customer_key
                    and f.submitted_at >= $end + 1 - interval 1 year and f.submitted_at < $end + 1) as silent
    from paying p, threshold t
    where p.monthly_revenue >= t.top_quartile_from
)

select
    v.customer_id,
    v.unit_id,
    coalesce(u.name, v.unit_id)    as unit_name,
    v.segment,
    v.monthly_revenue
from valuable v
left join units u on u.unit_id = v.unit_id
where v.silent
order by v.monthly_revenue desc, v.customer_id
