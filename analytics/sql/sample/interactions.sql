-- sample_interactions: one row per generated contact of one chunk, ready for `interactions`.
-- Input: the numeric chunk frame `sample_chunk` (codes, not strings) registered on this cursor.
-- Codes become names through list parameters ($providers[e + 1] …), and is_repeat is the
-- spec's window: the same customer had a contact in the 7 days before. Chunks are whole
-- calendar months in time order, so the lookback over rows already loaded in this batch
-- ($batch_id, from $lookback_from) sees every earlier contact a chunk row can have.
with chunk as (
    select * from sample_chunk
),

named as (
    select
        $batch_id                                                           as batch_id,
        'SMP' || $seed || '-' || lpad(cast(row_no as varchar), 9, '0')      as interaction_id,
        cast(occurred_at as timestamp)                                      as occurred_at,
        $providers[engagement + 1]                                          as provider,
        $accounts[engagement + 1]                                           as account,
        $channels[channel + 1]                                              as channel,
        $reasons[reason + 1]                                                as contact_reason,
        'C' || lpad(cast(customer as varchar), 10, '0')                     as customer_id,
        $segments[segment + 1]                                              as customer_segment,
        $agent_prefixes[engagement + 1] || lpad(cast(agent as varchar), 4, '0') as agent_id,
        handle_seconds,
        wait_seconds,
        resolved_first_contact,
        escalated,
        csat,
        nps,
        ces,
        cost
    from chunk
),

earlier as (
    select customer_id, occurred_at, interaction_id, false as is_new
    from interactions
    where batch_id = $batch_id and occurred_at >= $lookback_from
),

stacked as (
    select customer_id, occurred_at, interaction_id, true as is_new from named
    union all
    select * from earlier
),

previous as (
    select
        interaction_id,
        is_new,
        occurred_at - lag(occurred_at) over (
            partition by customer_id order by occurred_at, interaction_id
        ) as since_previous
    from stacked
),

final as (
    select
        named.*,
        5                                                                   as csat_scale,
        coalesce(previous.since_previous <= interval 7 days, false)         as is_repeat
    from named
    join previous on previous.interaction_id = named.interaction_id and previous.is_new
)

select * from final
