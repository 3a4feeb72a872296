-- rp_nl: one row per record of a second read of the file, in the same order: the newlines inside its quoted
-- fields (any column's). One concat, not a sum per column (DuckDB's expression depth limit).
-- Slots: columns (every c<i>), struct (every column as VARCHAR), buffer (as stage_raw's). Binds path, skip, delim.
create temp table rp_nl as
select coalesce(length(_joined) - length(replace(_joined, chr(10), '')), 0) as _nl
from (
    select concat({columns}) as _joined
    from read_csv(
        $path, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
        columns = {struct}, auto_detect = false, ignore_errors = true, max_line_size = 33554432, buffer_size = {buffer}
    )
)
