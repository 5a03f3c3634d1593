-- returns: closed-loop follow-up health: cases ever, open now, and of the cases opened in a date range how many were due or closed, closed by their due time, contacted, and the median hours to first contact
-- grain: one row
-- params: start date, end date
with follow_ups as (  -- cases carry their answer's segment, source and stage: the reader's filters apply
    select * from cases
),

opened as (
    select * from follow_ups
    where opened_at >= $start and opened_at < $end + interval 1 day
)

select
    (select count(*) from follow_ups) as cases_total,
    (select count(*) from follow_ups where status <> 'closed') as open_now,
    count(*) as opened,
    count(*) filter (where closed_at is not null or due_at < $end + interval 1 day) as due_or_closed,
    count(*) filter (where closed_at is not null and closed_at <= due_at) as closed_within_sla,
    count(first_contact_at) as contacted,
    median(date_diff('second', opened_at, first_contact_at) / 3600.0) as median_hours_to_contact
from opened
