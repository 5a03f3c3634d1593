-- returns: for each initiative started by a date, in equal windows (side: before or after) of a number of days before its start and from its start (cut at the date), inside its units (with sub-units) and elsewhere: feedback, mentions of its theme, NPS counts, customers active at the window's start and how many of them churned in it
-- grain: initiative_id, side, area
-- params: end date, days integer
with recursive reach(initiative_id, unit_id) as (
    select initiative_id, unit_id from initiatives where started_at <= $end
    union
    select iu.initiative_id, iu.unit_id
    from initiative_units iu join initiatives i on i.initiative_id = iu.initiative_id
    where i.started_at <= $end
    union
    select r.initiative_id, o.unit_id from org_units o join reach r on o.parent_id = r.unit_id
),

windows as (
    select initiative_id, theme_id, 'before' as side,
           started_at - $days as from_day, started_at - 1 as to_day
    from initiatives where started_at <= $end
    union all
    select initiative_id, theme_id, 'after', started_at, least(started_at + ($days - 1), $end)
    from initiatives where started_at <= $end
),

areas as (
    select w.*, a.area
    from windows w, (values ('inside'), ('elsewhere')) a(area)
),

in_area as (  -- every (initiative, side, area) with the units it covers
    select a.initiative_id, a.side, a.area, o.unit_id
    from areas a
    join org_units o
      on (a.area = 'inside') = (o.unit_id in (select r.unit_id from reach r where r.initiative_id = a.initiative_id))
),

volume as (
    select u.initiative_id, u.side, u.area,
           sum(d.n) as feedback_n, sum(d.nps_n) as nps_n, sum(d.promoters) as promoters,
           sum(d.detractors) as detractors
    from in_area u
    join areas a using (initiative_id, side, area)
    join feedback_daily d on d.unit_id = u.unit_id and d.day between a.from_day and a.to_day
    group by all
),

mentions as (
    select u.initiative_id, u.side, u.area, sum(t.n) as theme_n
    from in_area u
    join areas a using (initiative_id, side, area)
    join theme_daily t on t.unit_id = u.unit_id and t.theme_id = a.theme_id and t.day between a.from_day and a.to_day
    group by all
),

active as (  -- customer_cohorts: customers by unit, signup day and churn day
    select u.initiative_id, u.side, u.area, sum(c.customers) as active_at_start,
           coalesce(sum(c.customers) filter (where c.churned_at between a.from_day and a.to_day), 0) as churned
    from in_area u
    join areas a using (initiative_id, side, area)
    join customer_cohorts c on c.unit_id = u.unit_id and c.signup_at < a.from_day
    where c.churned_at is null or c.churned_at >= a.from_day
    group by all
)

select
    a.initiative_id, a.side, a.area, a.from_day, a.to_day,
    cast(coalesce(v.feedback_n, 0) as bigint)      as feedback_n,
    cast(coalesce(m.theme_n, 0) as bigint)         as theme_n,
    cast(coalesce(v.nps_n, 0) as bigint)           as nps_n,
    cast(coalesce(v.promoters, 0) as bigint)       as promoters,
    cast(coalesce(v.detractors, 0) as bigint)      as detractors,
    cast(coalesce(x.active_at_start, 0) as bigint) as active_at_start,
    cast(coalesce(x.churned, 0) as bigint)         as churned
from areas a
left join volume v using (initiative_id, side, area)
left join mentions m using (initiative_id, side, area)
left join active x using (initiative_id, side, area)
order by a.initiative_id, a.side desc, a.area desc
