"""Reading files (analytics/ingest/read.py): gzip and Parquet exports load through the same path as CSV,
stray single bytes in UTF-8 are decoded as what they are, and a NUL byte deep in a file rejects its row.

Known answers are written by hand next to each file; the Parquet and gzip files are made from the same rows
as a plain CSV, and what loads is compared with what the CSV loads.
"""
from __future__ import annotations

import ast
import gzip
import json
import subprocess
import sys
from pathlib import Path

import duckdb

from analytics import db
from analytics.ingest import ingest_file, read, sniff_file

REPO = Path(__file__).resolve().parents[1]
HEADER = "Interaction ID,Call Start,Vendor,Client,Handle Time,CSAT\n"
ROWS = [("I1", "2024-03-01T09:15:00", "Acme", "Retail", "4:05", "5"),
        ("I2", "2024-03-01T10:00:00", "Acme", "Retail", "2:30", ""),
        ("I3", "2024-03-02T11:45:30", "Beta BPO", "Telco", "10:00", "3"),
        ("I4", "not a date", "Beta BPO", "Telco", "1:00", "4")]  # line 5: rejected (unreadable time)
CSV_TEXT = HEADER + "".join(",".join(r) + "\n" for r in ROWS)
STORED = "select interaction_id, occurred_at, provider, account, handle_seconds, csat from interactions order by 1"
EXPECTED = [("I1", "2024-03-01 09:15:00", "Acme", "Retail", 245.0, 5.0),
            ("I2", "2024-03-01 10:00:00", "Acme", "Retail", 150.0, None),
            ("I3", "2024-03-02 11:45:30", "Beta BPO", "Telco", 600.0, 3.0)]


def stored(con) -> list[tuple]:
    return [(i, str(t), p, a, h, c) for i, t, p, a, h, c in con.execute(STORED).fetchall()]


def test_a_gzip_csv_loads_exactly_what_the_plain_csv_loads(tmp_path):
    (tmp_path / "plain.csv").write_text(CSV_TEXT)
    (tmp_path / "export.csv.gz").write_bytes(gzip.compress(CSV_TEXT.encode()))
    plain, packed = db.connect(":memory:"), db.connect(":memory:")
    a = ingest_file(plain, tmp_path / "plain.csv")
    b = ingest_file(packed, tmp_path / "export.csv.gz")
    assert (b.status, b.rows_read, b.rows_loaded, b.rows_rejected) == ("loaded", 4, 3, 1)
    assert (a.rows_loaded, a.rows_rejected) == (3, 1)
    assert stored(packed) == stored(plain) == EXPECTED
    assert b.rejects["line"].tolist() == [5]
    assert packed.execute("select file_name, encoding from batches").fetchall() == [("export.csv.gz", "utf-8")]


def test_a_gzip_of_a_cp1252_file_is_decompressed_and_transcoded(tmp_path):
    text = HEADER + "I1,2024-03-01T09:15:00,Caf\u00e9 S\u00e3o Paulo,Retail,4:05,5\n"
    (tmp_path / "ansi.csv.gz").write_bytes(gzip.compress(text.encode("cp1252")))
    con = db.connect(":memory:")
    result = ingest_file(con, tmp_path / "ansi.csv.gz")
    assert (result.status, result.rows_loaded) == ("loaded", 1), result.message
    assert con.execute("select provider from interactions").fetchall() == [("Caf\u00e9 S\u00e3o Paulo",)]
    assert con.execute("select encoding from batches").fetchall() == [("cp1252",)]


def test_a_parquet_export_loads_its_typed_values_like_the_csv(tmp_path):
    # typed columns, as a warehouse writes them: a TIMESTAMP, a DOUBLE, an INTEGER with a NULL, and a name with a
    # comma and quotes, which the CSV written out for staging must quote
    path = tmp_path / "export.parquet"
    with duckdb.connect() as maker:
        maker.execute(f"""copy (select * from (values
            ('I1', timestamp '2024-03-01 09:15:00', 'Acme, "the" BPO', 'Retail', 245.0, 5),
            ('I2', timestamp '2024-03-01 10:00:00', 'Acme, "the" BPO', 'Retail', 150.0, null),
            ('I3', timestamp '2024-03-02 11:45:30', 'Beta BPO', 'Telco', 600.0, 3))
            t("Interaction ID", "Call Start", "Vendor", "Client", "Handle Time", "CSAT"))
            to '{path}' (format parquet)""")
    sniffed = sniff_file(path)
    assert sniffed.kind == "interactions"
    assert sniffed.mapping.columns["occurred_at"] == "Call Start"
    con = db.connect(":memory:")
    result = ingest_file(con, path)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 3, 0), \
        result.message
    assert stored(con) == [("I1", "2024-03-01 09:15:00", 'Acme, "the" BPO', "Retail", 245.0, 5.0),
                           ("I2", "2024-03-01 10:00:00", 'Acme, "the" BPO', "Retail", 150.0, None),
                           ("I3", "2024-03-02 11:45:30", "Beta BPO", "Telco", 600.0, 3.0)]


def test_damaged_gzip_and_parquet_fail_with_a_sentence_and_load_nothing(tmp_path):
    whole = gzip.compress((CSV_TEXT * 2000).encode())
    (tmp_path / "cut.csv.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "cut.parquet").write_bytes(b"PAR1" + b"\x00" * 100)
    con = db.connect(":memory:")
    for name, words in (("cut.csv.gz", "gzip file is damaged"), ("cut.parquet", "Parquet")):
        result = ingest_file(con, tmp_path / name)
        assert result.status == "failed", result
        assert f"'{name}'" in result.message and words in result.message, result.message
    assert con.execute("select count(*) from batches").fetchone() == (0,)


def test_the_cli_loads_a_gzip_export_with_no_size_option(tmp_path):
    (tmp_path / "export.csv.gz").write_bytes(gzip.compress(CSV_TEXT.encode()))
    done = subprocess.run([sys.executable, "-m", "analytics", "ingest", str(tmp_path / "export.csv.gz"),
                           "--db", str(tmp_path / "r.duckdb"), "--json"], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    report = report[0] if isinstance(report, list) else report
    assert (report["status"], report["rows_loaded"], report["rows_rejected"]) == ("loaded", 3, 1)


def test_a_nul_byte_past_the_first_64_kb_rejects_its_row_with_its_line(tmp_path):
    good = [f"C{i},2024-01-{1 + i % 28:02d}T10:00:00,Acme,Retail,5:00,4\n" for i in range(3000)]
    assert len("".join(good).encode()) > 65536  # the NUL is beyond the binary-file check of the head
    text = HEADER + "".join(good) + "BAD,2024-01-05T10:00:00,Ac\x00me,Retail,5:00,4\n" + "LAST,2024-01-05T10:00:00,Acme,Retail,5:00,4\n"
    (tmp_path / "nul.csv").write_bytes(text.encode())
    con = db.connect(":memory:")
    result = ingest_file(con, tmp_path / "nul.csv")
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3002, 3001, 1)
    assert result.rejects["line"].tolist() == [3002]  # header is line 1, the 3,000 good rows lines 2–3001
    assert "NUL byte" in result.rejects["reason"].iloc[0]
    assert con.execute("select count(*) from interactions where interaction_id = 'BAD'").fetchone() == (0,)
    assert con.execute("select count(*) from interactions where interaction_id = 'LAST'").fetchone() == (1,)


def test_utf8_with_one_stray_latin1_byte_reads_both_spellings_as_the_same_name(tmp_path):
    # "Zürich" once in UTF-8 (c3 bc) and once with a stray latin-1 ü (fc)
    raw = (HEADER.encode() + "I1,2024-03-01T09:15:00,Z\u00fcrich,Retail,4:05,5\n".encode("utf-8")
           + "I2,2024-03-01T10:00:00,Z\u00fcrich,Retail,4:05,5\n".encode("latin-1"))
    (tmp_path / "mixed.csv").write_bytes(raw)
    facts = read.file_facts(tmp_path / "mixed.csv", "mixed.csv")
    assert facts.encoding == read.MIXED_UTF8
    con = db.connect(":memory:")
    result = ingest_file(con, tmp_path / "mixed.csv")
    assert (result.status, result.rows_loaded) == ("loaded", 2), result.message
    assert con.execute("select provider, count(*) from interactions group by 1").fetchall() == [("Z\u00fcrich", 2)]


def test_a_plain_cp1252_file_is_still_read_as_cp1252(tmp_path):
    text = HEADER + "I1,2024-03-01T09:15:00,Caf\u00e9 \u20ac,Retail,4:05,5\n"
    (tmp_path / "ansi.csv").write_bytes(text.encode("cp1252"))
    assert read.file_facts(tmp_path / "ansi.csv", "ansi.csv").encoding == "cp1252"
    con = db.connect(":memory:")
    assert ingest_file(con, tmp_path / "ansi.csv").status == "loaded"
    assert con.execute("select provider from interactions").fetchall() == [("Caf\u00e9 \u20ac",)]


def test_reading_is_the_first_step_and_imports_no_later_one():
    tree = ast.parse((REPO / "analytics/ingest/read.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    later = {"analytics.ingest.sniff", "analytics.ingest.mapping", "analytics.ingest.parse", "analytics.ingest.load"}
    assert not imported & later, imported & later
    load_tree = ast.parse((REPO / "analytics/ingest/load.py").read_text())
    from_sniff = {alias.name for node in ast.walk(load_tree)
                  if isinstance(node, ast.ImportFrom) and node.module == "analytics.ingest.sniff" for alias in node.names}
    assert not from_sniff & {"file_facts", "utf8_copy", "FileFacts"}, from_sniff


def _ascii_table(rows: int) -> bytes:
    return b"id,provider,day,value\n" + b"".join(b"id%07d,Provider A,2024-01-01,%d\n" % (i, i % 7)
                                                   for i in range(rows))


def test_the_ascii_fast_path_keeps_every_utf8_verdict_at_chunk_boundaries(tmp_path):
    """file_facts skips the strict decode of an ASCII chunk only when no character is pending from the last
    one: a character split across a chunk boundary is still UTF-8, a lead byte or a stray byte next to an
    ASCII chunk and a sequence cut short at the end still are not."""
    table = _ascii_table(60_000)  # past the 64 KB head and one 1 MB chunk after it
    for boundary in (65_536, 65_536 + 1024 * 1024):
        def at(insert: bytes, back: int = 0) -> bytes:
            return table[:boundary - back] + insert + table[boundary - back:]

        cases = {"split_2": (at("é".encode(), 1), "utf-8"), "split_4": (at("😀".encode(), 3), "utf-8"),
                 "lead_then_ascii": (at(b"\xc3", 1), "cp1252"), "stray_after_ascii": (at(b"\xe9"), "cp1252"),
                 "lone_continuation": (at(b"\xa9"), "cp1252")}
        for name, (data, expected) in cases.items():
            for suffix, payload in ((".csv", data), (".csv.gz", gzip.compress(data))):
                path = tmp_path / f"{name}_{boundary}{suffix}"
                path.write_bytes(payload)
                assert read.file_facts(path, path.name).encoding == expected, path.name
    for name, tail, expected in (("cut_short", b"x\xe2\x82", "cp1252"), ("whole", "é€\n".encode(), "utf-8")):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(table + tail)
        assert read.file_facts(path, path.name).encoding == expected, name
