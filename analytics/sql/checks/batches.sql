-- Consistency of batches with the rows that carry their id.
-- Grain: one row per problem — a batch whose row count disagrees with batches.rows_loaded,
-- rows filed in a table that is not their batch's kind, or rows (per table × batch id)
-- whose batch is missing from `batches`. No rows = consistent.
with kind_rows as (
    select 'interactions' as "table", batch_id, count(*) as n from interactions group by all
    union all
    select 'performance', batch_id, count(*) from performance group by all
    union all
    -- rows saved by the register editor carry no batch
    select 'engagements', batch_id, count(*) from engagements where batch_id is not null group by all
),

batch_rows as (
    select * from kind_rows
    union all
    select 'rejects', batch_id, count(*) from rejects group by all
    union all
    select 'rollup_daily', batch_id, count(*) from rollup_daily group by all
    union all
    select 'rollup_monthly', batch_id, count(*) from rollup_monthly group by all
),

miscounted as (
    select b.kind as "table", b.batch_id, 'rows_loaded differs from the rows with this batch_id' as problem,
           b.rows_loaded as expected_rows, coalesce(k.n, 0) as actual_rows
    from batches b
    left join kind_rows k on k."table" = b.kind and k.batch_id = b.batch_id
    -- the register editor may replace an engagements batch's rows, so fewer is fine there
    where case when b.kind = 'engagements' then coalesce(k.n, 0) > b.rows_loaded
               else coalesce(k.n, 0) <> b.rows_loaded end
),

misfiled as (
    select k."table", k.batch_id, 'rows of a ' || b.kind || ' batch in the wrong table' as problem,
           0 as expected_rows, k.n as actual_rows
    from kind_rows k
    join batches b using (batch_id)
    where b.kind <> k."table"
),

orphans as (
    select r."table", r.batch_id, 'rows whose batch is missing from batches' as problem,
           0 as expected_rows, r.n as actual_rows
    from batch_rows r
    anti join batches b using (batch_id)
),

final as (
    select * from miscounted
    union all
    select * from misfiled
    union all
    select * from orphans
)

select "table", batch_id, problem, cast(expected_rows as bigint) as expected_rows,
       cast(actual_rows as bigint) as actual_rows
from final
order by "table", batch_id, problem
