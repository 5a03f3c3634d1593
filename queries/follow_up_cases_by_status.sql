-- returns: how many follow-up cases there are per status, and how many of them were due before a moment
-- grain: status
-- params: as_of timestamp
with cases_in_scope as (
    select * from cases
)

select
    status,
    count(*)                                   as cases,
    count(*) filter (where due_at < $as_of)    as due_before
from cases_in_scope
group by status
order by status
