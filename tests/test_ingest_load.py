"""Batches: kind detection, mappings, atomicity, idempotence, dedup, drop_batch, rollups."""
from __future__ import annotations

import pytest

from analytics import db, rollups
from analytics.ingest import (Mapping, drop_batch, ingest_file, list_batches, load_mapping, rejected_rows,
                              save_mapping, saved_mappings, sniff_file)
from analytics.ingest.errors import IngestError

CALLS = ("call id,call start,vendor,client,customer id,aht,csat\n"
         "C1,2024-01-01 09:00,Acme,Bank,K1,300,5\n"
         "C2,2024-01-03 10:00,Acme,Bank,K1,240,4\n"
         "C3,2024-01-20 11:00,Acme,Bank,K1,200,2\n"
         "C4,2024-01-21 12:00,Beta,Bank,K2,100,3\n")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(con, table: str = "interactions") -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


# What a database holds besides its rows: every test that starts from the `con` fixture (a copy of a file
# db.connect built, tests/builders.empty_database) relies on the copy being db.connect's database exactly.
CATALOG = {
    "tables": "select table_name, sql from duckdb_tables() where database_name = 'memory' order by all",
    "columns": "select table_name, column_name, data_type, column_default, is_nullable from duckdb_columns()"
               " where database_name = 'memory' order by all",
    "constraints": "select table_name, constraint_type, constraint_text from duckdb_constraints()"
                   " where database_name = 'memory' order by all",
    "views": "select view_name, sql from duckdb_views() where database_name = 'memory' and not internal order by all",
    "macros": "select function_name, parameters, macro_definition from duckdb_functions()"
              " where function_type = 'macro' and not internal order by all",
    "sequences": "select sequence_name, start_value, increment_by, min_value, max_value, cycle, last_value"
                 " from duckdb_sequences() order by all",
    "indexes": "select table_name, index_name, sql from duckdb_indexes() order by all",
    "settings": "select name, value from duckdb_settings() where name in ('memory_limit', 'temp_directory')"
                " order by all",
    "meta": "select * from meta order by all",
}


def test_the_con_fixture_is_exactly_the_empty_database_db_connect_creates(con):
    created = db.connect(":memory:")
    try:
        for name, sql in CATALOG.items():
            assert con.execute(sql).fetchall() == created.execute(sql).fetchall(), name
        assert con.execute("select count(*) from duckdb_tables() where database_name = 'memory'").fetchone()[0] > 10
        assert [con.execute("select nextval('batch_seq')").fetchone()[0] for _ in range(2)] == [1, 2]
    finally:
        created.close()


def test_kind_is_recognised_from_headers(tmp_path):
    assert sniff_file(write(tmp_path, "a.csv", CALLS)).kind == "interactions"
    assert sniff_file(write(tmp_path, "b.csv", "month,provider,sla %,attrition\n2024-01,A,90,10\n")).kind == \
        "performance"
    assert sniff_file(write(tmp_path, "c.csv", "vendor,client,relationship model,contract start\n"
                                                "A,B,partnership,2020-01-01\n")).kind == "engagements"


def test_synonyms_map_source_headers_to_canonical_fields(tmp_path):
    mapping = sniff_file(write(tmp_path, "a.csv", CALLS)).mapping
    assert mapping.columns == {"interaction_id": "call id", "occurred_at": "call start", "provider": "vendor",
                               "account": "client", "customer_id": "customer id", "handle_seconds": "aht",
                               "csat": "csat"}


def test_an_explicit_mapping_overrides_the_automatic_one(con, tmp_path):
    path = write(tmp_path, "a.csv", "when,who,score,other score\n2024-01-01,Acme,4,9\n")
    mapping = Mapping(kind="interactions", columns={"occurred_at": "when", "provider": "who", "nps": "other score"})
    result = ingest_file(con, path, mapping=mapping)
    assert result.status == "loaded"
    assert con.execute("select provider, nps from interactions").fetchall() == [("Acme", 9.0)]


def test_a_constant_supplies_a_missing_provider(con, tmp_path):
    path = write(tmp_path, "a.csv", "date,topic,csat\n2024-01-01,Billing,4\n")
    assert sniff_file(path).missing_required
    refused = ingest_file(con, path)
    assert refused.status == "failed" and "provider or account" in refused.message and "'topic'" in refused.message
    loaded = ingest_file(con, path, mapping=Mapping(kind="interactions", constants={"provider": "Acme BPO"}))
    assert loaded.status == "loaded"
    assert con.execute("select provider, account from interactions").fetchall() == [("Acme BPO", "Unassigned")]


def test_mapping_round_trips_through_json_and_the_database(con):
    mapping = Mapping(kind="interactions", columns={"occurred_at": "Date"}, constants={"provider": "X"},
                      date_order="dmy")
    assert Mapping.from_json(mapping.to_json()) == mapping
    save_mapping(con, "acme", mapping)
    assert load_mapping(con, "acme") == mapping
    assert load_mapping(con, "nobody") is None
    assert list(saved_mappings(con)["source_name"]) == ["acme"]


def test_a_mapping_naming_an_unknown_field_is_refused():
    with pytest.raises(IngestError, match="do not have"):
        Mapping(kind="interactions", columns={"shoe_size": "x"})


def test_a_failure_mid_batch_leaves_the_database_unchanged(con, tmp_path, monkeypatch):
    ingest_file(con, write(tmp_path, "first.csv", CALLS))
    before = [count(con, t) for t in ("interactions", "batches", "rejects", "rollup_daily")]

    def broken_rollup(cur, batch_id):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollups, "add_batch", broken_rollup)
    with pytest.raises(RuntimeError):
        ingest_file(con, write(tmp_path, "second.csv", CALLS.replace("C", "D") + "D9,bad date,Acme,Bank,K,1,1\n"))
    assert [count(con, t) for t in ("interactions", "batches", "rejects", "rollup_daily")] == before


def test_reupload_of_same_file_is_a_no_op(con, tmp_path):
    path = write(tmp_path, "a.csv", CALLS)
    first = ingest_file(con, path)
    again = ingest_file(con, path, file_name="renamed.csv")
    assert first.status == "loaded" and again.status == "skipped"
    assert again.batch_id == first.batch_id and "already loaded" in again.message
    assert count(con) == 4 and count(con, "batches") == 1


def test_overlapping_exports_are_counted_once(con, tmp_path):
    lines = CALLS.splitlines()
    january = "\n".join(lines[:4]) + "\n"
    overlap = "\n".join([lines[0], *lines[2:]]) + "\n"
    ingest_file(con, write(tmp_path, "jan.csv", january))
    second = ingest_file(con, write(tmp_path, "overlap.csv", overlap))
    assert (second.rows_read, second.rows_loaded, second.rows_duplicate) == (3, 1, 2)
    assert count(con) == 4


def test_rows_without_an_id_dedup_on_a_hash_of_their_values(con, tmp_path):
    text = "date,provider,csat\n2024-01-01,A,4\n2024-01-01,A,4\n2024-01-02,A,4\n"
    first = ingest_file(con, write(tmp_path, "a.csv", text))
    second = ingest_file(con, write(tmp_path, "b.csv", text + "2024-01-03,A,5\n"))
    assert (first.rows_loaded, first.rows_duplicate) == (2, 1)
    assert (second.rows_loaded, second.rows_duplicate) == (1, 3)
    assert count(con) == 3


def test_performance_dedups_on_period_provider_account(con, tmp_path):
    ingest_file(con, write(tmp_path, "a.csv", "month,provider,client,sla\n2024-01,A,X,0.9\n2024-02,A,X,0.8\n"))
    second = ingest_file(con, write(tmp_path, "b.csv", "month,provider,client,sla\n2024-02-15,A,X,0.7\n"
                                                       "2024-02,A,Y,0.7\n"))
    assert (second.rows_loaded, second.rows_duplicate) == (1, 1)
    assert count(con, "performance") == 3


def test_engagements_already_registered_are_skipped(con, tmp_path):
    header = "provider,account,relationship model,contract start\n"
    ingest_file(con, write(tmp_path, "a.csv", header + "A,X,partnership,2020-01-01\n"))
    second = ingest_file(con, write(tmp_path, "b.csv", header + "A,X,transactional,2021-01-01\nB,X,vendor,2021-01-01\n"))
    assert (second.rows_loaded, second.rows_duplicate) == (1, 1)
    assert con.execute("select relationship_model from engagements where provider = 'A'").fetchone() == ("partnership",)


def test_drop_batch_removes_exactly_its_rows_rollup_and_rejects(con, tmp_path):
    keep = ingest_file(con, write(tmp_path, "a.csv", CALLS))
    drop = ingest_file(con, write(tmp_path, "b.csv", CALLS.replace("C", "E") + "E9,never,Acme,Bank,K,1,1\n"))
    assert drop.rows_rejected == 1 and len(rejected_rows(con, drop.batch_id)) == 1
    assert drop_batch(con, drop.batch_id) == 4
    assert count(con) == 4 and rollups.mismatches(con) == 0
    assert con.execute("select count(*) from rollup_daily where batch_id = ?", [drop.batch_id]).fetchone()[0] == 0
    assert rejected_rows(con, drop.batch_id).empty
    assert list(list_batches(con)["batch_id"]) == [keep.batch_id]
    with pytest.raises(IngestError, match="no batch"):
        drop_batch(con, drop.batch_id)


def test_rollup_after_ingest_equals_the_raw_rows(con, tmp_path):
    ingest_file(con, write(tmp_path, "a.csv", CALLS))
    raw = con.execute("select count(*), sum(handle_seconds), count(*) filter (where csat >= 4) from interactions"
                      ).fetchone()
    rolled = con.execute("select sum(contacts), sum(handle_sum), sum(csat_sat) from rollup_daily").fetchone()
    assert raw == rolled == (4, 840.0, 2)
    assert rollups.mismatches(con) == 0


def test_repeat_contacts_look_back_seven_days_across_batches(con, tmp_path):
    lines = CALLS.splitlines()
    ingest_file(con, write(tmp_path, "a.csv", "\n".join(lines[:2]) + "\n"))
    ingest_file(con, write(tmp_path, "b.csv", "\n".join([lines[0], *lines[2:]]) + "\n"))
    repeats = dict(con.execute("select interaction_id, is_repeat from interactions").fetchall())
    # C2 is 2 days after C1 (earlier batch); C3 is 17 days after C2; C4 is another customer's first contact.
    assert repeats == {"C1": False, "C2": True, "C3": False, "C4": False}


def _reference_repeats(rows: list[tuple[str, str, str]]) -> dict[str, bool | None]:
    """is_repeat by its definition, in Python: the same customer had a contact in the 7 days strictly before."""
    from datetime import datetime, timedelta

    times = [(i, c, datetime.fromisoformat(t)) for i, t, c in rows]
    return {i: (None if not c else any(c2 == c and t - timedelta(days=7) <= t2 < t for _, c2, t2 in times))
            for i, c, t in times}


@pytest.mark.parametrize("case", ["plain", "later line in the file", "matches a stored row", "quoted field"])
def test_rows_are_stored_in_file_order_with_their_own_repeat_flags(con, tmp_path, case):
    """Whatever path the insert takes (rows paired with their flags by position, or joined and sorted by line),
    every row is stored in the file's order and carries its own repeat flag."""
    rows = [(f"R{n:03d}", f"2024-03-{1 + (n * 7) % 28:02d} {n % 24:02d}:00:00", "" if n % 5 == 0 else f"K{n % 6}")
            for n in range(60)]
    header = "call id,call start,vendor,client,customer id,aht,csat\n"
    body = [f"{i},{t},Acme,Bank,{c},{100 + k},4" for k, (i, t, c) in enumerate(rows)]
    if case == "later line in the file":
        body.append(body[3])  # the same id again, on a later line: skipped as a duplicate
    if case == "quoted field":
        body[10] = body[10].replace(",Acme,", ',"Acme",')
    if case == "matches a stored row":
        ingest_file(con, write(tmp_path, "first.csv", header + "\n".join(body[:5]) + "\n"))
    result = ingest_file(con, write(tmp_path, "calls.csv", header + "\n".join(body) + "\n"))
    assert result.status == "loaded", result.message
    stored = con.execute("select interaction_id, is_repeat from interactions order by rowid").fetchall()
    assert [i for i, _ in stored] == [i for i, _, _ in rows]
    assert dict(stored) == _reference_repeats(rows)


STORED = {"interactions": "select * from interactions order by rowid",
          "rejects": "select line, \"column\", value, reason, scope from rejects order by all",
          "batches": "select rows_read, rows_loaded, rows_rejected, rows_duplicate, values_rejected from batches"}


@pytest.mark.parametrize("case", ["one record per line", "a ragged record"])
def test_a_file_read_in_place_loads_exactly_as_one_staged_as_text(schema_template, tmp_path, monkeypatch, case):
    """A file whose every line is one record is parsed straight from the file (staging "direct"), keeping only the
    failing records' raw text; one with a ragged record falls back to staging the text. Either way the database
    ends exactly as when the file is staged as text first."""
    from functools import partial

    from analytics.ingest import load
    from tests.builders import empty_database

    text = CALLS + ("C5,2024-01-22 09:00,Acme,Bank,K1,120,4.7.2\n" # csat 4.7.2: a value rejected, the row loads
                    "C6,yesterday,Acme,Bank,K3,100,4\n"            # no time: the row is rejected
                    "C2,2024-01-03 10:00,Acme,Bank,K1,240,4\n")    # the same id again: a duplicate
    if case == "a ragged record":
        text += "C7,2024-01-23 09:00,Acme\n"
    path = write(tmp_path, "calls.csv", text)
    stagings: list[str] = []
    stage = load._stage
    monkeypatch.setattr(load, "_stage", lambda *a, **k: stagings.append(stage(*a, **k)) or stagings[-1])
    read_in_place, staged_as_text = empty_database(schema_template), empty_database(schema_template)
    try:
        first = ingest_file(read_in_place, path)
        assert stagings == (["direct"] if case == "one record per line" else ["direct", "mapped"])
        monkeypatch.setattr(load, "_load", partial(load._load, direct=False))
        second = ingest_file(staged_as_text, path)
        assert stagings[-1] in ("lines", "mapped")
        assert (first.rows_loaded, first.rows_rejected, first.values_rejected, first.rows_duplicate) == \
            (5, 1 + (case == "a ragged record"), 1, 1)
        for name, sql in STORED.items():
            assert read_in_place.execute(sql).fetchall() == staged_as_text.execute(sql).fetchall(), name
        assert first.rejects.equals(second.rejects)
        assert {"4.7.2", "yesterday"} <= set(first.rejects["value"])
    finally:
        read_in_place.close()
        staged_as_text.close()


def test_dry_run_reports_counts_and_writes_nothing(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "a.csv", CALLS + "C9,never,Acme,Bank,K,1,1\n"), dry_run=True)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("dry-run", 5, 4, 1)
    assert count(con) == 0 and count(con, "batches") == 0 and count(con, "rejects") == 0


def test_reject_lines_are_physical_lines_despite_quoted_newlines_and_ragged_rows(con, tmp_path):
    text = ('call id,date,vendor,reason,csat\r\n'
            'A1,2024-01-01,Acme,"two\nlines",4\r\n'
            'A2,2024-01-02,Acme,"three\nmore\nlines",4\r\n'
            'A3,2024-01-03,Acme,short\r\n'
            'A4,2024-01-04,Acme,ok,99\r\n'
            'A5,not a date,Acme,ok,4\r\n')
    result = ingest_file(con, write(tmp_path, "q.csv", text))
    lines = dict(zip(result.rejects["value"], result.rejects["line"]))
    assert lines == {"A3,2024-01-03,Acme,short": 7, "99": 8, "not a date": 9}
    # csat 99 is rejected as a value: row A4 loads without it
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.values_rejected) == (5, 3, 2, 1)


def test_progress_is_reported_at_each_stage(con, tmp_path):
    seen = []
    ingest_file(con, write(tmp_path, "a.csv", CALLS), progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 5


def test_channel_spellings_from_different_platforms_land_in_one_series(con, tmp_path):
    text = ("call id,call start,vendor,client,channel,aht\n"
            "K1,2024-01-01 09:00,Acme,Bank,Phone,300\n"
            "K2,2024-01-01 10:00,Acme,Bank,Voice,300\n"
            "K3,2024-01-01 11:00,Acme,Bank,Live Chat,300\n"
            "K4,2024-01-01 12:00,Acme,Bank,E-mail,300\n"
            "K5,2024-01-01 13:00,Acme,Bank,Internet,300\n"
            "K6,2024-01-01 14:00,Acme,Bank, Kiosk ,300\n")
    result = ingest_file(con, write(tmp_path, "channels.csv", text))
    assert result.status == "loaded" and result.rows_loaded == 6
    stored = [c for (c,) in con.execute("select channel from interactions order by interaction_id").fetchall()]
    assert stored == ["phone", "phone", "chat", "email", "web", "kiosk"]
