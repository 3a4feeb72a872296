"""Aggregates maintained at ingest: the `rollup_daily` and `rollup_monthly` tables.

Both keep the batch id in their grain, so adding a batch appends its rows and
deleting a batch deletes exactly its rows — no full rebuild on the hot path.
`rollup_monthly` holds the same sums with `day` truncated to the month; analyses
read it whenever the grain and the date filter line up with whole months.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

_SQL = (Path(__file__).parent / "sql" / "rollup_daily.sql").read_text()
_KEYS = ("provider", "account", "channel", "contact_reason", "customer_segment", "batch_id")
_MEASURES = ("contacts", "handle_sum", "handle_n", "wait_sum", "wait_n", "fcr_yes", "fcr_n", "escalated_yes",
             "escalated_n", "csat_sat", "csat_n", "nps_promoters", "nps_detractors", "nps_n", "ces_sum", "ces_n",
             "cost_sum", "cost_n", "resolved_cost_n", "repeat_yes", "repeat_n", "abandoned_yes", "answered_n",
             "sla_met_yes", "sla_met_n", "resolve_sum", "resolve_n", "reopened_yes", "reopened_n")
_MONTHLY_SQL = (
    "insert into rollup_monthly by name select cast(date_trunc('month', day) as date) as day, "
    + ", ".join(_KEYS) + ", " + ", ".join(f"sum({m}) as {m}" for m in _MEASURES)
    + " from rollup_daily where $batch_id is null or batch_id = $batch_id group by all"
)


# rollup_daily.sql is the portable definition (it also runs on Spark, analytics/spark/): it reads a
# relation named `interactions` and knows nothing of batches. Here a CTE of that name shadows the table
# with one batch's rows, and the batch id is added outside the definition.
_DAILY_INSERT = (
    "insert into rollup_daily by name select *, cast($batch_id as integer) as batch_id from ("
    "with interactions as (select * from main.interactions where batch_id = $batch_id) "
    f"select * from ({_SQL}\n))"
)
# `batches.kind` of rollups imported from the Spark job (`python -m analytics rollups import`): their
# rows have no raw interactions behind them, so rebuild and mismatches leave them alone.
IMPORTED_KIND = "rollups"
_INGESTED = f"batch_id not in (select batch_id from batches where kind = '{IMPORTED_KIND}')"


def add_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Aggregate one freshly loaded interactions batch into both rollups."""
    con.execute(_DAILY_INSERT, {"batch_id": batch_id})
    con.execute(_MONTHLY_SQL, {"batch_id": batch_id})


# A contact is a repeat when the same customer had a contact in the 7 days strictly before it. The window
# is in ONE unit (microseconds since the epoch) so the same frame runs on Spark.
REPEAT_WINDOW_US = 7 * 24 * 3600 * 1_000_000


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


def refresh_days(con: duckdb.DuckDBPyConnection, batch_id: int, days: list[date]) -> None:
    """Recompute one batch's rollup rows for `days` (and their months) from its raw interactions."""
    con.execute("delete from rollup_daily where batch_id = $batch_id and day = any($days)",
                {"batch_id": batch_id, "days": days})
    con.execute(
        "insert into rollup_daily by name select *, cast($batch_id as integer) as batch_id from ("
        "with interactions as (select * from main.interactions where batch_id = $batch_id "
        "and cast(occurred_at as date) = any($days)) "
        f"select * from ({_SQL}\n))", {"batch_id": batch_id, "days": days})
    months = sorted({d.replace(day=1) for d in days})
    con.execute("delete from rollup_monthly where batch_id = $batch_id and day = any($months)",
                {"batch_id": batch_id, "months": months})
    con.execute(
        "insert into rollup_monthly by name select cast(date_trunc('month', day) as date) as day, "
        + ", ".join(_KEYS) + ", " + ", ".join(f"sum({m}) as {m}" for m in _MEASURES)
        + " from rollup_daily where batch_id = $batch_id and cast(date_trunc('month', day) as date) = any($months)"
        " group by all", {"batch_id": batch_id, "months": months})


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
        con.execute(_MONTHLY_SQL, {"batch_id": None})


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
