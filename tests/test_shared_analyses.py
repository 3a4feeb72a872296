"""Analyses computed once and shared (issue 11): the shared result must give exactly what computing it
again gives, and the pages must really share it.

On the sample portfolio (a small one: these tests compare two ways of computing, not figures).
"""
from __future__ import annotations

import functools
import importlib
import threading
from collections import Counter

import pandas as pd
import pytest
import streamlit as st

from analytics import claims, db, premium, sample
from analytics.filters import Filters
from analytics.findings import findings
from analytics.health import health_scores, latest_health
from tests.builders import healthy, run, use_database


@pytest.fixture(scope="module")
def sample_con():
    connection = db.connect(":memory:")
    sample.generate(connection, interactions=5_000)
    yield connection
    connection.close()


def _one_provider(con) -> Filters:
    return Filters(providers=(con.execute("select min(provider) from engagements").fetchone()[0],))


def test_findings_given_the_health_scores_are_the_findings_computed_alone(sample_con):
    for filters in (Filters(), _one_provider(sample_con)):
        alone = findings(sample_con, filters, limit=20)
        scores = health_scores(sample_con, filters, grain="quarter")
        given = findings(sample_con, filters, limit=20, health=scores)
        pd.testing.assert_frame_equal(given, alone)
        # the Overview also hands over its health table (latest_health of the same scores)
        pd.testing.assert_frame_equal(findings(sample_con, filters, limit=20, health=scores,
                                               health_latest=latest_health(scores)), alone)
        assert not alone.empty


def test_the_claim_check_reads_each_kpis_relationship_year_values_once(sample_con, monkeypatch):
    calls: list[str] = []
    real = claims.relationship_year_values

    def counted(con, kpi_id, filters):
        calls.append(kpi_id)
        return real(con, kpi_id, filters)

    before = claims.claim_check(sample_con, Filters())
    monkeypatch.setattr(claims, "relationship_year_values", counted)
    after = claims.claim_check(sample_con, Filters())
    pd.testing.assert_frame_equal(after, before)
    assert calls.count("quality_score") == 1  # claim 1 and the trajectory claim share it
    assert len(calls) == len(set(calls))


def test_premium_analyses_given_the_values_match_reading_them_again(sample_con):
    filters = Filters()
    values = premium.relationship_year_values(sample_con, "quality_score", filters)
    pd.testing.assert_frame_equal(premium.model_curves(sample_con, "quality_score", filters, values=values),
                                  premium.model_curves(sample_con, "quality_score", filters))
    assert premium.premium_report(sample_con, "quality_score", filters, values=values) == \
        premium.premium_report(sample_con, "quality_score", filters)
    pd.testing.assert_frame_equal(values, premium.relationship_year_values(sample_con, "quality_score", filters))


@pytest.fixture()
def app_database(tmp_path_factory):
    patch = use_database(tmp_path_factory, "shared_analyses", interactions=5_000)
    yield
    patch.undo()
    st.cache_data.clear()
    st.cache_resource.clear()


def test_the_overview_and_the_health_page_score_health_once(app_database, monkeypatch):
    """The Overview's health table, its findings and the Health page (default weights) share one
    health_scores result per data version and filters."""
    import analytics.health as health_module

    calls: list[Filters] = []
    real = health_module.health_scores

    def counted(con, filters, **kwargs):
        calls.append(filters)
        return real(con, filters, **kwargs)

    monkeypatch.setattr(health_module, "health_scores", counted)  # page scripts import it on every run
    overview = run("overview")
    assert healthy(overview) and len(calls) == 1
    health = run("health")
    assert healthy(health) and len(calls) == 1
    weighted = run("health", w_innovation="2.0")  # other weights are another result
    assert healthy(weighted) and len(calls) == 2


def _ahead_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("rapport-ahead")]


def test_the_overview_reads_each_analysis_once_with_some_started_ahead_on_threads(app_database, monkeypatch):
    """The Overview starts its health scores, claim check and the findings' own reads on threads while it
    reads its tiles: the threads and the page read the same cache entries, so each analysis still runs once
    per filters, a second run computes nothing, and no thread outlives a run."""
    calls: Counter = Counter()
    shared = {"analytics.health": ("kpi_scores", "health_scores"), "analytics.premium": ("relationship_year_frames",),
              "analytics.claims": ("claim_check",), "analytics.findings": ("data_findings", "findings"),
              "analytics.trends": ("kpi_tiles",)}
    for module_name, names in shared.items():
        module = importlib.import_module(module_name)
        for name in names:
            def counted(*args, _real=getattr(module, name), _name=name, **kwargs):
                calls[_name] += 1
                return _real(*args, **kwargs)
            # the same name and module: the same cache key as the real analysis
            monkeypatch.setattr(module, name, functools.wraps(getattr(module, name))(counted))
    every = {name: 1 for names in shared.values() for name in names}
    overview = run("overview")
    assert healthy(overview) and calls == every
    assert _ahead_threads() == []
    again = run("overview")
    assert healthy(again) and calls == every
    assert [m.value for m in again.markdown] == [m.value for m in overview.markdown]
    assert len(overview.markdown) >= 3  # the findings were drawn


def test_reading_ahead_fills_the_entries_the_page_then_reads_and_leaves_no_thread_behind(app_database):
    from ui import cached

    computed: list = []
    started, release = threading.Event(), threading.Event()

    def doubled(con, x):
        computed.append(x)
        return 2 * x

    def gated(con):
        started.set()
        release.wait(timeout=600)
        computed.append("gated")
        return "done"

    def failing(con):
        raise ValueError("no data within these filters")

    releaser = threading.Thread(target=release.set)
    with cached.ahead(lambda read: read(doubled, 21), lambda read: read(failing), None, lambda read: read(gated)):
        assert started.wait(timeout=600)  # a thread is computing `gated`: the page's call waits for that result
        releaser.start()
        assert cached.analysis(gated) == "done"
        assert cached.analysis(doubled, 21) == 42
    releaser.join()
    assert computed.count("gated") == 1 and computed.count(21) == 1
    with pytest.raises(ValueError, match="no data"):  # a thread's error: the page's own call raises it
        cached.analysis(failing)
    with pytest.raises(RuntimeError):
        with cached.ahead(lambda read: read(doubled, 5)):
            raise RuntimeError("the run stopped")
    assert 5 in computed  # the thread was joined on the way out
    assert _ahead_threads() == []
