-- statement 1
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), grain='quarter', not_recorded='Not recorded'
with daily as (
            select day, "channel", sum(contacts) as contacts from "rollup_monthly" where day >= $f_start and day < $f_end + interval 1 day group by all
        )
        select cast(date_trunc($grain, day) as date) as period,
               coalesce("channel", $not_recorded) as "channel",
               sum(contacts) as contacts
        from daily
        group by all
        order by period, contacts desc, "channel";

-- statement 2
-- params: f_channels_0='phone', f_end=datetime.date(2025, 6, 30), f_models=['partnership', 'transactional'], f_providers_0='P1', f_providers_1='T1', f_start=datetime.date(2023, 1, 15), grain='year', not_recorded='Not recorded'
with daily as (
            select day, "customer_segment", sum(contacts) as contacts from "rollup_daily" where day >= $f_start and day < $f_end + interval 1 day and provider in ($f_providers_0, $f_providers_1) and channel in ($f_channels_0) and (provider, account) in (select (provider, account) from engagements where relationship_model = any($f_models)) group by all
        )
        select cast(date_trunc($grain, day) as date) as period,
               coalesce("customer_segment", $not_recorded) as "customer_segment",
               sum(contacts) as contacts
        from daily
        group by all
        order by period, contacts desc, "customer_segment";

-- statement 3
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
with counted as (select contact_reason, day as month, sum(contacts) as contacts from "rollup_monthly" where day >= $f_start and day < $f_end + interval 1 day group by all), span as (select (select min(month) from counted) as first_month, max(day) as last_day from "rollup_daily" where day >= $f_start and day < $f_end + interval 1 day and day >= (select max(month) from counted)) select s.first_month, s.last_day, c.contact_reason, c.month, c.contacts from span s left join counted c on c.contact_reason is not null;

-- statement 4
-- params: days=30, f_channels_0='phone', f_end=datetime.date(2025, 6, 30), f_models=['partnership', 'transactional'], f_providers_0='P1', f_providers_1='T1', f_start=datetime.date(2023, 1, 15), grain='month', lookback_start=Timestamp('2022-12-16 00:00:00')
-- repeat_contacts: one row per period (date_trunc($grain)) with the contacts that carry a customer id
-- and pass the filters, and how many of them came within $days days after an earlier contact of the
-- same customer — on any channel, reason or program, as ingest's is_repeat flag (7 days) is defined.
-- occurred_at >= $f_start and occurred_at < $f_end + interval 1 day and provider in ($f_providers_0, $f_providers_1) and channel in ($f_channels_0) and (provider, account) in (select (provider, account) from engagements where relationship_model = any($f_models)): the Filters predicate on interactions; $lookback_start: first contact time a counted
-- contact can look back to (null = no limit).
with counted_customers as (
    select distinct customer_id from interactions
    where customer_id is not null and occurred_at >= $f_start and occurred_at < $f_end + interval 1 day and provider in ($f_providers_0, $f_providers_1) and channel in ($f_channels_0) and (provider, account) in (select (provider, account) from engagements where relationship_model = any($f_models))
),

history as (
    select customer_id, occurred_at, (occurred_at >= $f_start and occurred_at < $f_end + interval 1 day and provider in ($f_providers_0, $f_providers_1) and channel in ($f_channels_0) and (provider, account) in (select (provider, account) from engagements where relationship_model = any($f_models))) as counted
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

select * from final order by period;
