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
