-- returns: non-positive themes mentioned in detractor answers (NPS 0-6) in a date range: mentions, customers, and the annualised revenue of those customers at risk (latest answer in the range a detractor, not churned by its end)
-- grain: theme_id
-- params: start date, end date
with answers as (
    select feedback_id, customer_id, nps, submitted_at, themes
    from feedback
    where submitted_at >= $start and submitted_at < $end + interval 1 day
      and nps is not null
),

mentions as (
    select feedback_id, customer_id, unnest(themes) as theme_id
    from answers
    where nps <= 6 and themes is not null
),

latest as (
    select
        customer_id,
        arg_max(nps, submitted_at)                             as nps,
        cast(date_trunc('month', max(submitted_at)) as date)   as month
    from answers
    where customer_id is not null
    group by customer_id
),

churned as (
    select customer_id from churn_events where churned_at <= $end
),

at_risk as (
    select latest.customer_id, 12 * revenue.amount as annual_revenue
    from latest
    left join revenue
        on revenue.customer_id = latest.customer_id and revenue.month = latest.month
    where latest.nps <= 6 and latest.customer_id not in (select customer_id from churned)
),

theme_mentions as (
    select theme_id, count(distinct feedback_id) as mentions, count(distinct customer_id) as customers
    from mentions
    group by theme_id
),

theme_revenue as (
    select
        mentioners.theme_id,
        count(*) as at_risk_customers,
        coalesce(sum(at_risk.annual_revenue), 0) as revenue_at_risk
    from (select distinct theme_id, customer_id from mentions where customer_id is not null) mentioners
    join at_risk on at_risk.customer_id = mentioners.customer_id
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
