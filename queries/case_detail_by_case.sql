-- returns: one follow-up case with its SLA terms, its rule, the feedback that opened it and the customer it is about
-- grain: case_id
-- params: case_id varchar
with the_case as (
    select * from cases where case_id = $case_id
)

select
    c.case_id, c.feedback_id, c.customer_id, c.unit_id, u.name as unit, c.rule, r.name as rule_name, c.owner,
    c.priority, c.status, c.opened_at, c.due_at, c.first_contact_at, c.closed_at, c.root_cause,
    rc.label as root_cause_label, c.action_taken, c.customer_informed, c.version, c.updated_at,
    coalesce(s.sla_hours, date_diff('second', c.opened_at, c.due_at) / 3600.0) as sla_hours,
    coalesce(s.business_hours, false)     as business_hours,
    coalesce(s.escalate_share, 0.75)      as escalate_share,
    f.source, f.channel as feedback_channel, f.touchpoint, f.submitted_at, f.language, f.nps, f.csat, f.ces,
    f.rating, f.sentiment, f.themes, f.text,
    k.segment, k.plan, k.country, k.signup_at, k.email, k.phone
from the_case c
left join case_sla s on s.case_id = c.case_id
left join case_rules r on r.rule_id = c.rule
left join root_causes rc on rc.root_cause_id = c.root_cause
left join org_units u on u.unit_id = c.unit_id
left join feedback f on f.feedback_id = c.feedback_id
left join customers k on k.customer_id = c.customer_id
