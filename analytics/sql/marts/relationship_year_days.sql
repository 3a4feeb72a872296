-- relationship_year_days: one row per engagement × day of the months `relationship_year_values` reads day by day (contract anniversaries not on the 1st, model changes), each KPI's numerator and denominator summed over it.
-- The days read are those in the calendar months of every engagement's contract starts not on the 1st and of its
-- model changes not on the 1st, in any year — a superset of the months read by day (the Filters not applied to
-- the register, an engagement's first history row not left out): `premium.relationship_year_frames` keeps the
-- days of the months it reads by day. The measures and volume slots: as in marts/relationship_year_values.sql;
-- predicate: the month source's Filters predicate, alias t (on rollup_daily as it is on the month source).
select hash(t.provider, t.account) as e,
       cast(t.day as date)   as d,
       {measures},
       {volume}              as volume
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
where {predicate}
group by t.provider, t.account, d
