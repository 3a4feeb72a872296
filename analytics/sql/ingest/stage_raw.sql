-- rp_raw: one row per data record of the file, as text — only the columns the mapping uses (columns);
-- records with the wrong number of fields or broken quoting go to rp_reject_errors instead.
-- Slots: columns (c<i> names), struct (every column of the header as VARCHAR), buffer (read buffer bytes, see
-- load._read_buffer). Binds path, skip, delim.
create temp table rp_raw as
select {columns}
from read_csv(
    $path, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
    columns = {struct}, auto_detect = false, ignore_errors = true, max_line_size = 33554432, buffer_size = {buffer},
    store_rejects = true, rejects_table = 'rp_reject_errors', rejects_scan = 'rp_reject_scans'
)
