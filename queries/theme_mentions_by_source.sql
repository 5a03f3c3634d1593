-- returns: per source and theme, the mentions of the theme in a date range beside the source's feedback with text in that range
-- grain: source, theme_id
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

per_source as (
    select source, cast(sum(n) as bigint) as feedback_n, cast(sum(text_n) as bigint) as text_n
    from feedback
    group by source
),

per_theme as (
    select source, theme_id, cast(sum(n) as bigint) as mentions
    from mentions
    group by source, theme_id
)

select
    per_theme.source,
    per_theme.theme_id,
    coalesce(catalogue.label, per_theme.theme_id) as label,
    catalogue.polarity,
    per_theme.mentions,
    coalesce(per_source.text_n, 0)                as text_n,
    coalesce(per_source.feedback_n, 0)            as feedback_n
from per_theme
left join per_source on per_source.source = per_theme.source
left join catalogue on catalogue.theme_id = per_theme.theme_id
order by per_theme.source, per_theme.mentions desc, per_theme.theme_id
