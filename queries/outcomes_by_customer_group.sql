-- returns: customers of a date range grouped by exposure (among customers with an order in the range: a late delivery or not; with a contact: a long wait or not; all: an incident in their unit or not) and by the NPS group of their latest answer, with the counts behind NPS, churn (in the range and the churn_days after it, bounded by the data) and average monthly revenue
-- grain: dimension, grp
-- params: start date, end date, long_wait_seconds integer, churn_days integer
with customers as (  -- customer_facts: one row per customer with its integer key and churn date
    select customer_key, unit_id, churned_at
    from customer_facts
    where signup_at <= $end
),

contacts_in_range as (
    select customer_key, count(*) filter (where wait_seconds > $long_wait_seconds) as long_wait_n
    from customer_contacts
    where started_at >= $start and started_at < $end + interval 1 day
    group by customer_key
),

incident_units as (
    select distinct unit_id
    from incidents
    where started_at < $end + interval 1 day
      and coalesce(ended_at, $end + interval 1 day) >= $start
),

answers as (
    select customer_key, arg_max(last_nps, last_at) as nps
    from respondent_monthly
    where last_at >= $start and last_at < $end + interval 1 day
    group by customer_key
),

month_rows as (  -- customer_months: each month of the range with its revenue and whether it had an order (a late one) in the range
    select
        customer_key,
        revenue,
        case when month = date_trunc('month', $start) and $start > month
                  and month = date_trunc('month', $end) and $end < last_day(month)
                  then null                                       -- cut at both ends: short_range_orders
             when month = date_trunc('month', $start) and $start > month
                  then last_order_on >= $start                    -- cut by the start
             when month = date_trunc('month', $end) and $end < last_day(month)
                  then first_order_on <= $end                     -- cut by the end
             else first_order_on is not null end                  as ordered,
        case when month = date_trunc('month', $start) and $start > month
                  and month = date_trunc('month', $end) and $end < last_day(month)
                  then null
             when month = date_trunc('month', $start) and $start > month
                  then last_late_on >= $start
             when month = date_trunc('month', $end) and $end < last_day(month)
                  then first_late_on <= $end
             else first_late_on is not null end                   as late
    from customer_months
    where month >= date_trunc('month', $start) and month <= $end
),

short_range_orders as (  -- a range inside one month, cut at both ends: its orders one by one
    select customer_key, null::decimal(12, 2) as revenue, true as ordered, late
    from customer_orders
    where date_trunc('month', $start) = date_trunc('month', $end)
      and $start > date_trunc('month', $start) and $end < last_day($end)
      and ordered_at >= $start and ordered_at < $end + interval 1 day
),

months_in_range as (
    select customer_key,
           avg(revenue)  as monthly_revenue,
           bool_or(ordered) as ordered,
           bool_or(late)    as late
    from (select * from month_rows union all select * from short_range_orders)
    group by customer_key
),

last_day as (
    select max(day) as day from (
        select max(day) as day from feedback_daily
        union all select max(day) from orders_daily
        union all select max(day) from contacts_daily
        union all select max(day) from customer_daily
    )
),

horizon as (
    select least(cast($end as date) + $churn_days, coalesce(day, cast($end as date))) as churn_until
    from last_day
),

active as (
    select customer_key, unit_id, churned_at
    from customers
    where churned_at is null or churned_at >= $start
),

flags as (
    select
        a.customer_key,
        case when v.ordered then coalesce(v.late, false) end          as late_delivery,  -- null: no order
        k.long_wait_n > 0                                             as long_wait,      -- null: no contact
        case when (select count(*) from incident_units) > 0
             then i.unit_id is not null end                           as incident,       -- null: no incident
        r.nps,
        a.churned_at is not null and a.churned_at <= h.churn_until    as churned,
        v.monthly_revenue
    from active a
    cross join horizon h
    left join contacts_in_range k on k.customer_key = a.customer_key
    left join incident_units i on i.unit_id = a.unit_id
    left join answers r on r.customer_key = a.customer_key
    left join months_in_range v on v.customer_key = a.customer_key
),

counted as (  -- the customers counted by their combination of flags, answer and churn: a few hundred rows
    select
        late_delivery, long_wait, incident, nps, churned,
        count(*)                                                      as customers,
        count(monthly_revenue)                                        as revenue_n,
        sum(monthly_revenue)                                          as revenue_sum,
        sum(monthly_revenue * monthly_revenue)                        as revenue_sq_sum
    from flags
    group by late_delivery, long_wait, incident, nps, churned
),

combos as (
    select
        late_delivery, long_wait, incident,
        case when nps >= 9 then 'promoter' when nps >= 7 then 'passive'
             when nps is not null then 'detractor' end                as nps_group,
        customers,
        case when nps is not null then customers else 0 end           as nps_n,
        case when nps >= 9 then customers else 0 end                  as promoters,
        case when nps <= 6 then customers else 0 end                  as detractors,
        case when churned then customers else 0 end                   as churned,
        revenue_n, revenue_sum, revenue_sq_sum
    from counted
),

grouped as (
    select 'all' as dimension, 'all' as grp, * from combos
    union all
    select 'late_delivery', case when late_delivery then 'exposed' else 'not_exposed' end, * from combos
    where late_delivery is not null
    union all
    select 'long_wait', case when long_wait then 'exposed' else 'not_exposed' end, * from combos
    where long_wait is not null
    union all
    select 'incident', case when incident then 'exposed' else 'not_exposed' end, * from combos
    where incident is not null
    union all
    select 'nps_group', nps_group, * from combos
    where nps_group is not null
)

select
    g.dimension,
    g.grp,
    cast(sum(g.customers) as bigint)                                  as customers,
    cast(sum(g.nps_n) as bigint)                                      as nps_n,
    cast(sum(g.promoters) as bigint)                                  as promoters,
    cast(sum(g.detractors) as bigint)                                 as detractors,
    cast(sum(g.churned) as bigint)                                    as churned,
    cast(sum(g.revenue_n) as bigint)                                  as revenue_n,
    coalesce(sum(g.revenue_sum), 0)::double                           as revenue_sum,
    coalesce(sum(g.revenue_sq_sum), 0)::double                        as revenue_sq_sum,
    any_value(h.churn_until)                                          as churn_until,
    (select count(*) > 0 from churn_events)                           as churn_loaded
from grouped g
cross join horizon h
group by g.dimension, g.grp
order by g.dimension, g.grp
