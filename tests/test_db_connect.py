"""db.connect on an existing file: the schema fingerprint decides whether the schema statements run.

An up-to-date file (its stored fingerprint equals the code's) skips them: shown without timing by a view
dropped behind Rapport's back that the fast path does not recreate. A different fingerprint (older or newer
code), or none (a file from before fingerprints), runs them all and then stores the code's fingerprint.
"""
from __future__ import annotations

from datetime import date

import duckdb

from analytics import db, rollups


def _stored(path) -> str | None:
    with duckdb.connect(str(path)) as raw:
        return raw.execute("select comment from duckdb_tables() where table_name = 'meta'").fetchone()[0]


def _has_view(path) -> bool:
    with duckdb.connect(str(path)) as raw:
        return raw.execute("select count(*) from duckdb_views() where view_name = ?",
                           [db.REGISTER_VIEW]).fetchone()[0] == 1


def _new_file(tmp_path):
    path = tmp_path / "r.duckdb"
    db.connect(path).close()
    return path


def test_a_new_file_stores_the_code_fingerprint(tmp_path):
    path = _new_file(tmp_path)
    assert _stored(path) == db.schema_fingerprint()
    assert db.schema_fingerprint().startswith("rapport schema ")


def test_an_up_to_date_file_skips_the_schema_statements(tmp_path):
    path = _new_file(tmp_path)
    with duckdb.connect(str(path)) as raw:
        raw.execute(f"drop view {db.REGISTER_VIEW}")
    db.connect(path).close()
    assert not _has_view(path)  # the fast path ran no `create view if not exists`


def test_a_different_fingerprint_runs_the_statements_and_stores_the_code_one(tmp_path):
    path = _new_file(tmp_path)
    with duckdb.connect(str(path)) as raw:
        raw.execute(f"drop view {db.REGISTER_VIEW}")
        raw.execute("comment on table meta is 'rapport schema from-another-version'")  # older or newer code
    db.connect(path).close()
    assert _has_view(path)
    assert _stored(path) == db.schema_fingerprint()


def test_a_file_from_before_fingerprints_is_upgraded(tmp_path):
    """Built by hand the way an old version left it: no fingerprint, no rollup_monthly, no batches.rows_updated,
    daily rollups already loaded. The open adds what is missing and backfills the months."""
    path = tmp_path / "old.duckdb"
    db.connect(path).close()
    with duckdb.connect(str(path)) as raw:
        raw.execute("comment on table meta is null")
        raw.execute("drop table rollup_monthly")
        raw.execute("alter table batches drop column rows_updated")
        raw.execute("insert into rollup_daily (day, provider, account, batch_id, contacts) values "
                    "('2025-01-03', 'P', 'A', 1, 2), ('2025-01-20', 'P', 'A', 1, 3), ('2025-02-01', 'P', 'A', 1, 4)")
    assert _stored(path) is None
    con = db.connect(path)
    try:
        assert con.execute("select count(*) from duckdb_columns() where table_name = 'batches' "
                           "and column_name = 'rows_updated'").fetchone()[0] == 1
        assert con.execute("select day, contacts from rollup_monthly order by day").fetchall() == [
            (date(2025, 1, 1), 5), (date(2025, 2, 1), 4)]
    finally:
        con.close()
    assert _stored(path) == db.schema_fingerprint()


def test_the_fast_path_still_backfills_monthly_rollups(tmp_path):
    """A restore can bring back daily rollups without monthly ones into an up-to-date file."""
    path = _new_file(tmp_path)
    with duckdb.connect(str(path)) as raw:
        raw.execute("insert into rollup_daily (day, provider, account, batch_id, contacts) values "
                    "('2025-03-03', 'P', 'A', 1, 6), ('2025-03-04', 'P', 'A', 1, 1)")
        raw.execute(f"drop view {db.REGISTER_VIEW}")  # proves the open below took the fast path
    con = db.connect(path)
    try:
        assert con.execute("select day, contacts from rollup_monthly").fetchall() == [(date(2025, 3, 1), 7)]
    finally:
        con.close()
    assert not _has_view(path)


def test_a_read_only_open_stores_nothing(tmp_path):
    path = _new_file(tmp_path)
    with duckdb.connect(str(path)) as raw:
        raw.execute("comment on table meta is null")
    db.connect(path, read_only=True).close()
    assert _stored(path) is None


def test_the_fingerprint_follows_the_statements_and_the_rollup_measures(monkeypatch):
    base = db.schema_fingerprint()
    assert db.schema_fingerprint() == base  # stable within a version of the code
    original = db.view_sql
    monkeypatch.setattr(db, "view_sql", lambda: original() + ["create view if not exists x as select 1"])
    assert db.schema_fingerprint() != base
    monkeypatch.setattr(db, "view_sql", original)
    measure = rollups.RollupColumn("extra_sum", "BIGINT", True, False, "sum(1)")
    monkeypatch.setattr(rollups, "columns", lambda: rollups.columns_of(rollups._SQL) + (measure,))
    assert db.schema_fingerprint() != base


def _catalog(path) -> dict:
    with duckdb.connect(str(path)) as raw:
        def rows(sql: str) -> list:
            return raw.execute(sql).fetchall()
        return {
            "columns": rows("select table_name, column_name, column_index, data_type, column_default, is_nullable "
                            "from duckdb_columns() where schema_name = 'main' order by 1, 3"),
            "tables": rows("select table_name, comment, sql from duckdb_tables() order by 1"),
            "views": rows("select view_name, sql from duckdb_views() where not internal order by 1"),
            "macros": rows("select function_name, macro_definition from duckdb_functions() "
                           "where function_type = 'macro' and not internal order by 1"),
            "constraints": rows("select table_name, constraint_type, constraint_text from duckdb_constraints() "
                                "order by all"),
            "sequences": rows("select sequence_name, start_value from duckdb_sequences() order by 1"),
            "meta": rows("select * from meta order by 1"),
        }


def test_a_new_file_skips_the_migrations_and_gets_the_same_schema_as_running_them_all(tmp_path):
    """A new file runs schema_sql and view_sql only: its `create table`s already hold every column
    migration_sql adds, in the same order, types and defaults."""
    path = _new_file(tmp_path)
    long_way = tmp_path / "all.duckdb"
    with duckdb.connect(str(long_way)) as raw:
        for statement in db.schema_sql() + db.migration_sql() + db.view_sql():
            raw.execute(statement)
        raw.execute(f"comment on table meta is '{db.schema_fingerprint()}'")
    assert _catalog(path) == _catalog(long_way)
