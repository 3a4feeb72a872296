-- rp_stage (a view), when every physical line after the header is one whole record (no blank line, no line
-- leaving a quote open: checked on rp_phys first): the data records read straight from the file each time the
-- view is scanned — only the columns the mapping uses (columns), never stored as text. Its k-th record is on
-- physical line header + k, which rp_checked's row number gives, so _line is NULL here. Ragged records go to
-- rp_reject_errors (each scan appends them again); load.py stages the usual way when there is any.
-- Slots: view (rp_stage, or rp_stage_head: the same read with a small buffer, for the first records alone),
-- columns (c<i> names), struct (every column of the header as VARCHAR), buffer (read buffer bytes). $path, $skip and $delim are
-- written in as literals (a view takes no bound parameters).
create temp view {view} as
select {columns}, cast(null as bigint) as _line
from read_csv(
    $path, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
    columns = {struct}, auto_detect = false, ignore_errors = true, max_line_size = 33554432, buffer_size = {buffer},
    store_rejects = true, rejects_table = 'rp_reject_errors', rejects_scan = 'rp_reject_scans'
)
