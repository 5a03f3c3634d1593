-- Schema version 2: identity and access (issue 5).
-- users: the local user store (voc/auth.py). No rows are created here: there are no default
-- accounts or passwords; the first admin is created by `python -m voc users add` or the
-- first-admin screen, which exists only while no enabled admin does.
-- audit_log: who did what, written in the same transaction as the change it records (voc/audit_log.py).
-- Neither table has a unit_id column, so org-unit scopes never expose them, and the SQL gate
-- (voc/sqlgate.py) refuses to read them.

create table users (
    username        varchar primary key check (username = lower(username) and length(username) between 2 and 64),
    display_name    varchar not null,
    role            varchar not null check (role in ('executive', 'manager', 'analyst', 'agent', 'admin')),
    password_hash   varchar not null check (password_hash like '$argon2id$%'),
    units           varchar[],          -- null: the whole company
    disabled        boolean not null default false,
    failed_attempts integer not null default 0 check (failed_attempts >= 0),
    locked_until    timestamp,
    created_at      timestamp not null,
    updated_at      timestamp not null,
    version         integer not null default 1 check (version >= 1),
    check (units is null or len(units) > 0)
);

create sequence audit_log_id_seq start 1;

create table audit_log (
    id          bigint primary key default nextval('audit_log_id_seq'),
    occurred_at timestamp not null,     -- named so: AT is a reserved word in DuckDB
    actor       varchar not null,
    action      varchar not null,
    target      varchar,
    detail      varchar,                -- a JSON object, as text
    outcome     varchar not null check (outcome in ('ok', 'failed', 'refused', 'error'))
);
