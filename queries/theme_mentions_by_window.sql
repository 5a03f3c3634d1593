-- returns: per theme (every catalogued theme and any other mentioned), its mentions and the feedback with text in a date range (now) and in a baseline range just before it (before)
-- grain: theme_id
-- params: baseline_start date, start date, end date
with mentions as (
    select theme_id, n, day >= $start as is_now
    from theme_daily
    where day between $baseline_start and $end
),

feedback as (
    select text_n, day >= $start as is_now
    from feedback_daily
    where day between $baseline_start and $end
),

catalogue as (
    select theme_id, label, polarity from themes
),

per_theme as (
    select
        theme_id,
        cast(coalesce(sum(n) filter (where is_now), 0) as bigint)     as mentions_now,
        cast(coalesce(sum(n) filter (where not is_now), 0) as bigint) as mentions_before
    from mentions
    group by theme_id
),

totals as (
    select
        cast(coalesce(sum(text_n) filter (where is_now), 0) as bigint)     as text_n_now,
        cast(coalesce(sum(text_n) filter (where not is_now), 0) as bigint) as text_n_before
    from feedback
),

all_themes as (
    select theme_id from catalogue
    union
    select theme_id from per_theme
)

select
    all_themes.theme_id,
    coalesce(catalogue.label, all_themes.theme_id) as label,
    coalesce(catalogue.polarity, 'neutral')        as polarity,
    coalesce(per_theme.mentions_now, 0)            as mentions_now,
    coalesce(per_theme.mentions_before, 0)         as mentions_before,
    totals.text_n_now,
    totals.text_n_before
from all_themes
cross join totals
left join per_theme on per_theme.theme_id = all_themes.theme_id
left join catalogue on catalogue.theme_id = all_themes.theme_id
order by mentions_now desc, all_themes.theme_id
