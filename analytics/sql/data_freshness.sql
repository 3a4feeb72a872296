-- data_freshness: one row per dataset (interactions, performance, engagements).
-- rows, first and last date of its data (contact days; scorecard months; none for the register)
-- and when it was last loaded (latest batch of that kind; for the register also its latest edit).
with loads as (
    select kind, max(loaded_at) as last_loaded_at
    from batches
    group by kind
),

spans as (
    select 'interactions' as dataset, count(*) as rows,
           cast(min(occurred_at) as date) as first_date, cast(max(occurred_at) as date) as last_date,
           cast(null as timestamp) as edited_at
    from interactions
    union all
    select 'performance', count(*), min(period), max(period), null
    from performance
    union all
    select 'engagements', count(*), null, null, max(updated_at)
    from engagements
),

final as (
    select spans.dataset, spans.rows, spans.first_date, spans.last_date,
           greatest(loads.last_loaded_at, spans.edited_at) as last_loaded_at
    from spans
    left join loads on loads.kind = spans.dataset
)

select * from final
