-- rp_stage (a table, when the physical-line map does not hold): one row per staged record, _line its
-- physical line counted from the records: its place, the ragged records before it and the newlines
-- inside earlier records. Binds header.
create temp table rp_stage as
with ordered as (
    select row_number() over (order by rowid) as _k, *
    from rp_raw
),

indexed as (
    select o.*,
           o._k + coalesce(a.n, 0) as _idx,
           coalesce(sum(o._nl) over (order by o._k rows between unbounded preceding and 1 preceding), 0)
               as _nl_before,
           coalesce(a.nl_cum, 0) as _ragged_nl_before
    from ordered o
    asof left join rp_thr_t a on o._k > a.t
)

select i.* exclude (_ragged_nl_before),
       coalesce($header + m.pn, $header + _idx + _nl_before + _ragged_nl_before) as _line
from indexed i
left join rp_line_map m using (_k)
