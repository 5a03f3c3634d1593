-- returns: for detractor follow-up cases (NPS 0-6) opened in a date range, by unit, owner and contact group (in_time: first contact by the due time; late; never): cases, customers who churned within a number of days of the case opening, their next NPS answer within 180 days, and revenue in the two calendar months after the case's month
-- grain: unit_id, owner, contact_group
-- params: start date, end date, days integer
with detractor_cases as (
    select c.case_id, c.customer_id, c.unit_id, coalesce(c.owner, '(unassigned)') as owner, c.opened_at,
           case when c.first_contact_at is null then 'never'
                when c.first_contact_at <= c.due_at then 'in_time'
                else 'late' end as contact_group
    from cases c
    join feedback f on f.feedback_id = c.feedback_id
    where f.nps <= 6 and c.customer_id is not null
      and c.opened_at >= $start and c.opened_at < $end + 1
),

churned as (
    select distinct d.case_id
    from detractor_cases d
    join churn_events e on e.customer_id = d.customer_id
    where e.churned_at >= cast(d.opened_at as date) and e.churned_at < cast(d.opened_at as date) + $days
),

later as (
    select d.case_id, arg_min(f.nps, f.submitted_at) as next_nps
    from detractor_cases d
    join feedback f on f.customer_id = d.customer_id and f.nps is not null
        and f.submitted_at > d.opened_at and f.submitted_at <= d.opened_at + interval 180 day
    group by d.case_id
),

revenue_after as (
    select d.case_id, sum(r.amount) / 2.0 as monthly
    from detractor_cases d
    join revenue r on r.customer_id = d.customer_id
        and r.month > date_trunc('month', d.opened_at)
        and r.month <= date_trunc('month', d.opened_at) + interval 2 month
    group by d.case_id
),

per_case as (
    select d.unit_id, d.owner, d.contact_group,
           ch.case_id is not null as churned,
           l.next_nps,
           coalesce(ra.monthly, 0) as monthly_revenue_after
    from detractor_cases d
    left join churned ch on ch.case_id = d.case_id
    left join later l on l.case_id = d.case_id
    left join revenue_after ra on ra.case_id = d.case_id
)

select
    unit_id, owner, contact_group,
    count(*)                                             as cases,
    count(*) filter (where churned)                      as churned,
    count(next_nps)                                      as later_nps_n,
    count(*) filter (where next_nps >= 9)                as later_promoters,
    count(*) filter (where next_nps <= 6)                as later_detractors,
    sum(monthly_revenue_after)                           as revenue_sum,
    sum(monthly_revenue_after * monthly_revenue_after)   as revenue_sq_sum
from per_case
group by unit_id, owner, contact_group
order by unit_id, owner, contact_group
