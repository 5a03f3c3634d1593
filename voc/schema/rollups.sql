-- Rollups: small pre-aggregated tables rebuilt after every load so that summary
-- queries never scan the raw facts. Classifications (promoter 9-10, detractor 0-6,
-- satisfied CSAT 4-5, late delivery) are defined here once; formulas live in voc/metrics.py.

create or replace table feedback_daily as
select
    cast(submitted_at as date)                       as day,
    unit_id,
    coalesce(segment, 'unknown')                     as segment,
    source,
    coalesce(journey_stage, 'unknown')               as journey_stage,
    count(*)                                         as n,
    count(nps)                                       as nps_n,
    count(*) filter (where nps >= 9)                 as promoters,
    count(*) filter (where nps <= 6)                 as detractors,
    count(csat)                                      as csat_n,
    count(*) filter (where csat >= 4)                as csat_satisfied,
    count(ces)                                       as ces_n,
    coalesce(sum(ces), 0)                            as ces_sum,
    coalesce(sum(ces * ces), 0)                      as ces_sq_sum,
    count(sentiment)                                 as sentiment_n,
    coalesce(sum(sentiment), 0)                      as sentiment_sum,
    count(*) filter (where sentiment < -0.2)         as negative_n,
    count(text)                                      as text_n
from feedback
group by all;

create or replace table theme_daily as
select
    cast(submitted_at as date)                       as day,
    unit_id,
    coalesce(segment, 'unknown')                     as segment,
    source,
    coalesce(journey_stage, 'unknown')               as journey_stage,
    theme                                            as theme_id,
    count(*)                                         as n,
    count(*) filter (where nps <= 6)                 as detractors,
    count(nps)                                       as nps_n,
    coalesce(sum(sentiment), 0)                      as sentiment_sum
from (select *, unnest(themes) as theme from feedback where themes is not null)
group by all;

create or replace table orders_daily as
select
    cast(o.ordered_at as date)                       as day,
    o.unit_id,
    coalesce(c.segment, 'unknown')                   as segment,
    count(*)                                         as n,
    count(*) filter (where o.delivered_at > o.promised_at) as late_n,
    count(o.delivered_at)                            as delivered_n,
    sum(o.amount)                                    as amount
from orders o left join customers c using (customer_id)
group by all;

create or replace table contacts_daily as
select
    cast(k.started_at as date)                       as day,
    k.unit_id,
    coalesce(c.segment, 'unknown')                   as segment,
    k.channel,
    count(*)                                         as n,
    sum(k.wait_seconds)                              as wait_sum,
    sum(k.handle_seconds)                            as handle_sum,
    count(*) filter (where k.resolved_first_contact) as fcr_n
from contacts k left join customers c using (customer_id)
group by all;

create or replace table customer_daily as
select day, unit_id, segment, sum(signups) as signups, sum(churned) as churned
from (
    select signup_at as day, unit_id, segment, 1 as signups, 0 as churned from customers
    union all
    select e.churned_at, c.unit_id, c.segment, 0, 1
    from churn_events e join customers c using (customer_id)
)
group by all;

-- One row per customer with a small integer key, so that per-customer work groups and joins
-- on integers rather than text, and with the customer's churn date.
create or replace table customer_facts as
select
    row_number() over (order by c.customer_id)::integer as customer_key,
    c.customer_id,
    c.unit_id,
    c.segment,
    c.signup_at,
    e.churned_at
from customers c
left join churn_events e using (customer_id);

-- Orders, contacts, monthly revenue and feedback keyed by that integer, kept to the columns the
-- per-customer queries read (the exposure comparison of voc/exposure.py, the listening audit's
-- coverage and silent customers): a date range over millions of rows then groups and joins on
-- integers. Rows keep the base table's order (by date as loaded), so a date range still skips
-- the row groups outside it. Feedback keeps the columns the reader's filters apply to.
create or replace table customer_orders as
select k.customer_key, o.unit_id, o.ordered_at, o.delivered_at > o.promised_at as late
from orders o
join customer_facts k using (customer_id);

create or replace table customer_contacts as
select k.customer_key, c.unit_id, c.started_at, c.wait_seconds
from contacts c
join customer_facts k using (customer_id);

create or replace table customer_revenue as
select k.customer_key, r.unit_id, r.month, r.amount
from revenue r
join customer_facts k using (customer_id);

-- One row per customer, unit and month with the month's revenue and the first and last day the
-- customer ordered (and had a late delivery) in it: the exposure comparison reads a month here
-- instead of its orders one by one. The first and last day make a month cut by a range's start
-- or end exact too (an order on or after the start exists when the month's last one is; on or
-- before the end when its first one is). Rows of different units stay apart, so a scope limits
-- them exactly as it limits the revenue and orders they come from. In month order, so a range
-- skips the row groups outside it.
create or replace table customer_months as
with ordered as (
    select customer_key, unit_id, cast(date_trunc('month', ordered_at) as date) as month,
           cast(min(ordered_at) as date)                      as first_order_on,
           cast(max(ordered_at) as date)                      as last_order_on,
           cast(min(ordered_at) filter (where late) as date)  as first_late_on,
           cast(max(ordered_at) filter (where late) as date)  as last_late_on
    from customer_orders
    group by customer_key, unit_id, month
)
select coalesce(r.customer_key, o.customer_key) as customer_key,
       coalesce(r.unit_id, o.unit_id)           as unit_id,
       coalesce(r.month, o.month)               as month,
       r.amount                                 as revenue,
       o.first_order_on, o.last_order_on, o.first_late_on, o.last_late_on
from customer_revenue r
full join ordered o on o.customer_key = r.customer_key and o.unit_id = r.unit_id and o.month = r.month
order by month;

create or replace table customer_feedback as
select k.customer_key, f.unit_id, f.segment, f.source, f.journey_stage, f.submitted_at
from feedback f
join customer_facts k using (customer_id);

create or replace table respondent_monthly as
with answers as (
    select cast(date_trunc('month', submitted_at) as date) as month, customer_id, unit_id,
           coalesce(segment, 'unknown') as segment, nps, submitted_at
    from feedback
    where nps is not null and customer_id is not null
)
select a.month, a.customer_id, a.unit_id, a.segment,
       arg_max(a.nps, a.submitted_at) as last_nps,
       max(a.submitted_at)            as last_at,
       any_value(r.amount)            as monthly_revenue,
       any_value(k.customer_key)      as customer_key,
       any_value(k.churned_at)        as churned_at
from answers a
left join revenue r on r.customer_id = a.customer_id and r.month = a.month
left join customer_facts k on k.customer_id = a.customer_id
group by a.month, a.customer_id, a.unit_id, a.segment;

create or replace table revenue_monthly as
select r.month, r.unit_id, coalesce(c.segment, 'unknown') as segment,
       count(*) as paying, sum(r.amount) as amount
from revenue r left join customers c using (customer_id)
group by all;

-- Customers counted by unit, segment, signup day and churn day: who was active at a date and who
-- of them churned in a window, without reading a row per customer.
create or replace table customer_cohorts as
select unit_id, segment, signup_at, churned_at, count(*) as customers
from customer_facts
group by all;

-- One row per scored answer with the operational facts of the order or contact it is about,
-- the customer's revenue in the month of the answer and churn date, so that driver analysis
-- and revenue at risk do not join answers to the raw orders, contacts and revenue per read.
create or replace table answer_drivers as
select
    f.feedback_id,
    f.customer_id,
    cf.customer_key,
    f.submitted_at,
    f.unit_id,
    coalesce(f.segment, 'unknown')                   as segment,
    f.source,
    coalesce(f.journey_stage, 'unknown')             as journey_stage,
    f.nps,
    f.csat,
    list_distinct(f.themes)                          as themes,
    case when o.delivered_at is not null then o.delivered_at > o.promised_at end as late_delivery,
    k.wait_seconds,
    k.resolved_first_contact,
    coalesce(r.amount, 0)                            as month_revenue,  -- 0: no revenue that month
    cf.churned_at
from feedback f
left join orders o on o.order_id = f.interaction_id
left join contacts k on k.contact_id = f.interaction_id
left join customer_facts cf on cf.customer_id = f.customer_id
left join revenue r on r.customer_id = f.customer_id and r.month = cast(date_trunc('month', f.submitted_at) as date)
where f.nps is not null or f.csat is not null
order by f.submitted_at;

-- What followed each follow-up case: the customer's churn date, their next NPS answer within
-- 180 days of the opening and their average monthly revenue in the two calendar months after
-- it, so that the value of following up does not join cases to answers and revenue per read.
-- Rebuilt with the others after a load; cases opened in between get their rows when they are
-- opened (voc.rollups.add_case_outcomes runs this same SELECT over the new cases alone).
create or replace table case_outcomes as
with opened as (
    select c.case_id, c.unit_id, c.customer_id, c.opened_at, f.nps as case_nps
    from cases c
    join feedback f on f.feedback_id = c.feedback_id
    where c.customer_id is not null
),

later as (
    select o.case_id, arg_min(f.nps, f.submitted_at) as next_nps
    from opened o
    join feedback f on f.customer_id = o.customer_id and f.nps is not null
        and f.submitted_at > o.opened_at and f.submitted_at <= o.opened_at + interval 180 day
    group by o.case_id
),

revenue_after as (
    select o.case_id, sum(r.amount) / 2.0 as monthly
    from opened o
    join revenue r on r.customer_id = o.customer_id
        and r.month > date_trunc('month', o.opened_at)
        and r.month <= date_trunc('month', o.opened_at) + interval 2 month
    group by o.case_id
)

select
    o.case_id,
    o.unit_id,
    o.case_nps,
    e.churned_at,
    l.next_nps,
    coalesce(ra.monthly, 0)                          as monthly_revenue_after
from opened o
left join churn_events e on e.customer_id = o.customer_id
left join later l on l.case_id = o.case_id
left join revenue_after ra on ra.case_id = o.case_id;
