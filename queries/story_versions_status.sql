-- returns: story versions published in the studio (files in stories/ are version 0, not counted) and recorded reads
-- grain: one row
-- params: none
with published as (
    select
        count(*)             as versions,
        count(distinct slug) as stories
    from story_versions
    where status = 'published'
),

reads as (
    select
        count(*)                 as reads,
        count(distinct username) as readers
    from story_reads
)

select
    published.versions > 0 as has_story_versions,
    published.versions     as story_versions,
    published.stories      as studio_stories,
    reads.reads            as story_reads,
    reads.readers          as story_readers
from published
cross join reads
