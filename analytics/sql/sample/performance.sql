-- sample_performance: one row per engagement per month, ready for `performance`.
-- Input: `sample_cells` (the generator's scorecard figures per engagement × month, plus the
-- noise it adds to vendor-reported figures) registered on this cursor, and the interactions
-- of batch $interactions_batch. Volume, escalations and the reported FCR / AHT / CSAT come
-- from those interactions, so the vendor-vs-recomputed check agrees except where planted.
with cells as (
    select * from sample_cells
),

measured as (
    select
        provider,
        account,
        cast(date_trunc('month', occurred_at) as date)                          as period,
        count(*)                                                                as contacts,
        count(*) filter (where escalated)                                       as escalations,
        avg(cast(resolved_first_contact as double))                             as fcr,
        avg(handle_seconds)                                                     as aht_seconds,
        count(*) filter (where csat >= 0.8 * csat_scale) / nullif(count(csat), 0) as csat_pct
    from interactions
    where batch_id = $interactions_batch
    group by all
),

final as (
    select
        $batch_id                                                               as batch_id,
        cells.period,
        cells.provider,
        cells.account,
        cells.quality_score,
        cells.sla_attainment,
        cells.agent_attrition,
        cells.cost_per_resolution,
        cells.innovations,
        coalesce(measured.escalations, 0)                                       as escalations,
        cells.governance_meetings,
        cells.gain_share_savings,
        coalesce(measured.contacts, 0)                                          as contacts_handled,
        -- greatest/least skip nulls, so months without a measured figure stay null explicitly
        case when measured.fcr is not null
             then round(least(greatest(measured.fcr + cells.fcr_noise, 0), 1), 4) end      as reported_fcr,
        round(measured.aht_seconds + cells.aht_noise, 1)                                   as reported_aht_seconds,
        case when measured.csat_pct is not null
             then round(least(greatest(measured.csat_pct + cells.csat_noise, 0), 1), 4) end as reported_csat_pct
    from cells
    left join measured using (provider, account, period)
)

select * from final
