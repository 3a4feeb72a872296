-- rp_logical (no line leaves a quote open, the usual file): one row per non-blank physical line, each the
-- start of a record; pn its physical line after the header, r its logical line, ragged whether DuckDB
-- rejected it. A temp table's rowid is its insertion order.
create temp table rp_logical as
select
    rowid + 1                                 as pn,
    rowid + 1                                 as r,
    rowid + 1 in (select r from rp_bad)       as ragged
from rp_phys
where not blank
