-- returns: the date each customer who left churned
-- grain: customer_id
-- params: none
with gone as (
    select customer_id, churned_at from churn_events
)

select customer_id, churned_at
from gone
order by customer_id
