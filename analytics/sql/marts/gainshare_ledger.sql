-- gainshare_ledger: one row per quarter of one engagement ($provider, $account) up to $end, from $from:
-- resolutions and cost per resolution (from interactions when they have resolved-cost counts, else the
-- scorecard's figures) and the scorecard's reported gain-share savings.
with interaction_quarters as (
    select date_trunc('quarter', day) as period, sum(cost_sum) as cost, sum(resolved_cost_n) as resolutions
    from rollup_monthly
    where provider = $provider and account = $account and day < $end + interval 1 day
    group by all
),
scorecard_quarters as (
    select date_trunc('quarter', period) as period,
           avg(cost_per_resolution) as cost_per_resolution,
           sum(contacts_handled * reported_fcr) as resolutions,
           sum(gain_share_savings) as reported
    from performance
    where provider = $provider and account = $account and period < $end + interval 1 day
    group by all
),
final as (
    select coalesce(i.period, s.period) as period,
           case when i.resolutions > 0 then 'interactions'
                when s.resolutions > 0 and s.cost_per_resolution is not null then 'scorecard' end as source,
           case when i.resolutions > 0 then i.resolutions else s.resolutions end as resolutions,
           case when i.resolutions > 0 then i.cost / i.resolutions else s.cost_per_resolution end
               as cost_per_resolution,
           s.reported
    from interaction_quarters i full outer join scorecard_quarters s on i.period = s.period
)
select * from final where period >= $from order by period
