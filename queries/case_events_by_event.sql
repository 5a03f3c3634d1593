-- returns: everything that happened to one follow-up case (opened, notes, contact attempts, resolution, status changes, escalations, closing), oldest first
-- grain: event_id
-- params: case_id varchar
with events as (
    select * from case_events where case_id = $case_id
)

select event_id, occurred_at, actor, kind, channel, outcome, note, version
from events
order by occurred_at, event_id
