-- rp_match: one row per line of the file matched to a stored interaction (_line, _rid), one-to-one: by
-- interaction_id, else (id-less rows) by identity with compatible measures; the first stored row per line,
-- the first line per stored row. Slots: same_identity, compatible (conditions on aliases u and i).
create temp table rp_match as
with by_id as (
    select k._line, i.rowid as _rid
    from rp_keyed k
    join interactions i using (interaction_id)
),

unmatched as (
    select *
    from rp_keyed
    where _hashed and _line not in (select _line from by_id)
),

by_identity as (
    select u._line, i.rowid as _rid
    from unmatched u
    join interactions i on {same_identity}
    where starts_with(i.interaction_id, 'row-') and {compatible}
),

pairs as (
    select * from by_id
    union all
    select * from by_identity
),

first_stored as (
    select *
    from pairs
    qualify row_number() over (partition by _line order by _rid) = 1
)

select *
from first_stored
qualify row_number() over (partition by _rid order by _line) = 1
