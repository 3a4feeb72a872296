-- record_skip_probe: the first record after skipping a given number of records — at most one row, every
-- column as text. Slot: struct (every column of the header as VARCHAR). Binds path, skip, delim.
select *
from read_csv(
    $path, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
    columns = {struct}, auto_detect = false, ignore_errors = true, max_line_size = 33554432, buffer_size = 67108864
)
limit 1
