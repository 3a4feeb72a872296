"""Shared fixtures: tiny real DuckDB databases built from literal rows."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics import db, rollups
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO / ".." / "shared" / "data" / "real"


def real_file(name: str) -> Path:
    """A real third-party export from ../shared/data/real (skips when that folder is absent)."""
    path = REAL_DATA / name
    if not path.exists():
        pytest.skip(f"real export {name} not found at {REAL_DATA} (the shared data folder is absent)")
    return path


def insert_rows(con, table: str, rows: list[dict], *, batch_id: int = 1) -> None:
    """Insert literal rows (dicts of canonical columns) as one batch; missing columns are null.

    Interactions rows get their rollup rows too, so analyses see them exactly as after an ingest.
    """
    columns = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()]
    frame = pd.DataFrame([{**{c: None for c in columns}, "batch_id": batch_id, **row} for row in rows])[columns]
    if table == INTERACTIONS:
        frame["csat_scale"] = frame["csat_scale"].where(frame["csat_scale"].notna(), 5)
    with db.write_transaction(con) as cur:
        cur.execute(
            "insert into batches (batch_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected,"
            " rows_duplicate) values (?, ?, ?, ?, ?, ?, 0, 0) on conflict do nothing",
            [batch_id, f"fixture-{batch_id}.csv", f"sha-{batch_id}", table, len(rows), len(rows)],
        )
        cur.register("literal_rows", frame)
        cur.execute(f"insert into {table} select * from literal_rows")
        cur.unregister("literal_rows")
        if table == INTERACTIONS:
            rollups.drop_batch(cur, batch_id)
            rollups.add_batch(cur, batch_id)


@pytest.fixture
def con():
    """An empty in-memory Rapport database with the schema created."""
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def tables():
    return {"interactions": INTERACTIONS, "performance": PERFORMANCE, "engagements": ENGAGEMENTS}
