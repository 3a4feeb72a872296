-- failing_fields: one row per field with rejected values: the field, its source column, how many lines
-- failed, up to three example values and one reason.
select
    field,
    any_value("column"),
    count(distinct line),
    list(distinct value order by value)[1:3],
    any_value(reason)
from rp_rejects
where field is not null and line is not null
group by field
