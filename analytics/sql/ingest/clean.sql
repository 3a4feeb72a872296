-- rp_clean (performance, engagements): one row per record no row-level check rejected, in the contract's
-- columns; a value that failed its value-level check is NULL. Slot: final_columns.
create temp table rp_clean as
select _line, {final_columns}
from rp_parsed
where _line not in (select line from rp_rejects where scope = 'row' and line is not null)
