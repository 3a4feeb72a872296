-- rp_checked: one row per parsed record, every check evaluated once: _fail (some check failed: the record
-- has rejects, which rejects.sql then words from rp_failed), _rowbad (a row-level check failed: the record is
-- not loaded), and the contract's columns, each value that failed its value-level check NULL — the parsed
-- values are written once, here, not first into a wide table of raw and parsed text.
-- Slots: failed, row_failed (conditions on rp_parsed's columns), final_columns, key_columns (`*`, or for
-- interactions the key: the source id, else 'row-' + the hash of the row's values, and _hashed).
create temp table rp_checked as
with flagged as (
    select *, {failed} as _fail, {row_failed} as _rowbad
    from rp_parsed
),

final as (
    select _line, _fail, _rowbad, {final_columns}
    from flagged
)

select {key_columns}
from final
