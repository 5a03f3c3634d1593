-- returns: per customer segment, in a date range and in the previous range: the counts behind NPS, CSAT, CES, feedback volume, the share of feedback with text mentioning a theme (and of detractor answers mentioning it), late deliveries, first-contact resolution and churn (customers active at the start, churned within)
-- grain: segment
-- params: start date, end date, previous_start date, previous_end date, theme varchar = null
-- the previous range must end before the current one starts (rows are told apart by day >= $start);
-- every count is additive over segments, so the company total is the sum of the rows
with feedback as (
    select *, day >= $start as is_current
    from feedback_daily
    where day between $start and $end or day between $previous_start and $previous_end
),

mentions as (
    select segment, n, detractors, day >= $start as is_current
    from theme_daily
    where theme_id = $theme
      and (day between $start and $end or day between $previous_start and $previous_end)
),

orders as (
    select *, day >= $start as is_current
    from orders_daily
    where day between $start and $end or day between $previous_start and $previous_end
),

contacts as (
    select *, day >= $start as is_current
    from contacts_daily
    where day between $start and $end or day between $previous_start and $previous_end
),

movements as (
    select segment, day, signups, churned
    from customer_daily
    where day < $start
),

churn_events_in_range as (
    select customer_id, churned_at
    from churn_events
    where churned_at between $previous_start and $end
),

customer_segments as (
    select customer_id, segment, signup_at from customers
),

feedback_counts as (
    select
        segment,
        sum(n) filter (where is_current)                       as feedback_n,
        sum(nps_n) filter (where is_current)                   as nps_n,
        sum(promoters) filter (where is_current)               as promoters,
        sum(detractors) filter (where is_current)              as detractors,
        sum(csat_n) filter (where is_current)                  as csat_n,
        sum(csat_satisfied) filter (where is_current)          as csat_satisfied,
        sum(ces_n) filter (where is_current)                   as ces_n,
        sum(ces_sum) filter (where is_current)                 as ces_sum,
        sum(ces_sq_sum) filter (where is_current)              as ces_sq_sum,
        sum(text_n) filter (where is_current)                  as text_n,
        sum(n) filter (where not is_current)                   as previous_feedback_n,
        sum(nps_n) filter (where not is_current)               as previous_nps_n,
        sum(promoters) filter (where not is_current)           as previous_promoters,
        sum(detractors) filter (where not is_current)          as previous_detractors,
        sum(csat_n) filter (where not is_current)              as previous_csat_n,
        sum(csat_satisfied) filter (where not is_current)      as previous_csat_satisfied,
        sum(ces_n) filter (where not is_current)               as previous_ces_n,
        sum(ces_sum) filter (where not is_current)             as previous_ces_sum,
        sum(ces_sq_sum) filter (where not is_current)          as previous_ces_sq_sum,
        sum(text_n) filter (where not is_current)              as previous_text_n
    from feedback
    group by segment
),

theme_counts as (
    select
        segment,
        sum(n) filter (where is_current)                       as theme_n,
        sum(detractors) filter (where is_current)              as theme_detractors,
        sum(n) filter (where not is_current)                   as previous_theme_n,
        sum(detractors) filter (where not is_current)          as previous_theme_detractors
    from mentions
    group by segment
),

order_counts as (
    select
        segment,
        sum(n) filter (where is_current)                       as orders_n,
        sum(delivered_n) filter (where is_current)             as delivered_n,
        sum(late_n) filter (where is_current)                  as late_n,
        sum(n) filter (where not is_current)                   as previous_orders_n,
        sum(delivered_n) filter (where not is_current)         as previous_delivered_n,
        sum(late_n) filter (where not is_current)              as previous_late_n
    from orders
    group by segment
),

contact_counts as (
    select
        segment,
        sum(n) filter (where is_current)                       as contacts_n,
        sum(fcr_n) filter (where is_current)                   as fcr_n,
        sum(n) filter (where not is_current)                   as previous_contacts_n,
        sum(fcr_n) filter (where not is_current)               as previous_fcr_n
    from contacts
    group by segment
),

active_counts as (
    select
        segment,
        sum(signups - churned)                                 as active_at_start,
        sum(signups - churned) filter (where day < $previous_start) as previous_active_at_start
    from movements
    group by segment
),

churn_counts as (
    select
        c.segment,
        count(*) filter (where e.churned_at >= $start and c.signup_at < $start)          as churned,
        count(*) filter (where e.churned_at between $previous_start and $previous_end
                           and c.signup_at < $previous_start)                            as previous_churned
    from churn_events_in_range e
    join customer_segments c on c.customer_id = e.customer_id
    group by c.segment
),

segments as (
    select segment from feedback_counts
    union select segment from order_counts
    union select segment from contact_counts
    union select segment from active_counts
)

select
    segments.segment,
    cast(coalesce(f.feedback_n, 0) as bigint)                  as feedback_n,
    cast(coalesce(f.nps_n, 0) as bigint)                       as nps_n,
    cast(coalesce(f.promoters, 0) as bigint)                   as promoters,
    cast(coalesce(f.detractors, 0) as bigint)                  as detractors,
    cast(coalesce(f.csat_n, 0) as bigint)                      as csat_n,
    cast(coalesce(f.csat_satisfied, 0) as bigint)              as csat_satisfied,
    cast(coalesce(f.ces_n, 0) as bigint)                       as ces_n,
    cast(coalesce(f.ces_sum, 0) as bigint)                     as ces_sum,
    cast(coalesce(f.ces_sq_sum, 0) as bigint)                  as ces_sq_sum,
    cast(coalesce(f.text_n, 0) as bigint)                      as text_n,
    cast(coalesce(t.theme_n, 0) as bigint)                     as theme_n,
    cast(coalesce(t.theme_detractors, 0) as bigint)            as theme_detractors,
    cast(coalesce(o.orders_n, 0) as bigint)                    as orders_n,
    cast(coalesce(o.delivered_n, 0) as bigint)                 as delivered_n,
    cast(coalesce(o.late_n, 0) as bigint)                      as late_n,
    cast(coalesce(k.contacts_n, 0) as bigint)                  as contacts_n,
    cast(coalesce(k.fcr_n, 0) as bigint)                       as fcr_n,
    cast(coalesce(a.active_at_start, 0) as bigint)             as active_at_start,
    cast(coalesce(x.churned, 0) as bigint)                     as churned,
    cast(coalesce(f.previous_feedback_n, 0) as bigint)         as previous_feedback_n,
    cast(coalesce(f.previous_nps_n, 0) as bigint)              as previous_nps_n,
    cast(coalesce(f.previous_promoters, 0) as bigint)          as previous_promoters,
    cast(coalesce(f.previous_detractors, 0) as bigint)         as previous_detractors,
    cast(coalesce(f.previous_csat_n, 0) as bigint)             as previous_csat_n,
    cast(coalesce(f.previous_csat_satisfied, 0) as bigint)     as previous_csat_satisfied,
    cast(coalesce(f.previous_ces_n, 0) as bigint)              as previous_ces_n,
    cast(coalesce(f.previous_ces_sum, 0) as bigint)            as previous_ces_sum,
    cast(coalesce(f.previous_ces_sq_sum, 0) as bigint)         as previous_ces_sq_sum,
    cast(coalesce(f.previous_text_n, 0) as bigint)             as previous_text_n,
    cast(coalesce(t.previous_theme_n, 0) as bigint)            as previous_theme_n,
    cast(coalesce(t.previous_theme_detractors, 0) as bigint)   as previous_theme_detractors,
    cast(coalesce(o.previous_orders_n, 0) as bigint)           as previous_orders_n,
    cast(coalesce(o.previous_delivered_n, 0) as bigint)        as previous_delivered_n,
    cast(coalesce(o.previous_late_n, 0) as bigint)             as previous_late_n,
    cast(coalesce(k.previous_contacts_n, 0) as bigint)         as previous_contacts_n,
    cast(coalesce(k.previous_fcr_n, 0) as bigint)              as previous_fcr_n,
    cast(coalesce(a.previous_active_at_start, 0) as bigint)    as previous_active_at_start,
    cast(coalesce(x.previous_churned, 0) as bigint)            as previous_churned
from segments
left join feedback_counts f on f.segment = segments.segment
left join theme_counts t on t.segment = segments.segment
left join order_counts o on o.segment = segments.segment
left join contact_counts k on k.segment = segments.segment
left join active_counts a on a.segment = segments.segment
left join churn_counts x on x.segment = segments.segment
order by segments.segment
