-- rp_parsed: one row per staged record: _line, each mapped field's null-normalised raw text (r_<field>) and
-- its parsed value (p_<field>), and the derived durations. A select: load.py makes it a view over rp_stage
-- (the usual load: every value is parsed while rp_checked is written, never stored twice), or a table (an
-- event log, which is collapsed first), or parses only the records with rejects (rp_failed).
-- Slots, built from the column specs in analytics/ingest/parse.py: raw_columns, parsed_columns,
-- derived_columns (empty, or a leading comma and the epoch differences), source (rp_stage or a subset of it).
with raw as (
    select _line, {raw_columns}
    from {source}
),

parsed as (
    select *, {parsed_columns}
    from raw
)

select *{derived_columns}
from parsed
