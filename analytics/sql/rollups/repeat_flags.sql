-- repeat_flags: one row per raw interaction — every column of the relation `raw_interactions`
-- plus is_repeat: the same customer had a contact in the 7 days strictly before this one (on any
-- channel, reason or program; two contacts at the same instant are not repeats of each other);
-- null when the customer id is unknown. This is the meaning of interactions.is_repeat at ingest.
-- Portable subset (the Spark job embeds it, analytics/spark/): no $parameters, and the window
-- frame in ONE unit — microseconds since the epoch as a bigint — because Spark rejects a frame
-- mixing interval units. 604800000000 µs = 7 days.
with final as (
    select
        raw_interactions.*,
        case
            when customer_id is null then cast(null as boolean)
            else count(*) over (
                partition by customer_id
                order by date_diff('microsecond', timestamp '1970-01-01 00:00:00', occurred_at)
                range between 604800000000 preceding and 1 preceding
            ) > 0
        end                                                         as is_repeat
    from raw_interactions
)

select * from final
