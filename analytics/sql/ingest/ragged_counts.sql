-- rp_thr: one row per ragged record: t = staged rows before it, n = ragged records up to it, and the
-- embedded newlines of the ragged records up to it (nl_cum) and before it (nl_prev) — later lines shift
-- by those too.
create temp table rp_thr as
select
    r,
    r - row_number() over (order by r)  as t,
    row_number() over (order by r)      as n,
    sum(_nl) over (order by r)          as nl_cum,
    sum(_nl) over (order by r) - _nl    as nl_prev
from rp_bad
