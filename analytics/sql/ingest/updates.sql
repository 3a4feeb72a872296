-- rp_update: one row per stored interaction this file fills in or changes: its stored identity, the merged
-- measures (the file's where it has one), its stored flag, old batch and day, and its new interaction_id.
-- Slots: kept (identity columns of i), merged (coalesced measures), changed (a measure differs),
-- row_hash (the id of an id-less row).
create temp table rp_update as
with merged as (
    select m._rid, k._line, k._hashed, k.interaction_id as _file_id, {kept}, {merged},
           case when k.csat is not null then k.csat_scale else i.csat_scale end as csat_scale,
           i.is_repeat, i.batch_id as _old_batch, cast(i.occurred_at as date) as _day
    from rp_match m
    join rp_keyed k using (_line)
    join interactions i on i.rowid = m._rid
    where {changed}
)

select * exclude (_file_id),
       case when _hashed then {row_hash} else _file_id end as interaction_id
from merged
