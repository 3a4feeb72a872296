-- rp_stage (a view), when every physical line after the header is one whole record: one row per staged record,
-- the k-th row of rp_raw (a temp table's rowid is its insertion order) on physical line header + k.
-- Slot: header (an integer).
create temp view rp_stage as
select rowid + 1 as _k, r.*, 0 as _nl, 0 as _nl_before, {header} + rowid + 1 as _line
from rp_raw r
