-- rollup_daily: one row per day × provider × account × channel × contact reason × segment.
-- Sums and counts only (no averages), so every KPI recombines exactly at any grain.
-- Reads the relation `interactions` (canonical columns, csat_scale, is_repeat). DuckDB's ingest
-- shadows it with one batch's rows and adds batch_id (analytics/rollups.py); the Spark job
-- (analytics/spark/) runs this same definition, transpiled, over the lake.
-- Portable subset, enforced by tests/test_rollup_sql_portable.py: explicit group-by keys, no
-- $parameters, one interval unit, and every output column cast to its rollup_daily type.
with source as (
    select * from interactions
),

final as (
    select
        cast(occurred_at as date)                                   as day,
        cast(provider as varchar)                                   as provider,
        cast(account as varchar)                                    as account,
        cast(channel as varchar)                                    as channel,
        cast(contact_reason as varchar)                             as contact_reason,
        cast(customer_segment as varchar)                           as customer_segment,
        cast(count(*) as bigint)                                    as contacts,
        -- AHT, FCR and CSAT count answered contacts only (an abandoned call has no handling to measure);
        -- rows without an answered flag count, so files that do not say which are answered are unchanged
        cast(sum(handle_seconds) filter (where answered is not false) as double) as handle_sum,
        cast(count(handle_seconds) filter (where answered is not false) as bigint) as handle_n,
        cast(sum(wait_seconds) as double)                           as wait_sum,
        cast(count(wait_seconds) as bigint)                         as wait_n,
        cast(count(*) filter (where resolved_first_contact and answered is not false) as bigint) as fcr_yes,
        cast(count(resolved_first_contact) filter (where answered is not false) as bigint) as fcr_n,
        cast(count(*) filter (where escalated) as bigint)           as escalated_yes,
        cast(count(escalated) as bigint)                            as escalated_n,
        -- satisfied = top-two box: 4–5 on a 1–5 scale, 9–10 on a 1–10 scale, 80–100 on a 0–100 score
        cast(count(*) filter (where answered is not false
                              and csat >= case when csat_scale = 100 then 80 when csat_scale = 10 then 9 else 4 end)
             as bigint) as csat_sat,
        cast(count(csat) filter (where answered is not false) as bigint) as csat_n,
        cast(count(*) filter (where nps >= 9) as bigint)            as nps_promoters,
        cast(count(*) filter (where nps <= 6) as bigint)            as nps_detractors,
        cast(count(nps) as bigint)                                  as nps_n,
        cast(sum(ces) as double)                                    as ces_sum,
        cast(count(ces) as bigint)                                  as ces_n,
        cast(sum(cost) as double)                                   as cost_sum,
        cast(count(cost) as bigint)                                 as cost_n,
        cast(count(*) filter (where resolved_first_contact and cost is not null) as bigint) as resolved_cost_n,
        cast(count(*) filter (where is_repeat) as bigint)           as repeat_yes,
        cast(count(is_repeat) as bigint)                            as repeat_n,
        cast(count(*) filter (where answered = false) as bigint)    as abandoned_yes,
        cast(count(answered) as bigint)                             as answered_n,
        cast(count(*) filter (where sla_met) as bigint)             as sla_met_yes,
        cast(count(sla_met) as bigint)                              as sla_met_n,
        cast(sum(resolution_seconds) as double)                     as resolve_sum,
        cast(count(resolution_seconds) as bigint)                   as resolve_n,
        cast(count(*) filter (where reopened) as bigint)            as reopened_yes,
        cast(count(reopened) as bigint)                             as reopened_n
    from source
    group by cast(occurred_at as date), provider, account, channel, contact_reason, customer_segment
)

select * from final
