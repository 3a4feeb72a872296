"""Analyses computed once and shared (issue 11): the shared result must give exactly what computing it
again gives, and the pages must really share it.

On the sample portfolio (a small one: these tests compare two ways of computing, not figures).
"""
from __future__ import annotations

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
