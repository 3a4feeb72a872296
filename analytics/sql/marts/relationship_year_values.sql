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
       {date_of}       as d,
       {measures},
       {volume}        as volume
from {relation} t
where {predicate}
group by t.provider, t.account, d
