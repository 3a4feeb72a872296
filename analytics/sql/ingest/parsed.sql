-- rp_parsed: one row per staged record: _line, each mapped field's null-normalised raw text (r_<field>) and
-- its parsed value (p_<field>), and the derived durations.
-- Slots, built from the column specs in analytics/ingest/parse.py: raw_columns, parsed_columns,
-- derived_columns (empty, or a leading comma and the epoch differences).
create temp table rp_parsed as
with raw as (
    select _line, {raw_columns}
    from rp_stage
),

parsed as (
    select *, {parsed_columns}
    from raw
)

select *{derived_columns}
from parsed
