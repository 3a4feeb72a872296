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
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
with counted as (select contact_reason, day as month, sum(contacts) as contacts from "rollup_monthly" where day >= $f_start and day < $f_end + interval 1 day group by all), span as (select (select min(month) from counted) as first_month, max(day) as last_day from "rollup_daily" where day >= $f_start and day < $f_end + interval 1 day and day >= (select max(month) from counted)) select s.first_month, s.last_day, c.contact_reason, c.month, c.contacts from span s left join counted c on c.contact_reason is not null;

-- statement 3
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

-- statement 4
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
           sum(innovations) as numerator_0,
           count(innovations) as denominator_0,
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
           sum(innovations) as numerator_0,
           count(innovations) as denominator_0,
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

-- statement 5
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
-- relationship_year_values: one row per engagement × relationship model in force × relationship year
-- (year 1 = the contract's first 12 months), with each KPI's numerator and denominator summed over it.
-- "rollup_monthly": where whole months are read (rollup_monthly, or rollup_daily when the date filter cuts
-- months; performance for scorecard KPIs); "rollup_daily": rollup_daily for the months that must be read by
-- day (true = true for interaction KPIs, false for scorecards); "day", sum(contacts): the source's
-- date column and contact count; the measures slot: each KPI's registry aggregates as numerator_<i>,
-- denominator_<i> (the KPIs of one source are read together), the sums slot: their relationship-year
-- sums; t.day >= $f_start and t.day < $f_end + interval 1 day: the Filters
-- predicate on the source, alias t; t."day": the month of a "rollup_monthly" row (its date column as it is
-- on rollup_monthly, whose dates are month starts; truncated elsewhere); contract_start: the day relationship years count from (the contract start
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
           t."day"                                        as d,
           sum(cost_sum) as numerator_0,
           sum(resolved_cost_n) as denominator_0,
           sum(contacts)                                          as volume
    from "rollup_monthly" t
    where t.day >= $f_start and t.day < $f_end + interval 1 day
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
           sum(cost_sum) as numerator_0,
           sum(resolved_cost_n) as denominator_0,
           sum(contacts)            as volume
    from "rollup_daily" t
    join day_months dm
      on dm.provider = t.provider and dm.account = t.account
     and dm.month = cast(date_trunc('month', t."day") as date)
    where true and t.day >= $f_start and t.day < $f_end + interval 1 day
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

-- statement 6
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

-- statement 7
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), grain='quarter'
with src as (select t.* from "rollup_monthly" t where t.day >= $f_start and t.day < $f_end + interval 1 day), agg as (select cast(date_trunc($grain, "day") as date) as period, "provider", "account", cast(sum(handle_sum) as double) as n_0, cast(sum(cast(handle_n as double)) as double) as d_0, cast(sum(wait_sum) as double) as n_1, cast(sum(cast(wait_n as double)) as double) as d_1, cast(sum(cast(fcr_yes as double)) as double) as n_2, cast(sum(cast(fcr_n as double)) as double) as d_2, cast(sum(cast(csat_sat as double)) as double) as n_3, cast(sum(cast(csat_n as double)) as double) as d_3, cast(sum(cast(nps_promoters as double)) - sum(cast(nps_detractors as double)) as double) as n_4, cast(sum(cast(nps_n as double)) as double) as d_4, cast(sum(ces_sum) as double) as n_5, cast(sum(cast(ces_n as double)) as double) as d_5, cast(sum(cast(escalated_yes as double)) as double) as n_6, cast(sum(cast(escalated_n as double)) as double) as d_6, cast(sum(cast(repeat_yes as double)) as double) as n_7, cast(sum(cast(repeat_n as double)) as double) as d_7, cast(sum(cost_sum) as double) as n_8, cast(sum(cast(cost_n as double)) as double) as d_8, cast(sum(cost_sum) as double) as n_9, cast(sum(cast(resolved_cost_n as double)) as double) as d_9, cast(sum(cast(abandoned_yes as double)) as double) as n_10, cast(sum(cast(answered_n as double)) as double) as d_10, cast(sum(cast(sla_met_yes as double)) as double) as n_11, cast(sum(cast(sla_met_n as double)) as double) as d_11, cast(sum(cast(reopened_yes as double)) as double) as n_12, cast(sum(cast(reopened_n as double)) as double) as d_12 from src group by all) select *, engagement_label(provider, account) as engagement from agg order by period nulls last, engagement nulls last, "provider" nulls last, "account" nulls last;

-- statement 8
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), grain='quarter'
with src as (select t.* from "performance" t where t.period >= $f_start and t.period < $f_end + interval 1 day), agg as (select cast(date_trunc($grain, "period") as date) as period, "provider", "account", cast(sum(quality_score) as double) as n_0, cast(count(quality_score) as double) as d_0, cast(sum(sla_attainment) as double) as n_1, cast(count(sla_attainment) as double) as d_1, cast(sum(agent_attrition) as double) as n_2, cast(count(agent_attrition) as double) as d_2, cast(sum(cost_per_resolution) as double) as n_3, cast(count(cost_per_resolution) as double) as d_3, cast(sum(innovations) as double) as n_4, cast(count(innovations) as double) as d_4, cast(sum(governance_meetings) as double) as n_5, cast(count(governance_meetings) as double) as d_5 from src group by all) select *, engagement_label(provider, account) as engagement from agg order by period nulls last, engagement nulls last, "provider" nulls last, "account" nulls last;

-- statement 9
-- params: None
select provider, account, relationship_model from "engagement_register";

-- statement 10
-- params: i_end=datetime.date(2025, 6, 30), i_start=datetime.date(2023, 1, 1), kpis=['fcr', 'aht_seconds', 'csat_pct'], p_end=datetime.date(2025, 6, 30), p_start=datetime.date(2023, 1, 1), tolerances=[0.03, 20.0, 0.03]
with reported as (select provider, account, cast(date_trunc('month', period) as date) as period, avg("reported_fcr") as reported_0, avg("reported_aht_seconds") as reported_1, avg("reported_csat_pct") as reported_2 from "performance" where period >= $p_start and period < $p_end + interval 1 day group by all), recomputed as (select provider, account, day as period, cast(sum(fcr_yes) as double) as n_0, cast(sum(fcr_n) as double) as d_0, cast(sum(handle_sum) as double) as n_1, cast(sum(handle_n) as double) as d_1, cast(sum(csat_sat) as double) as n_2, cast(sum(csat_n) as double) as d_2 from "rollup_monthly" where day >= $i_start and day < $i_end + interval 1 day group by all), compared as (select engagement_label(r.provider, r.account) as engagement, r.provider, r.account, r.period, unnest($kpis) as kpi, unnest([0, 1, 2]) as kpi_order, unnest([reported_0, reported_1, reported_2]) as reported, unnest([case when d_0 <> 0 then n_0 / d_0 * 1.0 end, case when d_1 <> 0 then n_1 / d_1 * 1.0 end, case when d_2 <> 0 then n_2 / d_2 * 1.0 end]) as recomputed, unnest($tolerances) as tolerance from reported r join recomputed c on engagement_label(r.provider, r.account) = engagement_label(c.provider, c.account) and r.period = c.period) select engagement, provider, account, period, kpi, reported, recomputed, reported - recomputed as gap, abs(reported - recomputed) > tolerance as flagged from compared where reported is not null and recomputed is not null and abs(reported - recomputed) > tolerance order by engagement, period, kpi_order;

-- statement 11
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
select day as period, cast(sum(contacts) as double) as n, cast(null as double) as d from "rollup_monthly" where day >= $f_start and day < $f_end + interval 1 day group by all order by period;

-- statement 12
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
with monthly as (select provider, account, cast(date_trunc('month', "period") as date) as period, cast(sum(agent_attrition) as double) as n_0, cast(count(agent_attrition) as double) as d_0, cast(sum(quality_score) as double) as n_1, cast(count(quality_score) as double) as d_1 from "performance" where period >= $f_start and period < $f_end + interval 1 day group by all), valued as (select engagement_label(provider, account) as engagement, period, case when d_0 <> 0 then n_0 / d_0 * 1.0 end as v_0, case when d_1 <> 0 then n_1 / d_1 * 1.0 end as v_1 from monthly) select * from valued where v_0 is not null or v_1 is not null order by engagement, period;
