-- returns: the newest pieces of feedback with text in a date range that match a search pattern (pattern: ilike, exact_pattern: like for terms without letter case; escape char backslash) and the chosen themes, sentiment bands, sources and languages, at most row_limit of them, each with the total number of matches
-- grain: feedback_id
-- params: start date, end date, pattern varchar = null, exact_pattern varchar = null, themes varchar[] = null, bands varchar[] = null, sources varchar[] = null, languages varchar[] = null, row_limit integer
with matches as (
    select feedback_id, submitted_at
    from feedback
    where submitted_at >= $start
      and submitted_at < $end + interval 1 day
      and text is not null
      and ($pattern is null or text ilike $pattern escape '\')
      and ($exact_pattern is null or text like $exact_pattern escape '\')
      and ($themes is null or list_has_any(themes, $themes))
      and ($bands is null or list_contains($bands, case
              when sentiment < -0.2 then 'negative'
              when sentiment > 0.2 then 'positive'
              when sentiment is not null then 'neutral'
          end))
      and ($sources is null or list_contains($sources, source))
      and ($languages is null or list_contains($languages, coalesce(language, 'unknown')))
),

total as (
    select count(*) as total_matches from matches
),

newest as (
    select feedback_id, submitted_at
    from matches
    order by submitted_at desc, feedback_id desc
    limit $row_limit
)

select
    feedback.feedback_id,
    feedback.submitted_at,
    feedback.source,
    feedback.solicited,
    coalesce(feedback.language, 'unknown') as language,
    feedback.unit_id,
    feedback.segment,
    feedback.journey_stage,
    feedback.customer_id,
    feedback.nps,
    feedback.csat,
    feedback.ces,
    feedback.rating,
    feedback.sentiment,
    case
        when feedback.sentiment < -0.2 then 'negative'
        when feedback.sentiment > 0.2 then 'positive'
        when feedback.sentiment is not null then 'neutral'
    end as sentiment_band,
    feedback.themes,
    feedback.text,
    total.total_matches
from feedback
join newest
  on newest.feedback_id = feedback.feedback_id
 and newest.submitted_at = feedback.submitted_at  -- lets the scan skip row groups outside the newest rows' time span
cross join total
where feedback.submitted_at >= $start
  and feedback.submitted_at < $end + interval 1 day
order by feedback.submitted_at desc, feedback.feedback_id desc
