"""Load one file as one batch: stage in DuckDB, parse and validate in SQL, dedup, insert.

A load runs on one cursor of its own (the staging TEMP tables live on that cursor) in two phases.
Reading, staging, parsing and validating touch only TEMP tables, so they run *without* the write
lock: other sessions keep loading and deleting meanwhile. Only the last phase — dedup against the
stored rows, updates, inserts, the batch record, repeat flags and rollups — runs inside
``db.write_transaction`` on that same cursor, so a failure anywhere in it leaves the database
exactly as before. Rows are rejected, not files: every rejected row lands in ``rejects`` with its
physical line (1 = header), source column, raw value and reason.
"""
from __future__ import annotations

import dataclasses
import json
import re
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import duckdb

from analytics import contracts, db, limits, query, rollups
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from analytics.ingest import mapping as mapping_rules
from analytics.ingest import parse, pivot
from analytics.ingest.errors import IngestError
from analytics.ingest.mapping import Mapping
from analytics.ingest.read import FileFacts, file_facts, utf8_copy
from analytics.ingest.sniff import (DELIMITER_NAMES, Layout, check_mapping_columns, column_specs, file_date_order,
                                    reading_notes, sampled_values, sniff_layout)

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[float, str], None]
REJECTS_SAMPLE = 200
REJECT_COLUMNS = ("line", "column", "value", "reason", "scope")
SPEC_SAMPLE = 5000
CSAT_HEAD = 4 * SPEC_SAMPLE  # the records the CSAT scale is guessed from (rp_head: the first records kept once)


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file.

    status: loaded (rows loaded or updated) | empty (nothing new loaded or updated — every row rejected or
    already loaded) | skipped (the same file is already loaded) | failed | dry-run. rows_read = rows_loaded
    + rows_updated + rows_rejected + rows_duplicate + rows_collapsed. rows_updated counts interactions
    already stored that this file fills in or changes (see `_dedup`). rows_rejected counts rows rejected whole (time, period or identity unusable);
    values_rejected counts single values set to NULL while their row loaded; rows_collapsed counts the
    extra events of an event log folded into one row per ticket. column_problems: one sentence per
    mapped column whose values mostly fail, with examples and a suggested fix. lock_seconds: how long the load
    held the write lock (0 for a dry run or a file refused before it; not in to_dict). date_notes: one sentence per
    date column whose sampled values fit both day-first and month-first (read as month-first), and per other
    reading to confirm (sniff.reading_notes: CSAT in words, a duration's unit, durations implausible as
    seconds; FileFacts.notes: a workbook's sheet, a scorecard turned round) — the load's own reading, so a note
    never disagrees with what was loaded ("notes" in to_dict). reject_rows: the first REJECTS_SAMPLE rejects as
    (line, column, value, reason, scope) tuples; `rejects` is them as a frame, built when asked for (a clean load
    never imports pandas: 0.45 s of a CLI run).
    """

    file: str
    kind: str | None
    batch_id: int | None
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    message: str = ""
    reject_rows: tuple[tuple, ...] = ()
    values_rejected: int = 0
    rows_collapsed: int = 0
    column_problems: tuple[str, ...] = ()
    rows_updated: int = 0
    lock_seconds: float = 0.0
    date_notes: tuple[str, ...] = ()

    @cached_property
    def rejects(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.reject_rows), columns=list(REJECT_COLUMNS))

    def to_dict(self) -> dict:
        """The CLI's JSON object for this file (without the rejects)."""
        data = asdict(self)
        data.pop("reject_rows")
        data.pop("lock_seconds")
        data["column_problems"] = list(self.column_problems)
        data["notes"] = list(data.pop("date_notes"))
        return data


def _bind(sql: str, params: dict) -> dict:
    """Only the parameters `sql` uses (DuckDB refuses extra ones)."""
    return {k: v for k, v in params.items() if re.search(r"\$" + re.escape(k) + r"\b", sql)}


def _run(cur: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    return cur.execute(sql, _bind(sql, params or {}))


def _ident(name: str) -> str:
    return db.quote_ident(name)


def _sql(name: str, **slots: str) -> str:
    """The statement in analytics/sql/ingest/<name>.sql (read once per process), its slots filled with
    fragments this module builds from the layout, the contract and the column specs — never from a value in
    the file, which is always bound."""
    return query.render(query.load(f"ingest/{name}"), **{k: query.Sql(v) for k, v in slots.items()})


def ingest_file(con: duckdb.DuckDBPyConnection, path, *, file_name: str | None = None, kind: str | None = None,
                mapping: Mapping | None = None, dry_run: bool = False, progress: Progress | None = None,
                source_name: str | None = None) -> IngestResult:
    """Load the CSV at `path` as one batch (or, with dry_run, report what would load).

    Never raises for a bad file: the result has status 'failed' and the IngestError's
    sentence as its message. Re-loading a file with a known SHA-256 is 'skipped'.
    """
    report = progress or (lambda fraction, message: None)
    path = Path(path)
    display = file_name or path.name
    chosen = kind or (mapping.kind if mapping else None)
    stack = ExitStack()  # a scorecard with its months across: its one-row-per-month copy, while the load runs
    try:
        report(0.0, f"Reading {display}")
        limits.check_file_size(path.stat().st_size, display)
        facts = file_facts(path, display)
        if not dry_run:
            # A cursor of its own: `con` may be the process-wide connection other sessions use at the same time.
            with con.cursor() as look:
                # a batch that loaded nothing does not count: the same file may come back with a better mapping
                known = _known_file(look, facts.sha256)
            if known:
                return _skipped(display, chosen, known)
        report(0.05, "Detecting delimiter and header")
        layout = sniff_layout(path, facts.encoding, display)
        limits.check_columns(len(layout.columns), display)
        path, facts, layout, relocation = pivot.months_as_rows(stack, path, facts, layout, display, chosen,
                                                               sniff_layout)
        chosen = chosen or mapping_rules.detect_kind(layout.columns)
        if chosen is None:
            raise IngestError(
                "could not tell whether this is an interactions, performance or engagements file: no header "
                "matches their fields. Expected e.g. a timestamp and measures (interactions), a period and "
                "KPIs (performance) or provider, account, relationship model and contract start (engagements); "
                f"found headers: {', '.join(repr(c) for c in layout.columns)}", file=display)
        resolved = mapping_rules.resolve(chosen, layout.columns, mapping, sampled_values(layout))
        check_mapping_columns(resolved, layout.columns, display)
        missing = mapping_rules.missing_required(resolved, layout.columns)
        if missing:
            raise IngestError(
                f"read as {chosen}, the file lacks: {'; '.join(missing)}. Found headers: "
                f"{', '.join(repr(c) for c in layout.columns)}. Rename a column, choose it in the mapping, "
                "or give a constant for provider/account.", file=display)
        try:
            params_tz = contracts.reporting_time_zone()
        except ValueError as exc:
            raise IngestError(str(exc), file=display) from exc
        with utf8_copy(path, facts.encoding, display) as readable, \
                _staged_cursor(con, readable, display, facts, layout, resolved, source_name, report,
                               params_tz) as (cur, staged):
            if dry_run:
                return _relocated(None, _finish(cur, staged, None, report), relocation)
            report(0.65, "Waiting for the database")
            with db.write_transaction(con, cursor=cur) as tx:
                taken = time.perf_counter()
                # a load of the same file may have finished while this one was staging
                known = _known_file(tx, facts.sha256)
                if known:
                    return _skipped(display, chosen, known)
                result = _relocated(tx, _finish(tx, staged, _next_batch_id(tx), report), relocation)
            # the lock is released when the block ends: how long it was held
            return dataclasses.replace(result, lock_seconds=time.perf_counter() - taken)
    except IngestError as exc:
        return IngestResult(display, chosen, None, "failed", message=str(exc))
    finally:
        stack.close()


def _relocated(cur, result: IngestResult, relocation: pivot.Relocation | None) -> IngestResult:
    """`result` with its rejects placed in the file as given (and, with `cur`, the stored batch's too)."""
    if relocation is None:
        return result
    if cur is not None and result.batch_id is not None:
        placed = {(line, column): relocation.place(line, column) for line, column in cur.execute(
            'select distinct line, "column" from rejects where batch_id = ?', [result.batch_id]).fetchall()}
        for (line, column), (new_line, new_column) in placed.items():
            cur.execute('update rejects set line = ?, "column" = ? where batch_id = ? and line is not distinct from ? '
                        'and "column" is not distinct from ?', [new_line, new_column, result.batch_id, line, column])
    rows = tuple((*relocation.place(line, column), value, reason, scope)
                 for line, column, value, reason, scope in result.reject_rows)
    return dataclasses.replace(result, reject_rows=rows)


@contextmanager
def _staged_cursor(con: duckdb.DuckDBPyConnection, *load_args) -> Iterator[tuple[duckdb.DuckDBPyConnection, "_Staged"]]:
    """(cursor, staged): one cursor for the whole load — its TEMP tables are the staging area, and closing it
    drops them. A file read directly that turns out to hold a ragged record is staged again, the usual way, on a
    fresh cursor (so nothing of the first attempt is left)."""
    cur = con.cursor()
    try:
        try:
            staged = _load(cur, *load_args)
        except _NotInPlace:
            cur.close()
            cur = con.cursor()
            staged = _load(cur, *load_args, direct=False)
        yield cur, staged
    finally:
        cur.close()


def _known_file(cur: duckdb.DuckDBPyConnection, sha256: str) -> tuple | None:
    # a batch that changed nothing does not count: the same file may come back with a better mapping
    return cur.execute("select batch_id, file_name from batches where sha256 = ? "
                       "and (rows_loaded > 0 or coalesce(rows_updated, 0) > 0) order by batch_id limit 1",
                       [sha256]).fetchone()


def _skipped(display: str, kind: str | None, known: tuple) -> IngestResult:
    return IngestResult(display, kind, int(known[0]), "skipped",
                        message=f"{display} is identical to batch {known[0]} ({known[1]}), which is "
                                "already loaded; nothing was changed.")


def _next_batch_id(cur: duckdb.DuckDBPyConnection) -> int:
    # Fixtures and older files may hold ids the sequence has not handed out yet.
    while True:
        (candidate,) = cur.execute("select nextval('batch_seq')").fetchone()
        if not cur.execute("select 1 from batches where batch_id = ?", [candidate]).fetchone():
            return int(candidate)


def _stage(cur, readable: Path, display: str, layout: Layout, used: list[int], direct: bool) -> str:
    """rp_stage(_k, _line, c<i> for i in `used`) — every data record as text, only the columns the mapping
    uses; ragged rows go to rp_reject_errors. Returns how: "direct" (only when `direct` is allowed: a view reading
    the file itself, when every physical line after the header is one whole record — _load then checks that no
    record was ragged, else the load is staged again the usual way), "lines" (a view over rp_raw, the k-th record
    on the k-th line after the header), "mapped" (a view pairing rp_raw with the line map) or "counted" (a table).

    DuckDB parses every column, but each later statement costs time per column it carries (planning, not
    data: 50 rows of 2,000 columns took 3 s in one window statement), so the unused ones stop at the read."""
    width = len(layout.columns)
    names = [f"c{i}" for i in range(width)]
    struct = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    skip = _record_skip(cur, readable, layout, struct)
    where = {"path": str(readable), "skip": skip, "delim": layout.delimiter}
    lines_read = _read_physical_lines(cur, readable, layout)
    if direct and lines_read:
        (odd, blank, lines) = cur.execute("select count(*) filter (where q % 2 = 1), count(*) filter (where blank), "
                                          "count(*) from rp_phys").fetchone()
        if odd == 0 and blank == 0 and lines > 0:
            # no record spans two lines and none is blank: the file is read where it is, by every statement that
            # needs the records (storing a million records as text cost more than reading them again)
            for view, buffer in (("rp_stage", _read_buffer()), ("rp_stage_head", _HEAD_BUFFER)):
                _run(cur, _literals(_sql("stage_direct", view=view, columns=", ".join(f"c{i}" for i in used or [0]),
                                         struct=struct, buffer=str(buffer)), where))
            return "direct"
    try:
        _run(cur, _sql("stage_raw", columns=", ".join(f"c{i}" for i in used or [0]), struct=struct,
                       buffer=str(_read_buffer())), where)
    except duckdb.Error as exc:
        raise IngestError(f"DuckDB could not read the file as {DELIMITER_NAMES[layout.delimiter]}-delimited "
                          f"text ({str(exc).splitlines()[0]})", file=display) from exc
    _run(cur, _sql("ragged_records"), {"skip": skip})
    _run(cur, _sql("ragged_counts"))
    _run(cur, _sql("ragged_before"))
    lines = _physical_lines(cur, layout) if lines_read else None
    if lines == "lines":
        # the k-th record is the k-th line after the header: a plain scan of rp_raw (DuckDB reads it on every
        # thread and keeps its order; pairing it with a line map is a positional join, which runs on one)
        _run(cur, _sql("stage_lines", header=str(int(layout.header_line))))
        return "lines"
    if lines == "mapped":
        # rp_line_map gives every record's physical line, in record order: no record counting needed, and no copy
        # of the rows either — a view pairs the k-th staged row with the k-th mapped line
        _run(cur, _sql("stage_mapped", header=str(int(layout.header_line))))
        return "mapped"
    # The two reads disagree (quoting DuckDB read differently): count records. That needs the newlines inside
    # each record's quoted fields (any column's): read again for them, in the same order. One concat, not a sum
    # per column (DuckDB's expression depth limit).
    _run(cur, _sql("record_newlines", columns=", ".join(names), struct=struct, buffer=str(_read_buffer())), where)
    _run(cur, "create temp table rp_raw_nl as select * from rp_raw positional join rp_nl")
    _run(cur, "drop table rp_raw")
    _run(cur, "drop table rp_nl")
    _run(cur, "alter table rp_raw_nl rename to rp_raw")
    # one pass: the record counts (rp_line_map is empty here)
    _run(cur, _sql("stage_counted"), {"header": layout.header_line})
    _run(cur, "drop table rp_raw")
    return "counted"


def _read_buffer() -> int:
    """read_csv's buffer_size for the full reads of a file: a quarter of memory_limit, within 64–256 MiB.

    It must exceed max_line_size (32 MiB). DuckDB's default, 16 × the longest line (512 MiB), ran a file larger
    than one buffer out of a 1 GB memory_limit. Each buffer is a batch of the insert, whose last row group is
    usually partial: with 64 MiB buffers a 1 M-row file was stored in 10 row groups where 9 hold it, and the
    checkpoint then merged them again (0.7 s of 1 M rows, 7 s of 10 M) — 256 MiB buffers left nothing to merge."""
    return max(64 << 20, min(256 << 20, db.memory_limit_bytes() // 4))


# read_csv's buffer for the first records alone (rp_head): a full buffer is read however few records are wanted, and
# it must exceed max_line_size (32 MiB)
_HEAD_BUFFER = 33 << 20


def _record_skip(cur, readable: Path, layout: Layout, struct: str) -> int:
    """What to pass DuckDB's `skip` so that reading starts with the first data record.

    `layout.header_line` counts physical lines, but when a preamble holds a quoted field with a newline
    DuckDB skips records, and skipping header_line of them would drop the first data row. So the header row is
    looked for with tiny reads (limit 1): the usual skip first, then fewer. The reads skip ragged records (a
    strict read fails on any ragged row further on), which can only make a too-small skip look right, never a
    too-large one: the largest skip that shows the header wins."""
    if layout.header_line <= 1:
        return layout.header_line
    wanted = [c.strip() for c in layout.columns]
    for skip in range(layout.header_line - 1, -1, -1):
        try:
            # a cursor of its own: a failed read would abort the load's transaction
            with cur.cursor() as probe:
                row = _run(probe, _sql("record_skip_probe", struct=struct),
                           {"path": str(readable), "skip": skip, "delim": layout.delimiter}).fetchone()
        except duckdb.Error:
            continue
        if row and 2 * sum((v or "").strip() == w for v, w in zip(row, wanted)) >= len(wanted):
            return skip + 1
    return layout.header_line


def _read_physical_lines(cur, readable: Path, layout: Layout) -> bool:
    """rp_phys: the file read once more as plain physical lines (see _physical_lines); False when DuckDB cannot."""
    _run(cur, "create temp table rp_ragged_line (r bigint, line bigint)")
    _run(cur, "create temp table rp_line_map (_k bigint, pn bigint)")
    try:
        _run(cur, _sql("physical_lines"), {"path": str(readable), "skip": layout.header_line})
    except duckdb.Error:
        return False
    return True


def _physical_lines(cur, layout: Layout) -> str | None:
    """Correct `_line` to the physical line whatever the blank lines, set-based.

    DuckDB skips blank lines and does not count the newlines inside quoted fields, so the record counts
    above drift after blank lines. rp_phys holds the file read once more as plain physical lines (blank = NULL);
    a line starts a record when it is not blank and the quotes before it are balanced. DuckDB's reject
    `line` counts "logical" lines (blank ones included, quoted newlines not), so the ragged records are
    found among those; the rest, in order, are the staged rows `_k` = 1, 2, … When the two views disagree
    (quoting DuckDB read differently, e.g. a stray quote inside a field) the record counts are kept.
Returns "mapped" when the mapping holds, having filled rp_line_map(_k, pn) and rp_ragged_line(r, line);
    "lines" (both empty) when every physical line is one whole record — no blank line, no quote left open, no
    ragged record: the k-th record is then the k-th line; None (both empty) when the two views disagree.
    """
    (odd, blank, lines, staged, ragged) = cur.execute(
        "select count(*) filter (where q % 2 = 1), count(*) filter (where blank), count(*), "
        "(select count(*) from rp_raw), (select count(*) from rp_bad) from rp_phys").fetchone()
    if odd == 0 and blank == 0 and ragged == 0 and staged == lines:
        _run(cur, "drop table rp_phys")
        return "lines"
    if odd == 0:
        # no line leaves a quote open (the usual file): every non-blank line starts a record, and the windows
        # below — slow on millions of (blank) lines — are not needed. A temp table's rowid is its insertion order.
        _run(cur, _sql("logical_lines_plain"))
    else:
        _run(cur, _sql("logical_lines_quoted"))
    _run(cur, "drop table rp_phys")
    (staged, mapped, ragged, found) = cur.execute(
        "select (select count(*) from rp_raw), (select count(*) from rp_logical where not ragged), "
        "(select count(*) from rp_bad), (select count(*) from rp_logical where ragged)").fetchone()
    if staged != mapped or ragged != found:
        return None
    # ordered: rp_stage pairs rp_raw and rp_line_map row by row (a table keeps its insertion order). Numbered by pn,
    # never by rp_logical's rowid: its ragged flag is a join, and a parallel join does not keep the scan's order.
    _run(cur, "insert into rp_line_map select row_number() over (order by pn), pn from rp_logical "
              "where not ragged order by pn")
    _run(cur, "insert into rp_ragged_line select r, $header + pn from rp_logical where ragged",
         {"header": layout.header_line})
    return "mapped"


def _literals(sql: str, params: dict) -> str:
    """`sql` with its $parameters written in as SQL string literals, for a view (which takes no bound ones).

    Only for the parse's parameters — the reporting time zone and the mapping's recodes and constants, all
    text from the configuration or the mapping, never a value of the file; quotes are doubled."""
    def literal(match: re.Match) -> str:
        value = params[match.group(1)]
        if value is None:
            return "null"
        if isinstance(value, bool):  # as DuckDB casts a bound boolean to text: true/false
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)\b", literal, sql)


def _ragged_rejects_sql() -> str:
    return _sql("ragged_rejects")


def _timestamp_spec(name: str, source: str, values: list[str], date_order: str | None) -> parse.ColumnSpec:
    """How to read an extra timestamp column (a derived duration's end, an event log's order)."""
    stamp = contracts.Field(name, "timestamp", "")
    return parse.detect_spec(stamp, source, values, date_order)


def _recoded(ref: str, name: str, recode: dict[str, str], params: dict) -> str:
    """`ref` with the mapping's recode for field `name` applied (case-insensitive, values bound)."""
    if not recode:
        return f"rp_null({ref})"
    cases = []
    for k, (source_value, canonical) in enumerate(recode.items()):
        params[f"rc_{name}_{k}"] = source_value.strip().upper()
        params[f"rt_{name}_{k}"] = canonical
        cases.append(f"when $rc_{name}_{k} then $rt_{name}_{k}")
    return f"rp_null(case upper(trim({ref})) {' '.join(cases)} else {ref} end)"


class _NotInPlace(Exception):
    """A file read in place (staging "direct") held a ragged record, or DuckDB could not read it that way: it is
    staged again the usual way, which words what is wrong with it."""


def _load(cur, readable: Path, display: str, facts: FileFacts, layout: Layout, resolved: Mapping,
          source_name: str | None, report: Progress, tz: str, direct: bool = True) -> "_Staged":
    """Stage, parse and validate the file into TEMP tables on `cur` — rp_checked (every record's contract values,
    checked once; rp_clean is its view of the records no row-level check rejected) and rp_rejects: no lock needed.

    With `direct` (and not an event log) a file whose every physical line is one whole record is not staged as
    text: rp_checked is written from the file itself, with the raw text of only the records that fail a check
    (to word their rejects). Raises _NotInPlace when such a file turns out to hold a ragged record, or when reading
    it in place fails (the usual staging then reads it again and says why)."""
    # one call for all the macros: a statement costs ≈ 1–2 ms of fixed CPU, and hundreds of tests load tiny files
    cur.execute(";\n".join(parse.MACROS))
    report(0.1, "Staging rows in DuckDB")
    used = sorted({layout.columns.index(c) for c in resolved.source_columns()})
    staging = _stage(cur, readable, display, layout, used, direct and not resolved.event_log)
    try:
        return _load_staged(cur, staging, used, display, facts, layout, resolved, source_name, report, tz)
    except duckdb.Error as exc:
        if staging == "direct":
            raise _NotInPlace() from exc
        raise


def _load_staged(cur, staging: str, used: list[int], display: str, facts: FileFacts, layout: Layout,
                 resolved: Mapping, source_name: str | None, report: Progress, tz: str) -> "_Staged":
    """_load's parse and checks over rp_stage, staged as `staging`."""
    kind = resolved.kind
    if staging == "direct":
        # every line after the header is a record (rp_checked confirms that none was ragged)
        (staged,), ragged = cur.execute("select count(*) from rp_phys").fetchone(), 0
    else:
        staged, ragged = cur.execute("select (select count(*) from rp_stage), (select count(*) from rp_bad)"
                                     ).fetchone()
    if staged + ragged == 0:
        raise IngestError("the file has a header row but no data rows; expected at least one row under "
                          f"the headers {', '.join(repr(c) for c in layout.columns)}", file=display)
    unterminated = staging != "direct" and _run(
        cur, "select coalesce(g.line, $header + b.r) from rp_bad b left join rp_ragged_line g using (r) "
        "where b.error_message ilike '%unterminated quote%' and position(chr(10) in trim(b.csv_line, chr(10) || "
        "chr(13))) > 0 order by 1 limit 1", {"header": layout.header_line}).fetchone()
    if unterminated:
        # DuckDB reads everything after an unclosed quote as one field: the rows after it would vanish
        raise IngestError("a quoted field opened on this line is never closed, so every line after it would be "
                          "read as part of that one value; expected a closing double quote (\") before the end "
                          "of the field. Close or remove the stray quote and load the file again",
                          file=display, line=int(unterminated[0]))

    report(0.3, "Detecting value formats")
    columns = layout.columns

    # A file of at most SPEC_SAMPLE records: every column's sample (all its present values, in file order) in one
    # statement instead of one per column — the same values the per-column query below returns for such a file.
    small: dict[int, list[str]] = {}
    if staged <= SPEC_SAMPLE and used:
        rows = cur.execute("select " + ", ".join(f"c{i}, rp_null(c{i}) is not null" for i in used)
                           + " from rp_stage").fetchall()
        small = {i: [row[2 * k] for row in rows if row[2 * k + 1]] for k, i in enumerate(used)}

    elif staging == "direct" and used:
        # read directly, each sample would read the file's first buffer again: the first records are kept once
        _run(cur, f"create temp table rp_head as select * from rp_stage_head limit {CSAT_HEAD}")

    def sample(index: int) -> list[str]:
        if index in small:
            return small[index]
        if staging == "direct":
            # the first SPEC_SAMPLE present values are in the head when it holds that many
            head = [v for (v,) in cur.execute(
                f"select c{index} from rp_head where rp_null(c{index}) is not null limit {SPEC_SAMPLE}").fetchall()]
            if len(head) == SPEC_SAMPLE:
                return head
        return [v for (v,) in cur.execute(
            f"select c{index} from rp_stage where rp_null(c{index}) is not null limit {SPEC_SAMPLE}").fetchall()]

    specs = column_specs(resolved, columns, sample)
    # a derived duration's ends and an event log's order column: read in the order the mapping or the file's other
    # date columns say, as column_specs reads the mapped ones
    date_order = resolved.date_order or file_date_order(specs)
    params: dict = {"header": layout.header_line, "unassigned": contracts.UNASSIGNED,
                    "file_name": display, "tz": tz}
    raw_refs: dict[str, str] = {}
    for name, spec in specs.items():
        # the mapping's recode, else a CSAT column's rating words (parse.csat_words)
        recode = resolved.recode.get(name) or dict(spec.words)
        raw_refs[name] = _recoded(f"c{columns.index(spec.source)}", name, recode, params)
    # Derived durations: two extra timestamp columns per field, `_from_x` and `_to_x`.
    extra: dict[str, parse.ColumnSpec] = {}
    for name, ends in resolved.derived.items():
        for end in ("from", "to"):
            source = ends[end]
            extra[f"_{end}_{name}"] = _timestamp_spec(name, source, sample(columns.index(source)), date_order)
            raw_refs[f"_{end}_{name}"] = f"rp_null(c{columns.index(source)})"
    if resolved.event_log:
        key, order_by = resolved.event_log["key"], resolved.event_log["order_by"]
        extra["_order"] = _timestamp_spec("occurred_at", order_by, sample(columns.index(order_by)), date_order)
        raw_refs["_order"] = f"rp_null(c{columns.index(order_by)})"
        raw_refs["_key"] = f"rp_null(c{columns.index(key)})"
    for name, value in resolved.constants.items():
        params[f"const_{name}"] = value
        if name not in specs:
            f = contracts.field(kind, name)
            specs[name] = parse.detect_spec(f, "(constant)", [value], resolved.date_order)
            raw_refs[name] = f"rp_null(cast($const_{name} as varchar))"

    report(0.45, "Parsing and validating values")
    raw_cols = ", ".join(f"{ref} as {_ident('r_' + name)}" for name, ref in raw_refs.items())
    parsed_cols = ", ".join(f"{parse.value_sql(spec, _ident('r_' + name))} as {_ident('p_' + name)}"
                            for name, spec in {**specs, **extra}.items())
    derived_cols = "".join(
        f", epoch({_ident('p__to_' + name)}) - epoch({_ident('p__from_' + name)}) as {_ident('p_' + name)}"
        for name in resolved.derived)

    def parsed_select(source: str) -> str:
        return _sql("parsed", raw_columns=raw_cols, parsed_columns=parsed_cols, derived_columns=derived_cols,
                    source=source)

    # "now" once, bound: the checks run in two statements (rp_checked, then the rejects' wording from rp_failed),
    # and a value in the future must fail in both or in neither
    (params["now"],) = cur.execute("select current_timestamp::timestamp").fetchone()
    rows_collapsed, collapse_note = 0, ""
    if resolved.event_log:
        # an event log is folded to one row per ticket first: the parsed rows are a table
        _run(cur, "create temp table rp_parsed as " + parsed_select("rp_stage"), params)
        rows_collapsed, collapse_note = _collapse_events(cur, resolved, "occurred_at" in specs)
    else:
        # a view: the values are parsed while rp_checked is written (writing a wide TEMP table of raw and parsed
        # text cost more CPU than parsing). A view takes no bound parameters, so the few it uses — the time zone
        # and the mapping's recodes and constants, never a value of the file — are written in as literals.
        _run(cur, "create temp view rp_parsed as " + _literals(parsed_select("rp_stage"), params))

    def _checked(cur, csat_scale: int | None, band: bool, nps_out: bool) -> list[str]:
        """rp_checked with the CSAT checks of `csat_scale` (and, with `band`, every rating's band; with `nps_out`,
        whether each NPS answer is outside 0–10); returns the rejects' rules (selects over rp_failed)."""
        params["csat_scale"] = csat_scale
        rule_sql: list[str] = []
        value_conditions: dict[str, list[str]] = {}
        failed: list[str] = []
        row_failed: list[str] = []
        all_checks: list[tuple[str, parse.Check]] = []
        for name, spec in specs.items():
            if spec.source == "(constant)":
                (ok,) = _run(cur, f"select {parse.value_sql(spec, raw_refs[name])} is not null "
                                  f"or {raw_refs[name]} is null", params).fetchone()
                if not ok:
                    raise IngestError(f"the constant {resolved.constants[name]!r} given for {name} cannot be read "
                                      f"as {parse.PARSER_NAMES.get(spec.parser, spec.parser)}", file=display)
                continue
            all_checks += [(name, c) for c in parse.checks(spec, _ident("r_" + name), _ident("p_" + name), csat_scale,
                                                           nul=facts.nul)]
        for name, ends in resolved.derived.items():
            duration = parse.ColumnSpec(name, "duration", f"{ends['from']} → {ends['to']}")
            for end in ("from", "to"):
                spec = extra[f"_{end}_{name}"]
                unreadable = parse.checks(spec, _ident(f"r__{end}_{name}"), _ident(f"p__{end}_{name}"))[0]
                all_checks.append((name, parse.Check(name, spec.source, unreadable.raw_ref, unreadable.condition,
                                                     f"could not read the value as a date/time for {name} "
                                                     f"(derived from {ends['from']} → {ends['to']})", "value")))
            negative = parse.checks(duration, _ident(f"r__to_{name}"), _ident("p_" + name))[1]
            all_checks.append((name, parse.Check(name, duration.source, negative.raw_ref, negative.condition,
                                                 f"{name} is negative: {ends['to']} is before {ends['from']}", "value")))
        for i, (name, check) in enumerate(all_checks):
            params[f"col_{i}"], params[f"why_{i}"], params[f"fld_{i}"] = check.source, check.reason, name
            rule_sql.append(f"select _line as line, $col_{i} as \"column\", {check.raw_ref} as value, "
                            f"$why_{i} as reason, '{check.scope}' as scope, $fld_{i} as field "
                            f"from rp_failed where {check.condition}")
            failed.append(f"({check.condition})")
            if check.scope == "value":
                value_conditions.setdefault(name, []).append(f"({check.condition})")
            else:
                row_failed.append(f"({check.condition})")
        for i, (name, condition, reason) in enumerate(_row_rules(kind, specs)):
            params[f"rcol_{i}"] = specs[name].source if name in specs else name
            params[f"rwhy_{i}"] = reason
            value = _ident("r_" + name) if name in specs else "null"
            rule_sql.append(f"select _line as line, $rcol_{i} as \"column\", {value} as value, "
                            f"$rwhy_{i} as reason, 'row' as scope, '{name}' as field from rp_failed where {condition}")
            failed.append(f"({condition})")
            row_failed.append(f"({condition})")
        if staging != "direct":
            rule_sql.append(_ragged_rejects_sql())

        # Every check once, over every record: the contract's values (rp_checked) and which records fail. Only the
        # failing records are parsed again, with their raw text, to word the rejects (rp_failed, usually tiny).
        final_columns = _final_columns(kind, specs, value_conditions, set(resolved.derived))
        key_columns = ("* replace (coalesce(interaction_id, " + _row_hash() + ") as interaction_id), "
                       "interaction_id is null as _hashed") if kind == INTERACTIONS else "*"
        # flags kept beside the values: every rating's band, to confirm the scale guessed from the head (0 none,
        # 1 at most 5, 2 at most 10, 3 more), and whether each NPS answer is outside 0–10
        flags = (["_csat_band"] if band else []) + (["_nps_out"] if nps_out else [])
        if band:
            final_columns += (", case when p_csat is null then 0 when p_csat <= 5 then 1 when p_csat <= 10 then 2 "
                              "else 3 end as _csat_band")
        if nps_out:
            final_columns += ", p_nps < 0 or p_nps > 10 as _nps_out"
        constant: dict[str, str] = {}
        if staging == "direct":
            # rp_checked_t, in file order: a record's line is its row number. The raw text is kept for the failing
            # records only, to word their rejects: one list per record, NULL for every other row (as a NULL column per
            # field it cost ≈ 5 bytes per row each, 0.6 GB at 10 M rows). Nor does it store what is the same on every
            # row — the fields the file lacks (NULL) and the CSAT scale: the view over it adds them as constants
            # (stored, seven NULL columns took 8 bytes a row each, and spilled at 10 M rows).
            final_columns += ", case when _fail then [" + ", ".join(_ident("r_" + name) for name in raw_refs) \
                + "] end as _raw"
            if kind == INTERACTIONS:
                constant = {f.name: f"cast(null as {f.sql_type})" for f in contracts.FIELDS[kind]
                            if f.name not in specs and f.name not in resolved.derived
                            and f.name not in ("occurred_time", "provider", "account")}
                constant["csat_scale"] = f"cast({'null' if csat_scale is None else int(csat_scale)} as smallint)"
            key_columns = key_columns.replace("*", "* exclude (" + ", ".join(["_line", *map(_ident, constant)]) + ")",
                                              1)
        # a check on an empty value is NULL, not false: coalesced, so that only a check that holds counts (as in `where`)
        _run(cur, _sql("checked", failed=f"coalesce({' or '.join(failed) or 'false'}, false)",
                       row_failed=f"coalesce({' or '.join(row_failed) or 'false'}, false)",
                       final_columns=final_columns, key_columns=key_columns), params)
        if staging == "direct":
            _run(cur, "alter table rp_checked rename to rp_checked_t")
            (checked, ragged_found) = cur.execute("select (select count(*) from rp_checked_t), "
                                                  "(select count(*) from rp_reject_errors)").fetchone()
            if ragged_found or checked != staged:
                raise _NotInPlace()
            # the columns of rp_checked as the usual staging writes them, in the same order
            names = ["_fail", "_rowbad", *(n for n in contracts.field_names(kind) if n != "occurred_time"),
                     *(["csat_scale"] if kind == INTERACTIONS else []), *flags,
                     *(["_hashed"] if kind == INTERACTIONS else [])]
            select = ", ".join(f"{constant[n]} as {_ident(n)}" if n in constant else _ident(n) for n in names)
            _run(cur, f"create temp view rp_checked as select {int(layout.header_line)} + 1 + rowid as _line, "
                      f"{select} from rp_checked_t")
        return rule_sql

    csat_scale, guessed = None, False
    if kind == INTERACTIONS and "csat" in specs:
        csat_scale = resolved.csat_scale
        if not csat_scale and not resolved.event_log and staged > CSAT_HEAD:
            # The scale is decided from every rating, but a count over the whole file would read it once more: it
            # is guessed from the first records and confirmed from the band rp_checked keeps of every rating (the
            # checks run again, once, in the rare file whose later ratings change the verdict)
            head = "rp_head" if staging == "direct" else f"(select * from rp_stage limit {CSAT_HEAD})"
            csat_scale = _detect_csat_scale(cur, f"({_literals(parsed_select(head), params)})")
            guessed = True
        elif not csat_scale:
            csat_scale = _detect_csat_scale(cur, "rp_parsed")
    # whether the NPS column is 0–10 answers: counted from rp_checked, which keeps each answer's verdict, rather
    # than by reading the file once more (an event log's rp_parsed is a table: counted there)
    nps_out = kind == INTERACTIONS and "nps" in specs and specs["nps"].source != "(constant)" and not resolved.event_log
    if kind == INTERACTIONS and "nps" in specs and not nps_out:
        _refuse_off_scale_nps(cur, specs["nps"], display)
    rule_sql = _checked(cur, csat_scale, guessed, nps_out)
    if nps_out:
        (outside, present) = cur.execute("select count(*) filter (where _nps_out), count(_nps_out) from rp_checked"
                                         ).fetchone()
        if present and outside >= contracts.NPS_OFF_SCALE_SHARE * present:
            _refuse_off_scale_nps(cur, specs["nps"], display)  # counts again, with the range, and refuses
    if guessed:
        counts = cur.execute("select count(*) filter (where _csat_band = 1), count(*) filter (where _csat_band "
                             "between 1 and 2), count(*) filter (where _csat_band > 0) from rp_checked").fetchone()
        if _csat_scale(*counts) != csat_scale:
            _run(cur, "drop view rp_checked" if staging == "direct" else "drop table rp_checked")
            _run(cur, "drop table if exists rp_checked_t")
            csat_scale, guessed = _csat_scale(*counts), False
            rule_sql = _checked(cur, csat_scale, False, nps_out)
    failing = "(select _line from rp_checked where _fail)"
    # and whether rp_checked holds the records in line order, one per line: its k-th row (rowid k - 1) on line
    # header + k. DuckDB keeps a parallel scan's order through a plain projection, never through a join; checked
    # here rather than assumed, because the insert then writes the rows as scanned, unsorted. Read directly, the
    # line is the row number.
    if staging == "direct":
        (fails,), out_of_order = cur.execute("select count(*) filter (where _fail) from rp_checked_t").fetchone(), 0
    else:
        (fails, out_of_order) = _run(
            cur, "select count(*) filter (where _fail), count(*) filter (where _line <> $header + 1 + rowid) "
                 "from rp_checked", params).fetchone()
    if not fails:
        # the usual clean file: no record to word (an empty table, not a scan of every staged record)
        _run(cur, "create temp table rp_failed as select * from rp_parsed limit 0")
    elif resolved.event_log:
        _run(cur, f"create temp table rp_failed as select * from rp_parsed where _line in {failing} order by _line")
    elif staging == "direct":
        # parsed again from the raw text kept with the failing records
        raw_kept = ", ".join(f"_raw[{k}] as {_ident('r_' + name)}" for k, name in enumerate(raw_refs, 1))
        _run(cur, "create temp table rp_failed as "
                  + _sql("parsed", raw_columns=raw_kept, parsed_columns=parsed_cols, derived_columns=derived_cols,
                         source=f"(select {int(layout.header_line)} + 1 + rowid as _line, * from rp_checked_t "
                                "where _fail)") + "\norder by _line", params)
    else:
        _run(cur, "create temp table rp_failed as "
                  + parsed_select(f"(select * from rp_stage where _line in {failing})") + "\norder by _line", params)
    _run(cur, _sql("rejects", rules="\nunion all\n".join(rule_sql)), params)
    problems = _column_problems(cur, specs, resolved, csat_scale)
    # Each stage's table is dropped once the next one holds what is needed: with several 1 M-row copies alive
    # at once DuckDB spills them to its temp_directory, which costs more CPU than computing them.
    _run(cur, "drop table rp_failed")
    _run(cur, "drop table rp_parsed" if resolved.event_log else "drop view rp_parsed")
    if staging == "direct":
        _run(cur, "drop view rp_stage")
        _run(cur, "drop view rp_stage_head")
        _run(cur, "drop table rp_phys")
        _run(cur, "drop table if exists rp_head")
    elif staging != "counted":
        _run(cur, "drop view rp_stage")
        _run(cur, "drop table rp_raw")
    else:
        _run(cur, "drop table rp_stage")
    # rp_clean: the records no row-level check rejected (a view: rp_later, the dedup and the insert read it)
    kept = ["_fail", "_rowbad"] + ["_csat_band"] * guessed + ["_nps_out"] * nps_out  # flags, not contract columns
    _run(cur, f"create temp view rp_clean as select * exclude ({', '.join(kept)}) from rp_checked where not _rowbad")
    _unique_in_file(cur, kind)
    rows_rejected, values_rejected, clean = cur.execute(
        "select (select count(distinct line) from rp_rejects where scope = 'row'), "
        "(select count(*) from (select distinct line, field from rp_rejects where scope = 'value' and line not in "
        "(select line from rp_rejects where scope = 'row' and line is not null))), "
        "(select count(*) from rp_clean)").fetchone()
    rejects = tuple(cur.execute(f"select line, \"column\", value, reason, scope from rp_rejects "
                                f"order by line, \"column\" limit {REJECTS_SAMPLE}").fetchall())
    return _Staged(display=display, kind=kind, facts=facts, layout=layout, resolved=resolved,
                   source_name=source_name, rows_read=int(staged + ragged), rows_collapsed=int(rows_collapsed),
                   collapse_note=collapse_note, problems=problems, specs=specs, csat_scale=csat_scale,
                   params=params, rows_rejected=int(rows_rejected), values_rejected=int(values_rejected),
                   clean=int(clean), rejects=rejects, in_line_order=out_of_order == 0)


@dataclass(frozen=True)
class _Staged:
    """A file staged, parsed, validated and made unique within itself in the load cursor's TEMP tables
    (rp_clean, rp_keyed, rp_rejects), with what can be counted from the file alone — no stored table read or
    written yet."""

    display: str
    kind: str
    facts: FileFacts
    layout: Layout
    resolved: Mapping
    source_name: str | None
    rows_read: int
    rows_collapsed: int
    collapse_note: str
    problems: tuple[str, ...]
    specs: dict
    csat_scale: int | None
    params: dict
    rows_rejected: int
    values_rejected: int
    clean: int
    rejects: tuple[tuple, ...]
    # rp_checked holds the records in line order (checked in _load): rp_new, a plain scan of it, is inserted as
    # scanned, without a sort
    in_line_order: bool = False


def _finish(cur, staged: _Staged, batch_id: int | None, report: Progress) -> IngestResult:
    """Dedup against the stored rows and, with a batch id (inside the write transaction), write the batch;
    without one (a dry run) only count."""
    kind, display, csat_scale = staged.kind, staged.display, staged.csat_scale
    problems, rows_collapsed, rows_read = staged.problems, staged.rows_collapsed, staged.rows_read
    params = {**staged.params, "batch_id": batch_id}
    report(0.7, "Removing duplicates")
    _dedup(cur, kind)
    rows_rejected, values_rejected, clean = staged.rows_rejected, staged.values_rejected, staged.clean
    rejects = staged.rejects
    fresh, updated = cur.execute("select (select count(*) from rp_new), (select count(*) from rp_update)").fetchone()
    duplicate = clean - fresh - updated
    accounted = fresh + updated + rows_rejected + duplicate + rows_collapsed
    if accounted != rows_read:
        # every data row must end up loaded, updated, rejected, duplicate or collapsed; the transaction rolls back
        raise IngestError(f"{rows_read:,} data rows were read but {accounted:,} accounted for (loaded, updated, "
                          "rejected, duplicate or collapsed); nothing was loaded. This is a Rapport bug: please "
                          "report it with the file's layout (delimiter, quoting, blank lines)", file=display)
    counts = dict(rows_read=int(rows_read), rows_loaded=int(fresh), rows_rejected=int(rows_rejected),
                  rows_duplicate=int(duplicate), values_rejected=int(values_rejected),
                  rows_collapsed=int(rows_collapsed), rows_updated=int(updated))
    summary = (f"{updated:,} already loaded rows updated with new values, " if updated else "") + \
        f"{rows_rejected:,} rows rejected, " + (
        f"{values_rejected:,} single values rejected (set empty, the rest of their row loaded), "
        if values_rejected else "") + f"{duplicate:,} duplicates skipped"
    notes = "".join(f" {n}" for n in ([staged.collapse_note] if staged.collapse_note else []) + list(problems))
    formats, ambiguities, readings = reading_notes(staged.specs)
    ambiguities += readings + staged.facts.notes
    if batch_id is None:
        return IngestResult(display, kind, None, "dry-run", **counts, reject_rows=rejects, column_problems=problems,
                            date_notes=ambiguities,
                            message=f"Dry run of {display}: {fresh:,} {kind} rows would load ({summary}); "
                                    f"nothing was written.{notes}")

    status = "loaded" if fresh or updated else "empty"
    if fresh:
        message = f"Loaded {fresh:,} {kind} rows from {display} as batch {batch_id} ({summary}).{notes}"
    elif updated:
        message = f"Updated {updated:,} {kind} rows from {display} as batch {batch_id} ({summary}).{notes}"
    else:
        message = (f"Nothing new was loaded from {display} (batch {batch_id}): {summary}. "
                   + ("Every row was rejected; see the rejects for why, fix the file or the mapping and load it "
                      "again." if clean == 0 else "Every row is already loaded.") + notes)
    report(0.75, f"Inserting {fresh} rows")
    if updated:
        _apply_updates(cur, batch_id)
    if kind == INTERACTIONS:
        # the new rows' repeat flags, computed with the stored rows' before the insert (which then writes them, no
        # update of a million fresh rows afterwards); stored rows whose flag the new ones change are updated here
        rollups.flag_new_rows(cur, "rp_new", skip_batch=batch_id)
    _insert(cur, kind, batch_id, csat_scale, staged.in_line_order)
    _run(cur, "insert into rejects (batch_id, file_name, line, \"column\", value, reason, scope) "
              "select $batch_id, $file_name, line, \"column\", value, reason, scope from rp_rejects", params)
    facts, layout, resolved = staged.facts, staged.layout, staged.resolved
    cur.execute(
        _sql("batch_record"),
        [batch_id, display, staged.source_name, facts.sha256, kind, facts.encoding, layout.delimiter,
         json.dumps(formats), resolved.to_json(), counts["rows_read"], counts["rows_loaded"], counts["rows_rejected"],
         counts["rows_duplicate"], counts["values_rejected"], counts["rows_collapsed"], status, message,
         counts["rows_updated"]])
    if kind == INTERACTIONS:
        report(0.9, "Updating repeat flags and the daily rollup")
        rollups.add_batch(cur, batch_id)
    report(1.0, "Done")
    return IngestResult(display, kind, batch_id, status, **counts, reject_rows=rejects, column_problems=problems,
                        message=message, date_notes=ambiguities)


def _detect_csat_scale(cur, source: str) -> int:
    """_csat_scale of the ratings p_csat in `source` (rp_parsed, or a select of it)."""
    return _csat_scale(*cur.execute("select count(*) filter (where p_csat <= 5), count(*) filter (where p_csat <= "
                                    f"10), count(p_csat) from {source}").fetchone())


def _csat_scale(five: int, ten: int, total: int) -> int:
    """1–5 when at least CSAT_FIVE_SHARE of the `total` readable ratings are ≤ 5 (`five` of them), else 1–10 when at
    least CSAT_TEN_SHARE are ≤ 10 (`ten`), else a 0–100 score: stray values never rescale a file (they are rejected
    one by one), and a 0–100 column, where most values exceed 10, is never half-read as 1–10."""
    if total == 0 or five >= contracts.CSAT_FIVE_SHARE * total:
        return 5
    return 10 if ten >= contracts.CSAT_TEN_SHARE * total else 100


def _refuse_off_scale_nps(cur, spec: parse.ColumnSpec, display: str) -> None:
    """Refuse the file when its NPS column is not 0–10 answers (at least NPS_OFF_SCALE_SHARE outside 0..10).

    A net promoter score (−100…100) or a 0–100 scale cannot be turned into the 0–10 answers NPS is computed
    from, and loading only the values that happen to fall in 0..10 would half-load the column."""
    if spec.source == "(constant)":
        return
    outside, present, low, high = cur.execute(
        "select count(*) filter (where p_nps < 0 or p_nps > 10), count(p_nps), min(p_nps), max(p_nps) "
        "from rp_parsed").fetchone()
    if present and outside >= contracts.NPS_OFF_SCALE_SHARE * present:
        raise IngestError(
            f"{outside:,} of the {present:,} values in the NPS column are outside 0–10 (from {low:g} to {high:g}): "
            "this looks like a net promoter score (−100…100) or a 0–100 scale, not the 0–10 likelihood-to-"
            "recommend answers Rapport computes NPS from, so the column is refused rather than half-loaded. Map "
            "the 0–10 answers to nps, or rename or remove this column and load the file again",
            file=display, column=spec.source)


def _collapse_events(cur, resolved: Mapping, has_time: bool) -> tuple[int, str]:
    """Fold an event log to one row per key: its latest event (by order_by, then file order), with the
    earliest occurred_at of the key. Rows without a key stay as they are. Returns (rows folded, rule)."""
    (events,) = cur.execute("select count(*) from rp_parsed").fetchone()
    first_open = ", min(p_occurred_at) over (partition by _event_key) as p_occurred_at" if has_time else ""
    replace = f" replace ({first_open[2:]})" if has_time else ""
    cur.execute(_sql("collapse_events", first_open=replace))
    cur.execute("drop table rp_parsed")
    cur.execute("alter table rp_collapsed rename to rp_parsed")
    (kept,) = cur.execute("select count(*) from rp_parsed").fetchone()
    log = resolved.event_log or {}
    rule = (f"{kept:,} tickets from {events:,} events (one per {log.get('key')!r}): latest state kept "
            f"(by {log.get('order_by')!r})" + (", first open time" if has_time else ""))
    resolution = resolved.derived.get("resolution_seconds")
    if resolution:
        rule += f", resolved when {resolution['to']!r} is set (time to resolve from {resolution['from']!r})"
    return int(events - kept), rule + "."


_FIX_HINTS = {
    "bool": "the values are not yes/no: add a recode for {field} in the mapping "
            '("recode": {{"{field}": {{"{example}": "yes"}}}}) or map another column',
    "percent": "is this column a percentage? map it to another field if not",
    "timestamp": "check the column holds dates, or set date_order in the mapping",
    "date": "check the column holds dates, or set date_order in the mapping",
    "duration": "is this column a duration (seconds, mm:ss, hh:mm:ss)? map another column if not",
}


def _number(text) -> float | None:
    try:
        return float(str(text).replace(",", "."))
    except ValueError:
        return None


def _column_problems(cur, specs: dict[str, parse.ColumnSpec], resolved: Mapping,
                     csat_scale: int | None) -> tuple[str, ...]:
    """One sentence per mapped column where more than half of the present values fail, with examples and a fix."""
    failing = cur.execute(_sql("failing_fields")).fetchall()
    problems = []
    for name, column, failed, examples, reason in failing:
        if name in specs and specs[name].source != "(constant)":
            (present,) = cur.execute(f"select count({_ident('r_' + name)}) from rp_parsed").fetchone()
            parser = specs[name].parser
        elif name in resolved.derived:
            (present,) = cur.execute(f"select count(*) from rp_parsed where {_ident('r__from_' + name)} is not null"
                                     f" or {_ident('r__to_' + name)} is not null").fetchone()
            parser = "timestamp"
        else:
            continue
        if present < 3 or failed * 2 <= present:
            continue
        shown = ", ".join(repr(e) for e in (examples or []) if e is not None) or "(empty)"
        numbers = [n for n in (_number(e) for e in examples or []) if n is not None]
        if name == "csat" and numbers and max(numbers) > 10 and csat_scale != 100:
            fix = ("looks like a 0–100 score: declare \"csat_scale\": 100 in the mapping (top-two box = 80–100); "
                   "a share satisfied per month belongs in a scorecard (reported_csat_pct)")
        elif name == "csat":
            fix = (f"the ratings do not fit the 1–{csat_scale} scale: declare \"csat_scale\" in the mapping, or "
                   "map another column")
        elif name == "nps" and numbers and (min(numbers) < 0 or max(numbers) > 10):
            fix = ("looks like a net promoter score (−100…100) rather than 0–10 ratings: map the 0–10 "
                   "likelihood-to-recommend answers instead; Rapport computes the score")
        elif parser in ("number", "count", "score") and any(
                e is not None and re.fullmatch(r"\d+[.,]\d+", str(e)) for e in examples or []):
            fix = "looks like an average or a decimal: read as a number? map it to a number field"
        else:
            example = str((examples or [""])[0])
            fix = _FIX_HINTS.get(parser, "is the right column mapped to {field}?").format(field=name,
                                                                                        example=example)
        problems.append(f"Column {column!r} ({name}): {failed:,} of {present:,} values fail ({reason}), e.g. "
                        f"{shown} — {fix}.")
    return tuple(problems)


def _row_rules(kind: str, specs: dict[str, parse.ColumnSpec]) -> list[tuple[str, str, str]]:
    """(field, condition, reason) for rules that span a row: required values and date order."""
    required = {INTERACTIONS: ["occurred_at"], PERFORMANCE: ["period"],
                ENGAGEMENTS: ["provider", "account", "relationship_model", "contract_start"]}[kind]
    rules = [(name, f"{_ident('r_' + name)} is null", f"the required {name} is empty")
             for name in required if name in specs]
    if kind == ENGAGEMENTS and "contract_end" in specs:
        rules.append(("contract_end", "p_contract_end < p_contract_start",
                      "contract_end is before contract_start"))
    return rules


def _final_columns(kind: str, specs: dict[str, parse.ColumnSpec], value_conditions: dict[str, list[str]],
                   derived: set[str]) -> str:
    exprs = []
    for f in contracts.FIELDS[kind]:
        if f.name == "occurred_time":
            continue
        present = f.name in specs or f.name in derived
        expr = _ident("p_" + f.name) if present else f"cast(null as {f.sql_type})"
        if f.name in value_conditions:
            # a value that failed its checks is NULL; the rest of the row loads
            expr = f"case when {' or '.join(value_conditions[f.name])} then null else {expr} end"
        if f.name == "occurred_at" and "occurred_time" in specs:
            expr = (f"case when p_occurred_time is not null then cast(cast(p_occurred_at as date) as timestamp) "
                    f"+ to_seconds(p_occurred_time) else p_occurred_at end")
        if f.name in ("provider", "account") and kind != ENGAGEMENTS:
            expr = f"coalesce({expr}, $unassigned)"
        exprs.append(f"cast({expr} as {f.sql_type}) as {_ident(f.name)}")
    if kind == INTERACTIONS:
        exprs.append("cast($csat_scale as smallint) as csat_scale")
    return ", ".join(exprs)


# Interactions: the measures a later export may fill in or change; every other field (time, provider, account,
# channel, reason, customer, segment, agent) is the row's identity when the file has no id (docs/DATA.md).
_MEASURES = contracts.INTERACTION_MEASURES
_HASHED = tuple(n for n in contracts.field_names(INTERACTIONS) if n not in ("interaction_id", "occurred_time"))
_IDENTITY = tuple(n for n in _HASHED if n not in _MEASURES)


def _row_hash(alias: str = "") -> str:
    """The id of an id-less row: `row-` + MD5 of its canonical values (measures included, as ever)."""
    values = ", ".join(f"coalesce(cast({alias}{_ident(n)} as varchar), '')" for n in _HASHED)
    return f"'row-' || md5(concat_ws('|', {values}))"


def _unique_in_file(cur, kind: str) -> None:
    """rp_keyed: the clean rows, the first line of each key in the file (needs no stored table, so no lock).

    The key: interactions' `interaction_id` (the source id, else `row-` + the hash of the row's values, with
    `_hashed` saying which — both already in rp_clean); performance's (period, provider, account); engagements'
    (provider, account)."""
    if kind == INTERACTIONS:
        # A view, not a copy: the lines whose key an earlier line has (rp_later, usually none) are found with one
        # grouping of the keys alone, where a window over the whole rows sorted and spilled a million-row file.
        cur.execute(_sql("later_lines"))
        (later,) = cur.execute("select count(*) from rp_later").fetchone()
        # without later lines (the usual file) no join: the view stays a plain scan
        cur.execute("create temp view rp_keyed as select * from rp_clean"
                    + (" where _line not in (select _line from rp_later)" if later else ""))
    else:
        key = "period, provider, account" if kind == PERFORMANCE else "provider, account"
        cur.execute(f"create temp table rp_keyed as select * from rp_clean "
                    f"qualify row_number() over (partition by {key} order by _line) = 1")


def _dedup(cur, kind: str) -> None:
    """rp_new: the rows of rp_keyed that are new — absent from the table; rp_update
    (interactions only): stored rows this file fills in or changes, with their merged values.

    Interactions are matched to stored rows by `interaction_id` — the source id, or for an id-less row the
    hash of all its values (an identical row) — and an id-less row that matched no hash by its identity
    (every non-measure field equal) where every measure either side has agrees or one side is empty: the
    same contact exported before its survey came in. A match is one-to-one (first line, first stored row).
    A matched row with a measure the stored row lacks — or, with a source id, a measure that differs — is
    an update; any other match is a duplicate.
    """
    if kind != INTERACTIONS:
        _dedup_by_key(cur, kind)
        cur.execute("create temp table rp_update as select *, cast(null as bigint) as _rid from rp_new limit 0")
        return
    same_identity = " and ".join(f"i.{_ident(n)} is not distinct from u.{_ident(n)}" for n in _IDENTITY)
    compatible = " and ".join(f"(u.{_ident(n)} is null or i.{_ident(n)} is null or u.{_ident(n)} = i.{_ident(n)})"
                              for n in _MEASURES)
    cur.execute(_sql("match_stored", same_identity=same_identity, compatible=compatible))
    changed = " or ".join(f"(k.{_ident(n)} is not null and k.{_ident(n)} is distinct from i.{_ident(n)})"
                          for n in _MEASURES)
    kept = ", ".join(f"i.{_ident(n)}" for n in _IDENTITY)
    merged = ", ".join(f"coalesce(k.{_ident(n)}, i.{_ident(n)}) as {_ident(n)}" for n in _MEASURES)
    cur.execute(_sql("updates", kept=kept, merged=merged, changed=changed, row_hash=_row_hash()))
    # a view: counted, inserted and read for the repeat flags without a copy of the file's rows (and without a join
    # when no line matched a stored row, the usual new file: a plain scan)
    (matched,) = cur.execute("select count(*) from rp_match").fetchone()
    cur.execute("create temp view rp_new as select * from rp_keyed"
                + (" where _line not in (select _line from rp_match)" if matched else ""))


def _apply_updates(cur, batch_id: int) -> None:
    """Move the rows in rp_update into this batch with their merged values, keeping each stored version in
    interaction_versions (so dropping this batch restores it), and refresh the old batches' rollup days."""
    cur.execute("""insert into interaction_versions by name
                   select ? as superseded_by, u.interaction_id as replaced_by_id, i.*
                   from rp_update u join interactions i on i.rowid = u._rid""", [batch_id])
    moved = cur.execute("select _old_batch, list(distinct _day) from rp_update group by _old_batch").fetchall()
    cur.execute("delete from interactions where rowid in (select _rid from rp_update)")
    columns = ", ".join(_ident(n) for n in ("interaction_id", *_HASHED, "csat_scale", "is_repeat"))
    cur.execute(f"insert into interactions by name select ? as batch_id, {columns} from rp_update order by _line",
                [batch_id])
    for old_batch, days in moved:
        rollups.refresh_days(cur, old_batch, days)


def _dedup_by_key(cur, kind: str) -> None:
    """rp_new for performance and engagements: rp_keyed's rows whose key is not in the table."""
    if kind == PERFORMANCE:
        cur.execute("""create temp table rp_new as
            select * from rp_keyed u
            where not exists (select 1 from performance p where p.period = u.period
                              and p.provider is not distinct from u.provider
                              and p.account is not distinct from u.account)""")
    else:
        cur.execute("""create temp table rp_new as
            select * from rp_keyed u
            where not exists (select 1 from engagements e where e.provider = u.provider and e.account = u.account)""")


def _insert(cur, kind: str, batch_id: int, csat_scale: int | None, in_line_order: bool = False) -> None:
    names = [n for n in contracts.field_names(kind) if n != "occurred_time"]
    columns = ", ".join(_ident(n) for n in names)
    if kind == INTERACTIONS:
        # is_repeat from rollups.flag_new_rows (rp_new_flags, one row per new row). When rp_new is a plain scan of
        # rp_checked (no later line in the file, no line matching a stored row: rp_keyed and rp_new hold no join) and
        # rp_checked is in line order (checked in _load), rp_new is in line order and is inserted as it is scanned, on
        # every thread, each flag false (NULL without a customer); then only the repeats are set true, by their key
        # (unique in the file here). Pairing the rows with their flags by position ran on one thread (1.5 s of 1 M
        # rows against 0.95), and sorting the wide rows by line spilled at 10 M. Otherwise the rows are joined to
        # their flags by line and sorted.
        plain = in_line_order and cur.execute(
            "select not exists (select 1 from rp_later) and not exists (select 1 from rp_match)").fetchone()[0]
        if plain:
            cur.execute(f"insert into interactions (batch_id, {columns}, csat_scale, is_repeat) "
                        f"select ?, {columns}, csat_scale, case when customer_id is not null then false end "
                        "from rp_new", [batch_id])
            cur.execute("update interactions set is_repeat = true where batch_id = ? and interaction_id in ("
                        "select n.interaction_id from rp_new n join rp_new_flags f using (_line) where f.is_repeat)",
                        [batch_id])
        else:
            cur.execute(f"insert into interactions (batch_id, {columns}, csat_scale, is_repeat) "
                        f"select ?, {columns}, csat_scale, f.is_repeat from rp_new n "
                        "join rp_new_flags f using (_line) order by _line", [batch_id])
    else:
        cur.execute(f"insert into {_ident(kind)} (batch_id, {columns}) select ?, {columns} from rp_new "
                    "order by _line", [batch_id])
