-- returns: for each theme, how many detractor answers (NPS 0-6) mention it in a date range and in the previous range, with all detractor answers in each range
-- grain: theme_id
-- params: start date, end date, previous_start date, previous_end date
-- the previous range must end before the current one starts (rows are told apart by day >= $start)
with theme_answers as (
    select *, day >= $start as is_current
    from theme_daily
    where day between $start and $end or day between $previous_start and $previous_end
),

all_answers as (
    select
        cast(coalesce(sum(detractors) filter (where day >= $start), 0) as bigint) as detractors,
        cast(coalesce(sum(detractors) filter (where day < $start), 0) as bigint) as previous_detractors
    from feedback_daily
    where day between $start and $end or day between $previous_start and $previous_end
),

mentions as (
    select
        theme_id,
        cast(coalesce(sum(detractors) filter (where is_current), 0) as bigint) as mentions,
        cast(coalesce(sum(detractors) filter (where not is_current), 0) as bigint) as previous_mentions
    from theme_answers
    group by theme_id
    having sum(detractors) > 0
)

select
    mentions.theme_id,
    coalesce(themes.label, mentions.theme_id) as label,
    coalesce(themes.polarity, 'negative') as polarity,
    mentions.mentions,
    mentions.previous_mentions,
    all_answers.detractors,
    all_answers.previous_detractors
from all_answers
left join mentions on true
left join themes on themes.theme_id = mentions.theme_id
order by mentions.theme_id
