-- rp_later: one row per clean interaction line whose key an earlier line of the file has (usually none),
-- found with groupings of the keys alone — a window over the whole rows sorted and spilled a
-- million-row file. The keys' 64-bit hashes are grouped first: the lines whose hash another line shares
-- hold every repeated key (and, rarely, two keys that share a hash), and only their keys are grouped as
-- text — grouping every key as text took 1.4 times as long at 10 M rows, for the usual empty answer.
create temp table rp_later as
with shared_hash as (
    select _line, interaction_id
    from rp_clean
    where hash(interaction_id) in (
        select hash(interaction_id) as h
        from rp_clean
        group by h
        having count(*) > 1
    )
)

select c._line
from shared_hash c
join (
    select interaction_id, min(_line) as _first
    from shared_hash
    group by interaction_id
    having count(*) > 1
) d using (interaction_id)
where c._line <> d._first
