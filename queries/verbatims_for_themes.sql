-- returns: the most recent pieces of feedback with text for each of the given themes in a date range (at most per_theme each)
-- grain: theme_id, rank
-- params: start date, end date, themes varchar[], per_theme integer
-- ranked on the narrow columns first; the text is read only for the rows kept
with mentions as (
    select feedback_id, submitted_at, unnest(themes) as theme_id
    from feedback
    where submitted_at >= $start
      and submitted_at < $end + interval 1 day
      and text is not null
      and list_has_any(themes, $themes)
),

ranked as (
    select
        *,
        row_number() over (partition by theme_id order by submitted_at desc, feedback_id) as rank
    from mentions
    where list_contains($themes, theme_id)
    qualify rank <= $per_theme
)

select r.theme_id, r.rank, f.feedback_id, f.submitted_at, f.source, f.nps, f.text
from ranked r
join feedback f
  on f.feedback_id = r.feedback_id
 and f.submitted_at = r.submitted_at  -- lets the scan skip row groups outside the kept rows' time span
where f.submitted_at >= $start
  and f.submitted_at < $end + interval 1 day
order by r.theme_id, r.rank
