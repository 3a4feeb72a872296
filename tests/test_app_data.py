"""The Data page driven through AppTest: sample button, upload → dry run → load, batch delete, register."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import db, ingest

APP = str(Path(__file__).resolve().parents[1] / "app.py")

# A small interactions export in a typical platform's own spelling, with one bad row
EXPORT = (
    "Call ID,Call Start,Vendor,Program,Media Type,Wrap-up Code,AHT,CSAT\n"
    "c-1,2025-03-03 09:12:00,Northwind BPO,Retail Care,Phone,Billing,05:10,4\n"
    "c-2,2025-03-03 10:40:00,Northwind BPO,Retail Care,Chat,Delivery,03:05,5\n"
    "c-3,2025-03-04 11:02:00,Northwind BPO,Retail Care,Phone,Billing,07:45,2\n"
    "c-4,yesterday,Northwind BPO,Retail Care,Email,Returns,04:00,3\n"
).encode("utf-8")


def _app(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("RAPPORT_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("success", "warning", "error", "info", "markdown", "caption")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


@pytest.fixture
def fresh_db(tmp_path) -> Path:
    return tmp_path / "fresh.duckdb"  # every test gets its own file, so its own cached connection


def _connection():
    from ui.cached import cursor  # the app's own process-wide connection (a second one would clash)

    return cursor()


def test_empty_database_offers_the_sample_and_the_button_loads_it(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    button = at.button(key="data_load_sample")
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Sample portfolio loaded" in _texts(at)
    assert not db.is_empty(_connection())


def test_upload_is_sniffed_dry_run_counts_then_load_creates_a_batch_and_delete_removes_it(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(("march.csv", EXPORT, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    kind = [s for s in at.selectbox if s.key and s.key.endswith("_kind")][0]
    assert kind.value == "interactions"
    labels = {m.label: m.value for m in at.metric}
    assert labels["Delimiter"] == "comma" and labels["Header line"] == "1"

    dry = [b for b in at.button if b.key and b.key.endswith("_dry")][0]
    dry.click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state[dry.key.replace("_dry", "_result")]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("dry-run", 3, 1)
    assert "march.csv" in " ".join(w.value for w in at.warning).replace("\\", "")  # rejects → a warning
    assert ingest.list_batches(_connection()).empty  # a dry run writes nothing

    load = [b for b in at.button if b.key and b.key.endswith("_load")][0]
    load.click().run()
    assert not at.exception, [e.value for e in at.exception]
    batches = ingest.list_batches(_connection())
    assert len(batches) == 1 and int(batches["rows_loaded"].iloc[0]) == 3

    at.button(key="batch_delete").click().run()
    assert "Delete batch" in _texts(at) and len(ingest.list_batches(_connection())) == 1  # asks first
    at.button(key="batch_delete_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ingest.list_batches(_connection()).empty


def test_register_edit_with_an_invalid_model_is_refused_and_nothing_is_written(fresh_db, monkeypatch):
    from analytics.engagements import engagement_register

    at = _app(fresh_db, monkeypatch)
    at.button(key="data_load_sample").click().run()
    before = engagement_register(_connection())
    at.session_state["register_editor"] = {"edited_rows": {0: {"relationship_model": "vendor deal"}},
                                           "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="register_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Nothing was saved" in _texts(at)
    after = engagement_register(_connection())
    assert after.equals(before)
