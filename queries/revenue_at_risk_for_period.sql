-- returns: customers whose latest NPS answer in a date range was a detractor and who had not churned by its end, with their annualised revenue
-- grain: one row
-- params: start date, end date
with answers as (
    select * from respondent_monthly
    where last_at >= $start and last_at < $end + interval 1 day
),

churned as (
    select customer_id from churn_events where churned_at <= $end
),

latest as (
    select
        customer_id,
        arg_max(last_nps, last_at)        as nps,
        arg_max(monthly_revenue, last_at) as monthly_revenue
    from answers
    group by customer_id
),

at_risk as (
    select *
    from latest
    where nps <= 6 and customer_id not in (select customer_id from churned)
)

select
    (select count(*) from latest)                                  as respondents,
    count(*)                                                       as at_risk_customers,
    coalesce(sum(12 * monthly_revenue), 0)                         as revenue_at_risk
from at_risk
