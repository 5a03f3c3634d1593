-- Schema version 1: the canonical warehouse (DESIGN.md section 2).
-- Every fact table carries unit_id so that an org-unit scope filters it directly.
-- References (feedback -> customers, ...) are checked by the loader, not by FOREIGN KEY:
-- DuckDB foreign keys forbid the upserts and table swaps that idempotent loads need.

create table org_units (
    unit_id    varchar primary key,
    name       varchar not null,
    parent_id  varchar,
    level      varchar not null check (level in ('company', 'business_unit', 'region', 'site'))
);

create table themes (
    theme_id   varchar primary key,
    label      varchar not null,
    polarity   varchar not null check (polarity in ('negative', 'positive', 'neutral')),
    at_risk    boolean not null default false
);

create table customers (
    customer_id varchar primary key,
    unit_id     varchar not null,
    segment     varchar not null,
    country     varchar,
    plan        varchar,
    signup_at   date not null,
    email       varchar,
    phone       varchar
);

create table feedback (
    feedback_id    varchar primary key,
    customer_id    varchar,
    unit_id        varchar not null,
    segment        varchar,
    source         varchar not null check (source in ('survey', 'review', 'social', 'ticket', 'chat', 'call', 'email')),
    solicited      boolean not null,
    channel        varchar,
    journey_stage  varchar,
    touchpoint     varchar,
    interaction_id varchar,
    submitted_at   timestamp not null,
    language       varchar,
    nps            tinyint check (nps between 0 and 10),
    csat           tinyint check (csat between 1 and 5),
    ces            tinyint check (ces between 1 and 7),
    rating         tinyint check (rating between 1 and 5),
    text           varchar,
    sentiment      double check (sentiment between -1 and 1),
    themes         varchar[]
);

create table orders (
    order_id     varchar primary key,
    customer_id  varchar not null,
    unit_id      varchar not null,
    ordered_at   timestamp not null,
    promised_at  timestamp not null,
    delivered_at timestamp,
    amount       decimal(12, 2) not null check (amount >= 0),
    check (delivered_at is null or delivered_at >= ordered_at)
);

create table contacts (
    contact_id             varchar primary key,
    customer_id            varchar not null,
    unit_id                varchar not null,
    channel                varchar not null check (channel in ('phone', 'chat', 'email')),
    reason                 varchar,
    started_at             timestamp not null,
    wait_seconds           integer not null check (wait_seconds >= 0),
    handle_seconds         integer not null check (handle_seconds >= 0),
    resolved_first_contact boolean not null
);

create table incidents (
    incident_id varchar primary key,
    unit_id     varchar not null,
    service     varchar not null,
    started_at  timestamp not null,
    ended_at    timestamp,
    severity    tinyint not null check (severity between 1 and 4),
    description varchar,
    check (ended_at is null or ended_at >= started_at)
);

create table revenue (
    customer_id varchar not null,
    unit_id     varchar not null,
    month       date not null check (day(month) = 1),
    amount      decimal(12, 2) not null,
    primary key (customer_id, month)
);

create table churn_events (
    customer_id varchar primary key,
    unit_id     varchar not null,
    churned_at  date not null,
    reason      varchar
);

create table cases (
    case_id          varchar primary key,
    feedback_id      varchar not null unique,
    customer_id      varchar,
    unit_id          varchar not null,
    rule             varchar not null,
    owner            varchar,
    priority         varchar not null check (priority in ('low', 'normal', 'high', 'urgent')),
    status           varchar not null check (status in ('open', 'in_progress', 'closed')),
    opened_at        timestamp not null,
    due_at           timestamp not null,
    first_contact_at timestamp,
    closed_at        timestamp,
    root_cause       varchar,
    action_taken     varchar,
    customer_informed boolean,
    version          integer not null default 1,
    updated_at       timestamp not null
);

create table initiatives (
    initiative_id varchar primary key,
    title         varchar not null,
    theme_id      varchar,
    unit_id       varchar not null,
    started_at    date not null,
    ended_at      date,
    description   varchar,
    owner         varchar
);

create table annotations (
    annotation_id varchar primary key,
    unit_id       varchar not null,
    on_date       date not null,
    kind          varchar not null check (kind in ('incident', 'price_change', 'initiative', 'launch', 'other')),
    label         varchar not null
);
