"""The shared DuckDB connection and cached analysis calls.

One connection per process (`st.cache_resource`); every script run takes its own
cursor, because a DuckDB connection must not be used from two threads at once.
Analysis results are cached with `st.cache_data`, keyed on the analysis name, its
arguments and the database's `data_version` — which every load, delete or edit
bumps — so a new batch invalidates exactly what it should.
"""
from __future__ import annotations

from typing import Any, Callable

import duckdb
import pandas as pd
import streamlit as st

from analytics import db, maintenance


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    con = db.connect(path)
    # Start-up: remove upload copies a killed process left in the temp folder (ui/upload.py).
    from ui.upload import sweep_stale_copies

    sweep_stale_copies()
    # RAPPORT_BACKUP_EVERY_HOURS: back up from inside this process (no other process may open the file).
    maintenance.start_scheduled_backups(con, path)
    return con


def connection() -> duckdb.DuckDBPyConnection:
    """The process-wide connection for the database chosen by RAPPORT_DB (or data/rapport.duckdb)."""
    return _connection(str(db.database_path()))


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor (about 3 µs): take one per script run, never share it across sessions."""
    return connection().cursor()


def data_version() -> int:
    return db.data_version(cursor())


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(_fn: Callable[..., pd.DataFrame], name: str, path: str, version: int, args: tuple,
                 kwargs: tuple, _given: dict[str, Any] | None = None) -> Any:
    unpacked = {k: dict(v[1]) if isinstance(v, tuple) and v[:1] == ("__dict__",) else v for k, v in kwargs}
    with connection().cursor() as cur:
        return _fn(cur, *args, **unpacked, **(_given or {}))


def analysis(fn: Callable[..., Any], *args: Any, given: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Call `fn(con, *args, **kwargs)` through the cache; the key changes whenever the data does.

    Arguments are small values (Filters, strings, numbers, tuples, dicts of numbers),
    so hashing them is cheap; a dict travels as a sorted tuple and is rebuilt.

    `given`: keyword arguments that are other analyses' results for the same data and filters
    (e.g. ``{"health": scores}``), which `fn` reuses instead of computing them again. They are
    derived from the key's own values, so they stay out of the key (and are never hashed).
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    packed = tuple(sorted(
        (k, ("__dict__", tuple(sorted(v.items()))) if isinstance(v, dict) else v) for k, v in kwargs.items()
    ))
    return _cached_call(fn, name, str(db.database_path()), data_version(), args, packed, _given=given)
