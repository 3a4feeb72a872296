-- rp_phys: one row per physical line after the header, in file order: the file read once more as plain
-- lines, no delimiter and no quoting — kept as whether the line is blank and how many double quotes it holds
-- (the line's text itself is not needed, and storing it cost more than reading it). Binds path, skip.
create temp table rp_phys as
select
    x is null                                                                            as blank,
    case when contains(x, '"') then strlen(x) - strlen(replace(x, '"', '')) else 0 end  as q
from read_csv(
    $path, header = false, skip = $skip, delim = chr(1), quote = '', escape = '',
    columns = {'x': 'VARCHAR'}, auto_detect = false, max_line_size = 33554432, buffer_size = 67108864, strict_mode = false
)
