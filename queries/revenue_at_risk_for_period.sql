-- returns: customers whose latest NPS answer in a date range was a detractor and who had not churned by its end, with their annualised revenue
-- grain: one row
-- params: start date, end date
-- answer_drivers carries each answer's customer key, the revenue of the answer's month and the churn date
with answers as (
    select customer_key, nps, submitted_at, month_revenue, churned_at
    from answer_drivers
    where nps is not null and customer_key is not null
      and submitted_at >= $start and submitted_at < $end + interval 1 day
),

latest as (  -- a customer whose latest answer was a detractor gave at least one detractor answer
    select
        customer_key,
        arg_max(nps, submitted_at)                  as nps,
        arg_max(month_revenue, submitted_at)        as monthly_revenue,
        any_value(churned_at)                       as churned_at
    from answers
    where customer_key in (select customer_key from answers where nps <= 6)
    group by customer_key
),

at_risk as (
    select monthly_revenue
    from latest
    where nps <= 6 and (churned_at is null or churned_at > $end)
)

select
    (select count(distinct customer_key) from answers)   as respondents,
    count(*)                                              as at_risk_customers,
    coalesce(sum(12 * monthly_revenue), 0)                as revenue_at_risk
from at_risk
