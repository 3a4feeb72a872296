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
-- params: 
select true as registered, hash(provider, account) as e, engagement_label(provider, account) as engagement, provider, account, relationship_model, contract_start as since from engagement_register g where contract_start is not null and provider is not null and account is not null and true union all select false, hash(provider, account), null, null, null, relationship_model, effective_from from engagement_models;

-- statement 4
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

-- statement 5
-- params: 
select true as registered, hash(provider, account) as e, engagement_label(provider, account) as engagement, provider, account, relationship_model, contract_start as since from engagement_register g where contract_start is not null and provider is not null and account is not null and true union all select false, hash(provider, account), null, null, null, relationship_model, effective_from from engagement_models;

-- statement 6
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
       sum(innovations) as numerator_0,
       count(innovations) as denominator_0,
       cast(null as double)        as volume
from "performance" t
where t.period >= $f_start and t.period < $f_end + interval 1 day
group by t.provider, t.account, d;

-- statement 7
-- params: 
select true as registered, hash(provider, account) as e, engagement_label(provider, account) as engagement, provider, account, relationship_model, contract_start as since from engagement_register g where contract_start is not null and provider is not null and account is not null and true union all select false, hash(provider, account), null, null, null, relationship_model, effective_from from engagement_models;

-- statement 8
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
       t."day"       as d,
       sum(cost_sum) as numerator_0,
       sum(resolved_cost_n) as denominator_0,
       sum(contacts)        as volume
from "rollup_monthly" t
where t.day >= $f_start and t.day < $f_end + interval 1 day
group by t.provider, t.account, d;

-- statement 9
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
-- relationship_year_days: one row per engagement × day of the months `relationship_year_values` reads day by day (contract anniversaries not on the 1st, model changes), each KPI's numerator and denominator summed over it.
-- The days read are those in the calendar months of every engagement's contract starts not on the 1st and of its
-- model changes not on the 1st, in any year — a superset of the months read by day (the Filters not applied to
-- the register, an engagement's first history row not left out): `premium.relationship_year_frames` keeps the
-- days of the months it reads by day. The measures and volume slots: as in marts/relationship_year_values.sql;
-- predicate: the month source's Filters predicate, alias t (on rollup_daily as it is on the month source).
select hash(t.provider, t.account) as e,
       cast(t.day as date)   as d,
       sum(cost_sum) as numerator_0,
       sum(resolved_cost_n) as denominator_0,
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
where t.day >= $f_start and t.day < $f_end + interval 1 day
group by t.provider, t.account, d;

-- statement 10
-- params: 
select true as registered, hash(provider, account) as e, engagement_label(provider, account) as engagement, provider, account, relationship_model, contract_start as since from engagement_register g where contract_start is not null and provider is not null and account is not null and true union all select false, hash(provider, account), null, null, null, relationship_model, effective_from from engagement_models;

-- statement 11
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

-- statement 12
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), grain='quarter'
with src as (select t.* from "rollup_monthly" t where t.day >= $f_start and t.day < $f_end + interval 1 day), agg as (select cast(date_trunc($grain, "day") as date) as period, "provider", "account", cast(sum(handle_sum) as double) as n_0, cast(sum(cast(handle_n as double)) as double) as d_0, cast(sum(wait_sum) as double) as n_1, cast(sum(cast(wait_n as double)) as double) as d_1, cast(sum(cast(fcr_yes as double)) as double) as n_2, cast(sum(cast(fcr_n as double)) as double) as d_2, cast(sum(cast(csat_sat as double)) as double) as n_3, cast(sum(cast(csat_n as double)) as double) as d_3, cast(sum(cast(nps_promoters as double)) - sum(cast(nps_detractors as double)) as double) as n_4, cast(sum(cast(nps_n as double)) as double) as d_4, cast(sum(ces_sum) as double) as n_5, cast(sum(cast(ces_n as double)) as double) as d_5, cast(sum(cast(escalated_yes as double)) as double) as n_6, cast(sum(cast(escalated_n as double)) as double) as d_6, cast(sum(cast(repeat_yes as double)) as double) as n_7, cast(sum(cast(repeat_n as double)) as double) as d_7, cast(sum(cost_sum) as double) as n_8, cast(sum(cast(cost_n as double)) as double) as d_8, cast(sum(cost_sum) as double) as n_9, cast(sum(cast(resolved_cost_n as double)) as double) as d_9, cast(sum(cast(abandoned_yes as double)) as double) as n_10, cast(sum(cast(answered_n as double)) as double) as d_10, cast(sum(cast(sla_met_yes as double)) as double) as n_11, cast(sum(cast(sla_met_n as double)) as double) as d_11, cast(sum(cast(reopened_yes as double)) as double) as n_12, cast(sum(cast(reopened_n as double)) as double) as d_12 from src group by all) select *, engagement_label(provider, account) as engagement from agg order by period nulls last, engagement nulls last, "provider" nulls last, "account" nulls last;

-- statement 13
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1), grain='quarter'
with src as (select t.* from "performance" t where t.period >= $f_start and t.period < $f_end + interval 1 day), agg as (select cast(date_trunc($grain, "period") as date) as period, "provider", "account", cast(sum(quality_score) as double) as n_0, cast(count(quality_score) as double) as d_0, cast(sum(sla_attainment) as double) as n_1, cast(count(sla_attainment) as double) as d_1, cast(sum(agent_attrition) as double) as n_2, cast(count(agent_attrition) as double) as d_2, cast(sum(cost_per_resolution) as double) as n_3, cast(count(cost_per_resolution) as double) as d_3, cast(sum(innovations) as double) as n_4, cast(count(innovations) as double) as d_4, cast(sum(governance_meetings) as double) as n_5, cast(count(governance_meetings) as double) as d_5 from src group by all) select *, engagement_label(provider, account) as engagement from agg order by period nulls last, engagement nulls last, "provider" nulls last, "account" nulls last;

-- statement 14
-- params: None
select provider, account, relationship_model from "engagement_register";

-- statement 15
-- params: i_end=datetime.date(2025, 6, 30), i_start=datetime.date(2023, 1, 1), kpis=['fcr', 'aht_seconds', 'csat_pct'], p_end=datetime.date(2025, 6, 30), p_start=datetime.date(2023, 1, 1), tolerances=[0.03, 20.0, 0.03]
with reported as (select provider, account, cast(date_trunc('month', period) as date) as period, avg("reported_fcr") as reported_0, avg("reported_aht_seconds") as reported_1, avg("reported_csat_pct") as reported_2 from "performance" where period >= $p_start and period < $p_end + interval 1 day group by all), recomputed as (select provider, account, day as period, cast(sum(fcr_yes) as double) as n_0, cast(sum(fcr_n) as double) as d_0, cast(sum(handle_sum) as double) as n_1, cast(sum(handle_n) as double) as d_1, cast(sum(csat_sat) as double) as n_2, cast(sum(csat_n) as double) as d_2 from "rollup_monthly" where day >= $i_start and day < $i_end + interval 1 day group by all), compared as (select engagement_label(r.provider, r.account) as engagement, r.provider, r.account, r.period, unnest($kpis) as kpi, unnest([0, 1, 2]) as kpi_order, unnest([reported_0, reported_1, reported_2]) as reported, unnest([case when d_0 <> 0 then n_0 / d_0 * 1.0 end, case when d_1 <> 0 then n_1 / d_1 * 1.0 end, case when d_2 <> 0 then n_2 / d_2 * 1.0 end]) as recomputed, unnest($tolerances) as tolerance from reported r join recomputed c on engagement_label(r.provider, r.account) = engagement_label(c.provider, c.account) and r.period = c.period) select engagement, provider, account, period, kpi, reported, recomputed, reported - recomputed as gap, abs(reported - recomputed) > tolerance as flagged from compared where reported is not null and recomputed is not null and abs(reported - recomputed) > tolerance order by engagement, period, kpi_order;

-- statement 16
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
select day as period, cast(sum(contacts) as double) as n, cast(null as double) as d from "rollup_monthly" where day >= $f_start and day < $f_end + interval 1 day group by all order by period;

-- statement 17
-- params: f_end=datetime.date(2025, 6, 30), f_start=datetime.date(2023, 1, 1)
with monthly as (select provider, account, cast(date_trunc('month', "period") as date) as period, cast(sum(agent_attrition) as double) as n_0, cast(count(agent_attrition) as double) as d_0, cast(sum(quality_score) as double) as n_1, cast(count(quality_score) as double) as d_1 from "performance" where period >= $f_start and period < $f_end + interval 1 day group by all), valued as (select engagement_label(provider, account) as engagement, period, case when d_0 <> 0 then n_0 / d_0 * 1.0 end as v_0, case when d_1 <> 0 then n_1 / d_1 * 1.0 end as v_1 from monthly) select * from valued where v_0 is not null or v_1 is not null order by engagement, period;
