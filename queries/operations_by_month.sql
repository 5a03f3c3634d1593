-- returns: per calendar month, the NPS counts beside the operational counts (orders delivered and late, contacts with their wait and first-contact resolutions)
-- grain: month
-- params: start date, end date
with feedback as (
    select * from feedback_daily
    where day between $start and $end
),

orders as (
    select * from orders_daily
    where day between $start and $end
),

contacts as (
    select * from contacts_daily
    where day between $start and $end
),

feedback_months as (
    select
        cast(date_trunc('month', day) as date) as month,
        sum(nps_n)      as nps_n,
        sum(promoters)  as promoters,
        sum(detractors) as detractors
    from feedback
    group by 1
),

order_months as (
    select
        cast(date_trunc('month', day) as date) as month,
        sum(n)           as orders_n,
        sum(delivered_n) as delivered_n,
        sum(late_n)      as late_n
    from orders
    group by 1
),

contact_months as (
    select
        cast(date_trunc('month', day) as date) as month,
        sum(n)        as contacts_n,
        sum(wait_sum) as wait_seconds_sum,
        sum(fcr_n)    as fcr_n
    from contacts
    group by 1
),

months as (
    select month from feedback_months
    union
    select month from order_months
    union
    select month from contact_months
)

select
    months.month,
    cast(coalesce(feedback_months.nps_n, 0) as bigint)            as nps_n,
    cast(coalesce(feedback_months.promoters, 0) as bigint)        as promoters,
    cast(coalesce(feedback_months.detractors, 0) as bigint)       as detractors,
    cast(coalesce(order_months.orders_n, 0) as bigint)            as orders_n,
    cast(coalesce(order_months.delivered_n, 0) as bigint)         as delivered_n,
    cast(coalesce(order_months.late_n, 0) as bigint)              as late_n,
    cast(coalesce(contact_months.contacts_n, 0) as bigint)        as contacts_n,
    cast(coalesce(contact_months.wait_seconds_sum, 0) as bigint)  as wait_seconds_sum,
    cast(coalesce(contact_months.fcr_n, 0) as bigint)             as fcr_n
from months
left join feedback_months on feedback_months.month = months.month
left join order_months on order_months.month = months.month
left join contact_months on contact_months.month = months.month
order by months.month
