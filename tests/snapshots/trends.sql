-- statement 1
-- params: f_channels_0='phone', f_end=datetime.date(2025, 6, 30), f_models=['partnership', 'transactional'], f_providers_0='P1', f_providers_1='T1', f_start=datetime.date(2023, 1, 15), grain='month'
with src as (select t.* from "rollup_daily" t where t.day >= $f_start and t.day < $f_end + interval 1 day and t.provider in ($f_providers_0, $f_providers_1) and t.channel in ($f_channels_0) and (t.provider, t.account) in (select (provider, account) from engagements where relationship_model = any($f_models))), agg as (select cast(date_trunc($grain, "day") as date) as period, "channel", cast(sum(cast(csat_sat as double)) as double) as n_0, cast(sum(cast(csat_n as double)) as double) as d_0 from src group by all) select * from agg order by period nulls last, "channel" nulls last;

-- statement 2
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), grain='quarter'
with src as (select t.* from "rollup_monthly" t where t.day >= $f_start and t.day < $f_end + interval 1 day), agg as (select cast(date_trunc($grain, "day") as date) as period, cast(sum(cast(contacts as double)) as double) as n_0, cast(null as double) as d_0 from src group by all) select * from agg order by period nulls last;

-- statement 3
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), grain='quarter'
with src as (select t.* from "performance" t where t.period >= $f_start and t.period < $f_end + interval 1 day), agg as (select cast(date_trunc($grain, "period") as date) as period, cast(sum(quality_score) as double) as n_0, cast(count(quality_score) as double) as d_0 from src group by all) select * from agg order by period nulls last;

-- statement 4
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), g_end=datetime.date(2025, 6, 30)
select max("day") from "rollup_daily" where day >= $f_start and day < $f_end + interval 1 day and "day" >= (select max("day") from "rollup_monthly" where day < $g_end + interval 1 day);

-- statement 5
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
select max("period") from "performance" where period >= $f_start and period < $f_end + interval 1 day;

-- statement 6
-- params: None
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

select * from final;
