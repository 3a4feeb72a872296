"""rollup == raw: every interaction KPI read through rollup_daily equals the same KPI computed
directly from the generated rows in plain Python, per month and channel."""
from __future__ import annotations

import os
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import kpis
from analytics.filters import Filters
from analytics.kpi_frames import kpi_frame
from tests.builders import empty_database, insert_rows

NO_CHANNEL = "∅"


def maybe(strategy):
    return st.none() | strategy


@st.composite
def interaction(draw) -> dict:
    scale = draw(st.sampled_from([5, 10]))
    day = draw(st.dates(min_value=date(2023, 11, 1), max_value=date(2024, 3, 31)))
    moment = draw(st.times(min_value=time(0, 0), max_value=time(23, 59, 59)))
    return dict(
        provider=draw(st.sampled_from(["P1", "P2"])), account="A",
        occurred_at=datetime.combine(day, moment.replace(microsecond=0)),
        channel=draw(maybe(st.sampled_from(["phone", "chat", "email"]))),
        handle_seconds=draw(maybe(st.floats(0, 3600, allow_nan=False).map(lambda v: round(v, 2)))),
        wait_seconds=draw(maybe(st.integers(0, 600).map(float))),
        resolved_first_contact=draw(maybe(st.booleans())),
        escalated=draw(maybe(st.booleans())),
        csat=draw(maybe(st.integers(1, scale).map(float))), csat_scale=scale,
        nps=draw(maybe(st.integers(0, 10).map(float))),
        ces=draw(maybe(st.integers(1, 7).map(float))),
        cost=draw(maybe(st.floats(0, 50, allow_nan=False).map(lambda v: round(v, 2)))),
        is_repeat=draw(maybe(st.booleans())),
        answered=draw(maybe(st.booleans())),
        sla_met=draw(maybe(st.booleans())),
        resolution_seconds=draw(maybe(st.integers(0, 10 * 86400).map(float))),
        reopened=draw(maybe(st.booleans())),
    )


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return None if denominator == 0 else numerator / denominator * scale


def expected_kpis(rows: list[dict]) -> dict[str, float | None]:
    """Each interaction KPI over `rows`, written out from its definition."""
    def present(name, among=rows):
        return [r[name] for r in among if r[name] is not None]

    # AHT, FCR and CSAT count answered contacts (a row without an answered flag counts as answered)
    handled = [r for r in rows if r["answered"] is not False]
    top_two = {5: 4, 10: 9}

    nps = present("nps")
    costs = present("cost")
    return {
        "contacts": float(len(rows)),
        "aht_seconds": ratio(sum(present("handle_seconds", handled)), len(present("handle_seconds", handled))),
        "asa_seconds": ratio(sum(present("wait_seconds")), len(present("wait_seconds"))),
        "fcr": ratio(sum(present("resolved_first_contact", handled)), len(present("resolved_first_contact", handled))),
        "csat_pct": ratio(sum(1 for r in handled if r["csat"] is not None and r["csat"] >= top_two[r["csat_scale"]]),
                          len(present("csat", handled))),
        "nps": ratio(sum(1 for s in nps if s >= 9) - sum(1 for s in nps if s <= 6), len(nps), 100.0),
        "ces": ratio(sum(present("ces")), len(present("ces"))),
        "escalation_rate": ratio(sum(present("escalated")), len(present("escalated"))),
        "repeat_rate": ratio(sum(present("is_repeat")), len(present("is_repeat"))),
        "cost_per_contact": ratio(sum(costs), len(costs)),
        "cost_per_resolution": ratio(sum(costs), sum(1 for r in rows if r["resolved_first_contact"]
                                                     and r["cost"] is not None)),
        "abandonment_rate": ratio(sum(1 for r in rows if r["answered"] is False), len(present("answered"))),
        "sla_met_rate": ratio(sum(present("sla_met")), len(present("sla_met"))),
        "time_to_resolve": ratio(sum(present("resolution_seconds")), len(present("resolution_seconds"))),
        "reopen_rate": ratio(sum(present("reopened")), len(present("reopened"))),
    }


# Each example is a whole database (copy, two batches with their rollups, one query): ≈ 0.25 CPU s. Twenty
# per run, each run drawing new ones (no derandomize); RAPPORT_SOAK=1 runs many more.
EXAMPLES = 500 if os.environ.get("RAPPORT_SOAK") == "1" else 20


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(interaction(), min_size=1, max_size=40), split_at=st.integers(0, 40))
def test_rollup_kpis_equal_kpis_computed_from_raw_rows_per_month_and_channel(schema_template, rows, split_at):
    con = empty_database(schema_template)  # db.connect(":memory:")'s database, copied
    try:
        # two batches, so the rollup also has to recombine across batch ids
        first, second = rows[:split_at], rows[split_at:]
        if first:
            insert_rows(con, "interactions", first, batch_id=1)
        if second:
            insert_rows(con, "interactions", second, batch_id=2)
        ids = kpis.kpi_ids(kpis.INTERACTIONS)
        frame = kpi_frame(con, ids, Filters(), grain="month", by=("channel",))
    finally:
        con.close()

    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        key = (r["occurred_at"].strftime("%Y-%m"), r["channel"] or NO_CHANNEL)
        groups.setdefault(key, []).append(r)
    expected = {(m, c, k): v for (m, c), rs in groups.items() for k, v in expected_kpis(rs).items()
                if v is not None}
    got = {(p.strftime("%Y-%m"), c if isinstance(c, str) else NO_CHANNEL, k): v
           for p, c, k, v in frame[["period", "channel", "kpi", "value"]].itertuples(index=False)}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
