-- returns: the pieces of feedback with text mentioning a theme in a date range whose sentiment is closest to the median sentiment of all of them (the typical voice, not the loudest), at most row_limit, with how many mention the theme in all
-- grain: feedback_id
-- params: start date, end date, theme varchar, row_limit integer
with feedback as (
    select feedback_id, submitted_at, source, language, nps, sentiment, text
    from feedback
    where submitted_at >= $start
      and submitted_at < $end + interval 1 day
      and text is not null
      and list_contains(themes, $theme)
),

typical as (
    select
        count(*)                    as mentions,
        median(sentiment)           as median_sentiment
    from feedback
),

ranked as (
    select
        feedback.*,
        row_number() over (
            order by abs(coalesce(feedback.sentiment, typical.median_sentiment) - typical.median_sentiment),
                     feedback.submitted_at desc, feedback.feedback_id
        ) as rank
    from feedback, typical
)

select
    ranked.feedback_id,
    ranked.submitted_at,
    ranked.source,
    ranked.language,
    ranked.nps,
    ranked.sentiment,
    ranked.text,
    ranked.rank,
    typical.mentions,
    typical.median_sentiment
from ranked, typical
where ranked.rank <= $row_limit
order by ranked.rank
