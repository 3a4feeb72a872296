"""The one definition of the rollups, as DuckDB SQL and as Spark SQL, and the contract's columns.

``analytics/sql/rollups/repeat_flags.sql`` and ``analytics/sql/rollups/rollup_daily.sql`` are written in a
portable subset of DuckDB SQL (``portability_problems`` states the rules; a test enforces them).
sqlglot transpiles them to Spark SQL; the transpilation is committed as the golden file
``rollup_daily.spark.sql`` so a sqlglot upgrade that changes it shows in review.

The contract's columns are read from the DuckDB ``rollup_daily`` table itself (minus
``batch_id``, which only exists inside a Rapport database), so a measure added there flows into
the job, the import and the tests without a second list.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from analytics import db, query

GOLDEN_FILE = Path(__file__).resolve().parent / "rollup_daily.spark.sql"
ROLLUP_TABLES = ("rollup_daily", "rollup_monthly")
LOCAL_ONLY_COLUMNS = ("batch_id",)  # a Rapport database's own bookkeeping, never in the contract
REPEAT_WINDOW_MICROS = 7 * 24 * 3600 * 1_000_000

# DuckDB type of a contract column → the Spark SQL type the job checks its output against.
SPARK_TYPES = {"DATE": "date", "VARCHAR": "string", "BIGINT": "bigint", "DOUBLE": "double",
               # a Rapport timestamp is wall-clock time without a zone: Spark's TIMESTAMP_NTZ
               "INTEGER": "int", "BOOLEAN": "boolean", "SMALLINT": "smallint", "TIMESTAMP": "timestamp_ntz"}
_KEY_TYPES = ("DATE", "VARCHAR")


@dataclass(frozen=True)
class Column:
    """One column of a contract table: its name, DuckDB type and Spark type."""

    name: str
    duckdb_type: str
    spark_type: str

    @property
    def is_key(self) -> bool:
        return self.duckdb_type in _KEY_TYPES


@lru_cache(maxsize=1)
def _schema_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """(name, DuckDB type) of every column of a fresh Rapport database, per table (the schema is code)."""
    con = db.connect(":memory:")
    try:
        rows = query.rows(con, "select table_name, column_name, data_type from duckdb_columns() "
                               "where schema_name = 'main' order by table_name, column_index")
    finally:
        con.close()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, name, kind in rows:
        tables.setdefault(table, []).append((name, kind))
    return {table: tuple(columns) for table, columns in tables.items()}


def contract_columns() -> tuple[Column, ...]:
    """The columns of ``rollup_daily`` (and ``rollup_monthly``) in a fresh Rapport database, minus batch_id."""
    return tuple(Column(name, kind, SPARK_TYPES[kind]) for name, kind in _schema_columns()["rollup_daily"]
                 if name not in LOCAL_ONLY_COLUMNS)


def source_columns() -> tuple[Column, ...]:
    """The raw interaction columns the job reads (canonical fields plus csat_scale), from ``interactions``."""
    return tuple(Column(name, kind, SPARK_TYPES[kind]) for name, kind in _schema_columns()["interactions"]
                 if name not in LOCAL_ONLY_COLUMNS and name != "is_repeat")


def rollup_monthly_sql(columns: tuple[Column, ...] | None = None) -> str:
    """rollup_monthly from rollup_daily: the same sums per month, in the same portable subset."""
    columns = columns or contract_columns()
    select, group = [], []
    for col in columns:
        if col.name == "day":
            expr = "cast(date_trunc('month', day) as date)"
            group.append(expr)
        elif col.is_key:
            expr = f"cast({col.name} as {col.duckdb_type.lower()})"
            group.append(col.name)
        else:
            expr = f"cast(sum({col.name}) as {col.duckdb_type.lower()})"
        select.append(f"        {expr} as {col.name}")
    return ("-- rollup_monthly: one row per month × the rollup_daily keys; day is the first of the month.\n"
            "with final as (\n    select\n" + ",\n".join(select) + "\n    from rollup_daily\n"
            "    group by " + ", ".join(group) + "\n)\n\nselect * from final\n")


def portable_sources() -> dict[str, str]:
    """The portable DuckDB SQL of each step, in the order the job runs them."""
    return {
        "repeat_flags": query.load("rollups/repeat_flags"),
        "rollup_daily": query.load("rollups/rollup_daily"),
        "rollup_monthly": rollup_monthly_sql(),
    }


@lru_cache(maxsize=32)
def to_spark(sql: str) -> str:
    """DuckDB SQL → Spark SQL; raises when sqlglot knows it cannot express something."""
    return sqlglot.transpile(sql, read="duckdb", write="spark", pretty=True, comments=False,
                             unsupported_level=ErrorLevel.RAISE)[0]


def spark_sql() -> dict[str, str]:
    """The transpiled Spark SQL of each step (what the job embeds and the golden file holds)."""
    return {name: to_spark(sql) for name, sql in portable_sources().items()}


def golden_text(statements: dict[str, str] | None = None) -> str:
    """The golden file's content: each transpiled step under a `-- step:` header."""
    statements = statements or spark_sql()
    parts = ["-- Generated by `python -m analytics rollups golden` from analytics/sql/rollups/repeat_flags.sql,\n"
             "-- analytics/sql/rollups/rollup_daily.sql and the rollup_monthly step (sqlglot "
             f"{sqlglot.__version__}, duckdb → spark). Do not edit.\n"]
    for name, sql in statements.items():
        parts.append(f"\n-- step: {name}\n{sql};\n")
    return "".join(parts)


def sql_hash(statements: dict[str, str] | None = None) -> str:
    """sha256 of the transpiled steps: the manifest records it, import compares it."""
    statements = statements or spark_sql()
    digest = hashlib.sha256()
    for name, sql in statements.items():
        digest.update(f"{name}\n{sql}\n".encode())
    return digest.hexdigest()


_APPROXIMATE = ("approx", "quantile", "percentile", "median", "mode", "hll", "reservoir")


def portability_problems(sql: str, *, final_columns: tuple[Column, ...] | None = None) -> list[str]:
    """Why `sql` is outside the portable subset; empty when it is inside.

    Rules: one statement; no `$parameters`; no `group by all` (explicit keys, and every
    non-aggregate output column among them); no INTERVAL (a window frame in one unit); window
    frame bounds that are integer literals; no function sqlglot does not know (it would reach
    Spark untranslated); no approximate aggregate; no `* exclude/replace`; and, when
    `final_columns` is given, the `final` step projects exactly those columns, each a cast to its
    contract type. Finally the statement must transpile to Spark without an unsupported feature.
    """
    problems: list[str] = []
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        return [f"sqlglot cannot parse it: {exc}"]
    if len(statements) != 1:
        return [f"it holds {len(statements)} statements; one is expected"]
    tree = statements[0]
    for node in tree.find_all(exp.Parameter, exp.Placeholder):
        problems.append(f"parameter {node.sql('duckdb')} inside the definition; filter outside it")
    for group in tree.find_all(exp.Group):
        if group.args.get("all"):
            problems.append("`group by all`; list the group-by keys explicitly")
    for node in tree.find_all(exp.Interval):
        problems.append(f"interval {node.sql('duckdb')}; use one unit (microseconds as bigint)")
    for spec in tree.find_all(exp.WindowSpec):
        for side in ("start", "end"):
            bound = spec.args.get(side)
            if isinstance(bound, exp.Expression) and not (isinstance(bound, exp.Literal) and bound.is_int):
                problems.append(f"window frame bound {bound.sql('duckdb')} is not an integer literal")
    for node in tree.find_all(exp.Anonymous):
        problems.append(f"function {node.name}() is unknown to sqlglot and would reach Spark untranslated")
    for node in tree.find_all(exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        if any(word in name for word in _APPROXIMATE):
            problems.append(f"{name}() is approximate or engine-specific; it cannot promise equality")
    for star in tree.find_all(exp.Star):
        if star.args.get("except_") or star.args.get("except") or star.args.get("replace") or star.args.get("rename"):
            problems.append("`* exclude/replace`; list the columns")
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is None or group.args.get("all"):
            continue
        keys = {g.sql("duckdb") for g in group.expressions}
        for projection in select.expressions:
            outer = projection.unalias()
            inner = outer.this if isinstance(outer, exp.Cast) else outer
            if outer.find(exp.AggFunc) is None and not isinstance(inner, exp.Literal) \
                    and not {outer.sql("duckdb"), inner.sql("duckdb")} & keys:
                problems.append(f"output {projection.alias_or_name} is neither aggregated nor a group-by key")
    if final_columns is not None:
        problems.extend(_final_cast_problems(tree, final_columns))
    if not problems:
        try:
            to_spark(sql)
        except sqlglot.errors.SqlglotError as exc:
            problems.append(f"sqlglot cannot express it in Spark SQL: {exc}")
    return problems


def _final_cast_problems(tree: exp.Expression, columns: tuple[Column, ...]) -> list[str]:
    final = next((cte for cte in tree.find_all(exp.CTE) if cte.alias == "final"), None)
    if final is None:
        return ["no `final` step (dbt style: `select * from final`)"]
    problems = []
    projected = {}
    for projection in final.this.expressions:
        name = projection.alias_or_name
        inner = projection.unalias()
        if not isinstance(inner, exp.Cast):
            problems.append(f"output {name} is not cast to its contract type")
            continue
        kind = inner.to.sql("duckdb").upper()
        projected[name] = "VARCHAR" if kind in ("TEXT", "STRING") else kind
    expected = {c.name: c.duckdb_type for c in columns}
    for name in expected.keys() - projected.keys() - {p for p in problems}:
        if not any(f"output {name} " in p for p in problems):
            problems.append(f"column {name} of the rollup_daily table is not produced")
    for name in projected.keys() - expected.keys():
        problems.append(f"output {name} is not a column of the rollup_daily table (the table follows "
                        "analytics/sql/rollups/rollup_daily.sql: check that output's alias and cast there)")
    for name, kind in projected.items():
        if name in expected and kind != expected[name]:
            problems.append(f"output {name} is cast to {kind}; the rollup_daily table has {expected[name]}")
    return problems
