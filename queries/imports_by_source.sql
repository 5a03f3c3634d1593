-- returns: freshness of each imported source: its last import (when, by whom, rows loaded and rejected), the latest record it holds, and its totals over all imports
-- grain: source
-- params: none
with imports_ranked as (
    select *, row_number() over (partition by source order by finished_at desc, import_id desc) as recency
    from imports
),

totals as (
    select source, count(*) as imports, sum(rows_loaded) as rows_loaded_total, max(latest_record) as latest_record
    from imports
    group by source
)

select
    r.source,
    r.finished_at                as last_import_at,
    r.actor                      as last_import_by,
    r.file_name                  as last_file,
    r.status                     as last_status,
    r.rows_read                  as last_rows_read,
    r.rows_loaded                as last_rows_loaded,
    r.rows_rejected              as last_rows_rejected,
    t.latest_record,
    t.imports,
    t.rows_loaded_total
from imports_ranked r
join totals t using (source)
where r.recency = 1
order by r.source
