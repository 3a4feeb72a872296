-- rp_thr_t: one row per distinct count t of staged rows before a ragged record, with the running counts
-- of its last ragged record — what the as-of join in stage_counted.sql reads (not a subquery per row,
-- which made a 20,000-column file run for minutes).
create temp table rp_thr_t as
select t, max(n) as n, max(nl_cum) as nl_cum
from rp_thr
group by t
