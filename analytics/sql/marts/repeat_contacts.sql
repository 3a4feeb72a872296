-- repeat_contacts: one row per period (date_trunc($grain)) with the contacts that carry a customer id
-- and pass the filters, and how many of them came within $days days after an earlier contact of the
-- same customer — on any channel, reason or program, as ingest's is_repeat flag (7 days) is defined.
-- {predicate}: the Filters predicate on interactions; $lookback_start: first contact time a counted
-- contact can look back to (null = no limit).
with counted_customers as (
    select distinct customer_id from interactions
    where customer_id is not null and {predicate}
),

history as (
    select customer_id, occurred_at, ({predicate}) as counted
    from interactions
    where customer_id in (select customer_id from counted_customers)
      and occurred_at is not null
      and ($lookback_start is null or occurred_at >= $lookback_start)
),

sequenced as (
    select
        occurred_at,
        counted,
        -- strictly earlier contacts only: two rows with the same timestamp are not repeats of each other.
        -- The frame is in ONE unit (microseconds since the epoch), as ingest's is_repeat, so Spark can run it.
        max(occurred_at) over (
            partition by customer_id order by epoch_us(occurred_at)
            range between cast($days as bigint) * 86400000000 preceding and 1 preceding
        ) as previous_at
    from history
),

final as (
    select
        cast(date_trunc($grain, occurred_at) as date)         as period,
        count(*)                                               as contacts,
        count(previous_at)                                     as repeat_contacts
    from sequenced
    where counted
    group by all
)

select * from final order by period
