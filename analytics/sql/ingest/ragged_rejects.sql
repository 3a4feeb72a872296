-- ragged_rejects: one row per ragged record, shaped as a reject (line, column, value, reason, scope,
-- field). A ragged record follows t staged rows; its physical line adds their embedded newlines and those
-- of the ragged records before it. Binds header.
select
    coalesce(g.line, $header + t.r + coalesce(s._nl_before + s._nl, 0) + t.nl_prev)        as line,
    '(whole row)'                                                                          as "column",
    trim(b.csv_line, chr(10) || chr(13))                                                   as value,
    'the row has the wrong number of fields or broken quoting: ' || b.error_message        as reason,
    'row'                                                                                  as scope,
    cast(null as varchar)                                                                  as field
from rp_thr t
join rp_bad b using (r)
left join rp_stage s on s._k = t.t
left join rp_ragged_line g using (r)
