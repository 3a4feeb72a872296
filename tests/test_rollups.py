"""Both rollups agree with each other and with raw rows; the right one is chosen."""
from __future__ import annotations

from datetime import date

import pytest
import sqlglot
from sqlglot import exp

from analytics import db, rollups
from analytics.filters import Filters
from analytics.kpi_frames import kpi_frame
from tests.builders import insert_rows


def rows_over_two_months() -> list[dict]:
    base = dict(provider="P", account="A", channel="phone", handle_seconds=300.0, resolved_first_contact=True)
    return [base | {"occurred_at": "2024-01-03 10:00"}, base | {"occurred_at": "2024-01-31 23:59"},
            base | {"occurred_at": "2024-02-01 00:00", "handle_seconds": 600.0, "channel": "chat"},
            base | {"occurred_at": "2024-02-15 12:00", "resolved_first_contact": False}]


def test_monthly_rollup_holds_the_daily_sums_per_month(con):
    insert_rows(con, "interactions", rows_over_two_months())
    monthly = con.execute("select day, channel, contacts, handle_sum, fcr_yes from rollup_monthly order by 1, 2").fetchall()
    assert monthly == [(date(2024, 1, 1), "phone", 2, 600.0, 2), (date(2024, 2, 1), "chat", 1, 600.0, 1),
                       (date(2024, 2, 1), "phone", 1, 300.0, 0)]
    assert rollups.mismatches(con) == 0


def test_dropping_a_batch_empties_both_rollups(con):
    insert_rows(con, "interactions", rows_over_two_months(), batch_id=4)
    rollups.drop_batch(con, 4)
    assert con.execute("select (select count(*) from rollup_daily) + (select count(*) from rollup_monthly)").fetchone() == (0,)


def test_monthly_rollup_is_read_only_when_whole_months_answer_the_question():
    assert rollups.table_for("month", None, None) == "rollup_monthly"
    assert rollups.table_for("quarter", date(2024, 1, 1), date(2024, 3, 31)) == "rollup_monthly"
    assert rollups.table_for("week", None, None) == "rollup_daily"
    assert rollups.table_for("month", date(2024, 1, 2), None) == "rollup_daily"
    assert rollups.table_for("month", None, date(2024, 2, 28)) == "rollup_daily"   # 2024 is a leap year
    assert rollups.table_for("month", None, date(2024, 2, 29)) == "rollup_monthly"


def test_a_mid_month_date_filter_counts_exact_days(con):
    insert_rows(con, "interactions", rows_over_two_months())
    frame = kpi_frame(con, ["contacts", "aht_seconds"], Filters(start=date(2024, 1, 31), end=date(2024, 2, 1)),
                      grain="month")
    got = {(p.strftime("%Y-%m"), k): v for p, k, v in frame[["period", "kpi", "value"]].itertuples(index=False)}
    assert got == {("2024-01", "contacts"): 1, ("2024-02", "contacts"): 1,
                   ("2024-01", "aht_seconds"): 300.0, ("2024-02", "aht_seconds"): 600.0}


def test_a_database_from_before_the_monthly_rollup_is_backfilled_on_connect(con):
    insert_rows(con, "interactions", rows_over_two_months())
    con.execute("delete from rollup_monthly")
    rollups.backfill_monthly(con)
    assert con.execute("select sum(contacts) from rollup_monthly").fetchone() == (4,)


# ---- the tables are derived from the rollup SQL -----------------------------------------------------------

def test_the_rollup_tables_have_the_columns_duckdb_binds_from_the_rollup_sql(con):
    """An independent derivation: DuckDB's own binder describes rollup_daily.sql over `interactions`."""
    bound = [(name, kind) for name, kind, *_ in con.execute("describe " + rollups.SQL_FILE.read_text()).fetchall()]
    for table in ("rollup_daily", "rollup_monthly"):
        described = [(name, kind) for name, kind, *_ in con.execute(f"describe {table}").fetchall()]
        assert [c for c in described if c[0] != "batch_id"] == bound
        assert described[[n for n, _ in bound].index("contacts")] == ("batch_id", "INTEGER")  # after the keys
    assert [(c.name, c.sql_type) for c in rollups.columns()] == bound


def test_keys_and_measures_are_read_from_the_select_list():
    sql = """with final as (
        select cast(occurred_at as date) as day, cast(provider as varchar) as provider,
               cast(count(*) as bigint) as contacts,
               cast(count(*) filter (where escalated) as bigint) as escalated_yes,
               cast(sum(cost) as double) as cost_sum
        from interactions group by cast(occurred_at as date), provider)
    select * from final"""
    got = [(c.name, c.sql_type, c.is_measure, c.not_null, c.expression) for c in rollups.columns_of(sql)]
    assert got == [("day", "DATE", False, True, "occurred_at"), ("provider", "VARCHAR", False, False, "provider"),
                   ("contacts", "BIGINT", True, True, "count(*)"),
                   ("escalated_yes", "BIGINT", True, False, "count(*) filter (where escalated)"),
                   ("cost_sum", "DOUBLE", True, False, "sum(cost)")]
    assert rollups.table_ddl(rollups.columns_of(sql)) == (
        "create table if not exists rollup_daily (\n  day date not null,\n  provider varchar,\n"
        "  batch_id integer not null,\n  contacts bigint not null,\n  escalated_yes bigint,\n  cost_sum double\n)")


def test_an_output_that_is_not_cast_is_refused_by_name():
    sql = ("with final as (select cast(occurred_at as date) as day, count(*) as contacts from interactions "
           "group by cast(occurred_at as date)) select * from final")
    with pytest.raises(ValueError, match=r"rollup output 'count\(\*\) as contacts' is not `cast"):
        rollups.columns_of(sql)


def test_a_database_from_before_a_measure_gains_its_column_with_every_batch_recomputed(tmp_path):
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    insert_rows(con, "interactions", [{**row, "reopened": i % 2 == 0}
                                      for i, row in enumerate(rows_over_two_months())], batch_id=3)
    for table in ("rollup_daily", "rollup_monthly"):  # as a file written before reopened_yes existed
        con.execute(f"alter table {table} drop column reopened_yes")
    con.execute("comment on table meta is null")  # and from before schema fingerprints (db.ensure_schema)
    con.close()
    con = db.connect(path)
    try:
        assert con.execute("select sum(reopened_yes), sum(reopened_n) from rollup_daily").fetchone() == (2, 4)
        assert con.execute("select day, sum(reopened_yes) from rollup_monthly group by day order by 1").fetchall() == [
            (date(2024, 1, 1), 1), (date(2024, 2, 1), 1)]
        assert rollups.mismatches(con) == 0
    finally:
        con.close()


def test_the_scan_of_the_select_list_agrees_with_sqlglots_parse():
    """rollups reads the select list with a plain scan (cheap at every connect); sqlglot must read the same."""
    tree = sqlglot.parse_one(rollups.SQL_FILE.read_text(), read="duckdb")
    final = next(cte for cte in tree.find_all(exp.CTE) if cte.alias == "final")
    parsed = []
    for projection in final.this.expressions:
        cast = projection.unalias()
        kind = cast.to.sql("duckdb").upper()
        parsed.append((projection.alias, "VARCHAR" if kind == "TEXT" else kind, cast.find(exp.AggFunc) is not None,
                       projection.alias == "day" or (isinstance(cast.this, exp.Count)
                                                     and isinstance(cast.this.this, exp.Star))))
    assert [(c.name, c.sql_type, c.is_measure, c.not_null) for c in rollups.columns()] == parsed


def test_each_batchs_rollup_rows_are_stored_in_key_order(con):
    # written in reverse key order on purpose, so storage order can only come from the rollup's sort
    rows = [dict(provider=p, account=a, channel="phone", occurred_at=f"2024-0{m}-1{d} 09:00")
            for p in ("Zeta", "Mid", "Alpha") for a in ("b", "a") for m in (3, 1) for d in (5, 2)]
    insert_rows(con, "interactions", rows)
    for table in ("rollup_daily", "rollup_monthly"):
        stored = con.execute(f"select provider, account, day from {table} order by rowid").fetchall()
        assert stored == sorted(stored) and len(stored) == (24 if table == "rollup_daily" else 12), table
