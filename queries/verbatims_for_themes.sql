-- returns: the most recent pieces of feedback with text for each of the given themes in a date range (at most per_theme each)
-- grain: theme_id, rank
-- params: start date, end date, themes varchar[], per_theme integer
with feedback as (
    select feedback_id, submitted_at, source, nps, text, themes
    from feedback
    where submitted_at >= $start
      and submitted_at < $end + interval 1 day
      and text is not null
      and list_has_any(themes, $themes)
),

mentions as (
    select feedback_id, submitted_at, source, nps, text, unnest(themes) as theme_id
    from feedback
),

ranked as (
    select
        *,
        row_number() over (partition by theme_id order by submitted_at desc, feedback_id) as rank
    from mentions
    where list_contains($themes, theme_id)
)

select theme_id, rank, feedback_id, submitted_at, source, nps, text
from ranked
where rank <= $per_theme
order by theme_id, rank
