-- returns: notifications in the outbox, newest first (at most 500), optionally only those of one status
-- grain: message_id
-- params: status varchar = null
with messages as (
    select * from outbox where $status is null or status = $status
)

select message_id, created_at, kind, dedupe_key, recipient, address, subject, body, case_id, status, attempts,
       sent_at, error
from messages
order by message_id desc
limit 500
