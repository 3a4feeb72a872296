-- unregistered_engagements: one row per (provider, account) seen in interactions or scorecards but not
-- in the register, with where it was seen, since when and how much.
with seen as (
    select provider, account, 'interactions' as source, min(day) as first_seen, sum(contacts) as n
    from rollup_monthly group by all
    union all
    select provider, account, 'scorecards' as source, min(period) as first_seen, count(*) as n
    from performance group by all
),
final as (
    select provider, account,
           string_agg(distinct source, ' and ' order by source) as seen_in,
           cast(min(first_seen) as date) as first_seen,
           sum(n) filter (where source = 'interactions') as contacts,
           sum(n) filter (where source = 'scorecards') as scorecard_months
    from seen
    where not exists (select 1 from engagements e
                      where e.provider is not distinct from seen.provider
                        and e.account is not distinct from seen.account)
    group by provider, account
)
select * from final order by provider nulls first, account nulls first
