-- returns: one customer's history across every source, newest first (at most 300 events): feedback, orders, contacts, monthly revenue, churn and follow-up cases
-- grain: kind, ref
-- params: customer_id varchar
with fb as (
    select 'feedback' as kind, feedback_id as ref, submitted_at as occurred_at,
           source || coalesce(' (' || touchpoint || ')', '') as what,
           concat_ws(', ', 'NPS ' || nps, 'CSAT ' || csat, 'CES ' || ces, 'rating ' || rating) as score,
           cast(null as decimal(12, 2)) as amount, text as detail
    from feedback where customer_id = $customer_id
),

ord as (
    select 'order', order_id, ordered_at,
           case when delivered_at is null then 'order, not delivered yet'
                when delivered_at > promised_at then 'order, delivered late by '
                     || round(date_diff('minute', promised_at, delivered_at) / 60.0, 1) || ' h'
                else 'order, delivered on time' end,
           null, amount, null
    from orders where customer_id = $customer_id
),

con as (
    select 'contact', contact_id, started_at,
           channel || ' contact' || coalesce(' about ' || reason, ''),
           case when resolved_first_contact then 'resolved first time' else 'not resolved first time' end,
           null, 'waited ' || round(wait_seconds / 60.0, 1) || ' min'
    from contacts where customer_id = $customer_id
),

rev as (
    select 'revenue', strftime(month, '%Y-%m'), cast(month as timestamp), 'monthly revenue', null, amount, null
    from revenue where customer_id = $customer_id
),

gone as (
    select 'churn', customer_id, cast(churned_at as timestamp), 'left the company', null, null, reason
    from churn_events where customer_id = $customer_id
),

cas as (
    select 'case', case_id, opened_at, 'follow-up case (' || status || ')', priority, null, action_taken
    from cases where customer_id = $customer_id
),

everything as (
    select * from fb union all select * from ord union all select * from con
    union all select * from rev union all select * from gone union all select * from cas
)

select kind, ref, occurred_at, what, score, amount, detail
from everything
order by occurred_at desc, kind, ref
limit 300
