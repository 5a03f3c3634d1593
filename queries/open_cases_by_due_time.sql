-- returns: the follow-up cases still open or in progress, soonest due first (at most 200)
-- grain: case_id
-- params: none
with cases_in_scope as (
    select * from cases
)

select case_id, priority, status, owner, rule, opened_at, due_at
from cases_in_scope
where status in ('open', 'in_progress')
order by due_at, case_id
limit 200
