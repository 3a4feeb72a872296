-- rp_bad: one row per ragged record (wrong number of fields or broken quoting) that DuckDB's read rejected.
-- r is the record's place after the skipped lines, counting blank lines but not quoted newlines; _nl the
-- newlines inside it. Binds skip.
create temp table rp_bad as
select
    line - $skip                  as r,
    any_value(error_type)         as error_type,
    any_value(error_message)      as error_message,
    any_value(csv_line)           as csv_line,
    coalesce(length(trim(any_value(csv_line), chr(10) || chr(13)))
             - length(replace(trim(any_value(csv_line), chr(10) || chr(13)), chr(10), '')), 0) as _nl
from rp_reject_errors
group by all
