-- statement 1
-- params: f_channels_0='phone', f_end=datetime.date(2025, 6, 30), f_models=['partnership', 'transactional'], f_providers_0='P1', f_providers_1='T1', f_start=datetime.date(2023, 1, 15), g_models=['partnership', 'transactional'], g_providers_0='P1', g_providers_1='T1'
-- relationship_year_values: one row per engagement × relationship model in force × relationship year
-- (year 1 = the contract's first 12 months), with each KPI's numerator and denominator summed over it.
-- "rollup_daily": where whole months are read (rollup_monthly, or rollup_daily when the date filter cuts
-- months; performance for scorecard KPIs); "rollup_daily": rollup_daily for the months that must be read by
-- day (true = true for interaction KPIs, false for scorecards); "day", sum(contacts): the source's
-- date column and contact count; the measures slot: each KPI's registry aggregates as numerator_<i>,
-- denominator_<i> (the KPIs of one source are read together), the sums slot: their relationship-year
-- sums; t.day >= $f_start and t.day < $f_end + interval 1 day and t.provider in ($f_providers_0, $f_providers_1) and t.channel in ($f_channels_0) and (t.provider, t.account) in (select (provider, account) from engagements where relationship_model = any($f_models)): the Filters
-- predicate on the source, alias t; cast(date_trunc('month', t."day") as date): the month of a "rollup_daily" row (its date column as it is
-- on rollup_monthly, whose dates are month starts; truncated elsewhere); contract_start: the day relationship years count from (the contract start
-- for interactions, its month for monthly scorecards); g.provider in ($g_providers_0, $g_providers_1) and (g.provider, g.account) in (select (provider, account) from engagements where relationship_model = any($g_models)): the Filters' provider, account,
-- engagement and model filters on the register (alias g), so only the engagements the rows can belong to are
-- aligned (the rows are filtered by the same conditions).
-- Relationship years count whole months from the contract start *day*: with a contract starting
-- 15 March, a contact on 10 March is before year 1 and one on 15 March next year is in year 2. The months
-- where that boundary (or a model change) falls mid-month are read day by day; all others by month.
-- Each date is attributed to the relationship model in force on it (engagement_models, else the register).
with register as (
    select provider, account, relationship_model, contract_start
    from engagement_register g
    where contract_start is not null and g.provider in ($g_providers_0, $g_providers_1) and (g.provider, g.account) in (select (provider, account) from engagements where relationship_model = any($g_models))
),

history as (
    -- an engagement's spans depend on its own history only: those of the engagements in the register
    select m.provider, m.account, m.relationship_model, m.effective_from from engagement_models m
    where exists (select 1 from register r where r.provider = m.provider and r.account = m.account)
    union all
    select r.provider, r.account, r.relationship_model, r.contract_start from register r
    where r.relationship_model is not null
      and not exists (select 1 from engagement_models m where m.provider = r.provider and m.account = r.account)
),

spans as (
    -- each engagement's rows in date order, told apart by the engagement of the row before and after (one
    -- ordered window: a window partitioned by engagement costs milliseconds more for a few hundred rows)
    select provider, account, relationship_model, effective_from,
           case when lag(struct_pack(p := provider, a := account)) over w
                     is distinct from struct_pack(p := provider, a := account)
                then date '0001-01-01' else effective_from end                            as span_from,
           case when lead(struct_pack(p := provider, a := account)) over w
                     is not distinct from struct_pack(p := provider, a := account)
                then lead(effective_from) over w else date '9999-12-31' end                as span_to
    from history
    window w as (order by provider, account, effective_from)
),

anchored as (
    select provider, account, contract_start, contract_start as anchor from register
),

day_months as (
    -- months read day by day: contract anniversaries not on the 1st, and mid-month model changes
    select a.provider, a.account,
           cast(date_trunc('month', a.contract_start + to_years(cast(k as integer))) as date) as month
    from anchored a, range(0, 80) as years(k)
    where true and day(a.contract_start) <> 1
    union
    select s.provider, s.account, cast(date_trunc('month', s.effective_from) as date)
    from spans s
    where true and s.span_from > date '0001-01-01' and day(s.effective_from) <> 1
),

month_sums as (
    select t.provider, t.account,
           cast(date_trunc('month', t."day") as date)                                        as d,
           sum(fcr_yes) as numerator_0,
           sum(fcr_n) as denominator_0,
           sum(contacts)                                          as volume
    from "rollup_daily" t
    where t.day >= $f_start and t.day < $f_end + interval 1 day and t.provider in ($f_providers_0, $f_providers_1) and t.channel in ($f_channels_0) and (t.provider, t.account) in (select (provider, account) from engagements where relationship_model = any($f_models))
    group by all
),

by_month as (
    -- summed first, then the day-read months left out: the months are group keys, so this is the
    -- same as leaving their rows out before summing, without probing every rollup row
    select m.* from month_sums m
    where not exists (select 1 from day_months dm
                      where dm.provider = m.provider and dm.account = m.account and dm.month = m.d)
),

by_day as (
    select t.provider, t.account,
           cast(t."day" as date) as d,
           sum(fcr_yes) as numerator_0,
           sum(fcr_n) as denominator_0,
           sum(contacts)            as volume
    from "rollup_daily" t
    join day_months dm
      on dm.provider = t.provider and dm.account = t.account
     and dm.month = cast(date_trunc('month', t."day") as date)
    where true and t.day >= $f_start and t.day < $f_end + interval 1 day and t.provider in ($f_providers_0, $f_providers_1) and t.channel in ($f_channels_0) and (t.provider, t.account) in (select (provider, account) from engagements where relationship_model = any($f_models))
    group by all
),

dated as (
    select * from by_month
    union all
    select * from by_day
),

last_date as (
    select max(d) as last_day from dated
),

aligned as (
    select d.*, s.relationship_model, a.anchor,
           (year(d.d) - year(a.anchor)) * 12 + month(d.d) - month(a.anchor)
             - case when day(d.d) < day(a.anchor) then 1 else 0 end as relationship_month
    from dated d
    join anchored a on d.provider = a.provider and d.account = a.account
    join spans s on d.provider = s.provider and d.account = s.account and d.d >= s.span_from and d.d < s.span_to
    where s.relationship_model is not null
),

final as (
    select
        engagement_label(provider, account)               as engagement,
        provider,
        account,
        relationship_model,
        cast(relationship_month // 12 + 1 as integer)     as relationship_year,
        cast(sum(numerator_0) as double) as numerator_0,
        cast(sum(denominator_0) as double) as denominator_0,
        cast(sum(volume) as double)                       as volume,
        cast(any_value(
            ((year(l.last_day) - year(anchor)) * 12 + month(l.last_day) - month(anchor)
              - case when day(l.last_day) < day(anchor) then 1 else 0 end) // 12 + 1
        ) as integer)                                     as reachable_year,
        any_value(anchor)                                 as contract_start
    from aligned, last_date l
    where relationship_month >= 0
    group by all
)

select * from final order by engagement, relationship_model, relationship_year;

-- statement 2
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
-- relationship_year_values: one row per engagement × relationship model in force × relationship year
-- (year 1 = the contract's first 12 months), with each KPI's numerator and denominator summed over it.
-- "performance": where whole months are read (rollup_monthly, or rollup_daily when the date filter cuts
-- months; performance for scorecard KPIs); "performance": rollup_daily for the months that must be read by
-- day (false = true for interaction KPIs, false for scorecards); "period", cast(null as double): the source's
-- date column and contact count; the measures slot: each KPI's registry aggregates as numerator_<i>,
-- denominator_<i> (the KPIs of one source are read together), the sums slot: their relationship-year
-- sums; t.period >= $f_start and t.period < $f_end + interval 1 day: the Filters
-- predicate on the source, alias t; cast(date_trunc('month', t."period") as date): the month of a "performance" row (its date column as it is
-- on rollup_monthly, whose dates are month starts; truncated elsewhere); cast(date_trunc('month', contract_start) as date): the day relationship years count from (the contract start
-- for interactions, its month for monthly scorecards); true: the Filters' provider, account,
-- engagement and model filters on the register (alias g), so only the engagements the rows can belong to are
-- aligned (the rows are filtered by the same conditions).
-- Relationship years count whole months from the contract start *day*: with a contract starting
-- 15 March, a contact on 10 March is before year 1 and one on 15 March next year is in year 2. The months
-- where that boundary (or a model change) falls mid-month are read day by day; all others by month.
-- Each date is attributed to the relationship model in force on it (engagement_models, else the register).
with register as (
    select provider, account, relationship_model, contract_start
    from engagement_register g
    where contract_start is not null and true
),

history as (
    -- an engagement's spans depend on its own history only: those of the engagements in the register
    select m.provider, m.account, m.relationship_model, m.effective_from from engagement_models m
    where exists (select 1 from register r where r.provider = m.provider and r.account = m.account)
    union all
    select r.provider, r.account, r.relationship_model, r.contract_start from register r
    where r.relationship_model is not null
      and not exists (select 1 from engagement_models m where m.provider = r.provider and m.account = r.account)
),

spans as (
    -- each engagement's rows in date order, told apart by the engagement of the row before and after (one
    -- ordered window: a window partitioned by engagement costs milliseconds more for a few hundred rows)
    select provider, account, relationship_model, effective_from,
           case when lag(struct_pack(p := provider, a := account)) over w
                     is distinct from struct_pack(p := provider, a := account)
                then date '0001-01-01' else effective_from end                            as span_from,
           case when lead(struct_pack(p := provider, a := account)) over w
                     is not distinct from struct_pack(p := provider, a := account)
                then lead(effective_from) over w else date '9999-12-31' end                as span_to
    from history
    window w as (order by provider, account, effective_from)
),

anchored as (
    select provider, account, contract_start, cast(date_trunc('month', contract_start) as date) as anchor from register
),

day_months as (
    -- months read day by day: contract anniversaries not on the 1st, and mid-month model changes
    select a.provider, a.account,
           cast(date_trunc('month', a.contract_start + to_years(cast(k as integer))) as date) as month
    from anchored a, range(0, 80) as years(k)
    where false and day(a.contract_start) <> 1
    union
    select s.provider, s.account, cast(date_trunc('month', s.effective_from) as date)
    from spans s
    where false and s.span_from > date '0001-01-01' and day(s.effective_from) <> 1
),

month_sums as (
    select t.provider, t.account,
           cast(date_trunc('month', t."period") as date)                                        as d,
           sum(quality_score) as numerator_0,
           count(quality_score) as denominator_0,
           cast(null as double)                                          as volume
    from "performance" t
    where t.period >= $f_start and t.period < $f_end + interval 1 day
    group by all
),

by_month as (
    -- summed first, then the day-read months left out: the months are group keys, so this is the
    -- same as leaving their rows out before summing, without probing every rollup row
    select m.* from month_sums m
    where not exists (select 1 from day_months dm
                      where dm.provider = m.provider and dm.account = m.account and dm.month = m.d)
),

by_day as (
    select t.provider, t.account,
           cast(t."period" as date) as d,
           sum(quality_score) as numerator_0,
           count(quality_score) as denominator_0,
           cast(null as double)            as volume
    from "performance" t
    join day_months dm
      on dm.provider = t.provider and dm.account = t.account
     and dm.month = cast(date_trunc('month', t."period") as date)
    where false and t.period >= $f_start and t.period < $f_end + interval 1 day
    group by all
),

dated as (
    select * from by_month
    union all
    select * from by_day
),

last_date as (
    select max(d) as last_day from dated
),

aligned as (
    select d.*, s.relationship_model, a.anchor,
           (year(d.d) - year(a.anchor)) * 12 + month(d.d) - month(a.anchor)
             - case when day(d.d) < day(a.anchor) then 1 else 0 end as relationship_month
    from dated d
    join anchored a on d.provider = a.provider and d.account = a.account
    join spans s on d.provider = s.provider and d.account = s.account and d.d >= s.span_from and d.d < s.span_to
    where s.relationship_model is not null
),

final as (
    select
        engagement_label(provider, account)               as engagement,
        provider,
        account,
        relationship_model,
        cast(relationship_month // 12 + 1 as integer)     as relationship_year,
        cast(sum(numerator_0) as double) as numerator_0,
        cast(sum(denominator_0) as double) as denominator_0,
        cast(sum(volume) as double)                       as volume,
        cast(any_value(
            ((year(l.last_day) - year(anchor)) * 12 + month(l.last_day) - month(anchor)
              - case when day(l.last_day) < day(anchor) then 1 else 0 end) // 12 + 1
        ) as integer)                                     as reachable_year,
        any_value(anchor)                                 as contract_start
    from aligned, last_date l
    where relationship_month >= 0
    group by all
)

select * from final order by engagement, relationship_model, relationship_year;
