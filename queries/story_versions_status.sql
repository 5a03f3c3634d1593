-- returns: whether the story publishing table (story_versions) exists, and its row count
-- grain: one row
-- params: none
with story_tables as (
    select estimated_size
    from duckdb_tables()
    where table_name = 'story_versions' and schema_name = 'main' and database_name = current_database()
)

select
    count(*) > 0                                    as has_story_versions,
    cast(coalesce(sum(estimated_size), 0) as bigint) as story_versions
from story_tables
