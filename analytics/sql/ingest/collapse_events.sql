-- rp_collapsed: one row per ticket of an event log (rows without a key stay one per line): its latest
-- event by the order column, then file order. Slot: first_open (empty, or `replace (min(p_occurred_at)
-- over the key as p_occurred_at)`: the earliest open time of the ticket).
create temp table rp_collapsed as
with keyed as (
    select *, coalesce(r__key, '#line ' || _line) as _event_key
    from rp_parsed
),

latest as (
    select *{first_open}
    from keyed
    qualify row_number() over (partition by _event_key order by p__order desc nulls last, _line desc) = 1
)

select * exclude (_event_key)
from latest
