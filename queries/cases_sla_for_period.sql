-- returns: follow-up cases opened in a date range: how many, how many are closed, closed by their due time, and still open past it
-- grain: one row
-- params: start date, end date
with opened as (
    select case_id, due_at, closed_at
    from cases
    where opened_at >= $start and opened_at < $end + 1
)

select
    count(*)                                                       as opened,
    count(closed_at)                                               as closed,
    count(*) filter (where closed_at <= due_at)                    as closed_in_sla,
    count(*) filter (where closed_at is null and due_at < $end + 1) as open_overdue
from opened
