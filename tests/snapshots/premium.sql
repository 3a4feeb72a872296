-- statement 1
-- params: g_models=['partnership', 'transactional'], g_providers_0='P1', g_providers_1='T1'
select true as registered, hash(provider, account) as e, engagement_label(provider, account) as engagement, provider, account, relationship_model, contract_start as since from engagement_register g where contract_start is not null and provider is not null and account is not null and g.provider in ($g_providers_0, $g_providers_1) and (g.provider, g.account) in (select (provider, account) from engagements where relationship_model = any($g_models)) union all select false, hash(provider, account), null, null, null, relationship_model, effective_from from engagement_models;

-- statement 2
-- params: f_channels_0='phone', f_end=datetime.date(2025, 6, 30), f_models=['partnership', 'transactional'], f_providers_0='P1', f_providers_1='T1', f_start=datetime.date(2023, 1, 15)
-- relationship_year_values: one row per engagement × month (or day) of one source, each KPI's numerator and denominator summed over it — the parts `premium.relationship_year_frames` aligns on relationship years.
-- The relation slot: where the rows are read (rollup_monthly, or rollup_daily when the date filter cuts months;
-- performance for scorecard KPIs); date_of: the row's month (rollup_monthly's dates are month starts;
-- truncated elsewhere); measures: each KPI's registry aggregates as numerator_<i>, denominator_<i> (the
-- KPIs of one source are read together); volume: the contact count (NULL for scorecards); predicate: the
-- Filters predicate on the source, alias t.
-- Relationship years count whole months from the contract start *day*, and each date is attributed to the
-- relationship model in force on it: the months where a contract anniversary (or a model change) falls
-- mid-month are read day by day (marts/relationship_year_days.sql) and left out of these months in Python.
select hash(t.provider, t.account) as e,
       cast(date_trunc('month', t."day") as date)       as d,
       sum(fcr_yes) as numerator_0,
       sum(fcr_n) as denominator_0,
       sum(contacts)        as volume
from "rollup_daily" t
where t.day >= $f_start and t.day < $f_end + interval 1 day and t.provider in ($f_providers_0, $f_providers_1) and t.channel in ($f_channels_0) and (t.provider, t.account) in (select (provider, account) from engagements where relationship_model = any($f_models))
group by t.provider, t.account, d;

-- statement 3
-- params: f_channels_0='phone', f_end=datetime.date(2025, 6, 30), f_models=['partnership', 'transactional'], f_providers_0='P1', f_providers_1='T1', f_start=datetime.date(2023, 1, 15)
-- relationship_year_days: one row per engagement × day of the months `relationship_year_values` reads day by day (contract anniversaries not on the 1st, model changes), each KPI's numerator and denominator summed over it.
-- The days read are those in the calendar months of every engagement's contract starts not on the 1st and of its
-- model changes not on the 1st, in any year — a superset of the months read by day (the Filters not applied to
-- the register, an engagement's first history row not left out): `premium.relationship_year_frames` keeps the
-- days of the months it reads by day. The measures and volume slots: as in marts/relationship_year_values.sql;
-- predicate: the month source's Filters predicate, alias t (on rollup_daily as it is on the month source).
select hash(t.provider, t.account) as e,
       cast(t.day as date)   as d,
       sum(fcr_yes) as numerator_0,
       sum(fcr_n) as denominator_0,
       sum(contacts)              as volume
from rollup_daily t
semi join (
    -- by calendar month, from every register row: a superset of the anniversary months (any year) and of the
    -- months of model changes
    select provider, account, month(contract_start) as calendar_month
    from engagements
    where day(contract_start) <> 1
    union all
    select provider, account, month(effective_from)
    from engagement_models
    where day(effective_from) <> 1
) dm on dm.provider = t.provider and dm.account = t.account and dm.calendar_month = month(t.day)
where t.day >= $f_start and t.day < $f_end + interval 1 day and t.provider in ($f_providers_0, $f_providers_1) and t.channel in ($f_channels_0) and (t.provider, t.account) in (select (provider, account) from engagements where relationship_model = any($f_models))
group by t.provider, t.account, d;

-- statement 4
-- params: 
select true as registered, hash(provider, account) as e, engagement_label(provider, account) as engagement, provider, account, relationship_model, contract_start as since from engagement_register g where contract_start is not null and provider is not null and account is not null and true union all select false, hash(provider, account), null, null, null, relationship_model, effective_from from engagement_models;

-- statement 5
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
-- relationship_year_values: one row per engagement × month (or day) of one source, each KPI's numerator and denominator summed over it — the parts `premium.relationship_year_frames` aligns on relationship years.
-- The relation slot: where the rows are read (rollup_monthly, or rollup_daily when the date filter cuts months;
-- performance for scorecard KPIs); date_of: the row's month (rollup_monthly's dates are month starts;
-- truncated elsewhere); measures: each KPI's registry aggregates as numerator_<i>, denominator_<i> (the
-- KPIs of one source are read together); volume: the contact count (NULL for scorecards); predicate: the
-- Filters predicate on the source, alias t.
-- Relationship years count whole months from the contract start *day*, and each date is attributed to the
-- relationship model in force on it: the months where a contract anniversary (or a model change) falls
-- mid-month are read day by day (marts/relationship_year_days.sql) and left out of these months in Python.
select hash(t.provider, t.account) as e,
       cast(date_trunc('month', t."period") as date)       as d,
       sum(quality_score) as numerator_0,
       count(quality_score) as denominator_0,
       cast(null as double)        as volume
from "performance" t
where t.period >= $f_start and t.period < $f_end + interval 1 day
group by t.provider, t.account, d;
