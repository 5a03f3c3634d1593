-- returns: identified customers' feedback submitted in a time range that has no follow-up case yet, with the first enabled case rule (in rank order) it matches and that rule's terms
-- grain: feedback_id
-- params: since timestamp, until timestamp
with recursive covered(rule_id, unit_id) as (
    select rule_id, unit_filter from case_rules where enabled and unit_filter is not null
    union
    select c.rule_id, o.unit_id from covered c join org_units o on o.parent_id = c.unit_id
),

at_risk_themes as (
    select coalesce(list(theme_id), []) as theme_ids from themes where at_risk
),

fresh as (
    select
        f.feedback_id, f.customer_id, f.unit_id, f.submitted_at, f.nps, f.csat, f.sentiment, f.source,
        f.journey_stage,
        coalesce(f.segment, c.segment)                                      as segment,
        coalesce(list_has_any(f.themes, (select theme_ids from at_risk_themes)), false) as on_at_risk_theme
    from feedback f
    left join customers c on c.customer_id = f.customer_id
    where f.submitted_at >= $since and f.submitted_at < $until
      and f.customer_id is not null
      and f.feedback_id not in (select feedback_id from cases)
),

customer_value as (
    select fr.feedback_id, arg_max(r.amount, r.month) as monthly_revenue
    from fresh fr
    join revenue r on r.customer_id = fr.customer_id and r.month <= fr.submitted_at
    group by fr.feedback_id
),

matches as (
    select
        fr.feedback_id, fr.customer_id, fr.unit_id, fr.segment, fr.source, fr.journey_stage, fr.submitted_at,
        r.rule_id, r.name as rule_name, r.kind,
        r.rank, r.priority, r.sla_hours, r.business_hours, r.escalate_share, r.owner
    from fresh fr
    join case_rules r on r.enabled
    left join customer_value v on v.feedback_id = fr.feedback_id
    where (r.unit_filter is null
           or fr.unit_id in (select c.unit_id from covered c where c.rule_id = r.rule_id))
      and (r.segment_filter is null or r.segment_filter = fr.segment)
      and case r.kind
              when 'detractor' then fr.nps <= r.threshold
              when 'low_csat' then fr.csat <= r.threshold
              when 'negative_theme' then fr.sentiment <= r.threshold and fr.on_at_risk_theme
              when 'high_value' then v.monthly_revenue >= r.threshold
                                     and (fr.nps <= 6 or fr.csat <= 2 or fr.sentiment < 0)
          end
),

ranked as (
    select *, row_number() over (partition by feedback_id order by rank, rule_id) as pick
    from matches
)

select
    feedback_id, customer_id, unit_id, segment, source, journey_stage, submitted_at, rule_id, rule_name, kind,
    priority, sla_hours, business_hours, escalate_share, owner
from ranked
where pick = 1
order by submitted_at, feedback_id
