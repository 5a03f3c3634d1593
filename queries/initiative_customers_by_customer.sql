-- returns: customers in an initiative's units (with sub-units) who mentioned its theme in a number of days before it started, with how often, when last, their latest NPS and whether they are still customers (at most 2000, most recent first)
-- grain: customer_id
-- params: initiative_id varchar, days integer
with recursive reach(unit_id) as (
    select unit_id from initiatives where initiative_id = $initiative_id
    union
    select unit_id from initiative_units where initiative_id = $initiative_id
    union
    select o.unit_id from org_units o join reach r on o.parent_id = r.unit_id
),

the_initiative as (
    select theme_id, started_at from initiatives where initiative_id = $initiative_id
),

raised as (
    select f.customer_id, count(*) as mentions, max(f.submitted_at) as last_mentioned,
           arg_max(f.nps, f.submitted_at) filter (where f.nps is not null) as latest_nps
    from feedback f, the_initiative i
    where f.customer_id is not null
      and f.unit_id in (select unit_id from reach)
      and list_contains(f.themes, i.theme_id)
      and f.submitted_at >= i.started_at - $days and f.submitted_at < i.started_at
    group by f.customer_id
)

select
    r.customer_id, c.unit_id, c.segment, r.mentions, r.last_mentioned, r.latest_nps,
    e.churned_at is null as still_customer, c.email is not null as has_email
from raised r
join customers c on c.customer_id = r.customer_id
left join churn_events e on e.customer_id = r.customer_id
order by r.last_mentioned desc, r.customer_id
limit 2000
