-- returns: every case rule with its terms, in the order rules are checked
-- grain: rule_id
-- params: none
with rules as (
    select * from case_rules
)

select
    rule_id, name, kind, threshold, unit_filter, segment_filter, priority, sla_hours, business_hours,
    escalate_share, owner, rank, enabled, version, updated_at, updated_by
from rules
order by rank, rule_id
