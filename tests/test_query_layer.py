"""analytics/query.py is the one door to SQL.

* Only query.py, db.py, rollups.py and ingest/ call ``.execute`` / ``.executemany`` / ``.sql`` (read from
  the source with ``ast``; NOT_YET_MIGRATED names the modules still on their way, each with its reason).
* Templates are filled only with allow-listed identifiers, registry measures and Filters predicates; an
  unfilled ``{slot}``, an unknown identifier or plain text is refused.
* Values travel as bound parameters; ``source_for`` picks the relation, date column and predicate.
* The register is one view and the engagement label one macro, with known answers.
"""
from __future__ import annotations

import ast
import dataclasses
from datetime import date
from pathlib import Path

import pytest

from analytics import db, kpis, query
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from analytics.filters import Filters
from analytics.query import QueryError, Sql
from tests.builders import insert_rows

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("analytics", "ui", "charts", "reports", "pages")
SQL_CALLS = ("execute", "executemany", "sql")
# Modules that talk to DuckDB themselves by design: the query layer, the schema, the rollups kept at
# ingest, and ingest (staging tables, COPY, transactions).
OWNERS = ("analytics/query.py", "analytics/db.py", "analytics/rollups.py", "analytics/ingest/")
# Not DuckDB at all: runs inside Spark (spark.sql) on the user's cluster.
NOT_DUCKDB = ("analytics/spark/job_template.py",)
# A module on its way to analytics/query.py may be listed here with its reason while it still calls DuckDB
# directly (test_not_yet_migrated_list_is_honest fails once a listed module no longer does). Empty: all moved.
NOT_YET_MIGRATED: dict[str, str] = {}  # module path → why it still calls DuckDB itself


def _sql_calls(path: Path) -> list[int]:
    """Lines of DuckDB calls: `.execute(`, `.executemany(`, `.sql(` — except sqlglot's
    `node.sql("duckdb")` / `.sql(dialect=…)`, which render a parsed expression and run nothing."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS):
            continue
        if node.func.attr == "sql":
            first = node.args[0] if node.args else None
            if (isinstance(first, ast.Constant) and first.value in ("duckdb", "spark")) or \
                    any(k.arg == "dialect" for k in node.keywords):
                continue
        lines.append(node.lineno)
    return sorted(lines)


def _modules() -> list[str]:
    found = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found.append(path.relative_to(REPO).as_posix())
    return found + ["app.py"]


def _allowed(module: str) -> bool:
    return module.startswith(OWNERS) or module in NOT_DUCKDB or module in NOT_YET_MIGRATED


def test_only_the_query_layer_db_rollups_and_ingest_call_duckdb():
    offenders = {m: lines for m in _modules() if not _allowed(m) and (lines := _sql_calls(REPO / m))}
    assert not offenders, (
        "These modules call DuckDB directly instead of through analytics/query.py (query.frame / one / rows / "
        "value / run, with query.render for identifiers): "
        + "; ".join(f"{m} line(s) {', '.join(map(str, lines))}" for m, lines in offenders.items()))


# SQL written inline as an f-string (or str.format) and handed to the query layer may interpolate only what
# cannot carry a value from a user: an identifier quoted on the spot, an allow-listed relation or column, an
# integer, or a module constant written in code (UPPER_CASE). Anything else is listed here with its reason.
QUERY_CALLS = ("frame", "one", "rows", "value", "run", "run_many")
SAFE_WRAPPERS = ("db.quote_ident", "quote_ident", "query.table", "query.column", "table", "column", "int")
REVIEWED_INTERPOLATIONS = {
    "analytics/spark/contract.py: names": "the contract's column names, each through db.quote_ident",
}


def _unsafe_interpolations(module: str, root: Path = REPO) -> list[str]:
    found = []
    for node in ast.walk(ast.parse((root / module).read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERY_CALLS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "query" and len(node.args) > 1):
            continue
        sql = node.args[1]
        if isinstance(sql, ast.Call) and isinstance(sql.func, ast.Attribute) and sql.func.attr == "format":
            found.append(f"line {node.lineno}: str.format")
            continue
        if not isinstance(sql, ast.JoinedStr):
            continue
        for part in sql.values:
            if not isinstance(part, ast.FormattedValue):
                continue
            inner, text = part.value, ast.unparse(part.value)
            wrapped = isinstance(inner, ast.Call) and ast.unparse(inner.func) in SAFE_WRAPPERS
            constant = isinstance(inner, (ast.Name, ast.Attribute)) and text.split(".")[-1].lstrip("_").isupper()
            if not (wrapped or constant or f"{module}: {text}" in REVIEWED_INTERPOLATIONS):
                found.append(f"line {node.lineno}: {{{text}}}")
    return found


def test_inline_sql_interpolates_only_quoted_identifiers_and_constants():
    offenders = {m: found for m in _modules() if (found := _unsafe_interpolations(m))}
    assert not offenders, (
        "SQL handed to analytics/query.py interpolates a value: bind it as a parameter, or quote the identifier "
        "with db.quote_ident / query.table / query.column: "
        + "; ".join(f"{m} {', '.join(found)}" for m, found in offenders.items()))


def test_the_interpolation_scanner_catches_a_value_and_passes_a_quoted_identifier(tmp_path):
    folder = tmp_path / "analytics"
    folder.mkdir()
    (folder / "bad.py").write_text(
        "def f(con, name, table):\n"
        "    query.rows(con, f\"select * from t where name = '{name}'\")\n"
        "    query.rows(con, \"select {} from t\".format(name))\n"
        "    query.rows(con, f\"select * from {db.quote_ident(table)} where n = {LIMIT}\")\n")
    assert _unsafe_interpolations("analytics/bad.py", tmp_path) == ["line 2: {name}", "line 3: str.format"]


def test_only_the_query_layer_reads_the_sql_folder():
    # a path segment "sql" (Path(...) / "sql") outside query.py; rollups.py keeps its portable definition's
    # path (query.py imports rollups, so rollups cannot import query)
    readers = [m for m in _modules() if m not in ("analytics/query.py", "analytics/rollups.py")
               and any(isinstance(n, ast.Constant) and n.value == "sql"
                       for n in ast.walk(ast.parse((REPO / m).read_text(encoding="utf-8"))))]
    assert not readers, f"Read analytics/sql/ files with query.load(name), not by path: {', '.join(readers)}"


def test_not_yet_migrated_list_is_honest():
    done = [m for m in NOT_YET_MIGRATED if not (REPO / m).exists() or not _sql_calls(REPO / m)]
    assert not done, f"No longer calling DuckDB directly — remove from NOT_YET_MIGRATED: {', '.join(done)}"


def test_the_scanner_sees_a_call_and_ignores_sqlglot(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("con.execute('select 1')\ncur.executemany('x', [])\nnode.sql('duckdb')\n"
                      "tree.sql(dialect='spark')\ncon.sql('select 2')\n")
    assert _sql_calls(sample) == [1, 2, 5]


# ---- rendering ------------------------------------------------------------------------------------------

def test_render_fills_slots_in_one_pass():
    text = query.render("select {a} from {t} where {p}", a=query.column("provider"), t=query.table(INTERACTIONS),
                        p=Sql("x = '{t}'"))
    assert text == """select "provider" from "interactions" where x = '{t}'"""


def test_an_unfilled_slot_is_refused():
    with pytest.raises(QueryError, match=r"\{predicate\}"):
        query.render("select * from {relation} where {predicate}", relation=query.table(PERFORMANCE))


def test_a_value_for_a_slot_the_template_lacks_is_refused():
    with pytest.raises(QueryError, match=r"no slot.*\{extra\}"):
        query.render("select 1", extra=Sql("x"))


def test_plain_text_never_fills_a_slot():
    with pytest.raises(QueryError, match="only Sql fragments"):
        query.render("select * from {relation}", relation="interactions; drop table batches")


@pytest.mark.parametrize("name", ["interactions; drop table batches", "pg_catalog", "Interactions", ""])
def test_unknown_tables_are_refused(name):
    with pytest.raises(QueryError, match="Unknown table"):
        query.table(name)


@pytest.mark.parametrize("name", ['provider" or 1=1 --', "secret", "day ", "PROVIDER"])
def test_unknown_columns_are_refused(name):
    with pytest.raises(QueryError, match="Unknown column"):
        query.column(name)


def test_allow_lists_hold_the_contract_the_rollups_and_the_register():
    assert {INTERACTIONS, PERFORMANCE, ENGAGEMENTS, "rollup_daily", "rollup_monthly",
            db.REGISTER_VIEW} <= query.TABLES
    assert {"provider", "occurred_at", "quality_score", "reported_fcr", "csat_sat", "handle_n", "day"} <= query.columns()
    assert query.column("csat_sat") == '"csat_sat"'


def test_measures_come_from_the_registry_only():
    fcr = kpis.kpi("fcr")
    assert (query.measure(fcr, "numerator"), query.measure(fcr, "denominator")) == ("sum(fcr_yes)", "sum(fcr_n)")
    assert query.measure(kpis.kpi("contacts"), "denominator") == "null"
    forged = dataclasses.replace(fcr, numerator="(select string_agg(file_name) from batches)")
    with pytest.raises(QueryError, match="differs from the registry"):
        query.measure(forged, "numerator")
    with pytest.raises(QueryError):
        query.measure(dataclasses.replace(fcr, id="nope"), "numerator")
    with pytest.raises(QueryError):
        query.measure(fcr, "value_sql")


def test_named_queries_load_once_and_unknown_names_are_refused():
    first = query.load("marts/repeat_contacts")
    assert query.load("marts/repeat_contacts") is first
    assert query.slots(first) == {"predicate"}
    with pytest.raises(QueryError, match="known queries: .*marts/relationship_year_values"):
        query.load("marts/nope")
    for name in ("../db", "/etc/passwd", "marts/../../x"):
        with pytest.raises(QueryError):
            query.load(name)


def test_every_mart_renders_without_a_leftover_slot():
    marts = sorted(p.relative_to(query.SQL_DIR).with_suffix("").as_posix()
                   for p in (query.SQL_DIR / "marts").glob("*.sql"))
    assert marts, "analytics/sql/marts/ holds the analyses' queries"
    for name in marts:
        template = query.load(name)
        rendered = query.render(template, **{s: Sql("x") for s in query.slots(template)})
        assert not query.slots(rendered)


# ---- running --------------------------------------------------------------------------------------------

def test_running_sql_with_a_leftover_slot_is_refused(con):
    with pytest.raises(QueryError, match=r"\{relation\}"):
        query.frame(con, "select count(*) from {relation}")


def test_values_are_bound_never_spliced(con):
    hostile = "x' or '1'='1"
    insert_rows(con, ENGAGEMENTS, [dict(provider="P", account="A", relationship_model="partnership",
                                        contract_start=date(2024, 1, 1))])
    assert query.value(con, "select $v", {"v": hostile}) == hostile
    src = query.source_for(Filters(providers=(hostile,)), PERFORMANCE, grain=None)
    assert query.value(con, query.render("select count(*) from {relation} where {predicate}",
                                         relation=query.table(ENGAGEMENTS), predicate=src.predicate),
                       src.params) == 0
    assert hostile not in src.predicate


def test_recording_sees_every_statement_with_its_parameters(con):
    with query.recording() as statements:
        query.one(con, "select ?", [1])
        query.rows(con, "select $a", {"a": 2})
    assert statements == [("select ?", [1]), ("select $a", {"a": 2})]
    query.value(con, "select 3")
    assert len(statements) == 2


# ---- which relation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("grain, start, end, relation", [
    (None, None, None, "rollup_monthly"),
    ("month", date(2024, 1, 1), date(2024, 3, 31), "rollup_monthly"),
    ("quarter", date(2024, 1, 15), None, "rollup_daily"),      # the start cuts a month
    ("year", None, date(2024, 3, 30), "rollup_daily"),         # the end cuts a month
    ("week", None, None, "rollup_daily"),
    ("day", None, None, "rollup_daily"),                       # first/last *day* questions
])
def test_interactions_read_the_rollup_whole_months_allow(grain, start, end, relation):
    src = query.source_for(Filters(start=start, end=end), INTERACTIONS, grain=grain)
    assert (src.relation_name, src.date_column, src.relation) == (relation, "day", f'"{relation}"')


def test_scorecards_and_raw_rows_have_their_own_date_column():
    filters = Filters(start=date(2024, 1, 1), channels=("phone",))
    perf = query.source_for(filters, PERFORMANCE, grain="month")
    assert (perf.relation_name, perf.date_column) == (PERFORMANCE, "period")
    assert "channel" not in perf.predicate  # interaction-only filters do not apply to scorecards
    raw = query.source_for(filters, INTERACTIONS, grain="month", raw=True, alias="i", prefix="g")
    assert (raw.relation_name, raw.date_column) == (INTERACTIONS, "occurred_at")
    assert raw.predicate == "i.occurred_at >= $g_start and i.channel in ($g_channels_0)"
    assert raw.params == {"g_start": date(2024, 1, 1), "g_channels_0": "phone"}


def test_a_few_filter_values_are_bound_one_by_one_into_the_scan_and_many_as_one_list(con):
    # up to four values (and one engagement) are a filter DuckDB pushes into the scan, so row groups whose
    # min/max rule them out are skipped; `= any(list)` is planned as a join. Same rows either way.
    insert_rows(con, INTERACTIONS, [dict(provider=f"P{k}", account=f"A{k % 2}", channel="phone",
                                         occurred_at=f"2024-01-0{1 + k % 9} 09:00") for k in range(7)])
    for n in range(1, 7):
        providers = tuple(f"P{k}" for k in range(n))
        source = query.source_for(Filters(providers=providers), INTERACTIONS, grain="month", raw=True)
        sql = f"select count(*) from {source.relation_name} where {source.predicate}"
        assert query.value(con, sql, source.params) == n
        plan = con.execute("explain " + sql, source.params).fetchall()[0][1].upper()
        assert ("JOIN" in plan) == (n > 4), (n, source.predicate)
    one = query.source_for(Filters(engagements=("P3 · A1",)), INTERACTIONS, grain="month", raw=True)
    sql = f"select count(*) from {one.relation_name} where {one.predicate}"
    assert query.value(con, sql, one.params) == 1
    assert "JOIN" not in con.execute("explain " + sql, one.params).fetchall()[0][1].upper()


def test_unknown_grains_and_sources_are_refused():
    with pytest.raises(QueryError, match="Unknown grain"):
        query.source_for(Filters(), INTERACTIONS, grain="fortnight")
    with pytest.raises(QueryError, match="Unknown source"):
        query.source_for(Filters(), "rejects", grain=None)


# ---- the register view and the label macro ------------------------------------------------------------

def test_register_view_is_one_row_per_engagement(con):
    insert_rows(con, ENGAGEMENTS, [
        dict(provider="P", account="A", relationship_model="partnership", contract_start=date(2024, 3, 1)),
        dict(provider="T", account="A", relationship_model="transactional", contract_start=None),
    ])
    rows = query.rows(con, "select provider, account, relationship_model, contract_start from engagement_register "
                           "order by provider")
    assert rows == [("P", "A", "partnership", date(2024, 3, 1)), ("T", "A", "transactional", None)]


def test_the_register_and_the_label_have_one_sql_definition():
    """No SQL outside db.py rebuilds the register (any_value over engagements) or the label (|| ' · ' ||)."""
    offenders = []
    for module in _modules() + sorted(p.relative_to(REPO).as_posix() for p in query.SQL_DIR.rglob("*.sql")):
        if module == "analytics/db.py":
            continue
        text = (REPO / module).read_text(encoding="utf-8")
        if "any_value(relationship_model)" in text or "|| '{ENGAGEMENT_SEPARATOR}' ||" in text \
                or "|| ' · ' ||" in text or "|| $separator ||" in text:
            offenders.append(module)
    assert not offenders, ("Read the register from the engagement_register view and build labels with the "
                           f"engagement_label macro (analytics/db.py): {', '.join(offenders)}")


def test_engagement_label_macro_matches_the_python_label(con):
    from analytics.filters import engagement_label
    assert query.value(con, "select engagement_label($p, $a)", {"p": "Acme · BPO", "a": "Retail"}) == \
        engagement_label("Acme · BPO", "Retail")
    assert query.value(con, "select engagement_label(null, 'A')") is None


def test_a_read_only_file_from_before_the_views_gets_them_on_its_connection(tmp_path):
    path = tmp_path / "old.duckdb"
    with db.connect(path) as con:
        insert_rows(con, ENGAGEMENTS, [dict(provider="P", account="A", relationship_model="partnership",
                                            contract_start=date(2024, 1, 1))])
        con.execute(f"drop view {db.REGISTER_VIEW}")
        con.execute(f"drop macro {db.LABEL_MACRO}")
        con.execute("comment on table meta is null")  # and from before schema fingerprints (db.ensure_schema)
    with db.connect(path, read_only=True) as con:
        assert query.rows(con, "select engagement_label(provider, account), relationship_model "
                               "from engagement_register") == [("P · A", "partnership")]
    with db.connect(path) as con:  # a writable open creates them for good
        assert query.value(con, "select count(*) from duckdb_views() where view_name = 'engagement_register' "
                                "and not temporary") == 1


def test_the_register_view_survives_reopening_and_sees_edits(tmp_path):
    path = tmp_path / "r.duckdb"
    with db.connect(path) as con:
        insert_rows(con, ENGAGEMENTS, [dict(provider="P", account="A", relationship_model="transactional",
                                            contract_start=date(2023, 5, 2))])
    with db.connect(path) as con:
        with db.write_transaction(con) as cur:
            cur.execute("update engagements set relationship_model = 'partnership'")
        assert query.rows(con, "select relationship_model from engagement_register") == [("partnership",)]


def test_frames_runs_side_by_side_and_returns_and_records_in_the_order_given(con):
    insert_rows(con, INTERACTIONS, [dict(provider=p, account="A", channel="phone", occurred_at=f"2024-01-0{d} 09:00")
                                    for p, n in (("P", 3), ("Q", 1)) for d in range(1, n + 1)])
    count = "select count(*) as n from interactions where provider = $p"
    statements = [(count, {"p": "P"}), (count, {"p": "Q"}), ("select 7 as n", None)]
    with query.recording() as recorded:
        got = query.frames(con, statements)
    assert [int(f["n"].iloc[0]) for f in got] == [3, 1, 7]
    assert recorded == statements
    with pytest.raises(QueryError):
        query.frames(con, [("select {slot}", None)])
