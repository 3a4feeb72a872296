"""The shared DuckDB connection and cached analysis calls.

One connection per process (`st.cache_resource`); every script run takes its own
cursor, because a DuckDB connection must not be used from two threads at once.
Analysis results are cached with `st.cache_data`, keyed on the analysis name, its
arguments and the database's `data_version` — which every load, delete or edit
bumps — so a new batch invalidates exactly what it should.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime
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
    return _connection(path=str(db.database_path()))  # by keyword: see `_cached_call`


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor (about 3 µs): take one per script run, never share it across sessions."""
    return connection().cursor()


# database path -> (its connection, weakly: a cleared one must close; db.writes_ended() when read; the version)
_versions: dict[str, tuple[weakref.ref, int, int]] = {}


def data_version() -> int:
    """The database's data version, read again only after a write transaction of this process has ended
    (`db.writes_ended`) or the connection changed: every write goes through `db.write_transaction`, and no
    other process can open the file while this one holds it. Saves a query (0.7–1 ms CPU) per analysis call."""
    path = str(db.database_path())
    con = _connection(path=path)
    writes = db.writes_ended()  # before the read: a write that ends meanwhile makes this entry stale at once
    known = _versions.get(path)
    if known is not None and known[0]() is con and known[1] == writes:
        return known[2]
    with con.cursor() as cur:
        version = db.data_version(cur)
    _versions[path] = (weakref.ref(con), writes, version)
    return version


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(*, _fn: Callable[..., Any], key: Any, _args: tuple, _kwargs: dict[str, Any],
                 _given: dict[str, Any] | None = None) -> Any:
    """`_fn(cursor, *_args, **_kwargs, **_given)`, cached on `key` alone (see `analysis`). Called with keywords
    only: Streamlit looks a positional argument's name up in the function's signature, per argument, per call."""
    given = {k: v.value() if isinstance(v, Later) else v for k, v in (_given or {}).items()}
    with connection().cursor() as cur:
        return _fn(cur, *_args, **_kwargs, **given)


class Later:
    """A `given` value read only if the analysis is computed, not when its result comes from the cache:
    ``given={"scored": Later(analysis, kpi_scores, filters)}`` reads the KPI scores (through the cache) only
    when the health scores are not there yet — on a cache hit a result read for nothing still costs its
    unpickling."""

    def __init__(self, read: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._call = (read, args, kwargs)

    def value(self) -> Any:
        read, args, kwargs = self._call
        return read(*args, **kwargs)


class _NotExact(Exception):
    """A value `_exact` cannot spell exactly: the key goes to Streamlit's own hasher instead."""


def _exact(value: Any) -> str:
    """`value` spelt so that two values spell the same only when they are equal and of the same types, for
    the small values analyses take: None, bools, numbers, text, bytes, dates, naive datetimes, tuples,
    lists, dicts (sorted by key) and frozen dataclasses (`Filters`) of them. Anything else raises `_NotExact`."""
    kind = type(value)
    if kind in (str, int, float, bool, type(None), bytes, date) or (kind is datetime and value.tzinfo is None):
        return f"{kind.__name__}:{value!r}"
    if kind is tuple or kind is list:
        return f"{kind.__name__}({','.join(_exact(v) for v in value)})"
    if kind is dict:
        return f"dict({','.join(f'{_exact(k)}={_exact(v)}' for k, v in sorted(value.items()))})"
    params = getattr(kind, "__dataclass_params__", None)
    if params is not None and params.frozen and not isinstance(value, type):
        return (f"{kind.__module__}.{kind.__qualname__}("
                + ",".join(f"{f.name}={_exact(getattr(value, f.name))}" for f in fields(value)) + ")")
    raise _NotExact


def analysis(fn: Callable[..., Any], *args: Any, given: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Call `fn(con, *args, **kwargs)` through the cache; the key changes whenever the data does.

    Arguments are small values (Filters, strings, numbers, tuples, dicts of numbers); a dict reaches `fn`
    with its keys sorted. The key is the analysis name, the database, its data version and the
    arguments spelt exactly (`_exact`: one short string for Streamlit to hash, instead of every value
    hashed through its generic hasher); a value `_exact` cannot spell is hashed by Streamlit as before.

    `given`: keyword arguments that are other analyses' results for the same data and filters
    (e.g. ``{"health": scores}``), which `fn` reuses instead of computing them again. They are
    derived from the key's own values, so they stay out of the key (and are never hashed). A value
    may be a `Later`: read only when `fn` runs (a cache miss).
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    packed = tuple(sorted(
        (k, ("__dict__", tuple(sorted(v.items()))) if isinstance(v, dict) else v) for k, v in kwargs.items()
    ))
    unpacked = {k: dict(v[1]) if isinstance(v, tuple) and v[:1] == ("__dict__",) else v for k, v in packed}
    path, version = str(db.database_path()), data_version()
    try:
        key: Any = _exact((name, path, version, args, unpacked))
    except _NotExact:
        key = (name, path, version, args, packed)
    return _cached_call(_fn=fn, key=key, _args=args, _kwargs=unpacked, _given=given)


_door = analysis  # what `ahead` hands its calls (see there)


@contextmanager
def ahead(*calls: Callable[[Callable[..., Any]], Any] | None) -> Iterator[None]:
    """Start `calls` side by side, one thread each, while the page goes on; leave when they have all ended.

    Each call reads analyses through the door it is handed, ``call(analysis)``, so its results land in the
    same cache entries the page's own `analysis` calls (and the other pages') read: the page then finds them
    computed, or waits for them — Streamlit computes an entry once, under a lock per key, and a second caller
    of a key being computed waits for that result. So a page names the independent analyses it will need
    (``None`` skips a slot), then reads them in its own order. DuckDB releases the GIL while it works, so a
    thread's SQL runs beside the page's pandas work and the other threads' SQL.

    The threads call no Streamlit command: `st.cache_data` (a global cache, not a session-scoped one) needs
    no script run context. A call's error is dropped here: the page's own call of that analysis computes it
    again and raises it where the page shows errors. The threads are joined on the way out, also when the
    run stops early, so a run never leaves one behind. A call is handed this module's `analysis` itself, not
    the name a caller may have wrapped (bench/pages.py times the script thread's calls through a wrapper).
    """
    def run(call: Callable[[Callable[..., Any]], Any]) -> None:
        try:
            call(_door)
        except Exception:  # noqa: BLE001 — the page's own call raises it again where the page shows errors
            pass

    threads = [threading.Thread(target=run, args=(call,), name=f"rapport-ahead-{i}", daemon=True)
               for i, call in enumerate(c for c in calls if c is not None)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for thread in threads:
            thread.join()
