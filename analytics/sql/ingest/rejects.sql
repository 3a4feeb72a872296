-- rp_rejects: one row per rejected row × reason, or rejected value × reason (scope 'row' or 'value'):
-- line, column, value, reason, scope, field. Slot: rules — one select per check, joined by union all.
create temp table rp_rejects as
select cast(line as bigint) as line, "column", value, reason, scope, field
from (
{rules}
)
