-- returns: per theme mentioned in a date range, its mentions and detractor counts beside the total feedback volume, most mentioned first
-- grain: theme_id
-- params: start date, end date
with mentions as (
    select * from theme_daily
    where day between $start and $end
),

feedback as (
    select * from feedback_daily
    where day between $start and $end
),

catalogue as (
    select theme_id, label, polarity from themes
),

totals as (
    select cast(coalesce(sum(n), 0) as bigint) as feedback_n
    from feedback
),

per_theme as (
    select
        theme_id,
        sum(n)          as mentions,
        sum(detractors) as detractors,
        sum(nps_n)      as nps_n
    from mentions
    group by theme_id
)

select
    per_theme.theme_id,
    coalesce(catalogue.label, per_theme.theme_id) as label,
    catalogue.polarity,
    cast(per_theme.mentions as bigint)            as mentions,
    cast(per_theme.detractors as bigint)          as detractors,
    cast(per_theme.nps_n as bigint)               as nps_n,
    totals.feedback_n
from per_theme
cross join totals
left join catalogue on catalogue.theme_id = per_theme.theme_id
order by mentions desc, per_theme.theme_id
