-- returns: the active root causes agents choose from when they resolve a case, in display order
-- grain: root_cause_id
-- params: none
with causes as (
    select * from root_causes where active
)

select root_cause_id, label, category, theme_id, position
from causes
order by position, root_cause_id
