"""Every page on real data: each real export in ../shared/data/real loaded alone, and all five together.

Each database is built once per module (through `analytics.ingest`, with the documented mapping
from docs/examples/ where the file needs one), then every page runs on it under AppTest. A page
passes when it raises nothing and shows no error element (`st.error` or an exception box).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics import db
from analytics.ingest import Mapping, ingest_file
from tests.builders import app_test

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / ".." / "shared" / "data" / "real"
EXAMPLES = REPO / "docs" / "examples"

# file → its mapping in docs/examples (None: the file loads on the automatic mapping, or is refused)
FILES = {
    "call_center_calls_pwc.csv": "pwc_calls.json",
    "cfpb_complaints_apr2023.csv": "cfpb_complaints.json",
    "nhs111_provider_monthly.csv": "nhs111_performance.json",
    "itsm_incident_event_log.csv": "itsm_incidents.json",
    "comcast_complaints.csv": "comcast_complaints.json",
}
PAGES = ("pages/overview.py", "pages/trends.py", "pages/health.py", "pages/insight.py", "pages/premium.py",
         "pages/qbr.py", "pages/data.py")
DATABASES = (*FILES, "all five")


def _mapping(name: str) -> Mapping | None:
    example = FILES[name]
    return Mapping.from_file(EXAMPLES / example) if example and (EXAMPLES / example).exists() else None


@pytest.fixture(scope="module", params=DATABASES)
def real_database(request, tmp_path_factory) -> tuple[str, Path, dict]:
    """(name, database path, {file: load status}) — one database per real file, and one with all five."""
    if not REAL.is_dir():
        pytest.skip(f"the real exports are not at {REAL} (the shared data folder is absent)")
    names = list(FILES) if request.param == "all five" else [request.param]
    path = tmp_path_factory.mktemp("real") / "rapport.duckdb"
    con = db.connect(path)
    statuses = {}
    try:
        for name in names:
            result = ingest_file(con, REAL / name, mapping=_mapping(name))
            statuses[name] = (result.status, result.rows_loaded, result.message)
    finally:
        con.close()
    return request.param, path, statuses


def test_each_real_file_loads_or_is_refused_with_a_sentence(real_database):
    _, _, statuses = real_database
    for name, (status, loaded, message) in statuses.items():
        assert status in ("loaded", "failed"), (name, status, message)
        if status == "failed":
            assert message and "Traceback" not in message and "\n" not in message.strip(), (name, message)
        elif FILES[name] in ("pwc_calls.json", "cfpb_complaints.json", "nhs111_performance.json"):
            assert loaded > 0, (name, message)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_real_data_without_an_error(real_database, page, monkeypatch):
    name, path, _ = real_database
    monkeypatch.setenv("RAPPORT_DB", str(path))
    at = app_test()
    at.switch_page(page)
    at.run()
    problems = [f"exception: {e.value}" for e in at.exception] + [f"error: {e.value}" for e in at.error]
    if problems:  # the details a section prints under its error name the cause
        problems += [f"details: {c.value}" for c in at.code]
    assert problems == [], f"{page} on {name}: {problems}"
