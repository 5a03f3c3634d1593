-- Schema version 4: closing the loop (issue 6). Case rules, the people who own and escalate cases,
-- each case's SLA terms, its history of notes / contact attempts / status changes, the root-cause
-- taxonomy, notifications waiting to be sent, and the extra units of multi-unit initiatives.
-- `cases` (001) is left as it is; what a case needs beyond it lives beside it, keyed by case_id.
-- Tables that describe something in one org unit carry unit_id, so the scope gate filters them.

-- Rules that open follow-up cases from feedback; checked in `rank` order, the first match wins.
-- kind: detractor (nps <= threshold) | low_csat (csat <= threshold)
--       | negative_theme (sentiment <= threshold on feedback with an at-risk theme)
--       | high_value (customer's latest monthly revenue >= threshold, and the feedback is negative:
--         nps <= 6, csat <= 2 or sentiment < 0)
create table case_rules (
    rule_id        varchar primary key check (regexp_matches(rule_id, '^[a-z][a-z0-9_]{1,39}$')),
    name           varchar not null,
    kind           varchar not null check (kind in ('detractor', 'low_csat', 'negative_theme', 'high_value')),
    threshold      double not null,
    unit_filter    varchar,            -- only feedback in this unit's sub-tree (null: everywhere)
    segment_filter varchar,            -- only this customer segment (null: all)
    priority       varchar not null check (priority in ('low', 'normal', 'high', 'urgent')),
    sla_hours      double not null default 24 check (sla_hours > 0 and sla_hours <= 720),
    business_hours boolean not null default false,
    escalate_share double not null default 0.75 check (escalate_share > 0 and escalate_share <= 1),
    owner          varchar,            -- a fixed owner; null: round robin over the unit's agents
    rank           integer not null,
    enabled        boolean not null default true,
    version        integer not null default 1,
    updated_at     timestamp not null,
    updated_by     varchar not null
);

insert into case_rules values
    ('high_value', 'Unhappy high-value customer', 'high_value', 250, null, null, 'urgent', 24, false, 0.5,
     null, 1, true, 1, timestamp '2026-01-01 00:00:00', 'system'),
    ('detractor', 'NPS detractor (0-6)', 'detractor', 6, null, null, 'high', 24, false, 0.75,
     null, 2, true, 1, timestamp '2026-01-01 00:00:00', 'system'),
    ('very_low_csat', 'Very low CSAT (1 of 5)', 'low_csat', 1, null, null, 'high', 24, false, 0.75,
     null, 3, true, 1, timestamp '2026-01-01 00:00:00', 'system'),
    ('at_risk_theme', 'Negative feedback on an at-risk theme', 'negative_theme', -0.5, null, null, 'normal', 16,
     true, 0.75, null, 4, true, 1, timestamp '2026-01-01 00:00:00', 'system');

-- Who works and who escalates cases, per org unit (a unit without agents uses its nearest ancestor's).
create table loop_staff (
    username         varchar not null,
    unit_id          varchar not null,
    role             varchar not null check (role in ('agent', 'manager')),
    display_name     varchar,
    email            varchar,
    active           boolean not null default true,
    last_assigned_at timestamp,          -- round robin: the agent assigned longest ago goes next
    primary key (username, unit_id, role)
);

-- Working hours per unit for business-hours SLAs (nearest ancestor's, else UTC 09-17 Monday-Friday).
-- Configuration, like themes: keyed by org_unit (not unit_id) so every reader sees the calendars
-- of the units above their own.
create table case_calendars (
    org_unit   varchar primary key,
    timezone   varchar not null,
    day_start  integer not null default 9 check (day_start between 0 and 23),
    day_end    integer not null default 17 check (day_end between 1 and 24),
    workdays   varchar not null default '12345',   -- ISO weekdays, Monday = 1
    check (day_end > day_start)
);

-- A case's SLA terms, fixed when it opens (a case without a row: 24 h on the clock).
create table case_sla (
    case_id        varchar primary key,
    unit_id        varchar not null,
    sla_hours      double not null,
    business_hours boolean not null,
    escalate_share double not null
);

create sequence case_events_id_seq start 1;

-- Everything that happens to a case, in order; never updated.
-- kind: opened | note | attempt | resolution | status | assigned | escalated | closed | reopened
-- outcome: for attempts reached | left_message | no_answer | wrong_contact;
--          for closing resolved | partly_resolved | not_resolved | unreachable;
--          for escalations at_risk | overdue
create table case_events (
    event_id   bigint primary key default nextval('case_events_id_seq'),
    case_id    varchar not null,
    unit_id    varchar not null,
    occurred_at timestamp not null,
    actor      varchar not null,
    kind       varchar not null check (kind in ('opened', 'note', 'attempt', 'resolution', 'status', 'assigned',
                                                'escalated', 'closed', 'reopened')),
    channel    varchar check (channel in ('phone', 'email', 'chat', 'sms', 'in_person')),
    outcome    varchar,
    note       varchar,
    version    integer not null            -- the case's version after this event
);

-- Root causes that agents choose from when they close a case.
create table root_causes (
    root_cause_id varchar primary key,
    label         varchar not null,
    category      varchar not null,
    theme_id      varchar,                 -- the feedback theme it usually explains
    active        boolean not null default true,
    position      integer not null
);

insert into root_causes values
    ('carrier_delay',        'Carrier delay',                      'Delivery', 'delivery_late',      true, 1),
    ('warehouse_error',      'Warehouse or picking error',         'Delivery', 'delivery_late',      true, 2),
    ('damaged_in_transit',   'Damaged in transit',                 'Delivery', 'delivery_damaged',   true, 3),
    ('product_defect',       'Product defect',                     'Product',  'product_quality',    true, 4),
    ('not_as_described',     'Product not as described',           'Product',  'product_quality',    true, 5),
    ('price_increase',       'Price increase',                     'Price',    'price',              true, 6),
    ('value_perception',     'Perceived value for money',          'Price',    'price',              true, 7),
    ('billing_error',        'Billing error',                      'Billing',  'billing',            true, 8),
    ('refund_delay',         'Refund delay',                       'Billing',  'billing',            true, 9),
    ('support_wait',         'Long wait for support',              'Support',  'support_wait',       true, 10),
    ('support_knowledge',    'Agent could not solve it',           'Support',  'support_resolution', true, 11),
    ('policy',               'Company policy',                     'Support',  'support_resolution', true, 12),
    ('app_bug',              'App or website bug',                 'Digital',  'app_usability',      true, 13),
    ('app_usability',        'Hard to use app or website',         'Digital',  'app_usability',      true, 14),
    ('outage',               'Service outage',                     'Digital',  'checkout_outage',    true, 15),
    ('customer_expectation', 'Expectation not set correctly',      'Other',    null,                 true, 16),
    ('no_fault_found',       'No fault found',                     'Other',    null,                 true, 17),
    ('other',                'Other',                              'Other',    null,                 true, 18);

create sequence outbox_id_seq start 1;

-- Notifications waiting to be sent (by SMTP, only when one is configured). No unit_id: neither the
-- scope gate nor ad-hoc SQL exposes it; voc/loop/outbox.py reads it for admins and the command line.
create table outbox (
    message_id  bigint primary key default nextval('outbox_id_seq'),
    created_at  timestamp not null,
    kind        varchar not null check (kind in ('at_risk', 'overdue', 'customer_update')),
    dedupe_key  varchar not null unique,   -- one message per case and level (or initiative and customer)
    recipient   varchar not null,          -- a username, or a customer id
    address     varchar,                   -- the e-mail address, when known
    subject     varchar not null,
    body        varchar not null,
    case_id     varchar,
    status      varchar not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts    integer not null default 0,
    sent_at     timestamp,
    error       varchar
);

-- Further org units of an initiative beyond initiatives.unit_id ("you said, we did" across units).
create table initiative_units (
    initiative_id varchar not null,
    unit_id       varchar not null,
    primary key (initiative_id, unit_id)
);
