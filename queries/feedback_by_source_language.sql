-- returns: pieces of feedback in a date range per source, solicited flag and language (for the solicited/unsolicited split and the language filter)
-- grain: source, solicited, language
-- params: start date, end date
with feedback_in_range as (
    select source, solicited, coalesce(language, 'unknown') as language
    from feedback
    where submitted_at >= $start
      and submitted_at < $end + interval 1 day
)

select
    source,
    solicited,
    language,
    count(*) as n
from feedback_in_range
group by all
order by source, solicited, language
