-- rp_raw: one row per data record of the file, as text — only the columns the mapping uses (columns);
-- records with the wrong number of fields or broken quoting go to rp_reject_errors instead.
-- Slots: columns (c<i> names), struct (every column of the header as VARCHAR). Binds path, skip, delim.
-- buffer_size is set with max_line_size in every read of ingest: DuckDB's default buffer is 16 × the longest line
-- (512 MiB for 32 MiB), and a file larger than one buffer then ran out of a 1 GB memory_limit at the read.
create temp table rp_raw as
select {columns}
from read_csv(
    $path, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
    columns = {struct}, auto_detect = false, ignore_errors = true, max_line_size = 33554432, buffer_size = 67108864,
    store_rejects = true, rejects_table = 'rp_reject_errors', rejects_scan = 'rp_reject_scans'
)
