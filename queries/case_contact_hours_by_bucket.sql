-- returns: follow-up cases opened in a date range by time from opening to first contact with the customer (buckets of hours; never contacted last)
-- grain: bucket
-- params: start date, end date
with opened as (
    select date_diff('second', opened_at, first_contact_at) / 3600.0 as hours
    from cases
    where opened_at >= $start and opened_at < $end + 1
),

bucketed as (
    select
        case when hours is null then 8 when hours < 1 then 1 when hours < 4 then 2 when hours < 8 then 3
             when hours < 24 then 4 when hours < 48 then 5 when hours < 168 then 6 else 7 end as bucket_order
    from opened
),

buckets(bucket_order, bucket) as (
    values (1, 'under 1 h'), (2, '1-4 h'), (3, '4-8 h'), (4, '8-24 h'), (5, '1-2 days'), (6, '2-7 days'),
           (7, 'over 7 days'), (8, 'not contacted')
)

select b.bucket, b.bucket_order, count(x.bucket_order) as cases
from buckets b
left join bucketed x on x.bucket_order = b.bucket_order
group by b.bucket, b.bucket_order
order by b.bucket_order
