-- returns: for each of the given themes and each time bucket (week or month) of a date range, its mentions beside all feedback with text in that bucket
-- grain: bucket, theme_id
-- params: start date, end date, bucket varchar, themes varchar[]
with mentions as (
    select cast(date_trunc($bucket, day) as date) as bucket, theme_id, n
    from theme_daily
    where day between $start and $end
      and list_contains($themes, theme_id)
),

feedback as (
    select cast(date_trunc($bucket, day) as date) as bucket, text_n
    from feedback_daily
    where day between $start and $end
),

per_bucket as (
    select bucket, cast(sum(text_n) as bigint) as text_n
    from feedback
    group by bucket
),

per_theme as (
    select bucket, theme_id, cast(sum(n) as bigint) as mentions
    from mentions
    group by bucket, theme_id
),

grid as (
    select per_bucket.bucket, chosen.theme_id, per_bucket.text_n
    from per_bucket
    cross join (select distinct unnest($themes) as theme_id) chosen
)

select
    grid.bucket,
    grid.theme_id,
    coalesce(per_theme.mentions, 0) as mentions,
    grid.text_n
from grid
left join per_theme on per_theme.bucket = grid.bucket and per_theme.theme_id = grid.theme_id
order by grid.bucket, grid.theme_id
