-- returns: per month of opening, follow-up cases due by a moment, and how many of them reached the customer by the due time, late, or not yet
-- grain: month
-- params: start date, end date, as_of timestamp
with opened as (
    select date_trunc('month', opened_at) as month, due_at, first_contact_at
    from cases
    where opened_at >= $start and opened_at < $end + 1 and due_at <= $as_of
)

select
    cast(month as date)                                                          as month,
    count(*)                                                                     as due,
    count(*) filter (where first_contact_at <= due_at)                           as in_time,
    count(*) filter (where first_contact_at > due_at)                            as late,
    count(*) filter (where first_contact_at is null)                             as not_contacted
from opened
group by month
order by month
