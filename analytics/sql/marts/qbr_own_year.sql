-- qbr_own_year: one engagement's ($provider, $account) KPI parts per date since $since (a day no later than
-- the first of the relationship year at the quarter's end): interaction days from rollup_daily (the boundary
-- months marts/relationship_year_values.sql reads by day, every month here), scorecard months from
-- performance, each grouped, as there, by provider, account and date first. analytics.qbr.own_year_values
-- aligns the dates on the register's contract start and model history and sums that year's.
-- The measures slots (day_, month_): each KPI's registry aggregates as numerator_<i>, denominator_<i>
-- (i numbers the KPIs of both sources together); {day_predicate} / {month_predicate}: the Filters
-- predicates on rollup_daily and performance, alias t. The sources' rows are stacked by name (a source's
-- row has no columns of the other's KPIs).
select 'interactions' as source, t.day as d, {day_measures}
from rollup_daily t
where t.provider = $provider and t.account = $account and t.day >= $since and {day_predicate}
group by t.provider, t.account, t.day
union all by name
select 'performance' as source, cast(date_trunc('month', t.period) as date) as d, {month_measures}
from performance t
where t.provider = $provider and t.account = $account and t.period >= $since and {month_predicate}
group by t.provider, t.account, cast(date_trunc('month', t.period) as date)
