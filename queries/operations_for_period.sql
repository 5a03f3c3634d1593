-- returns: order and support-contact counts in a date range and in the previous range: orders, delivered, delivered late, contacts, resolved at first contact
-- grain: one row
-- params: start date, end date, previous_start date, previous_end date
-- the previous range must end before the current one starts (rows are told apart by day >= $start)
with orders as (
    select *, day >= $start as is_current
    from orders_daily
    where day between $start and $end or day between $previous_start and $previous_end
),

contacts as (
    select *, day >= $start as is_current
    from contacts_daily
    where day between $start and $end or day between $previous_start and $previous_end
),

order_totals as (
    select
        cast(coalesce(sum(n) filter (where is_current), 0) as bigint) as orders_n,
        cast(coalesce(sum(delivered_n) filter (where is_current), 0) as bigint) as delivered_n,
        cast(coalesce(sum(late_n) filter (where is_current), 0) as bigint) as late_n,
        cast(coalesce(sum(n) filter (where not is_current), 0) as bigint) as previous_orders_n,
        cast(coalesce(sum(delivered_n) filter (where not is_current), 0) as bigint) as previous_delivered_n,
        cast(coalesce(sum(late_n) filter (where not is_current), 0) as bigint) as previous_late_n
    from orders
),

contact_totals as (
    select
        cast(coalesce(sum(n) filter (where is_current), 0) as bigint) as contacts_n,
        cast(coalesce(sum(fcr_n) filter (where is_current), 0) as bigint) as fcr_n,
        cast(coalesce(sum(n) filter (where not is_current), 0) as bigint) as previous_contacts_n,
        cast(coalesce(sum(fcr_n) filter (where not is_current), 0) as bigint) as previous_fcr_n
    from contacts
)

select
    order_totals.orders_n,
    order_totals.delivered_n,
    order_totals.late_n,
    order_totals.previous_orders_n,
    order_totals.previous_delivered_n,
    order_totals.previous_late_n,
    contact_totals.contacts_n,
    contact_totals.fcr_n,
    contact_totals.previous_contacts_n,
    contact_totals.previous_fcr_n
from order_totals, contact_totals
