"""The one rollup definition stays inside the portable subset, and the committed Spark SQL matches it.

No Spark here (tests/test_spark_rollups.py runs it): these read the SQL with sqlglot, run the
repeat-flag definition on DuckDB against hand-computed answers, and check the generated job.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from analytics import db, insight
from analytics.spark import CONTRACT_VERSION, definition, job


def test_rollup_daily_sql_is_in_the_portable_subset_with_every_contract_column_cast():
    problems = definition.portability_problems(definition.portable_sources()["rollup_daily"],
                                               final_columns=definition.contract_columns())
    assert problems == [], "analytics/sql/rollups/rollup_daily.sql leaves the portable subset: " + "; ".join(problems)


def test_repeat_flags_and_monthly_steps_are_in_the_portable_subset():
    sources = definition.portable_sources()
    assert definition.portability_problems(sources["repeat_flags"]) == []
    assert definition.portability_problems(sources["rollup_monthly"],
                                           final_columns=definition.contract_columns()) == []


@pytest.mark.parametrize("sql,complaint", [
    ("select a, count(*) as n from t group by all", "group by all"),
    ("select count(*) as n from t where batch_id = $batch_id", "parameter $batch_id"),
    ("select max(o) over (order by o range between interval 7 days preceding and interval 1 microsecond "
     "preceding) as p from t", "interval"),
    ("select epoch_us(o) as us from t", "epoch_us() is unknown to sqlglot"),
    ("select approx_count_distinct(c) as n from t", "approximate"),
    ("select * exclude (a) from t", "exclude"),
    ("select a, b, count(*) as n from t group by a", "output b is neither aggregated nor a group-by key"),
])
def test_the_portability_rules_catch_each_kind_of_engine_specific_sql(sql, complaint):
    assert any(complaint in problem for problem in definition.portability_problems(sql))


def test_an_uncast_or_mistyped_output_column_is_reported():
    columns = (definition.Column("day", "DATE", "date"), definition.Column("contacts", "BIGINT", "bigint"))
    sql = ("with final as (select cast(occurred_at as date) as day, count(*) as contacts from interactions "
           "group by cast(occurred_at as date)) select * from final")
    assert definition.portability_problems(sql, final_columns=columns) == [
        "output contacts is not cast to its contract type"]
    sql = sql.replace("count(*) as contacts", "cast(sum(x) as double) as contacts")
    assert definition.portability_problems(sql, final_columns=columns) == [
        "output contacts is cast to DOUBLE; the rollup_daily table has BIGINT"]


def test_the_golden_spark_sql_equals_a_fresh_transpilation():
    fresh = definition.golden_text()
    committed = definition.GOLDEN_FILE.read_text()
    assert committed == fresh, (
        "analytics/spark/rollup_daily.spark.sql is stale: the rollup SQL or sqlglot changed. Regenerate it with "
        "`python -m analytics rollups golden`, review the Spark SQL diff, and commit it.")


def test_the_contract_columns_are_the_duckdb_rollup_tables_minus_batch_id():
    con = db.connect(":memory:")
    try:
        for table in definition.ROLLUP_TABLES:
            described = [(name, kind) for name, kind, *_ in con.execute(f"describe {table}").fetchall()]
            assert [(c.name, c.duckdb_type) for c in definition.contract_columns()] == \
                [(n, k) for n, k in described if n != "batch_id"]
    finally:
        con.close()


def test_one_repeat_window_everywhere():
    assert "604800000000 preceding and 1 preceding" in definition.portable_sources()["repeat_flags"]
    assert definition.REPEAT_WINDOW_MICROS == 604_800_000_000 == job.REPEAT_WINDOW_DAYS * 86_400 * 10**6
    assert job.REPEAT_WINDOW_DAYS == insight.REPEAT_DAYS


def test_repeat_flags_sql_gives_the_ingest_meaning_on_duckdb():
    base = datetime(2025, 1, 31, 12, 0, 0)
    rows = [  # (id, customer, occurred_at, expected is_repeat) — worked out by hand
        ("a1", "A", base, False),
        ("a2", "A", datetime(2025, 2, 7, 12, 0, 0), True),             # exactly 7 days later
        ("a3", "A", datetime(2025, 2, 14, 12, 0, 0, 1), False),        # a2 is 7 days + 1 µs back, a1 14 days
        ("a4", "A", datetime(2025, 2, 16, 8, 0, 0), True),             # a3 two days back
        ("b1", "B", base, False),
        ("b2", "B", datetime(2025, 2, 7, 12, 0, 0, 1), False),         # 7 days + 1 µs: outside the window
        ("c1", "C", base, False),
        ("c2", "C", base, False),                                      # same instant: not a repeat of each other
        ("n1", None, base, None),                                      # no customer id: unknown
    ]
    con = db.connect(":memory:")
    try:
        con.execute("create table raw_interactions (interaction_id varchar, customer_id varchar, "
                    "occurred_at timestamp)")
        con.executemany("insert into raw_interactions values (?, ?, ?)", [r[:3] for r in rows])
        got = dict(con.execute("select interaction_id, is_repeat from ("
                               + definition.portable_sources()["repeat_flags"] + "\n)").fetchall())
    finally:
        con.close()
    assert got == {r[0]: r[3] for r in rows}


def test_the_generated_job_embeds_the_definition_and_compiles():
    script = job.job_script()
    compile(script, "rapport_rollup_job.py", "exec")
    namespace: dict = {}
    exec(compile(script, "rapport_rollup_job.py", "exec"), namespace)  # defines functions only
    embedded = namespace["EMBEDDED"]
    assert embedded["contract"] == CONTRACT_VERSION
    assert embedded["sql_hash"] == definition.sql_hash()
    assert embedded["steps"] == definition.spark_sql()
    assert [name for name, _ in embedded["columns"]] == [c.name for c in definition.contract_columns()]
    assert "import analytics" not in script and "from analytics" not in script


def test_the_generated_job_reads_months_and_rejects_a_bad_one():
    namespace: dict = {}
    exec(compile(job.job_script(), "rapport_rollup_job.py", "exec"), namespace)
    assert namespace["parse_months"]("2025-02, 2024-12,2025-02") == ["2024-12", "2025-02"]
    assert namespace["next_month"]("2024-12") == "2025-01"
    with pytest.raises(namespace["JobError"], match="'2025-13' is not a month; write months as YYYY-MM"):
        namespace["parse_months"]("2025-13")
