-- returns: what kind of database this is (demo, fixture, imported) and its schema version
-- grain: one row
-- params: none
select
    max(value) filter (where key = 'kind')           as kind,
    max(value) filter (where key = 'schema_version') as schema_version
from meta
