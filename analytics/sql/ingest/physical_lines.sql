-- rp_phys: one row per physical line after the header (blank = NULL), in file order: the file read once
-- more as plain lines, no delimiter and no quoting. Binds path, skip.
create temp table rp_phys as
select x
from read_csv(
    $path, header = false, skip = $skip, delim = chr(1), quote = '', escape = '',
    columns = {'x': 'VARCHAR'}, auto_detect = false, max_line_size = 33554432, buffer_size = 67108864, strict_mode = false
)
