-- data_freshness: one row per dataset (interactions, performance, engagements).
-- rows, first and last date of its data (contact days; scorecard months; none for the register)
-- and when it was last loaded (latest batch of that kind; for the register also its latest edit).
-- from_rollups: the interactions came (also) as rollups imported from Spark (`rollups import`), so
-- their count is the rollups' contacts and their span is day-level; there are no raw rows behind them.
with loads as (
    select case when kind = 'rollups' then 'interactions' else kind end as kind, max(loaded_at) as last_loaded_at
    from batches
    group by all
),

imported as (
    select coalesce(sum(contacts), 0) as contacts, min(day) as first_day, max(day) as last_day
    from rollup_daily
    where batch_id in (select batch_id from batches where kind = 'rollups')
),

spans as (
    select 'interactions' as dataset, count(*) + (select contacts from imported) as rows,
           least(cast(min(occurred_at) as date), (select first_day from imported)) as first_date,
           greatest(cast(max(occurred_at) as date), (select last_day from imported)) as last_date,
           cast(null as timestamp) as edited_at,
           (select contacts from imported) > 0 as from_rollups
    from interactions
    union all
    select 'performance', count(*), min(period), max(period), null, false
    from performance
    union all
    select 'engagements', count(*), null, null, max(updated_at), false
    from engagements
),

final as (
    select spans.dataset, spans.rows, spans.first_date, spans.last_date,
           greatest(loads.last_loaded_at, spans.edited_at) as last_loaded_at,
           spans.from_rollups
    from spans
    left join loads on loads.kind = spans.dataset
)

select * from final
