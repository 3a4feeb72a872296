-- relationship_year_values: one row per engagement × relationship year (year 1 = the contract's
-- first 12 months), with the KPI's numerator and denominator summed over the year.
-- {table}, {date_column}, {numerator}, {denominator}: the KPI's source and aggregates (registry only);
-- {predicate}: the Filters predicate on the source, alias t. The source is summed per month first
-- (sums recombine exactly); months before the contract-start month and engagements missing from
-- the register are left out.
with register as (
    select provider, account,
           any_value(relationship_model) as relationship_model,
           min(contract_start)           as contract_start
    from engagements
    where contract_start is not null and relationship_model is not null
    group by provider, account
),

monthly as (
    select provider, account,
           cast(date_trunc('month', t.{date_column}) as date) as month,
           {numerator}                                       as numerator,
           {denominator}                                     as denominator
    from {table} t
    where {predicate}
    group by all
),

aligned as (
    select m.*, r.relationship_model,
           datediff('month', r.contract_start, m.month) as relationship_month
    from monthly m
    join register r on m.provider = r.provider and m.account = r.account
),

final as (
    select
        provider || $separator || account                 as engagement,
        provider,
        account,
        relationship_model,
        cast(relationship_month // 12 + 1 as integer)     as relationship_year,
        cast(sum(numerator) as double)                    as numerator,
        cast(sum(denominator) as double)                  as denominator
    from aligned
    where relationship_month >= 0
    group by all
)

select * from final order by engagement, relationship_year
