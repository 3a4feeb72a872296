"""The SQL the main analyses send to DuckDB, pinned in tests/snapshots/*.sql.

Each test runs one analysis on a tiny real database inside ``query.recording()`` and compares every
statement it ran (text and bound parameters) with its snapshot file, so a change to a query — a new
relation, a lost predicate, a slot filled differently — shows up as a readable diff in review.

When a change to the SQL is intended, regenerate the files and commit them with the change:

    RAPPORT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_sql_snapshots.py

(with the variable set, a test writes its file and passes; without it, a missing or different file fails).
"""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from analytics import db, findings, health, insight, premium, query, reconcile, trends
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from analytics.filters import Filters
from tests.builders import insert_rows

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("RAPPORT_UPDATE_SNAPSHOTS") == "1"

# Filters that exercise every kind of predicate: dates cutting a month (so the daily rollup is read),
# a provider list, an interaction-only dimension and a relationship model.
CUT = Filters(start=date(2023, 1, 15), end=date(2025, 6, 30), providers=("P1", "T1"), channels=("phone",),
              models=("partnership", "transactional"))
WHOLE = Filters(start=date(2023, 1, 1), end=date(2025, 6, 30))


@pytest.fixture(scope="module")
def portfolio():
    """Two engagements (one per model) with 30 months of contacts and scorecards."""
    con = db.connect(":memory:")
    insert_rows(con, ENGAGEMENTS, [
        dict(provider="P1", account="A", relationship_model="partnership", contract_start=date(2023, 1, 10)),
        dict(provider="T1", account="A", relationship_model="transactional", contract_start=date(2023, 1, 1)),
    ], batch_id=1)
    contacts, scorecards = [], []
    for m in range(30):
        month = date(2023 + m // 12, m % 12 + 1, 1)
        for i, provider in enumerate(("P1", "T1")):
            scorecards.append(dict(provider=provider, account="A", period=month, quality_score=80.0 + i + m % 3,
                                   reported_fcr=0.7, agent_attrition=0.02))
            for n, channel in enumerate(("phone", "chat")):
                contacts.append(dict(
                    interaction_id=f"{provider}-{m}-{n}", occurred_at=datetime(month.year, month.month, 3 + 7 * n, 10),
                    provider=provider, account="A", channel=channel, contact_reason=("billing", "outage")[(m + n) % 2],
                    customer_id=f"c{n}", customer_segment="retail", handle_seconds=300.0 + m, wait_seconds=20.0,
                    resolved_first_contact=bool(n), escalated=False, csat=5.0 - n, nps=9.0, cost=4.0))
    insert_rows(con, INTERACTIONS, contacts, batch_id=2)
    insert_rows(con, PERFORMANCE, scorecards, batch_id=3)
    yield con
    con.close()


def _text(statements) -> str:
    blocks = []
    for i, (sql, params) in enumerate(statements, 1):
        if isinstance(params, dict):
            shown = ", ".join(f"{k}={params[k]!r}" for k in sorted(params))
        else:
            shown = repr(params)
        blocks.append(f"-- statement {i}\n-- params: {shown}\n{sql.strip()};\n")
    return "\n".join(blocks)


def _pin(name: str, statements) -> None:
    path = SNAPSHOTS / f"{name}.sql"
    text = _text(statements)
    assert statements, f"{name}: the analysis ran no statement through analytics/query.py"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), (f"No snapshot {path.relative_to(SNAPSHOTS.parent.parent)}; create it with "
                           "RAPPORT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_sql_snapshots.py")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"The SQL of {name} changed (tests/snapshots/{name}.sql). If intended, regenerate with "
        "RAPPORT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_sql_snapshots.py and commit the diff.")


def test_trends_sql_is_pinned(portfolio):
    with query.recording() as statements:
        trends.kpi_trend(portfolio, "csat_pct", CUT, grain="month", split="channel")
        trends.kpi_tiles(portfolio, ["contacts", "quality_score"], WHOLE, grain="quarter")
        trends.data_freshness(portfolio)
    _pin("trends", statements)


def test_health_sql_is_pinned(portfolio):
    with query.recording() as statements:
        health.health_scores(portfolio, CUT, grain="quarter")
    _pin("health", statements)


def test_insight_sql_is_pinned(portfolio):
    with query.recording() as statements:
        insight.channel_mix(portfolio, WHOLE, grain="quarter")
        insight.segment_trends(portfolio, CUT, grain="year")
        insight.reason_movers(portfolio, WHOLE, window_months=6)
        insight.repeat_contacts(portfolio, CUT, days=30, grain="month")
    _pin("insight", statements)


def test_premium_sql_is_pinned(portfolio):
    with query.recording() as statements:
        premium.relationship_year_values(portfolio, "fcr", CUT)
        premium.relationship_year_values(portfolio, "quality_score", WHOLE)
    _pin("premium", statements)


def test_reconcile_sql_is_pinned(portfolio):
    with query.recording() as statements:
        reconcile.vendor_vs_recomputed(portfolio, CUT)
    _pin("reconcile", statements)


def test_findings_inputs_sql_is_pinned(portfolio):
    # findings() runs its finders on a thread pool (the recording is per context); here one after another
    with query.recording() as statements:
        for finder in findings.FINDERS:
            finder(portfolio, WHOLE)
    _pin("findings", statements)
