-- returns: non-positive themes mentioned in detractor answers (NPS 0-6) in a date range: mentions, customers, and the annualised revenue of those customers at risk (latest answer in the range a detractor, not churned by its end)
-- grain: theme_id
-- params: start date, end date
-- answer_drivers carries each answer's customer key, the revenue of the answer's month and the churn date
with mentions as (
    select feedback_id, customer_key, unnest(themes) as theme_id
    from answer_drivers
    where submitted_at >= $start and submitted_at < $end + interval 1 day
      and nps <= 6 and themes is not null
),

latest as (  -- only for the customers who mentioned a theme in a detractor answer
    select
        customer_key,
        arg_max(nps, submitted_at)                    as nps,
        arg_max(month_revenue, submitted_at)          as monthly_revenue,
        any_value(churned_at)                         as churned_at
    from answer_drivers
    where submitted_at >= $start and submitted_at < $end + interval 1 day
      and nps is not null
      and customer_key in (select customer_key from mentions)
    group by customer_key
),

at_risk as (
    select customer_key, 12 * monthly_revenue as annual_revenue
    from latest
    where nps <= 6 and (churned_at is null or churned_at > $end)
),

theme_mentions as (
    select theme_id, count(distinct feedback_id) as mentions, count(distinct customer_key) as customers
    from mentions
    group by theme_id
),

theme_revenue as (
    select
        mentioners.theme_id,
        count(*) as at_risk_customers,
        coalesce(sum(at_risk.annual_revenue), 0) as revenue_at_risk
    from (select distinct theme_id, customer_key from mentions where customer_key is not null) mentioners
    join at_risk on at_risk.customer_key = mentioners.customer_key
    group by mentioners.theme_id
)

select
    theme_mentions.theme_id,
    coalesce(themes.label, theme_mentions.theme_id) as label,
    theme_mentions.mentions,
    theme_mentions.customers,
    coalesce(theme_revenue.at_risk_customers, 0) as at_risk_customers,
    coalesce(theme_revenue.revenue_at_risk, 0) as revenue_at_risk
from theme_mentions
left join themes on themes.theme_id = theme_mentions.theme_id
left join theme_revenue on theme_revenue.theme_id = theme_mentions.theme_id
where coalesce(themes.polarity, 'negative') <> 'positive'
order by revenue_at_risk desc, theme_mentions.mentions desc, theme_mentions.theme_id
