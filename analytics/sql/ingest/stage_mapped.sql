-- rp_stage (a view): one row per staged record — the k-th row of rp_raw paired with the k-th line of
-- rp_line_map (both in record order), _line its physical line (1 = header). Slot: header (an integer).
create temp view rp_stage as
select m._k, r.*, 0 as _nl, 0 as _nl_before, {header} + m.pn as _line
from rp_raw r
positional join rp_line_map m
