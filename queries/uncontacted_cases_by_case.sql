-- returns: open follow-up cases whose customer has not been reached yet, with SLA terms, owner and latest escalation, soonest due first (at most 5000)
-- grain: case_id
-- params: none
with waiting as (
    select * from cases where status <> 'closed' and first_contact_at is null
),

escalations as (
    select case_id, max(occurred_at) as escalated_at, arg_max(outcome, occurred_at) as escalation
    from case_events
    where kind = 'escalated' and case_id in (select case_id from waiting)
    group by case_id
)

select
    c.case_id, c.unit_id, u.name as unit, c.owner, c.priority, c.status, c.customer_id, c.opened_at, c.due_at,
    coalesce(s.business_hours, false) as business_hours, coalesce(s.escalate_share, 0.75) as escalate_share,
    coalesce(r.name, c.rule) as rule_name, e.escalated_at, e.escalation, c.version
from waiting c
left join case_sla s on s.case_id = c.case_id
left join case_rules r on r.rule_id = c.rule
left join org_units u on u.unit_id = c.unit_id
left join escalations e on e.case_id = c.case_id
order by c.due_at, c.case_id
limit 5000
