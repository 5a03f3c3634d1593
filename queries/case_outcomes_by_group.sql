-- returns: for detractor follow-up cases (NPS 0-6) opened in a date range, by unit, owner and contact group (in_time: first contact by the due time; late; never): cases, customers who churned within a number of days of the case opening, their next NPS answer within 180 days, and revenue in the two calendar months after the case's month
-- grain: unit_id, owner, contact_group
-- params: start date, end date, days integer
-- what followed each case comes from the case_outcomes rollup; owner and first contact are read live
with per_case as (
    select
        c.unit_id,
        coalesce(c.owner, '(unassigned)')                                  as owner,
        case when c.first_contact_at is null then 'never'
             when c.first_contact_at <= c.due_at then 'in_time'
             else 'late' end                                               as contact_group,
        coalesce(o.churned_at >= cast(c.opened_at as date)
                 and o.churned_at < cast(c.opened_at as date) + $days, false) as churned,
        o.next_nps,
        o.monthly_revenue_after
    from cases c
    join case_outcomes o on o.case_id = c.case_id
    where o.case_nps <= 6 and c.customer_id is not null
      and c.opened_at >= $start and c.opened_at < $end + 1
)

select
    unit_id, owner, contact_group,
    count(*)                                             as cases,
    count(*) filter (where churned)                      as churned,
    count(next_nps)                                      as later_nps_n,
    count(*) filter (where next_nps >= 9)                as later_promoters,
    count(*) filter (where next_nps <= 6)                 as later_detractors,
    sum(monthly_revenue_after)                           as revenue_sum,
    sum(monthly_revenue_after * monthly_revenue_after)   as revenue_sq_sum
from per_case
group by unit_id, owner, contact_group
order by unit_id, owner, contact_group
