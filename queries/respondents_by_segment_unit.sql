-- returns: customers not churned by the end of a date range who answered an NPS survey in it (their latest answer of a month falls in it)
-- grain: unit_id, segment
-- params: start date, end date
-- respondent_monthly carries each respondent's integer key and churn date
with answers as (
    select customer_key, unit_id, segment
    from respondent_monthly
    where last_at >= $start and last_at < $end + 1
      and (churned_at is null or churned_at > $end)
),

units as (
    select unit_id, name from org_units
)

select
    a.unit_id,
    coalesce(u.name, a.unit_id)    as unit_name,
    a.segment,
    count(distinct a.customer_key) as respondents
from answers a
left join units u on u.unit_id = a.unit_id
group by a.unit_id, u.name, a.segment
