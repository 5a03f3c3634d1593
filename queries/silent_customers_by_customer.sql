-- returns: valuable customers (not churned by a date, revenue in the latest month with revenue up to it in the top quartile) with no feedback from any source in the year to that date; no contact details
-- grain: customer_id
-- params: end date
-- keep the definitions in step with silent_customers_by_segment_unit.sql
with revenue_month as (
    select max(month) as month
    from revenue
    where month <= $end and month >= $end + 1 - interval 1 year
),

month_revenue as (
    select r.customer_id, r.amount
    from revenue r
    join revenue_month m on r.month = m.month
),

churned as (
    select customer_id from churn_events where churned_at <= $end
),

customer_units as (
    select customer_id, unit_id, segment from customers
),

units as (
    select unit_id, name from org_units
),

paying as (
    select c.customer_id, c.unit_id, c.segment, r.amount as monthly_revenue
    from month_revenue r
    join customer_units c on c.customer_id = r.customer_id
    where not exists (select 1 from churned x where x.customer_id = r.customer_id)
),

threshold as (
    select quantile_cont(monthly_revenue, 0.75) as top_quartile_from, count(*) as paying from paying
),

valuable as (
    select
        p.*,
        t.top_quartile_from,
        t.paying,
        not exists (select 1 from feedback f where f.customer_id = p.customer_id
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
