-- relationship_year_days: one row per engagement × day of the months `relationship_year_values` reads day by day (contract anniversaries not on the 1st, model changes), each KPI's numerator and denominator summed over it.
-- The months are every engagement's contract anniversary months (start not on the 1st) and the months of its
-- model changes not on the 1st — a superset of the months read by day (it does not apply the Filters to the
-- register, nor leave out an engagement's first history row): `premium.relationship_year_frames` keeps the
-- days of the months it reads by day. The measures and volume slots: as in marts/relationship_year_values.sql;
-- predicate: the month source's Filters predicate, alias t (on rollup_daily as it is on the month source).
select hash(t.provider, t.account) as e,
       cast(t.day as date)   as d,
       {measures},
       {volume}              as volume
from rollup_daily t
semi join (
    select provider, account,
           cast(date_trunc('month', contract_start + to_years(cast(k as integer))) as date) as month
    from engagement_register, range(0, 80) as years(k)
    where day(contract_start) <> 1
    union all
    select provider, account, cast(date_trunc('month', effective_from) as date)
    from engagement_models
    where day(effective_from) <> 1
) dm on dm.provider = t.provider and dm.account = t.account
     and dm.month = cast(date_trunc('month', t.day) as date)
where {predicate}
group by t.provider, t.account, d
