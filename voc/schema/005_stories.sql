-- Schema version 5: stories written in the studio (issue 4). voc/story_store.py owns both tables.
-- story_versions: every save of a story, append-only. A save as draft and a publish each add one row
-- (version = the slug's latest + 1, so versions count every save); rows are never updated or deleted,
-- so earlier versions stay readable and the history shows who saved or published what, and when.
-- base_version is the version the editor started from (0: the file in stories/, or nothing): a save
-- whose base is not the slug's latest version is refused (optimistic concurrency).
-- The files in stories/ are version 0 of their slug and are not copied here; the current text of a
-- story is its latest published row, else its file.
-- story_reads: who opened which version from the story page (one row per reader, version and
-- half hour at most).
-- Neither table has a unit_id column: stories are not org-unit data (each reader's scope applies when
-- a story is rendered), so the scope gate never filters them.

create table story_versions (
    slug          varchar not null check (regexp_matches(slug, '^[a-z0-9][a-z0-9-]{0,79}$')),
    version       integer not null check (version >= 1),
    status        varchar not null check (status in ('draft', 'published')),
    body          varchar not null,
    author        varchar not null,     -- the username who saved (or published) this version
    saved_at      timestamp not null,
    published_at  timestamp,            -- set on published rows only
    base_version  integer not null check (base_version >= 0 and base_version < version),
    primary key (slug, version),
    check ((status = 'published') = (published_at is not null))
);

create table story_reads (
    slug      varchar not null,
    version   integer not null check (version >= 0),
    username  varchar not null,
    read_at   timestamp not null
);
