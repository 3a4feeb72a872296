"""Ingest at scale: bounded memory on every connection, no default size limit for the CLI, wide files refused
fast with a message, and the staging's line numbers (now an as-of join) still physical around ragged rows."""
from __future__ import annotations

import pytest

from analytics import db, limits
from analytics.ingest import ingest_file
from analytics.ingest.errors import IngestError

MB = 1024 * 1024


def test_every_file_connection_has_a_memory_limit_and_spills_next_to_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv(db.MEMORY_ENV, raising=False)
    path = tmp_path / "r.duckdb"
    con = db.connect(path)
    try:
        limit, temp = con.execute("select current_setting('memory_limit'), "
                                  "current_setting('temp_directory')").fetchone()
    finally:
        con.close()
    # 1GB (10^9 bytes) is shown by DuckDB in MiB: 10^9 / 2^20 = 953.67
    assert limit == "953.6 MiB"
    assert temp == str(path) + ".tmp"


def test_the_memory_limit_follows_the_environment_and_a_bad_value_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv(db.MEMORY_ENV, "512MB")
    con = db.connect(":memory:")
    try:
        # 512 * 10^6 / 2^20 = 488.28 MiB
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("488.2 MiB",)
    finally:
        con.close()
    monkeypatch.setenv(db.MEMORY_ENV, "lots")
    with pytest.raises(db.DatabaseFileError, match=r"RAPPORT_DUCKDB_MEMORY='lots' is not an amount of memory"):
        db.connect(tmp_path / "x.duckdb")
    assert not (tmp_path / "x.duckdb").exists()


def test_ingest_has_no_size_limit_unless_one_is_set(monkeypatch):
    monkeypatch.delenv(limits.ENV_VAR, raising=False)
    limits.check_file_size(50_000 * MB, "year.csv")  # the CLI streams any size
    with pytest.raises(IngestError, match="upload limit of 200 MB"):
        limits.check_upload_size(200 * MB + 1, "year.csv")  # the page keeps its default
    monkeypatch.setenv(limits.ENV_VAR, "10")
    with pytest.raises(IngestError, match="upload limit of 10 MB"):
        limits.check_file_size(10 * MB + 1, "year.csv")


def test_a_20000_column_file_is_refused_with_a_message_and_nothing_changes(con, tmp_path):
    width = 20_000
    header = ["Call Start", "Vendor", "AHT"] + [f"extra {i}" for i in range(3, width)]
    row = ["2025-03-03 09:00", "Northwind", "05:10"] + ["1"] * (width - 3)
    path = tmp_path / "wide.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(row) for _ in range(25)) + "\n", encoding="utf-8")
    assert path.stat().st_size > MB
    version = db.data_version(con)
    result = ingest_file(con, path)
    assert result.status == "failed"
    assert "wide.csv" in result.message and "20,000 columns" in result.message
    assert f"more than the {limits.MAX_COLUMNS:,}" in result.message
    assert db.data_version(con) == version and con.execute("select count(*) from batches").fetchone() == (0,)


def test_lines_stay_physical_around_consecutive_ragged_rows_and_quoted_newlines(con, tmp_path):
    # line 1 header; 2 ok; 3 ragged; 4 ragged; 5-6 one record with a quoted newline (bad date); 7 ragged;
    # 8 ok; 9 bad date
    text = ("call id,call start,vendor,aht\n"
            "C1,2024-01-01 09:00,Acme,300\n"
            "C2,2024-01-01 10:00,Acme,300,extra\n"
            "C3,2024-01-01 11:00,Acme,300,extra\n"
            "C4,never,\"Acme\nWest\",300\n"
            "C5,2024-01-01 12:00\n"
            "C6,2024-01-02 09:00,Acme,100\n"
            "C7,nope,Acme,100\n")
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    result = ingest_file(con, path)
    assert result.rows_read == 7
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate
    lines = sorted(set(int(x) for x in result.rejects["line"]))
    assert lines == [3, 4, 5, 7, 9]
    assert sorted(r for (r,) in con.execute("select interaction_id from interactions").fetchall()) == ["C1", "C6"]


def test_3000_blank_lines_then_bad_rows_report_their_physical_lines(con, tmp_path):
    # line 1 header; 2 ok; 3..3002 blank; 3003 bad date; 3004 ragged; 3005 ok; 3006 blank; 3007-3008 one record
    # with a quoted newline and a bad duration; 3009 a whitespace-only line (ragged)
    text = ("call id,call start,vendor,aht\n"
            "C1,2024-01-01 09:00,Acme,300\n"
            + "\n" * 3000 +
            "C2,not a date,Acme,300\n"
            "C3,2024-01-02 09:00,Acme,1,2,3\n"
            "C4,2024-01-03 09:00,Acme,100\n"
            "\n"
            "C5,2024-01-04 09:00,\"Acme\nEast\",zz\n"
            "   \n")
    path = tmp_path / "blank.csv"
    path.write_text(text, encoding="utf-8")
    result = ingest_file(con, path)
    # C5's bad duration is a value reject: the row loads with an empty handle time
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.values_rejected) == (6, 3, 3, 1)
    found = {(int(line), column) for line, column in zip(result.rejects["line"], result.rejects["column"])}
    assert found == {(3003, "call start"), (3004, "(whole row)"), (3007, "aht"), (3009, "(whole row)")}
    stored = con.execute("select \"column\", line from rejects order by line").fetchall()
    assert [line for _, line in stored] == [3003, 3004, 3007, 3009]


def test_a_preamble_with_a_quoted_newline_keeps_the_first_data_row(con, tmp_path):
    # lines 1-2: one quoted title record; 3 blank; 4 header; 5 C1; 6 C2 bad date; 7 blank; 8 C3 ragged; 9 C4
    text = ('"Report Q1\nfinal",x\n\ncall id,call start,vendor,aht\nC1,2024-01-01 09:00,Acme,300\n'
            'C2,bad,Acme,300\n\nC3,2024-01-02 09:00\nC4,2024-01-02 09:00,Acme,300\n')
    path = tmp_path / "titled.csv"
    path.write_text(text, encoding="utf-8")
    result = ingest_file(con, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    assert sorted(zip(result.rejects["line"].astype(int), result.rejects["column"])) == [
        (6, "call start"), (8, "(whole row)")]
    assert sorted(r for (r,) in con.execute("select interaction_id from interactions").fetchall()) == ["C1", "C4"]


def test_an_unterminated_quote_mid_file_refuses_the_file_naming_its_line(con, tmp_path):
    rows = [f"C{i},2024-01-0{1 + i},Acme,300" for i in range(8)]
    rows[3] = 'C3,2024-01-04,"Acme,300'  # line 5: the quote never closes, lines 6-9 would vanish into it
    path = tmp_path / "open.csv"
    path.write_text("call id,call start,vendor,aht\n" + "\n".join(rows) + "\n", encoding="utf-8")
    version = db.data_version(con)
    result = ingest_file(con, path)
    assert result.status == "failed"
    assert result.message.startswith("In file 'open.csv', row 5: a quoted field opened on this line is never closed")
    assert db.data_version(con) == version and con.execute("select count(*) from interactions").fetchone() == (0,)


def test_a_file_read_on_every_thread_keeps_line_order_line_numbers_and_each_rows_own_repeat_flag(con, tmp_path):
    # 300,000 rows: more than two of DuckDB's 122,880-row groups, so the staging, parsing and insert run in
    # parallel. Parallel joins do not keep their input's order, so nothing may pair rows by position: every stored
    # row must sit in line order with its own repeat flag, and a bad row near the end keeps its physical line.
    import numpy as np
    import pandas as pd

    n, customers = 300_000, 40_000
    i = np.arange(n)
    seconds = np.random.default_rng(7).integers(0, 365 * 86400, n)  # spread over a year, not in time order
    times = np.datetime64("2024-01-01T00:00:00") + seconds.astype("timedelta64[s]")
    frame = pd.DataFrame({"call id": np.char.add("C", np.char.zfill(i.astype(str), 7)),
                          "call start": np.datetime_as_string(times, unit="s"), "vendor": "Acme",
                          "customer": np.char.add("K", ((i * 7919) % customers).astype(str)),
                          "resolved": np.where(i % 4 == 0, "Y", "N")})
    bad = n - 17  # data row index; its physical line is bad + 2 (line 1 is the header)
    frame.loc[bad, "call start"] = "not a date"
    path = tmp_path / "many_rows.csv"
    frame.to_csv(path, index=False)

    con.execute("set threads = 8")  # as on a larger machine: more threads, more ways for row order to break
    result = ingest_file(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (n - 1, 1)
    assert result.rejects[["line", "column"]].values.tolist() == [[bad + 2, "call start"]]

    stored = con.execute("select interaction_id, is_repeat, resolved_first_contact from interactions "
                         "order by rowid").df()
    keep = i != bad
    assert stored["interaction_id"].tolist() == frame["call id"][keep].tolist()  # line order
    assert stored["resolved_first_contact"].tolist() == (i[keep] % 4 == 0).tolist()
    # the flag, computed here: another contact of the same customer in the 7 days before, not at the same instant —
    # the latest contact before the row's run of equal (customer, time) pairs
    cust, t = ((i * 7919) % customers)[keep], times[keep]
    order = np.lexsort((t, cust))
    c, s_ = cust[order], t[order]
    k = np.arange(len(order))
    new_run = np.r_[True, (c[1:] != c[:-1]) | (s_[1:] != s_[:-1])]
    before = np.maximum.accumulate(np.where(new_run, k, 0)) - 1
    prior = np.maximum(before, 0)
    flag = (before >= 0) & (c[prior] == c) & (s_ - s_[prior] <= np.timedelta64(7, "D"))
    expected = np.empty(len(order), dtype=bool)
    expected[order] = flag
    assert expected.sum() > 1000  # the file does exercise the flag
    assert stored["is_repeat"].tolist() == expected.tolist()
