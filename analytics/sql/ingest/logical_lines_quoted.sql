-- rp_logical (some line leaves a quote open): one row per non-blank physical line that starts a record —
-- the quotes before it are balanced; pn its physical line after the header, r its logical line (DuckDB's
-- count: blank lines included, quoted newlines not), ragged whether DuckDB rejected it.
create temp table rp_logical as
with p as (
    select rowid + 1 as pn, blank, q
    from rp_phys
),

o as (
    select pn, blank,
           coalesce(sum(q) over (order by pn rows between unbounded preceding and 1 preceding), 0) % 2
               as open_before
    from p
),

l as (
    select pn, blank, row_number() over (order by pn) as r
    from o
    where open_before = 0
)

select pn, r, r in (select r from rp_bad) as ragged
from l
where not blank
