"""Security review, enforced: hostile headers and file names are data, exports cannot run formulas,
the server configuration keeps its protections, and every raw-HTML call site is reviewed in docs/SECURITY.md."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
from pathlib import Path

import pandas as pd

from analytics import db, limits
from analytics.cli import main
from analytics.export import FORMULA_STARTS, csv_bytes
from analytics.filters import Filters
from analytics.ingest import Mapping, ingest_file, rejected_rows
from analytics.insight import channel_mix
from tests.builders import APP_RUN_CAP

REPO = Path(__file__).resolve().parents[1]
EVIL_HEADER = 'x"; DROP TABLE interactions; --'
EVIL_VALUE = "'); DROP TABLE batches; --"


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _cells(data: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return [cell for row in rows for cell in row]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_no_formula_cells(data: bytes) -> None:
    """No text cell starts like a formula (plain numbers such as -1.5 are fine: they are not formulas)."""
    risky = [c for c in _cells(data) if c.startswith(FORMULA_STARTS) and not _is_number(c)]
    assert risky == [], f"cells a spreadsheet would run as formulas: {risky}"


# ---- SQL: hostile identifiers and values -----------------------------------------------------------------

def test_a_header_written_as_sql_loads_as_data_and_every_table_survives(con, tmp_path):
    file = tmp_path / "evil.csv"
    file.write_text(
        f"Call Start,Vendor,{_csv_field(EVIL_HEADER)},{_csv_field(EVIL_HEADER + ' 2')},AHT\n"
        f"2025-03-03 09:00,Northwind,{_csv_field(EVIL_VALUE)},Phone,05:10\n"
        f"2025-03-03 10:00,Northwind,Billing,Chat,not-a-duration\n", encoding="utf-8")
    mapping = Mapping(kind="interactions", columns={"contact_reason": EVIL_HEADER,
                                                    "channel": EVIL_HEADER + " 2", "handle_seconds": "AHT"})
    tables_before = con.execute("select table_name from duckdb_tables() order by 1").fetchall()

    result = ingest_file(con, file, mapping=mapping)

    # The bad duration is rejected (the whole row, or only the value with the row kept: either is accounted).
    assert (result.status, result.rows_loaded + result.rows_rejected) == ("loaded", 2), result.message
    assert con.execute("select table_name from duckdb_tables() order by 1").fetchall() == tables_before
    assert (EVIL_VALUE, "phone") in con.execute("select contact_reason, channel from interactions").fetchall()
    stored = Mapping.from_json(con.execute("select mapping from batches").fetchone()[0])
    assert stored.columns["contact_reason"] == EVIL_HEADER
    rejected = rejected_rows(con, result.batch_id)
    assert rejected[["column", "value"]].values.tolist() == [["AHT", "not-a-duration"]]


def test_a_rejected_value_under_a_hostile_header_is_stored_with_that_header_as_text(con, tmp_path):
    file = tmp_path / "evil.csv"
    file.write_text(f"Call Start,Vendor,{_csv_field(EVIL_HEADER)}\n2025-03-03 09:00,Northwind,{_csv_field(EVIL_VALUE)}\n"
                    "2025-03-04 09:00,Northwind,12:30\n", encoding="utf-8")
    mapping = Mapping(kind="interactions", columns={"handle_seconds": EVIL_HEADER})
    result = ingest_file(con, file, mapping=mapping)
    assert (result.status, result.rows_loaded + result.rows_rejected) == ("loaded", 2), result.message
    assert rejected_rows(con, result.batch_id)[["column", "value"]].values.tolist() == [[EVIL_HEADER, EVIL_VALUE]]
    assert con.execute("select count(*) from interactions").fetchone() == (result.rows_loaded,)


# ---- file names are data, never paths --------------------------------------------------------------------

def test_an_uploaded_file_name_with_dot_dots_is_stored_as_text_and_no_file_is_written_there(tmp_path):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    upload = work / "upload-0001.csv"
    upload.write_text("Call Start,Vendor,AHT\n2025-03-03 09:00,Northwind,05:10\n2025-03-03 10:00,Northwind,?x\n",
                      encoding="utf-8")
    con = db.connect(work / "rapport.duckdb")
    passwd = Path("/etc/passwd")
    passwd_before = hashlib.sha256(passwd.read_bytes()).hexdigest() if passwd.exists() else None
    before = sorted(p for p in tmp_path.rglob("*") if "rapport.duckdb" not in p.name)
    hostile = "../../etc/passwd.csv"

    result = ingest_file(con, upload, file_name=hostile)

    assert result.status == "loaded" and result.file == hostile
    assert con.execute("select file_name from batches").fetchone() == (hostile,)
    assert set(con.execute("select file_name from rejects").fetchall()) == {(hostile,)}
    con.close()
    after = sorted(p for p in tmp_path.rglob("*") if "rapport.duckdb" not in p.name)
    assert after == before
    assert not (work / hostile).resolve().exists() and not (Path.cwd() / hostile).resolve().exists()
    if passwd_before is not None:
        assert hashlib.sha256(passwd.read_bytes()).hexdigest() == passwd_before


def test_the_data_page_never_builds_a_path_from_the_client_file_name(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RAPPORT_DB", str(tmp_path / "app.duckdb"))
    monkeypatch.chdir(tmp_path)
    hostile = "../../rapport-traversal-probe.csv"
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=APP_RUN_CAP)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader(key="data_uploads").set_value(
        (hostile, b"Call Start,Vendor,AHT\n2025-03-03 09:00,Northwind,05:10\n", "text/csv")).run()
    load = [b for b in at.button if b.key and b.key.endswith("_load")][0]
    load.click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state[load.key.replace("_load", "_result")]
    assert (result.status, result.file) == ("loaded", hostile)
    assert not (tmp_path / hostile).resolve().exists()
    assert not (Path(__import__("tempfile").gettempdir()) / hostile).resolve().exists()


# ---- spreadsheet formula injection in every export -------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1"]


def test_csv_bytes_neutralises_formula_text_in_cells_headers_and_categoricals():
    frame = pd.DataFrame({
        "reason": pd.Series(FORMULAS, dtype="str"),
        "as_object": pd.Series(FORMULAS, dtype=object),
        "as_category": pd.Categorical(FORMULAS),
        "=HEADER()": [1, 2, 3, 4, 5],
        "number": [-1.5, 2.0, -3.0, 4.0, 5.0],
    })
    data = csv_bytes(frame)
    _assert_no_formula_cells(data)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert [r["as_category"] for r in rows] == ["'" + f for f in FORMULAS]  # neutralised, not lost
    assert [r["number"] for r in rows] == ["-1.5", "2.0", "-3.0", "4.0", "5.0"]  # numbers stay numbers
    assert "'=HEADER()" in rows[0]


def _hostile_database(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "hostile.duckdb"
    con = db.connect(path)
    file = tmp_path / "hostile.csv"
    # January's handle times are formulas too (rejected rows); February's load.
    body = "\n".join(f"2025-0{m}-0{d} 09:00,Northwind,{_csv_field(f)},{_csv_field(f)},"
                     f"{_csv_field(f) if m == 1 else '05:10'}"
                     for m in (1, 2) for d, f in enumerate(FORMULAS, start=1))
    file.write_text("Call Start,Vendor,Channel,Wrap-up Code,AHT\n" + body + "\n", encoding="utf-8")
    result = ingest_file(con, file)
    recorded = len(rejected_rows(con, result.batch_id)) if result.batch_id else 0
    con.close()
    assert (result.status, result.rows_loaded + result.rows_rejected, recorded) == ("loaded", 10, 5), result.message
    return path, result.batch_id


def test_the_rejects_csv_from_the_cli_cannot_run_formulas(tmp_path):
    path, batch_id = _hostile_database(tmp_path)
    out = tmp_path / "rejects.csv"
    assert main(["rejects", str(batch_id), "--db", str(path), "--csv", str(out)]) == 0
    data = out.read_bytes()
    assert "'=HYPERLINK" in data.decode("utf-8")
    _assert_no_formula_cells(data)


def test_the_rejects_download_on_the_data_page_cannot_run_formulas(tmp_path):
    path, batch_id = _hostile_database(tmp_path)
    con = db.connect(path)
    frame = rejected_rows(con, batch_id)  # exactly what pages/data.py passes to csv_bytes
    con.close()
    assert frame["value"].str.startswith(FORMULA_STARTS).any()
    _assert_no_formula_cells(csv_bytes(frame))


def test_chart_data_csvs_cannot_run_formulas(tmp_path):
    from ui.exports import chart_csv_bytes

    path, _ = _hostile_database(tmp_path)
    con = db.connect(path)
    frame = channel_mix(con, Filters(), grain="month")
    con.close()
    assert frame["channel"].astype(str).str.startswith(FORMULA_STARTS).any()
    _assert_no_formula_cells(chart_csv_bytes((0, "test"), "channel_mix", frame))


def test_report_csvs_from_the_cli_cannot_run_formulas(tmp_path, capsys):
    path, _ = _hostile_database(tmp_path)
    for name, view in (("insight", "channel-mix"), ("trends", "series")):
        out = tmp_path / f"{name}.csv"
        args = ["report", name, "--view", view, "--db", str(path), "--csv", str(out)]
        if name == "trends":
            args += ["--split", "contact_reason"]
        assert main(args) == 0, capsys.readouterr().err
        _assert_no_formula_cells(out.read_bytes())


# ---- server configuration --------------------------------------------------------------------------------

def _config() -> dict:
    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_xsrf_and_cors_protection_stay_on():
    server = _config().get("server", {})
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True


def test_plain_streamlit_run_listens_on_loopback_only():
    assert _config()["server"]["address"] == "127.0.0.1"


def test_the_tables_raw_csv_export_is_off_so_only_neutralised_downloads_remain():
    assert _config()["client"]["disableDataExport"] is True


def test_tracebacks_are_not_shown_in_the_browser():
    assert _config().get("client", {}).get("showErrorDetails") in ("none", "type", False)


def test_the_streamlit_upload_limit_matches_the_ingest_limit():
    assert _config()["server"]["maxUploadSize"] == limits.DEFAULT_MAX_UPLOAD_MB


# ---- raw HTML is reviewed --------------------------------------------------------------------------------

def test_every_file_that_renders_raw_html_is_reviewed_in_security_md():
    raw = re.compile(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.html\(|\.html\(")
    sites = sorted({str(p.relative_to(REPO)) for folder in ("pages", "ui", "reports", "charts") for p in
                    (REPO / folder).rglob("*.py") if raw.search(p.read_text(encoding="utf-8"))} |
                   ({"app.py"} if raw.search((REPO / "app.py").read_text(encoding="utf-8")) else set()))
    review = (REPO / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    unreviewed = [s for s in sites if f"`{s}`" not in review]
    assert unreviewed == [], f"raw-HTML call sites missing from docs/SECURITY.md: {unreviewed}"
