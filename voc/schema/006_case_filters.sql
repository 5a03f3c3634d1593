-- A case carries the segment, source and journey stage of the answer that opened it, so that the
-- reader's filters apply to cases directly (voc/scope.py filters every table with these columns)
-- instead of through a join to feedback on every read.
alter table cases add column segment varchar;
alter table cases add column source varchar;
alter table cases add column journey_stage varchar;

update cases
set segment = coalesce(f.segment, c.segment), source = f.source, journey_stage = f.journey_stage
from feedback f
left join customers c on c.customer_id = f.customer_id
where f.feedback_id = cases.feedback_id;
