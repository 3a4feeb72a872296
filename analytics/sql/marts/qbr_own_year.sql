-- qbr_own_year: one engagement's ($provider, $account) KPIs per source × relationship model in force in
-- the relationship year at $at: the rows of that year marts/relationship_year_values.sql gives for every
-- engagement, for this one only. $since: a day no later than that year's first (the scans start there).
-- The same register, model history and alignment (interaction days count from the contract start day,
-- scorecard months from its month; each date under the model in force on it), read by day from
-- rollup_daily (the boundary months that query reads by day, every month here) and by month from
-- performance, on the engagement's rows alone (grouped, as there, by provider, account and date first).
-- The measures slots (day_, month_): each KPI's registry
-- aggregates as numerator_<i>, denominator_<i> (i numbers the KPIs of both sources together); the sums
-- slots: their relationship-year sums; {day_predicate} / {month_predicate}: the Filters predicates on
-- rollup_daily and performance, alias t. The sources' rows are stacked by name
-- (a source's row has no columns of the other's KPIs).
with register as (
    select relationship_model, contract_start,
           -- as analytics.qbr.relationship_year_at: whole months from the contract's start month
           case when (year($at) - year(contract_start)) * 12 + month($at) - month(contract_start) >= 0
                then ((year($at) - year(contract_start)) * 12 + month($at) - month(contract_start)) // 12 + 1
           end as at_year
    from engagement_register
    where provider = $provider and account = $account and contract_start is not null
),

history as (
    select relationship_model, effective_from from engagement_models
    where provider = $provider and account = $account
    union all
    select relationship_model, contract_start from register
    where relationship_model is not null
      and not exists (select 1 from engagement_models where provider = $provider and account = $account)
),

spans as (
    select relationship_model,
           case when row_number() over w = 1 then date '0001-01-01' else effective_from end as span_from,
           coalesce(lead(effective_from) over w, date '9999-12-31')                       as span_to
    from history
    window w as (order by effective_from)
),

days as (
    select t.provider, t.account, t.day as d, {day_measures}
    from rollup_daily t
    where t.provider = $provider and t.account = $account and t.day >= $since and {day_predicate}
    group by all
),

months as (
    select t.provider, t.account, cast(date_trunc('month', t.period) as date) as d, {month_measures}
    from performance t
    where t.provider = $provider and t.account = $account and t.period >= $since and {month_predicate}
    group by all
),

day_aligned as (
    select x.* exclude (provider, account), s.relationship_model, r.at_year,
           (year(x.d) - year(r.contract_start)) * 12 + month(x.d) - month(r.contract_start)
             - case when day(x.d) < day(r.contract_start) then 1 else 0 end as relationship_month
    from days x, register r, spans s
    where x.d >= s.span_from and x.d < s.span_to and s.relationship_model is not null
),

month_aligned as (
    select x.* exclude (provider, account), s.relationship_model, r.at_year,
           (year(x.d) - year(r.contract_start)) * 12 + month(x.d) - month(r.contract_start) as relationship_month
    from months x, register r, spans s
    where x.d >= s.span_from and x.d < s.span_to and s.relationship_model is not null
),

final as (
    select 'interactions' as source, relationship_model,
           cast(relationship_month // 12 + 1 as integer) as relationship_year, {day_sums}
    from day_aligned
    where relationship_month >= 0 and relationship_month // 12 + 1 = at_year
    group by all
    union all by name
    select 'performance' as source, relationship_model,
           cast(relationship_month // 12 + 1 as integer) as relationship_year, {month_sums}
    from month_aligned
    where relationship_month >= 0 and relationship_month // 12 + 1 = at_year
    group by all
)

select * from final order by source, relationship_model, relationship_year
