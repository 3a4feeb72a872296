-- rp_later: one row per clean interaction line whose key an earlier line of the file has (usually none),
-- found with one grouping of the keys alone — a window over the whole rows sorted and spilled a
-- million-row file.
create temp table rp_later as
select c._line
from rp_clean c
join (
    select interaction_id, min(_line) as _first
    from rp_clean
    group by interaction_id
    having count(*) > 1
) d using (interaction_id)
where c._line <> d._first
