-- rollup_daily: one row per day × provider × account × channel × contact reason × segment × batch.
-- Sums and counts only (no averages), so every KPI recombines exactly at any grain.
-- $batch_id: the batch to aggregate, or null for every batch (full rebuild).
with source as (
    select * from interactions
    where $batch_id is null or batch_id = $batch_id
),

final as (
    select
        cast(occurred_at as date)                                   as day,
        provider, account, channel, contact_reason, customer_segment,
        batch_id,
        count(*)                                                    as contacts,
        sum(handle_seconds)                                         as handle_sum,
        count(handle_seconds)                                       as handle_n,
        sum(wait_seconds)                                           as wait_sum,
        count(wait_seconds)                                         as wait_n,
        count(*) filter (where resolved_first_contact)              as fcr_yes,
        count(resolved_first_contact)                               as fcr_n,
        count(*) filter (where escalated)                           as escalated_yes,
        count(escalated)                                            as escalated_n,
        -- satisfied = top-two box: 4–5 on a 5-point scale, 8–10 on a 10-point scale
        count(*) filter (where csat >= 0.8 * csat_scale)            as csat_sat,
        count(csat)                                                 as csat_n,
        count(*) filter (where nps >= 9)                            as nps_promoters,
        count(*) filter (where nps <= 6)                            as nps_detractors,
        count(nps)                                                  as nps_n,
        sum(ces)                                                    as ces_sum,
        count(ces)                                                  as ces_n,
        sum(cost)                                                   as cost_sum,
        count(cost)                                                 as cost_n,
        count(*) filter (where resolved_first_contact and cost is not null) as resolved_cost_n,
        count(*) filter (where is_repeat)                           as repeat_yes,
        count(is_repeat)                                            as repeat_n
    from source
    group by all
)

select * from final
