"""Saved column mappings, one per source (e.g. "Acme BPO monthly export")."""
from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from analytics import db
from analytics.ingest.mapping import Mapping

if TYPE_CHECKING:
    import pandas as pd


def save_mapping(con: duckdb.DuckDBPyConnection, source_name: str, mapping: Mapping) -> None:
    """Store (or replace) the mapping used for files from `source_name`."""
    with db.write_transaction(con) as cur:
        cur.execute(
            "insert or replace into saved_mappings (source_name, kind, mapping, saved_at)"
            " values (?, ?, ?, current_timestamp)",
            [source_name, mapping.kind, mapping.to_json()],
        )


def load_mapping(con: duckdb.DuckDBPyConnection, source_name: str) -> Mapping | None:
    row = con.execute("select mapping from saved_mappings where source_name = ?", [source_name]).fetchone()
    return Mapping.from_json(row[0]) if row else None


def saved_mappings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """source_name, kind, saved_at — one row per saved mapping, by name."""
    return con.execute("select source_name, kind, saved_at from saved_mappings order by source_name").df()
