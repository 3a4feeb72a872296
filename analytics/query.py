"""The one door to SQL: named .sql files, allow-listed identifiers, bound values.

Every analysis reaches DuckDB through this module (``tests/test_query_layer.py`` reads the source and
fails when another module calls ``.execute``; ``db.py``, ``rollups.py`` and ``ingest/`` keep their own).

* ``load(name)`` reads ``analytics/sql/<name>.sql`` once per process.
* ``render(template, **slots)`` fills ``{slot}`` markers in one pass. A slot takes only a ``Sql`` value:
  an identifier that passed an allow-list (``table``, ``column``), a KPI aggregate from the registry
  (``measure``), a Filters predicate (``source_for``) or a fixed fragment the calling code spells out
  (``Sql("sum(contacts)")``). A plain string, an unfilled slot, or a value for a slot the template lacks
  raises ``QueryError`` — nothing the user typed can become SQL text.
* ``frame``, ``one``, ``rows`` and ``run`` execute with bound parameters (``$name`` or ``?``) and refuse
  SQL that still holds a ``{slot}``; ``frames`` runs independent queries side by side, each on its own cursor.
* ``source_for(filters, source, grain=...)`` answers once "which relation, which date column, which
  predicate" for a filtered query at a grain: the monthly rollup when whole months answer, the daily
  rollup otherwise (``grain="day"`` always), ``performance`` for scorecards, raw ``interactions`` when
  asked (``raw=True``).

The register (one row per engagement: model and contract start) is the view ``engagement_register`` and
the "provider · account" label the macro ``engagement_label(provider, account)``; both are created with
the schema in ``analytics/db.py`` (``REGISTER_VIEW``, ``LABEL_MACRO``).
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

import duckdb

from analytics import kpis, rollups
from analytics.contracts import ENGAGEMENTS, FIELDS, INTERACTIONS, PERFORMANCE
from analytics.db import REGISTER_VIEW, quote_ident
from analytics.filters import Filters, where_clause

if TYPE_CHECKING:
    import pandas as pd

SQL_DIR = Path(__file__).parent / "sql"
SIDE_BY_SIDE = 2  # threads for `frames` (2 cores)
ROLLUP_TABLES = ("rollup_daily", "rollup_monthly")

# Identifiers a query may name. Tables: the three datasets, the rollups, the register view.
TABLES = frozenset({INTERACTIONS, PERFORMANCE, ENGAGEMENTS, *ROLLUP_TABLES, REGISTER_VIEW})
# Columns (`columns()`): every contract field, the rollups' keys and measures (what registry aggregates
# read), and the derived columns analyses group on.
_DERIVED_COLUMNS = ("day", "batch_id", "period", "engagement", "relationship_model", "contract_start", "is_repeat")
# The date column of each relation: what a Filters date range and a grain apply to.
DATE_COLUMNS = {"rollup_daily": "day", "rollup_monthly": "day", PERFORMANCE: "period", INTERACTIONS: "occurred_at"}
GRAINS = ("day", "week", "month", "quarter", "year")

_SLOT = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class QueryError(ValueError):
    """A query could not be built: unknown query file, identifier off the allow-lists, unfilled slot."""


class Sql(str):
    """A trusted SQL fragment: written in code, an allow-listed identifier, a registry aggregate or a
    Filters predicate. Only ``Sql`` values fill template slots."""


@cache
def load(name: str) -> str:
    """The text of ``analytics/sql/<name>.sql`` (``name`` may hold a sub-folder: ``marts/x``), read once."""
    if not re.fullmatch(r"[a-z0-9_]+(/[a-z0-9_]+)*", name):
        raise QueryError(f"Query name {name!r} is not a relative name like 'marts/repeat_contacts'")
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        known = ", ".join(sorted(str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.rglob("*.sql")))
        raise QueryError(f"No query named {name!r} in analytics/sql/; known queries: {known}")
    return path.read_text()


def slots(template: str) -> set[str]:
    """The ``{slot}`` names a template holds."""
    return set(_SLOT.findall(template))


def render(template: str, **values: Sql) -> str:
    """`template` with every ``{slot}`` replaced by its value, in one pass (a value is never re-scanned).

    Raises ``QueryError`` for a slot without a value, a value for a slot the template lacks, or a value
    that is not ``Sql`` (plain text is refused: use ``table``, ``column``, ``measure`` or ``source_for``).
    """
    wanted = slots(template)
    missing = sorted(wanted - values.keys())
    if missing:
        raise QueryError(f"Unfilled slot(s) {', '.join('{' + m + '}' for m in missing)} in the query")
    extra = sorted(values.keys() - wanted)
    if extra:
        raise QueryError(f"The query has no slot(s) {', '.join('{' + e + '}' for e in extra)}")
    for name, value in values.items():
        if not isinstance(value, Sql):
            raise QueryError(f"Slot {{{name}}} got {type(value).__name__} {value!r}; only Sql fragments fill a "
                             "slot (query.table/column/measure, a source_for predicate, or Sql('…') in code)")
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def table(name: str) -> Sql:
    """A quoted table name from the allow-list (datasets, rollups, the register view)."""
    if name not in TABLES:
        raise QueryError(f"Unknown table {name!r}; tables: {', '.join(sorted(TABLES))}")
    return Sql(quote_ident(name))


@cache
def columns() -> frozenset[str]:
    """The column allow-list: contract fields, the rollups' keys and measures, derived columns."""
    rollup_columns = (*rollups.key_names(), *rollups.measure_names())  # as read from rollup_daily.sql
    return frozenset({f.name for kind_fields in FIELDS.values() for f in kind_fields}
                     | set(rollup_columns) | set(_DERIVED_COLUMNS))


def column(name: str) -> Sql:
    """A quoted column name from the allow-list (contract fields, rollup keys and measures)."""
    if name not in columns():
        raise QueryError(f"Unknown column {name!r}; columns come from the contracts and the rollups")
    return Sql(quote_ident(name))


def measure(k: kpis.Kpi, part: str) -> Sql:
    """A registry KPI's aggregate: ``part`` is ``numerator`` or ``denominator`` (``null`` when it has none)."""
    if part not in ("numerator", "denominator"):
        raise QueryError(f"A KPI measure is its numerator or denominator, not {part!r}")
    try:
        registered = kpis.kpi(k.id)
    except (KeyError, ValueError) as exc:
        raise QueryError(f"KPI {k.id!r} is not in the registry") from exc
    if registered != k:
        raise QueryError(f"KPI {k.id!r} differs from the registry's definition")
    expression = getattr(k, part)
    return Sql(expression if expression is not None else "null")


@dataclass(frozen=True)
class Source:
    """Where a filtered query reads: ``relation`` (quoted, allow-listed), its ``date_column`` (bare name),
    the Filters ``predicate`` (without ``where``) and its bound ``params``."""
    relation: Sql
    relation_name: str
    date_column: str
    predicate: Sql
    params: dict = field(default_factory=dict)


def relation_for(source: str, grain: str | None, filters: Filters, *, raw: bool = False) -> str:
    """The table a `source` (interactions | performance) query at `grain` reads, by name.

    Interactions: raw rows when `raw`; the monthly rollup when whole months answer (grain none, month,
    quarter or year, and a date filter on month boundaries); else the daily rollup (always for
    ``grain="day"`` and ``"week"``). Scorecards: ``performance``.
    """
    if grain is not None and grain not in GRAINS:
        raise QueryError(f"Unknown grain {grain!r}; use one of: {', '.join(GRAINS)}")
    if source == PERFORMANCE:
        return PERFORMANCE
    if source != INTERACTIONS:
        raise QueryError(f"Unknown source {source!r}; use {INTERACTIONS} or {PERFORMANCE}")
    if raw:
        return INTERACTIONS
    return rollups.table_for(grain, filters.start, filters.end)


def source_for(filters: Filters, source: str, *, grain: str | None, alias: str | None = None,
               prefix: str = "f", raw: bool = False) -> Source:
    """The relation, date column and Filters predicate for a `source` query at `grain` (see `relation_for`).

    Channel, reason and segment filters apply to interactions only (``filters.where_clause``); `alias`
    qualifies the predicate's columns; `prefix` keeps parameter names apart when two filtered subqueries
    share a statement.
    """
    name = relation_for(source, grain, filters, raw=raw)
    date_column = DATE_COLUMNS[name]
    predicate, params = where_clause(filters, date_column=date_column, source=source, prefix=prefix, alias=alias)
    return Source(table(name), name, date_column, Sql(predicate), params)


def _checked(sql: str) -> str:
    left = slots(sql)
    if left:
        raise QueryError(f"Unfilled slot(s) {', '.join('{' + s + '}' for s in sorted(left))} in the query")
    return sql


Params = Mapping[str, Any] | Sequence[Any] | None


_RECORDING: ContextVar[list | None] = ContextVar("rapport_query_recording", default=None)


@contextmanager
def recording() -> Iterator[list[tuple[str, Any]]]:
    """Collect (sql, params) of every statement this context runs through the module, in order —
    what tests/test_sql_snapshots.py pins, and a way to see what a page asks of DuckDB."""
    statements: list[tuple[str, Any]] = []
    token = _RECORDING.set(statements)
    try:
        yield statements
    finally:
        _RECORDING.reset(token)


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: Params) -> duckdb.DuckDBPyConnection:
    sql = _checked(sql)
    statements = _RECORDING.get()
    if statements is not None:
        statements.append((sql, params))
    return con.execute(sql, params) if params is not None else con.execute(sql)


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> pd.DataFrame:
    """The query's result as a DataFrame."""
    return _execute(con, sql, params).df()


def frames(con: duckdb.DuckDBPyConnection, statements: Sequence[tuple[str, Params]]) -> list[pd.DataFrame]:
    """Independent queries' results, in the order given, run side by side: the first on the calling thread, the
    others on a pool of `SIDE_BY_SIDE` threads the process keeps (starting threads on every call cost more than a
    small statement when the machine was busy), each on a cursor of its own (a DuckDB connection must not be shared
    across threads; DuckDB releases the GIL while it works, so on 2 cores two statements of ≈ 33 ms take ≈ 43 ms
    instead of 67). The statements are checked and recorded here, on the calling thread, in the order given."""
    checked = [(_checked(sql), params) for sql, params in statements]
    recorded = _RECORDING.get()
    if recorded is not None:
        recorded.extend(checked)
    if len(checked) < 2:
        return [(con.execute(sql, params) if params is not None else con.execute(sql)).df()
                for sql, params in checked]

    def run_one(statement: tuple[str, Params]) -> pd.DataFrame:
        sql, params = statement
        with con.cursor() as cur:
            return (cur.execute(sql, params) if params is not None else cur.execute(sql)).df()

    others = [_side_pool().submit(run_one, statement) for statement in checked[1:]]
    try:
        first = run_one(checked[0])
    finally:
        wait(others)  # never return (or raise) while a statement still runs on the caller's connection
    return [first] + [future.result() for future in others]


@cache
def _side_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=SIDE_BY_SIDE, thread_name_prefix="rapport-frames")


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> tuple | None:
    """The query's first row (None when it returns none)."""
    return _execute(con, sql, params).fetchone()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> list[tuple]:
    """Every row of the query's result."""
    return _execute(con, sql, params).fetchall()


def value(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> Any:
    """The first column of the first row (None when there is no row)."""
    row = one(con, sql, params)
    return None if row is None else row[0]


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> None:
    """Execute a statement for its effect (DDL, insert, update, delete, transaction control)."""
    _execute(con, sql, params)


def run_many(con: duckdb.DuckDBPyConnection, sql: str, params: Iterable[Sequence[Any]]) -> None:
    """Execute one statement once per parameter row."""
    sql, params = _checked(sql), list(params)
    statements = _RECORDING.get()
    if statements is not None:
        statements.append((sql, params))
    con.executemany(sql, params)
