-- Schema version 3: the record of data imports (issue 7, voc/ingest).
-- imports: one row per import that changed the warehouse, written in the same transaction as the
-- rows it loaded, so a killed or refused import leaves no trace and a recorded one is complete.
-- Freshness per source (last import, rows, latest record) is read from it
-- (queries/imports_by_source.sql). A re-import of an identical file changes nothing and is not recorded.
-- import_rejects: the rows an import quarantined (policy on_error: quarantine), with every reason.
-- Neither table has a unit_id column: they describe files, not customers, and are shown to
-- admins and analysts only (the SQL gate does not allow them).

create sequence imports_id_seq start 1;

create table imports (
    import_id      bigint primary key default nextval('imports_id_seq'),
    source         varchar not null,
    tables         varchar[] not null,
    file_name      varchar not null,
    file_sha256    varchar not null check (length(file_sha256) = 64),
    mapping_sha256 varchar not null check (length(mapping_sha256) = 64),
    policy         varchar not null check (policy in ('reject', 'quarantine')),
    status         varchar not null check (status in ('loaded', 'partial')),
    actor          varchar not null,
    started_at     timestamp not null,
    finished_at    timestamp not null,
    rows_read      bigint not null check (rows_read >= 0),
    rows_loaded    bigint not null check (rows_loaded >= 0),
    rows_rejected  bigint not null check (rows_rejected >= 0),
    rows_new       bigint not null check (rows_new >= 0),
    rows_changed   bigint not null check (rows_changed >= 0),
    latest_record  timestamp,
    detail         varchar                -- a JSON object: per-table counts, enrichment, discovered themes
);

create table import_rejects (
    import_id  bigint not null,
    row_number bigint,                    -- the spreadsheet row (null for a line that could not be parsed)
    target     varchar,                   -- the canonical table the row was meant for
    reasons    varchar not null,
    record     varchar                    -- the source record as JSON (clipped)
);
