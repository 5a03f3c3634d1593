-- returns: survey answers in a date range split, for each driver (an operational problem in the interaction answered about, an incident in the unit, a theme mentioned), into exposed and not exposed, with the counts behind NPS and CSAT
-- grain: kind, driver, exposed
-- params: start date, end date, long_wait_seconds integer
with answers as (
    select feedback_id, unit_id, submitted_at, nps, csat, themes, late_delivery, wait_seconds, resolved_first_contact
    from answer_drivers
    where submitted_at >= $start and submitted_at < $end + interval 1 day
),

incidents as (
    select unit_id, started_at, coalesce(ended_at, $end + interval 1 day) as ended_at
    from incidents
    where started_at < $end + interval 1 day
      and coalesce(ended_at, $end + interval 1 day) >= $start - interval 7 day
),

theme_labels as (
    select theme_id, label from themes
),

incident_hits as (
    select distinct a.feedback_id
    from answers a
    join incidents i
      on i.unit_id = a.unit_id
     and i.started_at <= a.submitted_at
     and i.ended_at >= a.submitted_at - interval 7 day
),

flagged as (
    select
        a.feedback_id,
        a.nps,
        a.csat,
        a.late_delivery,
        a.wait_seconds > $long_wait_seconds                                          as long_wait,
        not a.resolved_first_contact                                                 as not_resolved,
        case when (select count(*) from incidents) > 0 then h.feedback_id is not null end as incident
    from answers a
    left join incident_hits h on h.feedback_id = a.feedback_id
),

combos as (  -- answers counted by their combination of flags: a few dozen rows to regroup per driver
    select
        late_delivery, long_wait, not_resolved, incident,
        count(*)                                      as answers,
        count(nps)                                    as nps_n,
        count(*) filter (where nps >= 9)              as promoters,
        count(*) filter (where nps <= 6)              as detractors,
        count(csat)                                   as csat_n,
        count(*) filter (where csat >= 4)             as csat_satisfied
    from flagged
    group by late_delivery, long_wait, not_resolved, incident
),

operational as (
    select 'late_delivery' as driver, late_delivery as exposed, * from combos where late_delivery is not null
    union all
    select 'long_wait', long_wait, * from combos where long_wait is not null
    union all
    select 'not_resolved_first_contact', not_resolved, * from combos where not_resolved is not null
    union all
    select 'incident', incident, * from combos where incident is not null
),

operational_counts as (
    select
        driver,
        'operational'                                 as kind,
        exposed,
        sum(answers)                                  as answers,
        sum(nps_n)                                    as nps_n,
        sum(promoters)                                as promoters,
        sum(detractors)                               as detractors,
        sum(csat_n)                                   as csat_n,
        sum(csat_satisfied)                           as csat_satisfied
    from operational
    group by driver, exposed
),

mentions as (
    select
        theme                                         as driver,
        count(*)                                      as answers,
        count(nps)                                    as nps_n,
        count(*) filter (where nps >= 9)              as promoters,
        count(*) filter (where nps <= 6)              as detractors,
        count(csat)                                   as csat_n,
        count(*) filter (where csat >= 4)             as csat_satisfied
    from (select unnest(themes) as theme, nps, csat from answers where themes is not null)
    group by theme
),

totals as (  -- every answer of the range: the sum of the combinations
    select
        coalesce(sum(answers), 0)                     as answers,
        coalesce(sum(nps_n), 0)                       as nps_n,
        coalesce(sum(promoters), 0)                   as promoters,
        coalesce(sum(detractors), 0)                  as detractors,
        coalesce(sum(csat_n), 0)                      as csat_n,
        coalesce(sum(csat_satisfied), 0)              as csat_satisfied
    from combos
),

theme_counts as (
    select driver, 'theme' as kind, true as exposed, answers, nps_n, promoters, detractors, csat_n, csat_satisfied
    from mentions
    union all
    select
        m.driver, 'theme', false,
        t.answers - m.answers, t.nps_n - m.nps_n, t.promoters - m.promoters,
        t.detractors - m.detractors, t.csat_n - m.csat_n, t.csat_satisfied - m.csat_satisfied
    from mentions m cross join totals t
),

combined as (
    select * from operational_counts
    union all
    select * from theme_counts
)

select
    c.driver,
    c.kind,
    l.label                                           as theme_label,
    c.exposed,
    cast(c.answers as bigint)                         as answers,
    cast(c.nps_n as bigint)                           as nps_n,
    cast(c.promoters as bigint)                       as promoters,
    cast(c.detractors as bigint)                      as detractors,
    cast(c.csat_n as bigint)                          as csat_n,
    cast(c.csat_satisfied as bigint)                  as csat_satisfied,
    (select cast(nps_n as bigint) from totals)        as all_nps_n,
    (select cast(answers as bigint) from totals)      as all_answers
from combined c
left join theme_labels l on l.theme_id = c.driver
order by c.kind, c.driver, c.exposed
