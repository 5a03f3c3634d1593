-- returns: the open follow-up cases of one owner (and, when asked, the unassigned ones) with their SLA terms and what opened them; not yet contacted first, then soonest due (at most 500)
-- grain: case_id
-- params: owner varchar, unassigned boolean
with open_cases as (
    select * from cases
    where status <> 'closed' and (owner = $owner or ($unassigned and owner is null))
)

select
    c.case_id, c.owner, c.priority, c.status, c.unit_id, u.name as unit, c.customer_id, c.opened_at, c.due_at,
    c.first_contact_at, coalesce(s.business_hours, false) as business_hours,
    coalesce(s.escalate_share, 0.75) as escalate_share, coalesce(r.name, c.rule) as rule_name,
    f.source, f.nps, f.csat, left(f.text, 160) as excerpt, c.version
from open_cases c
left join case_sla s on s.case_id = c.case_id
left join case_rules r on r.rule_id = c.rule
left join org_units u on u.unit_id = c.unit_id
left join feedback f on f.feedback_id = c.feedback_id
order by c.first_contact_at is not null, c.due_at,
         case c.priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end, c.case_id
limit 500
