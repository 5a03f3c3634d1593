-- returns: customers whose latest NPS answer in a date range was a detractor and who had not churned by its end, with their annualised revenue
-- grain: one row
-- params: start date, end date
with answers as (
    select customer_id, nps, submitted_at
    from feedback
    where nps is not null and customer_id is not null
      and submitted_at >= $start and submitted_at < $end + interval 1 day
),

churned as (
    select customer_id from churn_events where churned_at <= $end
),

latest as (
    select
        customer_id,
        arg_max(nps, submitted_at)                                    as nps,
        cast(date_trunc('month', max(submitted_at)) as date)          as answer_month
    from answers
    group by customer_id
),

at_risk as (
    select latest.customer_id, revenue.amount as monthly_revenue
    from latest
    left join revenue
        on revenue.customer_id = latest.customer_id and revenue.month = latest.answer_month
    where latest.nps <= 6 and latest.customer_id not in (select customer_id from churned)
)

select
    (select count(*) from latest)           as respondents,
    count(*)                                as at_risk_customers,
    coalesce(sum(12 * monthly_revenue), 0)  as revenue_at_risk
from at_risk
