"""Limits: the upload size limit (page, ingest, CLI), and files that are very wide, have huge cells
or very many distinct categories load completely in bounded memory."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import db, limits
from analytics.cli import main
from analytics.ingest import IngestError, ingest_file, sniff_file
from tests.builders import APP_RUN_CAP

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
PEAK_RSS_BUDGET_MB = 1500  # a 2-core, few-GB machine; measured peaks are ~200–450 MB


def _small_csv(path: Path, rows: int = 3) -> Path:
    path.write_text("Call Start,Vendor,AHT\n" + "".join(f"2025-03-03 09:{i:02d},Northwind,05:10\n"
                                                       for i in range(rows)), encoding="utf-8")
    return path


# ---- the upload size limit -------------------------------------------------------------------------------

def test_the_default_limit_is_200_mb(monkeypatch):
    monkeypatch.delenv(limits.ENV_VAR, raising=False)
    assert limits.max_upload_mb() == 200
    limits.check_upload_size(200 * MB, "ok.csv")  # at the limit is allowed


def test_a_file_above_the_limit_is_refused_with_the_size_the_limit_and_the_fix(monkeypatch):
    monkeypatch.delenv(limits.ENV_VAR, raising=False)
    with pytest.raises(IngestError) as refused:
        limits.check_upload_size(200 * MB + 1, "huge.csv")
    message = str(refused.value)
    assert "'huge.csv'" in message and "200.0 MB" in message and "limit of 200 MB" in message
    assert limits.ENV_VAR in message and "Split the export" in message


def test_the_limit_follows_the_environment_variable(monkeypatch):
    monkeypatch.setenv(limits.ENV_VAR, "5")
    assert limits.max_upload_bytes() == 5 * MB
    limits.check_upload_size(5 * MB, "a.csv")
    with pytest.raises(IngestError, match="limit of 5 MB"):
        limits.check_upload_size(5 * MB + 1, "a.csv")


@pytest.mark.parametrize("value", ["lots", "0", "-3", "1.5"])
def test_a_malformed_limit_setting_is_reported_not_ignored(monkeypatch, value):
    monkeypatch.setenv(limits.ENV_VAR, value)
    with pytest.raises(IngestError, match=limits.ENV_VAR):
        limits.max_upload_mb()


def test_ingest_refuses_a_file_above_the_limit_and_writes_nothing(con, tmp_path, monkeypatch):
    monkeypatch.setenv(limits.ENV_VAR, "1")
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("Call Start,Vendor,Wrap-up Code,AHT\n")
        i = 0
        while out.tell() <= MB:
            out.write(f"2025-03-03 09:00,Northwind,reason {i:08d} padded out a little,05:10\n")
            i += 1
    version = db.data_version(con)
    result = ingest_file(con, path)
    assert result.status == "failed" and "upload limit of 1 MB" in result.message
    assert db.data_version(con) == version and con.execute("select count(*) from batches").fetchone() == (0,)


def test_the_cli_obeys_the_limit_and_exits_non_zero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(limits.ENV_VAR, "1")
    path = tmp_path / "big.csv"
    path.write_text("Call Start,Vendor,AHT\n" + "2025-03-03 09:00,Northwind,05:10\n" * 40000, encoding="utf-8")
    assert path.stat().st_size > MB
    assert main(["ingest", str(path), "--db", str(tmp_path / "x.duckdb"), "--json"]) == 1
    (result,) = json.loads(capsys.readouterr().out)
    assert result["status"] == "failed" and "upload limit of 1 MB" in result["message"]


def test_a_file_at_the_limit_still_loads(con, tmp_path, monkeypatch):
    monkeypatch.setenv(limits.ENV_VAR, "1")
    result = ingest_file(con, _small_csv(tmp_path / "small.csv"))
    assert (result.status, result.rows_loaded) == ("loaded", 3)


# ---- big shapes, in a child process so its peak memory can be measured ------------------------------------

_CHILD = """
import json, resource, sys
from analytics import db
from analytics.ingest import ingest_file
jobs = json.loads(sys.argv[1])
out = {}
for path, database, queries in jobs:
    con = db.connect(database)
    result = ingest_file(con, path)
    stats = {"status": result.status, "message": result.message, "rows_loaded": result.rows_loaded,
             "rows_read": result.rows_read, "rows_rejected": result.rows_rejected}
    for sql in queries:
        stats[sql] = con.execute(sql).fetchall()
    con.close()
    out[path] = stats
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out, default=str))
"""
WIDE_ROWS = 30
LONG_CELL = "long reason " * 87382  # ~1 MB
# Enough distinct values that every reason is its own dictionary entry in the staging, the parse and the
# rollup (far above DuckDB's small-dictionary sizes); more only makes the load longer.
DISTINCT_REASONS = 50_000


def _write_wide(path: Path) -> None:
    extra = 1997
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(["Call Start", "Vendor", "AHT", *(f"extra {i}" for i in range(extra))]) + "\n")
        for r in range(WIDE_ROWS):
            out.write(",".join([f"2025-03-03 {r // 60:02d}:{r % 60:02d}", "Northwind", "05:10",
                                *(str(r * i) for i in range(extra))]) + "\n")


def _write_long(path: Path) -> None:
    path.write_text("Call Start,Vendor,Wrap-up Code,AHT\n"
                    f'2025-03-03 09:00,Northwind,"{LONG_CELL}",05:10\n'
                    "2025-03-03 10:00,Northwind,short,05:10\n", encoding="utf-8")


def _write_reasons(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Call Start,Vendor,Wrap-up Code,AHT\n")
        out.writelines(f"2025-03-{1 + i % 28:02d} {i % 24:02d}:00,Northwind,reason-{i},05:10\n"
                       for i in range(DISTINCT_REASONS))


BIG_SHAPES = {
    "wide.csv": (_write_wide, ["select count(*) from interactions"]),
    "long.csv": (_write_long, ["select max(length(contact_reason)) from interactions"]),
    "reasons.csv": (_write_reasons, ["select count(distinct contact_reason) from interactions",
                                     "select sum(contacts) from rollup_daily"]),
}


@pytest.fixture(scope="module")
def big_shapes(tmp_path_factory) -> dict:
    """Each big shape loaded into its own database by one child process (one import of Rapport for the three);
    its peak memory, the most any of the loads needed, must stay within the budget."""
    folder = tmp_path_factory.mktemp("big_shapes")
    jobs = []
    for name, (write, queries) in BIG_SHAPES.items():
        write(folder / name)
        jobs.append([str(folder / name), str((folder / name).with_suffix(".duckdb")), queries])
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(jobs)], cwd=REPO, capture_output=True,
                          text=True)  # pytest's timeout caps it
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"big shapes: peak RSS {stats['peak_rss_mb']:.0f} MB")  # pytest -s shows the figure
    assert stats["peak_rss_mb"] < PEAK_RSS_BUDGET_MB, stats
    return {Path(path).name: value for path, value in stats.items() if path != "peak_rss_mb"} | {"folder": folder}


def test_a_file_with_2000_columns_loads_every_row(big_shapes):
    sniffed = sniff_file(big_shapes["folder"] / "wide.csv")
    assert len(sniffed.columns) == limits.MAX_COLUMNS == 2000 and sniffed.kind == "interactions"
    stats = big_shapes["wide.csv"]
    assert (stats["status"], stats["rows_read"], stats["rows_loaded"]) == ("loaded", WIDE_ROWS, WIDE_ROWS), \
        stats["message"]
    assert stats["select count(*) from interactions"] == [[WIDE_ROWS]]


def test_a_one_megabyte_cell_is_stored_whole(big_shapes):
    stats = big_shapes["long.csv"]
    assert (stats["status"], stats["rows_loaded"]) == ("loaded", 2), stats["message"]
    assert stats["select max(length(contact_reason)) from interactions"] == [[len(LONG_CELL.strip())]]


def test_many_distinct_contact_reasons_load_and_roll_up(big_shapes):
    stats = big_shapes["reasons.csv"]
    assert (stats["status"], stats["rows_loaded"]) == ("loaded", DISTINCT_REASONS), stats["message"]
    assert stats["select count(distinct contact_reason) from interactions"] == [[DISTINCT_REASONS]]
    assert stats["select sum(contacts) from rollup_daily"] == [[DISTINCT_REASONS]]


def test_the_data_page_refuses_an_upload_above_the_limit_with_the_message(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RAPPORT_DB", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv(limits.ENV_VAR, "1")
    payload = ("Call Start,Vendor,AHT\n" + "2025-03-03 09:00,Northwind,05:10\n" * 40000).encode()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=APP_RUN_CAP)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader(key="data_uploads").set_value(("big.csv", payload, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "upload limit of 1 MB" in errors and limits.ENV_VAR in errors
    assert not [b for b in at.button if b.key and b.key.endswith("_load")]  # nothing to load
