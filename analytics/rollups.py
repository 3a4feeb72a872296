"""Aggregates maintained at ingest: the `rollup_daily` and `rollup_monthly` tables.

Both keep the batch id in their grain, so adding a batch appends its rows and
deleting a batch deletes exactly its rows — no full rebuild on the hot path.
`rollup_monthly` holds the same sums with `day` truncated to the month; analyses
read it whenever the grain and the date filter line up with whole months.

Their columns are the select list of ``sql/rollup_daily.sql`` (``columns()``): the tables' DDL
(``db.schema_sql``), the migration of older files, the monthly sums and docs/KPIS.md all follow it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import duckdb

from analytics.thresholds import REPEAT_DAYS

SQL_FILE = Path(__file__).parent / "sql" / "rollups" / "rollup_daily.sql"
_SQL = SQL_FILE.read_text()
# The rollups' own bookkeeping, added outside the portable definition: one batch's rows carry its id.
BATCH_KEY = "batch_id"
# The day of a group is never null (occurred_at is a required field); nor is an unfiltered count(*).
_NEVER_NULL = ("day",)


@dataclass(frozen=True)
class RollupColumn:
    """One output column of rollup_daily.sql: a group-by key or an additive measure."""

    name: str
    sql_type: str        # the DuckDB type it is cast to (DATE, VARCHAR, BIGINT, DOUBLE)
    is_measure: bool     # an aggregate (summed again one level up); the others are the grain
    not_null: bool
    expression: str      # the SQL inside the cast as written (comments dropped); docs/KPIS.md quotes it


def columns_of(sql: str) -> tuple[RollupColumn, ...]:
    """The columns a rollup definition produces, read from its `final` step's select list.

    Every output must be ``cast(<expr> as <type>) as <name>`` (the portable subset, enforced with sqlglot
    by tests/test_rollup_sql_portable.py); an output holding an aggregate is a measure, any other a key.
    A plain scan, not a SQL parser, because every connection needs it (sqlglot costs ~0.4 s CPU to import):
    tests/test_rollups.py checks the result against sqlglot's parse and DuckDB's own binding.
    Raises ValueError naming the output that breaks the rule.
    """
    found = []
    for item in _final_select_list(sql):
        match = _PROJECTION.fullmatch(item)
        if match is None:
            raise ValueError(f"rollup output {item!r} is not `cast(<expr> as <type>) as <name>`")
        expression, kind, name = match.group("expr"), match.group("type").upper(), match.group("name")
        found.append(RollupColumn(name, _TYPE_NAMES.get(kind, kind), _AGGREGATE.search(expression) is not None,
                                  name in _NEVER_NULL or expression == "count(*)", expression))
    names = [c.name for c in found]
    if len(set(names)) != len(names) or BATCH_KEY in names:
        raise ValueError(f"rollup outputs must be unique and leave out {BATCH_KEY}: {names}")
    return tuple(found)


_PROJECTION = re.compile(r"cast\s*\((?P<expr>.+)\s+as\s+(?P<type>[a-z]+)\s*\)\s+as\s+(?P<name>[a-z_][a-z0-9_]*)",
                         re.S | re.I)
_AGGREGATE = re.compile(r"\b(count|sum|min|max|avg)\s*\(", re.I)
_FROM = re.compile(r"from\b", re.I)
_TYPE_NAMES = {"TEXT": "VARCHAR", "STRING": "VARCHAR", "INT": "INTEGER", "INT8": "BIGINT", "FLOAT8": "DOUBLE"}


def _final_select_list(sql: str) -> list[str]:
    """The `final` step's outputs as text (comments dropped, spaces collapsed), split at top-level commas."""
    text = re.sub(r"--[^\n]*", "", sql)
    start = re.search(r"\bfinal\s+as\s*\(\s*select\b", text, re.I)
    if start is None:
        raise ValueError("the rollup definition has no `final` step (dbt style: `final as (select …)`)")
    items, current, depth, quoted, i = [], [], 0, False, start.end()
    while i < len(text):
        ch = text[i]
        if quoted:
            quoted = ch != "'"
        elif ch == "'":
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and ch == ",":
            items.append("".join(current))
            current, i = [], i + 1
            continue
        elif depth == 0 and _FROM.match(text, i) and not (text[i - 1].isalnum() or text[i - 1] == "_"):
            break
        current.append(ch)
        i += 1
    items.append("".join(current))
    return [" ".join(item.split()) for item in items if item.strip()]


@lru_cache(maxsize=1)
def columns() -> tuple[RollupColumn, ...]:
    """The columns of rollup_daily.sql (without batch_id): the one list the tables and inserts follow."""
    return columns_of(_SQL)


def key_names() -> tuple[str, ...]:
    """The grain of rollup_daily besides day and batch_id: provider, account, channel, … ."""
    return tuple(c.name for c in columns() if not c.is_measure and c.name != "day")


def measure_names() -> tuple[str, ...]:
    """Every additive measure rollup_daily.sql produces, in its order (contacts, handle_sum, …)."""
    return tuple(c.name for c in columns() if c.is_measure)


def table_ddl(cols: tuple[RollupColumn, ...] | None = None) -> str:
    """`create table if not exists rollup_daily`: the SQL's keys, then batch_id, then its measures."""
    cols = cols or columns()

    def column(c: RollupColumn) -> str:
        return f"  {c.name} {c.sql_type.lower()}" + (" not null" if c.not_null else "")

    lines = [column(c) for c in cols if not c.is_measure] + [f"  {BATCH_KEY} integer not null"] \
        + [column(c) for c in cols if c.is_measure]
    return "create table if not exists rollup_daily (\n" + ",\n".join(lines) + "\n)"


def _monthly_select() -> str:
    return ("select cast(date_trunc('month', day) as date) as day, " + ", ".join(key_names() + (BATCH_KEY,))
            + ", " + ", ".join(f"sum({m}) as {m}" for m in measure_names()) + " from rollup_daily")


# Rollup rows are written in the order of their keys (provider, account, day): DuckDB keeps min/max
# statistics per row group, so a provider's or an engagement's rows then sit in few row groups and a
# filtered page read skips the rest (a provider change at 10 M x 200 engagements read every row group
# before). Each batch's rows are sorted as they are written; rows of later batches follow them.
CLUSTER = " order by provider, account, day"


def _monthly_sql() -> str:
    return ("insert into rollup_monthly by name " + _monthly_select()
            + " where $batch_id is null or batch_id = $batch_id group by all" + CLUSTER)


# rollup_daily.sql is the portable definition (it also runs on Spark, analytics/spark/): it reads a
# relation named `interactions` and knows nothing of batches. Here a CTE of that name shadows the table
# with one batch's rows, and the batch id is added outside the definition.
_DAILY_INSERT = (
    "insert into rollup_daily by name select *, cast($batch_id as integer) as batch_id from ("
    "with interactions as (select * from main.interactions where batch_id = $batch_id) "
    f"select * from ({_SQL}\n))" + CLUSTER
)
# `batches.kind` of rollups imported from the Spark job (`python -m analytics rollups import`): their
# rows have no raw interactions behind them, so rebuild and mismatches leave them alone.
IMPORTED_KIND = "rollups"
_INGESTED = f"batch_id not in (select batch_id from batches where kind = '{IMPORTED_KIND}')"


def add_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Aggregate one freshly loaded interactions batch into both rollups."""
    con.execute(_DAILY_INSERT, {"batch_id": batch_id})
    con.execute(_monthly_sql(), {"batch_id": batch_id})


# A contact is a repeat when the same customer had a contact in the 7 days strictly before it. The window
# is in ONE unit (microseconds since the epoch) so the same frame runs on Spark.
REPEAT_WINDOW_US = REPEAT_DAYS * 24 * 3600 * 1_000_000


def refresh_repeats(con: duckdb.DuckDBPyConnection, touched: str, *, skip_batch: int | None = None) -> int:
    """Recompute `is_repeat`, set-based, wherever rows in `touched` (a temp table of customer_id, occurred_at
    just added or removed) can change it, and refresh the rollup rows of the days whose flags changed.

    A row's flag depends on the 7 days before it, so the rows to recompute are the touched customers'
    contacts from the first touched time to 7 days after the last; their history reaches 7 days further
    back. Files may arrive in any order (February before January) and batches may be deleted: the flags
    stay what one load of everything would give. Rollup rows of `skip_batch` are left to the caller
    (ingest aggregates the new batch afterwards). Returns the number of flags changed.
    """
    lo, hi = con.execute(f"select min(occurred_at), max(occurred_at) from {touched}").fetchone()
    if lo is None:
        return 0
    con.execute(f"""create or replace temp table rp_repeat_changes as
        with customers as (
            select distinct customer_id from {touched}
        ),
        history as (
            select rowid as rid, batch_id, customer_id, occurred_at, is_repeat
            from interactions
            where customer_id in (select customer_id from customers)
              and occurred_at >= $lo - interval 7 days and occurred_at <= $hi + interval 7 days
        ),
        flagged as (
            select rid, batch_id, occurred_at, is_repeat,
                   count(*) over (
                       partition by customer_id order by epoch_us(occurred_at)
                       range between {REPEAT_WINDOW_US} preceding and 1 preceding) > 0 as repeat_now
            from history
        )
        select rid, batch_id, cast(occurred_at as date) as day, repeat_now
        from flagged
        where occurred_at >= $lo and is_repeat is distinct from repeat_now""", {"lo": lo, "hi": hi})
    con.execute("update interactions set is_repeat = c.repeat_now from rp_repeat_changes c "
                "where interactions.rowid = c.rid")
    changed = con.execute("select batch_id, list(distinct day) from rp_repeat_changes "
                          "where batch_id is distinct from $skip group by batch_id", {"skip": skip_batch}).fetchall()
    for batch_id, days in changed:
        refresh_days(con, batch_id, days)
    (count,) = con.execute("select count(*) from rp_repeat_changes").fetchone()
    con.execute("drop table rp_repeat_changes")
    return int(count)


def flag_new_rows(con: duckdb.DuckDBPyConnection, adding: str, *, skip_batch: int | None = None) -> int:
    """Before rows are inserted: their `is_repeat` into the temp table rp_new_flags(_line, is_repeat) — one row per
    row of `adding` (a relation of _line, customer_id, occurred_at; null for an unknown customer) — and, set-based,
    the stored rows whose flag they change updated, with the rollup rows of those days (`skip_batch`'s are left to
    the caller, as in refresh_repeats).

    The same window over the same rows as inserting first and then `refresh_repeats` on the added customers: the
    added rows and the stored contacts of their customers from 7 days before the first added time to 7 days after
    the last. Done before the insert, the insert writes the flags with the rows instead of updating every fresh
    row afterwards. Returns the number of stored flags changed."""
    lo, hi = con.execute(f"select min(occurred_at), max(occurred_at) from {adding} "
                         "where customer_id is not null").fetchone()
    if lo is None:
        con.execute(f"create or replace temp table rp_new_flags as select _line, cast(null as boolean) as is_repeat "
                    f"from {adding}")
        return 0
    # every added row is in the window (one without a customer in the NULL partition, its flag NULL), so its flag
    # comes out of the same statement: no join of the flags back to the added rows
    con.execute(f"""create or replace temp table rp_repeat_all as
        with customers as (
            select distinct customer_id from {adding} where customer_id is not null
        ),
        history as (
            select rowid as rid, batch_id, customer_id, occurred_at, is_repeat, cast(null as bigint) as _line
            from interactions
            where customer_id in (select customer_id from customers)
              and occurred_at >= $lo - interval 7 days and occurred_at <= $hi + interval 7 days
            union all
            select null, null, customer_id, occurred_at, null, _line
            from {adding}
        ),
        flagged as (
            select rid, batch_id, _line, occurred_at, is_repeat,
                   case when customer_id is not null then count(*) over (
                       partition by customer_id order by epoch_us(occurred_at)
                       range between {REPEAT_WINDOW_US} preceding and 1 preceding) > 0 end as repeat_now
            from history
        )
        select rid, batch_id, _line, cast(occurred_at as date) as day, repeat_now
        from flagged
        where _line is not null or (occurred_at >= $lo and is_repeat is distinct from repeat_now)""",
                {"lo": lo, "hi": hi})
    con.execute("create or replace temp table rp_new_flags as "
                "select _line, repeat_now as is_repeat from rp_repeat_all where _line is not null")
    con.execute("create or replace temp table rp_repeat_changes as "
                "select rid, batch_id, day, repeat_now from rp_repeat_all where rid is not null")
    con.execute("drop table rp_repeat_all")
    (count,) = con.execute("select count(*) from rp_repeat_changes").fetchone()
    if count:
        con.execute("update interactions set is_repeat = c.repeat_now from rp_repeat_changes c "
                    "where interactions.rowid = c.rid")
        changed = con.execute("select batch_id, list(distinct day) from rp_repeat_changes "
                              "where batch_id is distinct from $skip group by batch_id",
                              {"skip": skip_batch}).fetchall()
        for batch_id, days in changed:
            refresh_days(con, batch_id, days)
    con.execute("drop table rp_repeat_changes")
    return int(count)


def refresh_days(con: duckdb.DuckDBPyConnection, batch_id: int, days: list[date]) -> None:
    """Recompute one batch's rollup rows for `days` (and their months) from its raw interactions."""
    con.execute("delete from rollup_daily where batch_id = $batch_id and day = any($days)",
                {"batch_id": batch_id, "days": days})
    con.execute(
        "insert into rollup_daily by name select *, cast($batch_id as integer) as batch_id from ("
        "with interactions as (select * from main.interactions where batch_id = $batch_id "
        "and cast(occurred_at as date) = any($days)) "
        f"select * from ({_SQL}\n))" + CLUSTER, {"batch_id": batch_id, "days": days})
    months = sorted({d.replace(day=1) for d in days})
    con.execute("delete from rollup_monthly where batch_id = $batch_id and day = any($months)",
                {"batch_id": batch_id, "months": months})
    con.execute(
        "insert into rollup_monthly by name " + _monthly_select()
        + " where batch_id = $batch_id and cast(date_trunc('month', day) as date) = any($months)"
        " group by all" + CLUSTER, {"batch_id": batch_id, "months": months})


def drop_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    con.execute("delete from rollup_daily where batch_id = ?", [batch_id])
    con.execute("delete from rollup_monthly where batch_id = ?", [batch_id])


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute both rollups from raw interactions (used by `check` and after repairs)."""
    con.execute(f"delete from rollup_daily where {_INGESTED}")
    con.execute(f"delete from rollup_monthly where {_INGESTED}")
    for (batch_id,) in con.execute("select distinct batch_id from interactions order by 1").fetchall():
        add_batch(con, batch_id)


def backfill_monthly(con: duckdb.DuckDBPyConnection) -> None:
    """Fill rollup_monthly for a database created before it existed (a no-op otherwise)."""
    empty, daily = con.execute(
        "select not exists (select 1 from rollup_monthly), exists (select 1 from rollup_daily)").fetchone()
    if empty and daily:
        con.execute(_monthly_sql(), {"batch_id": None})


def table_for(grain: str | None, start: date | None, end: date | None) -> str:
    """The rollup an interactions query should read: monthly when whole months answer it."""
    whole_months = (grain in (None, "month", "quarter", "year")
                    and (start is None or start.day == 1)
                    and (end is None or (end + timedelta(days=1)).day == 1))
    return "rollup_monthly" if whole_months else "rollup_daily"


def mismatches(con: duckdb.DuckDBPyConnection) -> int:
    """Number of (batch, day) and (batch, month) groups whose rollups disagree with raw rows; 0 when consistent."""
    row = con.execute(
        f"""
        with raw as (
            select batch_id, cast(occurred_at as date) as day, count(*) as contacts
            from interactions group by all
        ),
        rolled as (
            select batch_id, day, sum(contacts) as contacts from rollup_daily where {_INGESTED} group by all
        ),
        raw_months as (
            select batch_id, cast(date_trunc('month', day) as date) as day, sum(contacts) as contacts
            from raw group by all
        ),
        monthly as (
            select batch_id, day, sum(contacts) as contacts from rollup_monthly where {_INGESTED} group by all
        )
        select (select count(*) from raw full outer join rolled using (batch_id, day)
                where raw.contacts is distinct from rolled.contacts)
             + (select count(*) from raw_months full outer join monthly using (batch_id, day)
                where raw_months.contacts is distinct from monthly.contacts)
        """
    ).fetchone()
    return int(row[0])
