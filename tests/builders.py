"""Builders shared by test modules: literal rows into a real database, the app opened from a link.

Fixtures live in conftest.py; a test module imports the plain functions it needs from here
(never from conftest.py or from another test module).
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import db, rollups, sample
from analytics.contracts import INTERACTIONS
from charts.qbr import build_baseline_chart, build_health_trend_chart, build_ledger_chart
from reports.qbr import QbrReport, ReportChart, Section, Tile

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"
# AppTest's timeout caps one script run; it is not a wait. It equals pytest's per-test timeout
# (pytest.ini), so a slow machine makes a run slow, never a failure.
APP_RUN_CAP = 600


# ---- an empty database -------------------------------------------------------------------------------

def schema_template(folder: Path) -> Path:
    """A new database file made by db.connect in `folder`: the schema, views, macro, sequence and meta row."""
    path = folder / "schema.duckdb"
    db.connect(path).close()
    return path


def empty_database(template: Path) -> duckdb.DuckDBPyConnection:
    """A new in-memory database holding exactly what db.connect(":memory:") creates, copied from `template`
    (schema_template), with db.connect's connection settings.

    Creating the schema runs a hundred-odd statements (≈ 0.17 CPU s); copying a built one costs ≈ 0.05 CPU s,
    which matters for the hundreds of tests that start from an empty database. test_ingest_load checks that the
    copy's catalog is db.connect's."""
    con = duckdb.connect(":memory:", config=db.connection_config(":memory:"))
    try:
        con.execute("attach ? as schema_template (read_only)", [str(template)])
        con.execute("copy from database schema_template to memory")
        con.execute("detach schema_template")
    except BaseException:
        con.close()
        raise
    return con


def read_only(con: duckdb.DuckDBPyConnection, hint: str = "") -> Iterator[duckdb.DuckDBPyConnection]:
    """A fixture's body for a database shared by a module's tests that only read it: yields `con`, then fails
    the test that wrote to it (the data version moved)."""
    version = db.data_version(con)
    yield con
    assert db.data_version(con) == version, f"a test wrote to the module's shared database{hint}"


def insert_rows(con, table: str, rows: list[dict], *, batch_id: int = 1) -> None:
    """Insert literal rows (dicts of canonical columns) as one batch; missing columns are null.

    Interactions rows get their rollup rows too, so analyses see them exactly as after an ingest.
    """
    # the table's columns in order, read from an empty result (a tenth of the cost of information_schema)
    columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
    frame = pd.DataFrame([{**{c: None for c in columns}, "batch_id": batch_id, **row} for row in rows])[columns]
    if table == INTERACTIONS:
        frame["csat_scale"] = frame["csat_scale"].where(frame["csat_scale"].notna(), 5)
    with db.write_transaction(con) as cur:
        cur.execute(
            "insert into batches (batch_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected,"
            " rows_duplicate) values (?, ?, ?, ?, ?, ?, 0, 0) on conflict do nothing",
            [batch_id, f"fixture-{batch_id}.csv", f"sha-{batch_id}", table, len(rows), len(rows)],
        )
        cur.register("literal_rows", frame)
        cur.execute(f"insert into {table} select * from literal_rows")
        cur.unregister("literal_rows")
        if table == INTERACTIONS:
            rollups.drop_batch(cur, batch_id)
            rollups.add_batch(cur, batch_id)


# ---- engagements and yearly scorecards (partnership premium, claims, findings) ---------------------------

CONTRACT_START = date(2020, 1, 1)
# Three engagements per relationship model: the fewest the premium compares.
SIX = {"P1": "partnership", "P2": "partnership", "P3": "partnership",
       "T1": "transactional", "T2": "transactional", "T3": "transactional"}


def engagement(provider: str, model: str, start: date = CONTRACT_START, account: str = "A") -> dict:
    return dict(provider=provider, account=account, relationship_model=model, contract_start=start)


def scorecard(provider: str, period: str, account: str = "A", **figures) -> dict:
    return dict(provider=provider, account=account, period=period, **figures)


def month_of_year(year: int, month: int = 1) -> str:
    """The scorecard month in relationship year `year` for a contract starting 2020-01-01."""
    return f"{2019 + year}-{month:02d}-01"


def load(con, values: dict[str, list[float]], models: dict[str, str], field: str = "quality_score") -> None:
    """One scorecard row per engagement per relationship year (January of each year)."""
    insert_rows(con, "engagements", [engagement(p, m) for p, m in models.items()], batch_id=1)
    insert_rows(con, "performance", [scorecard(p, month_of_year(y + 1), **{field: v})
                                     for p, series in values.items() for y, v in enumerate(series)], batch_id=2)


# Four engagements per model, each with its own provider and account (independent groups): the fewest
# the premium estimates (analytics.premium.MIN_UNITS).
EIGHT = {"P1": "partnership", "P2": "partnership", "P3": "partnership", "P4": "partnership",
         "T1": "transactional", "T2": "transactional", "T3": "transactional", "T4": "transactional"}


def load_independent(con, values: dict[str, list[float]], models: dict[str, str], field: str = "quality_score",
                     accounts: dict[str, str] | None = None, providers: dict[str, str] | None = None) -> None:
    """Like `load`, but each engagement key has its own provider (the key) and account ("<key> program")
    unless `providers`/`accounts` map a key to a shared one."""
    providers, accounts = providers or {}, accounts or {}
    insert_rows(con, "engagements", [dict(provider=providers.get(e, e), account=accounts.get(e, f"{e} program"),
                                          relationship_model=m, contract_start=CONTRACT_START)
                                     for e, m in models.items()], batch_id=1)
    insert_rows(con, "performance", [dict(provider=providers.get(e, e), account=accounts.get(e, f"{e} program"),
                                          period=month_of_year(y + 1), **{field: v})
                                     for e, series in values.items() for y, v in enumerate(series)], batch_id=2)


def welch_log_ratio_ci(p: list[float], t: list[float]) -> tuple[float, float]:
    """The relative premium's 95 % interval by hand: delta method on log(mean P / mean T), Welch df."""
    import math

    import numpy as np
    from scipy import stats

    mp, mt = np.mean(p), np.mean(t)
    vp, vt = np.var(p, ddof=1) / len(p) / mp ** 2, np.var(t, ddof=1) / len(t) / mt ** 2
    df = (vp + vt) ** 2 / (vp ** 2 / (len(p) - 1) + vt ** 2 / (len(t) - 1))
    half = stats.t.ppf(0.975, df) * math.sqrt(vp + vt)
    centre = math.log(mp / mt)
    return 100 * (math.exp(centre - half) - 1), 100 * (math.exp(centre + half) - 1)


# ---- the app through AppTest ---------------------------------------------------------------------------

def use_database(tmp_path_factory, name: str, *, interactions: int | None) -> pytest.MonkeyPatch:
    """Create a database (the sample portfolio unless `interactions` is None), point RAPPORT_DB at
    it and clear Streamlit's caches, which key on the path and the data version."""
    path = tmp_path_factory.mktemp(name) / "rapport.duckdb"
    con = db.connect(path)
    if interactions is not None:
        sample.generate(con, interactions=interactions)
    con.close()
    patch = pytest.MonkeyPatch()
    patch.setenv("RAPPORT_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    return patch


@functools.cache
def _component_registry():
    """Streamlit's registry of installed v2 components, scanned once per process.

    Every new AppTest scans the metadata of every installed package for component manifests (≈ 0.27 CPU s
    and 1.5 s wall each on a loaded machine, more than a whole run of most pages). The installed packages do
    not change during a test run and the app defines no components, so one real scan serves every AppTest of
    the process. Streamlit 1.67 offers no public way to the same (no AppTest argument, config option or
    environment variable; the scan runs whenever `_bidi_component_manager` is None): the four test_app_*
    modules make 61 AppTests, and without this they cost ≈ 14 CPU s more (71.7 → 77.4 and 93.6 CPU s in
    back-to-back runs; 16 CPU s by the per-scan cost)."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    registry = BidiComponentManager()
    registry.discover_and_register_components(start_file_watching=False)
    return registry


def app_test(script: Path | str = APP) -> AppTest:
    """AppTest of the app (or another script) with the run cap and the process's one component scan."""
    at = AppTest.from_file(str(script), default_timeout=APP_RUN_CAP)
    at._bidi_component_manager = _component_registry()  # AppTest scans when this is None (streamlit 1.67)
    return at


def run(page: str | None = None, **params: str | list[str]) -> AppTest:
    """Open the app (on pages/<page>.py when given) from a link with these URL parameters."""
    at = app_test()
    for name, value in params.items():
        at.query_params[name] = value
    if page:
        at.switch_page(f"pages/{page}.py")
    return at.run()


def healthy(at: AppTest) -> bool:
    return not at.exception and not at.error


# ---- a QBR report built from literal frames (reports, pptx) ----------------------------------------------

EVIL = "<script>alert(1)</script>"
NPS_CHANGE = "Net promoter score fell 40.0 pts to 0.0 from Q1 2025"


@functools.cache  # built once per process: the charts' specs take a moment to validate
def qbr_report(*, provider: str = EVIL, theme: str = "light") -> QbrReport:
    trend = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-04-01", "2025-07-01"]),
                          "quarter": ["Q1 2025", "Q2 2025", "Q3 2025"], "score": [48.0, 61.5, 72.0],
                          "band": ["at risk", "watch", "healthy"]})
    baseline = pd.DataFrame({"group": ["This engagement", "Partnership engagements", "Transactional engagements"],
                             "value": [90.0, 88.0, 80.0], "low": [float("nan"), 86.0, 77.5],
                             "high": [float("nan"), 90.0, 82.5], "n": [1, 4, 5]})
    ledger = pd.DataFrame({"quarter": ["Q2 2025", "Q3 2025", "Q2 2025", "Q3 2025"],
                           "series": ["Computed savings"] * 2 + ["Reported by the provider"] * 2,
                           "amount": [1200.0, -300.0, 1500.0, 0.0]})
    charts = (
        ReportChart("health_trend", "Relationship health by quarter",
                    build_health_trend_chart(trend, theme=theme).to_dict(), trend),
        ReportChart("baseline", "Quality score against the baseline",
                    build_baseline_chart(baseline, kpi_title="Quality score", value_format=",.1f",
                                         relationship_year=3, theme=theme).to_dict(), baseline),
        ReportChart("gainshare", "Gain-share savings by quarter", build_ledger_chart(ledger, theme=theme).to_dict(),
                    ledger),
    )
    tiles = (Tile("nps", "Net promoter score", "0.0", "-40.0 pts vs Q1 2025", "-10.0 pts vs Q3 2024", "bad", 1),
             Tile("aht_seconds", "Average handle time", "402 s", "+2.0 % vs Q1 2025", "", "bad", -1))
    sections = (
        Section("summary", "This quarter at a glance", ("Relationship health 72 · healthy in Q3 2025",),
                chart="health_trend"),
        Section("changes", "What changed", (NPS_CHANGE, f"{provider} handled 5.0 % more contacts"),
                (f"Net promoter score: -40.0 pts vs Q1 2025 (worse)",)),
        Section("attention", "Needs attention", ("Net promoter score is 0.0, 30.0 pts below the 30.0 target",)),
        Section("baseline", "Against the baseline at the same relationship year",
                ("Quality score in relationship year 3: 90.0 for this engagement",), chart="baseline"),
        Section("scorecard", "Innovation, governance and gain-share", ("Innovations implemented: 3 this quarter",),
                chart="gainshare", table=pd.DataFrame({"Quarter": ["Q3 2025"], "Savings": ["-$300"]})),
        Section("agenda", "Agenda and actions", (f"Fix {provider} — Dana: open",),
                table=pd.DataFrame({"Kind": ["Action"], "Text": [f"Fix {provider}"]})),
    )
    return QbrReport(provider=provider, account="Care & Billing", relationship_model="partnership",
                     quarter="2025-Q3", filters=("Engagements: " + provider + " · Care & Billing",),
                     tiles=tiles, charts=charts, findings=(NPS_CHANGE,), theme=theme, sections=sections,
                     period="Q3 2025")
