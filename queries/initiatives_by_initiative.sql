-- returns: each initiative started by a date (with its theme's polarity), with feedback volume and mentions of its theme in its units (with their sub-units) in the given number of days before it started, and in the same number of days up to the date (counted from its start)
-- grain: initiative_id
-- params: end date, days integer
with recursive reach(initiative_id, unit_id) as (
    select initiative_id, unit_id from initiatives where started_at <= $end
    union
    select r.initiative_id, o.unit_id from org_units o join reach r on o.parent_id = r.unit_id
),

started as (
    select i.initiative_id, i.title, i.theme_id, t.polarity, i.unit_id, i.started_at, i.ended_at
    from initiatives i
    left join themes t on t.theme_id = i.theme_id
    where i.started_at <= $end
),

windows as (
    select
        initiative_id,
        theme_id,
        started_at - $days                          as before_from,
        started_at - 1                              as before_to,
        greatest(started_at, $end - ($days - 1))    as after_from,
        $end                                        as after_to
    from started
),

volume as (
    select
        w.initiative_id,
        sum(d.n) filter (where d.day between w.before_from and w.before_to) as before_n,
        sum(d.n) filter (where d.day between w.after_from and w.after_to)   as after_n
    from windows w
    join reach r on r.initiative_id = w.initiative_id
    join feedback_daily d on d.unit_id = r.unit_id and d.day between w.before_from and w.after_to
    group by w.initiative_id
),

mentions as (
    select
        w.initiative_id,
        sum(t.n) filter (where t.day between w.before_from and w.before_to) as before_theme_n,
        sum(t.n) filter (where t.day between w.after_from and w.after_to)   as after_theme_n
    from windows w
    join reach r on r.initiative_id = w.initiative_id
    join theme_daily t on t.unit_id = r.unit_id and t.theme_id = w.theme_id
        and t.day between w.before_from and w.after_to
    group by w.initiative_id
)

select
    s.initiative_id,
    s.title,
    s.theme_id,
    s.polarity,
    s.unit_id,
    s.started_at,
    s.ended_at,
    cast(coalesce(v.before_n, 0) as bigint)        as before_n,
    cast(coalesce(m.before_theme_n, 0) as bigint)  as before_theme_n,
    cast(coalesce(v.after_n, 0) as bigint)         as after_n,
    cast(coalesce(m.after_theme_n, 0) as bigint)   as after_theme_n
from started s
left join volume v on v.initiative_id = s.initiative_id
left join mentions m on m.initiative_id = s.initiative_id
order by s.started_at, s.initiative_id
