"""The Spark path end to end: the generated job on local PySpark, imported, equals DuckDB's ingest.

One lake of ≈ 4 k interactions over four months (nulls in every optional column, several channels,
repeat contacts across month boundaries, contacts exactly 7 days apart and at the same instant) is
written both as a CSV loaded through the normal ingest into one database, and as Parquet partitioned
by month that the generated job (`python -m analytics rollups job`) reads on Spark `local[1]`; its
output is imported into a second database. Every rollup row and every interaction KPI must agree:
integers exactly, floats to 1e-9 relative. One Spark session and two job runs serve the whole module:
a full run from the Parquet path, then an incremental one (late February rows) from a catalog table.
The lake is small because the rows only have to exercise every path (each month, channel, null pattern
and repeat edge): the JVM's start and its first query cost far more than the rows do.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
import random
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import contracts, db, insight, kpis, maintenance
from analytics.cli import main as cli_main
from analytics.filters import Filters
from analytics.ingest import batches
from analytics.ingest.load import ingest_file
from analytics.kpi_frames import kpi_frame
from analytics.trends import data_freshness
from analytics.spark import CONTRACT_VERSION, contract, definition, job

MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04")
ROWS = 4_000
CUSTOMERS = ROWS // 20  # ≈ 20 contacts per customer over four months, so most have one within 7 days
REL = 1e-9


# ---------------------------------------------------------------- the lake, built from literal rules

def _value(field: contracts.Field, rng: random.Random):
    """A canonical value for `field` (None about one time in eight), chosen by its parser."""
    if field.parser == "timestamp":
        return None  # occurred_at is set by lake_rows
    if rng.random() < 0.125:
        return None
    if field.parser == "bool":
        return rng.random() < 0.6
    if field.parser == "duration":
        return float(rng.randint(5, 3600))
    if field.name == "csat":
        return float(rng.randint(1, 5))
    if field.name == "nps":
        return float(rng.randint(0, 10))
    if field.name == "ces":
        return float(rng.randint(1, 7))
    if field.parser in ("number", "score"):
        return round(rng.uniform(0.5, 40.0), 2)
    if field.name == "channel":
        return rng.choice(["phone", "chat", "email", "social", "web"])
    if field.name == "contact_reason":
        return rng.choice(["billing", "technical", "returns", "account change"])
    if field.name == "customer_segment":
        return rng.choice(["gold", "silver", "bronze"])
    if field.name == "provider":
        return rng.choice(["Acme BPO", "Northwind CX", "Globex"])
    if field.name == "account":
        return rng.choice(["Retail", "Telco"])
    if field.parser == "text":
        return f"{field.name}-{rng.randint(1, 300)}"
    raise AssertionError(f"no test values for {field.name} ({field.parser}); teach _value about it")


def lake_rows(n: int = ROWS, seed: int = 12) -> list[dict]:
    """Rows of canonical interactions; customer ids repeat so contacts cluster within 7 days."""
    rng = random.Random(seed)
    fields = [f for f in contracts.FIELDS[contracts.INTERACTIONS] if f.name not in ("occurred_time",)]
    start = datetime(2025, 1, 1)
    seconds = int((datetime(2025, 5, 1) - start).total_seconds())
    rows = []
    for i in range(n):
        row = {f.name: _value(f, rng) for f in fields}
        row["interaction_id"] = f"I{i:06d}"
        row["occurred_at"] = start + timedelta(seconds=rng.randrange(seconds))
        row["customer_id"] = None if rng.random() < 0.05 else f"C{rng.randint(1, CUSTOMERS):05d}"
        rows.append(row)
    # exact edges of the repeat window, across month boundaries
    edges = [("E1", datetime(2025, 1, 28, 10, 0, 0), datetime(2025, 2, 4, 10, 0, 0)),   # exactly 7 days: repeat
             ("E2", datetime(2025, 2, 25, 9, 0, 0), datetime(2025, 3, 4, 9, 0, 1)),     # 7 days + 1 s: not
             ("E3", datetime(2025, 3, 31, 23, 59, 59), datetime(2025, 4, 1, 0, 0, 0)),  # 1 s apart: repeat
             ("E4", datetime(2025, 4, 2, 12, 0, 0), datetime(2025, 4, 2, 12, 0, 0))]    # same instant: not
    for k, (customer, first, second) in enumerate(edges):
        for j, moment in enumerate((first, second)):
            row = dict(rows[k * 2 + j], interaction_id=f"EDGE{k}{j}", customer_id=customer, occurred_at=moment)
            rows.append(row)
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    names = list(rows[0])
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if row[n] is None else ("Yes" if row[n] is True else "No" if row[n] is False
                                                         else row[n].isoformat(sep=" ") if isinstance(row[n], datetime)
                                                         else row[n]) for n in names])


def write_lake(rows: list[dict], path: Path, *, rename: dict[str, str] | None = None) -> None:
    """Parquet partitioned by month, typed as Rapport stores them; `rename` gives columns the lake's own names."""
    types = {f.name: f.sql_type for f in contracts.FIELDS[contracts.INTERACTIONS]}
    frame = pd.DataFrame(rows)
    con = duckdb.connect()
    try:
        con.register("rows_frame", frame)
        select = ", ".join(f'cast("{n}" as {types[n]}) as "{(rename or {}).get(n, n)}"' for n in frame.columns)
        con.execute(f"copy (select {select}, strftime(occurred_at, '%Y-%m') as month from rows_frame) "
                    f"to '{path}' (format parquet, partition_by (month))")
    finally:
        con.close()


# ---------------------------------------------------------------- fixtures: one Spark session, two runs

@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    # A short job on a few thousand rows: one core, one shuffle partition, no UI, no Hive, and no
    # compiling (neither JIT beyond C1, nor generated code, nor adaptive re-planning) — it costs more
    # than it saves. Nor does the JVM verify the bytecode of the wheel's jars as it loads their classes
    # (≈ 5 of the ≈ 16 CPU s the session's start cost): verification guards against malformed class
    # files, not against wrong answers. The results do not depend on any of these.
    session = (SparkSession.builder.master("local[1]").appName("rapport-rollups-test")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.catalogImplementation", "in-memory")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.driver.memory", "1g")
               .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
                       "-XX:+UnlockDiagnosticVMOptions -XX:-BytecodeVerificationRemote")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    gateway = SparkContext._gateway
    yield session
    session.stop()
    # End the JVM now, not at interpreter exit: its memory is freed for the next module, and once reaped
    # its CPU is counted against this module (RAPPORT_TEST_COST adds reaped children) instead of vanishing.
    gateway.shutdown()
    SparkContext._gateway = SparkContext._jvm = None
    gateway.proc.stdin.close()  # pyspark's gateway server exits when its stdin closes
    gateway.proc.wait()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="module")
def generated_job(work):
    """The script `python -m analytics rollups job` prints, loaded as a module."""
    path = work / "rapport_rollup_job.py"
    path.write_text(job.job_script())
    spec = importlib.util.spec_from_file_location("rapport_rollup_job", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return lake_rows()


@pytest.fixture(scope="module")
def ingested(work, rows):
    """The same rows through the normal DuckDB ingest (one CSV file, one batch)."""
    path = work / "interactions.csv"
    write_csv(rows, path)
    con = db.connect(work / "ingested.duckdb")
    result = ingest_file(con, path)
    assert result.status == "loaded", result.message
    (loaded,) = con.execute("select count(*) from interactions").fetchone()
    assert loaded == len(rows)
    yield con
    con.close()


@pytest.fixture(scope="module")
def spark_out(work, rows, spark, generated_job) -> Path:
    """The job run in full over a Parquet lake whose time column has its own name (mapped), then
    incrementally over a catalog table: February's rows arrive late, the job rebuilds February (and
    March) only. Every later test reads this one output, so both source kinds meet the ingest's answer."""
    late = [r for r in rows if r["occurred_at"].strftime("%Y-%m") == "2025-02" and r["interaction_id"][-1] in "02468"]
    late_ids = {r["interaction_id"] for r in late}
    first_lake, full_lake = work / "lake_v1", work / "lake_v2"
    write_lake([r for r in rows if r["interaction_id"] not in late_ids], first_lake,
               rename={"occurred_at": "call_start"})
    write_lake(rows, full_lake, rename={"occurred_at": "call_start"})
    out = work / "contract"
    mapping = json.dumps({"occurred_at": "call_start"})
    assert generated_job.main(["--source", str(first_lake), "--out", str(out), "--mapping", mapping], spark=spark) == 0
    first = json.loads((out / contract.MANIFEST).read_text())
    assert sorted(first["tables"]["rollup_daily"]["partitions"]) == list(MONTHS)
    assert first["source"]["kind"] == "parquet"
    spark.read.parquet(str(full_lake)).createOrReplaceTempView("cx_interactions")
    assert generated_job.main(["--source", "cx_interactions", "--out", str(out), "--mapping", mapping,
                               "--months", "2025-02"], spark=spark) == 0
    second = json.loads((out / contract.MANIFEST).read_text())
    assert second["last_run"]["months"] == ["2025-02", "2025-03"]
    # January and April were not rebuilt: their manifest entries are the first run's
    for month in ("2025-01", "2025-04"):
        assert second["tables"]["rollup_daily"]["partitions"][month] == \
            first["tables"]["rollup_daily"]["partitions"][month]
    return out


@pytest.fixture(scope="module")
def imported(work, spark_out):
    con = db.connect(work / "imported.duckdb")
    result = contract.import_rollups(con, spark_out)
    assert result.months == MONTHS
    yield con
    con.close()


# ---------------------------------------------------------------- equivalence

def _rollup(con, table: str) -> pd.DataFrame:
    columns = definition.contract_columns()
    keys = [c.name for c in columns if c.is_key]
    measures = [c.name for c in columns if not c.is_key]
    sql = (f"select {', '.join(keys)}, {', '.join(f'sum({m}) as {m}' for m in measures)} from {table} "
           f"group by {', '.join(keys)} order by {', '.join(f'{k} nulls first' for k in keys)}")
    return con.execute(sql).df()


def _assert_frames_equal(left: pd.DataFrame, right: pd.DataFrame, what: str) -> None:
    assert list(left.columns) == list(right.columns), what
    assert len(left) == len(right), f"{what}: {len(left)} rows vs {len(right)}"
    for column in left.columns:
        a, b = left[column], right[column]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            for i, (x, y) in enumerate(zip(a.astype("float64"), b.astype("float64"))):
                assert (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=REL, abs_tol=1e-12), \
                    f"{what}: {column} row {i}: {x} vs {y}"
        else:
            differ = [i for i, (x, y) in enumerate(zip(a.tolist(), b.tolist()))
                      if not (x == y or (pd.isna(x) and pd.isna(y)))]
            assert not differ, f"{what}: {column} differs first at row {differ[0]}: {left.iloc[differ[0]].to_dict()} " \
                f"vs {right.iloc[differ[0]].to_dict()}"


@pytest.mark.parametrize("table", definition.ROLLUP_TABLES)
def test_every_rollup_row_built_on_spark_equals_duckdbs_ingest(ingested, imported, table):
    expected, actual = _rollup(ingested, table), _rollup(imported, table)
    assert len(expected) > 1000
    _assert_frames_equal(expected, actual, table)


def test_integer_measures_keep_their_contract_types_after_import(imported):
    types = dict(imported.execute("select column_name, data_type from duckdb_columns() "
                                  "where table_name = 'rollup_daily'").fetchall())
    assert {c.name: types[c.name] for c in definition.contract_columns()} == \
        {c.name: c.duckdb_type for c in definition.contract_columns()}


def test_repeat_flags_at_the_window_edges_match_the_ingest_definition(ingested, imported):
    # E1 (exactly 7 days), E3 (1 s across a month boundary) are repeats; E2 (7 days + 1 s), E4 (same instant) are not
    flags = dict(ingested.execute("select interaction_id, is_repeat from interactions "
                                  "where interaction_id like 'EDGE%1'").fetchall())
    assert flags == {"EDGE01": True, "EDGE11": False, "EDGE21": True, "EDGE31": False}
    query = "select sum(repeat_yes), sum(repeat_n) from rollup_daily"
    assert ingested.execute(query).fetchone() == imported.execute(query).fetchone()


@pytest.mark.parametrize("grain,by", [("month", ()), ("week", ("channel",)), ("quarter", ("engagement",)),
                                      (None, ("customer_segment", "contact_reason"))])
def test_page_level_kpis_agree_on_both_databases(ingested, imported, grain, by):
    ids = kpis.kpi_ids(contracts.INTERACTIONS)
    expected = kpi_frame(ingested, ids, Filters(), grain=grain, by=by)
    actual = kpi_frame(imported, ids, Filters(), grain=grain, by=by)
    assert set(expected["kpi"]) == set(ids) - {k for k in ids if expected[expected.kpi == k].empty}
    _assert_frames_equal(expected, actual, f"kpis by {grain} {by}")


# ---------------------------------------------------------------- import validation

def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _import_error(tmp_path, directory) -> str:
    con = db.connect(tmp_path / "target.duckdb")
    try:
        with pytest.raises(contract.RollupImportError) as caught:
            contract.import_rollups(con, directory)
        assert con.execute("select count(*) from rollup_daily").fetchone() == (0,)
        assert con.execute("select count(*) from batches").fetchone() == (0,)
        return str(caught.value)
    finally:
        con.close()


def test_a_missing_manifest_is_named_with_the_fix(tmp_path, spark_out):
    directory = _copy(spark_out, tmp_path / "c")
    (directory / contract.MANIFEST).unlink()
    message = _import_error(tmp_path, directory)
    assert "_manifest.json is missing" in message and "--out directory" in message


def test_another_contract_version_is_refused(tmp_path, spark_out):
    directory = _copy(spark_out, tmp_path / "c")
    manifest = json.loads((directory / contract.MANIFEST).read_text())
    manifest["contract"] = "rapport-rollups/0"
    (directory / contract.MANIFEST).write_text(json.dumps(manifest))
    message = _import_error(tmp_path, directory)
    assert "'rapport-rollups/0'" in message and CONTRACT_VERSION in message and "rollups job" in message


def test_a_changed_partition_fails_its_checksum(tmp_path, spark_out):
    directory = _copy(spark_out, tmp_path / "c")
    manifest = json.loads((directory / contract.MANIFEST).read_text())
    manifest["tables"]["rollup_daily"]["partitions"]["2025-03"]["contacts"] += 1
    (directory / contract.MANIFEST).write_text(json.dumps(manifest))
    message = _import_error(tmp_path, directory)
    assert "rollup_daily/month=2025-03" in message and "rerun the Spark job" in message


def test_a_column_of_the_wrong_type_is_named(tmp_path, spark_out):
    directory = _copy(spark_out, tmp_path / "c")
    target = sorted((directory / "rollup_monthly" / "month=2025-01").glob("*.parquet"))[0]
    con = duckdb.connect()
    con.execute("copy (select * replace (cast(contacts as double) as contacts) from read_parquet(?)) "
                f"to '{target}.tmp' (format parquet)", [str(target)])
    con.close()
    os.replace(f"{target}.tmp", target)
    message = _import_error(tmp_path, directory)
    assert target.name in message and "column contacts is DOUBLE" in message and "BIGINT" in message


def test_rollups_are_not_imported_over_raw_interactions(spark_out, ingested):
    before = ingested.execute("select count(*), sum(contacts) from rollup_daily").fetchone()
    with pytest.raises(contract.RollupImportError, match="raw interactions loaded by ingest"):
        contract.import_rollups(ingested, spark_out)
    assert ingested.execute("select count(*), sum(contacts) from rollup_daily").fetchone() == before


def test_reimporting_one_month_replaces_exactly_that_partition(tmp_path, spark_out):
    con = db.connect(tmp_path / "again.duckdb")
    try:
        first = contract.import_rollups(con, spark_out)
        per_month = "select strftime(day, '%Y-%m'), sum(contacts) from rollup_daily group by 1 order by 1"
        totals = con.execute(per_month).fetchall()
        second = contract.import_rollups(con, spark_out, months=("2025-02",))
        assert con.execute(per_month).fetchall() == totals
        assert con.execute("select distinct batch_id from rollup_daily where day < '2025-02-01' "
                           "or day >= '2025-03-01'").fetchall() == [(first.batch_id,)]
        assert con.execute("select distinct batch_id from rollup_monthly where day = '2025-02-01'").fetchall() == \
            [(second.batch_id,)]
        assert con.execute("select value from meta where key = ?", [contract.ROLLUPS_SOURCE]).fetchone() == \
            (second.batch_id,)
        result = maintenance.check_database(con, repair=True)
        assert result.ok and not result.repaired
        assert con.execute("select sum(contacts) from rollup_daily").fetchone()[0] == sum(t for _, t in totals)
    finally:
        con.close()


def test_the_cli_writes_the_job_and_imports_with_one_sentence_errors(tmp_path, spark_out, capsys):
    assert cli_main(["rollups", "job"]) == 0
    script = capsys.readouterr().out
    assert script.startswith('"""Rapport rollup job') and definition.sql_hash() in script
    target = tmp_path / "cli.duckdb"
    assert cli_main(["rollups", "import", str(spark_out), "--db", str(target)]) == 0
    assert "2025-01" in capsys.readouterr().out
    assert cli_main(["check", "--db", str(target)]) == 0
    assert "rollups imported from Spark" in capsys.readouterr().out
    assert cli_main(["rollups", "import", str(tmp_path / "nowhere"), "--db", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and err.count("\n") == 1


def test_the_job_refuses_a_mapping_to_a_missing_column_in_one_sentence(generated_job, spark, work, spark_out,
                                                                         capsys):
    code = generated_job.main(["--source", str(work / "lake_v2"), "--out", str(work / "never"),
                               "--mapping", '{"occurred_at": "start_time"}'], spark=spark)
    assert code == 2
    err = capsys.readouterr().err
    assert "'start_time'" in err and "call_start" in err and err.count("\n") == 1
    assert not (work / "never").exists()


# ---------------------------------------------------------------- the dashboard on imported rollups

def test_a_custom_repeat_window_says_the_data_came_from_rollups(imported):
    with pytest.raises(db.RollupsOnlyError, match="14-day repeat window needs raw interactions.*imported from Spark"):
        insight.repeat_contacts(imported, Filters(), days=14)
    seven = insight.repeat_contacts(imported, Filters(), days=7)
    (repeats,) = imported.execute("select sum(repeat_yes) from rollup_daily").fetchone()
    assert int(seven["repeat_contacts"].sum()) == repeats


def test_data_freshness_counts_the_imported_contacts_and_marks_them(imported, rows):
    fresh = data_freshness(imported).set_index("dataset")
    assert fresh.loc["interactions", "rows"] == len(rows)
    assert bool(fresh.loc["interactions", "from_rollups"]) and not bool(fresh.loc["performance", "from_rollups"])
    days = sorted(r["occurred_at"].date() for r in rows)
    assert (fresh.loc["interactions", "first_date"].date(), fresh.loc["interactions", "last_date"].date()) == \
        (days[0], days[-1])


def test_pages_run_unchanged_on_an_imported_database(work, imported, monkeypatch):
    import streamlit as st

    from tests.builders import healthy, run

    monkeypatch.setenv("RAPPORT_DB", str(work / "imported.duckdb"))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        overview = run()
        assert healthy(overview), [e.value for e in overview.exception] + [e.value for e in overview.error]
        labels = [label for frame in overview.dataframe if "Dataset" in frame.value.columns
                  for label in frame.value["Dataset"]]
        assert any("rollups imported from Spark" in label for label in labels), labels
        for page in ("trends", "insight"):
            at = run(page)
            assert healthy(at), (page, [e.value for e in at.exception] + [e.value for e in at.error])
            assert at.get("vega_lite_chart"), page
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_the_job_reads_a_catalog_table_and_rebuilds_its_months_alike(spark_out, ingested):
    # spark_out's incremental run read the catalog table cx_interactions; the months it rebuilt from it
    # carry the same rows, contacts and cost as the DuckDB ingest's rollups of all the rows
    manifest = json.loads((spark_out / contract.MANIFEST).read_text())
    assert manifest["source"]["kind"] == "table" and manifest["source"]["name"] == "cx_interactions"
    assert manifest["last_run"]["months"] == ["2025-02", "2025-03"]
    for table in definition.ROLLUP_TABLES:
        expected = _rollup(ingested, table)
        expected["month"] = pd.to_datetime(expected["day"]).dt.strftime("%Y-%m")
        for month in ("2025-02", "2025-03"):
            rows = expected[expected["month"] == month]
            written = manifest["tables"][table]["partitions"][month]
            assert (written["rows"], written["contacts"]) == (len(rows), int(rows["contacts"].sum())), (table, month)
            assert math.isclose(written["cost_sum"], float(rows["cost_sum"].sum()), rel_tol=REL), (table, month)


def test_dropping_an_import_removes_its_rollups_and_the_rollups_source(tmp_path, spark_out):
    con = db.connect(tmp_path / "drop.duckdb")
    try:
        first = contract.import_rollups(con, spark_out)
        second = contract.import_rollups(con, spark_out, months=("2025-02",))
        february = con.execute("select count(*) from rollup_daily where batch_id = ?", [second.batch_id]).fetchone()[0]
        assert batches.drop_batch(con, second.batch_id) == february
        assert con.execute("select count(*) from rollup_daily where batch_id = ?", [second.batch_id]).fetchone() == (0,)
        assert con.execute("select value from meta where key = ?", [contract.ROLLUPS_SOURCE]).fetchone() == \
            (first.batch_id,)
        batches.drop_batch(con, first.batch_id)
        assert con.execute("select count(*) from rollup_daily").fetchone() == (0,)
        assert not db.rollups_imported(con)
        assert con.execute("select count(*) from batches").fetchone() == (0,)
    finally:
        con.close()
