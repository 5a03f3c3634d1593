-- returns: the first theme of each piece of feedback with themes submitted in a time range
-- grain: feedback_id
-- params: since timestamp, until timestamp
with tagged as (
    select feedback_id, themes from feedback
    where submitted_at >= $since and submitted_at < $until and len(themes) > 0
)

select feedback_id, themes[1] as theme_id
from tagged
order by feedback_id
