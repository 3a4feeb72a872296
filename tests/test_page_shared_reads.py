"""Reads a page shares instead of repeating: the QBR's baselines (read once for every engagement and
quarter) and the engagement's quarters (read once for tiles, changes, attention and its health scores) give
the answers worked out by hand, exactly as the separate reads did."""
from __future__ import annotations

from datetime import date

import pandas as pd

from analytics import qbr
from analytics.contracts import ENGAGEMENTS, PERFORMANCE
from analytics.filters import Filters
from reports.qbr_build import STORY_AND_TILE_KPIS, build_qbr_report
from tests.builders import insert_rows

P, A = "Apex", "Care"
REGISTER = [(P, A, "partnership"), ("B1", "X", "partnership"), ("B2", "X", "partnership"),
            ("T1", "X", "transactional"), ("T2", "X", "transactional")]
# quality score in 2025-Q1 and 2025-Q2 (one scorecard month each): everyone in relationship year 3
SCORES = {P: (95.0, 90.0), "B1": (87.0, 88.0), "B2": (91.0, 92.0), "T1": (77.0, 78.0), "T2": (83.0, 82.0)}


def _portfolio(con):
    insert_rows(con, ENGAGEMENTS, [{"provider": p, "account": a, "relationship_model": m,
                                    "contract_start": date(2023, 1, 1)} for p, a, m in REGISTER])
    insert_rows(con, PERFORMANCE, [
        {"period": day, "provider": p, "account": a, "quality_score": SCORES[p][i]}
        for p, a, _ in REGISTER for i, day in enumerate((date(2025, 1, 1), date(2025, 4, 1)))], batch_id=3)
    return con


def test_baselines_read_under_a_provider_filter_still_compare_with_every_other_engagement(con):
    _portfolio(con)
    narrowed = Filters(providers=(P,))
    shared = qbr.baseline_values(con, qbr.portfolio_scope(narrowed), kpi_ids=("quality_score",))
    assert sorted(shared["quality_score"]["provider"].unique()) == [P, "B1", "B2", "T1", "T2"]
    frame = qbr.baseline_comparison(con, P, A, "2025-Q2", narrowed, kpi_ids=("quality_score",), portfolio=shared)
    row = frame.iloc[0]
    # relationship year 3 so far (2025-01 … 2025-06): this engagement (95 + 90) / 2 = 92.5; other
    # partnerships B1 87.5 and B2 91.5 → 89.5; transactional T1 77.5 and T2 82.5 → 80.0
    assert row["value"] == 92.5
    assert (row["partnership_mean"], row["n_partnership"]) == (89.5, 2)
    assert (row["transactional_mean"], row["n_transactional"]) == (80.0, 2)
    alone = qbr.baseline_comparison(con, P, A, "2025-Q2", narrowed, kpi_ids=("quality_score",))
    pd.testing.assert_frame_equal(frame, alone)


def test_changes_and_attention_from_one_read_of_the_quarters_match_their_own_reads(con):
    _portfolio(con)
    values = qbr.quarterly_values(con, P, A, "2025-Q2", Filters(), STORY_AND_TILE_KPIS)
    changes = qbr.quarter_changes(con, P, A, "2025-Q2", values=values)
    # quality 95 → 90 between Q1 and Q2 2025: the one change there is
    assert changes[["kpi", "value", "base", "verdict"]].values.tolist() == [["quality_score", 90.0, 95.0, "worse"]]
    pd.testing.assert_frame_equal(changes, qbr.quarter_changes(con, P, A, "2025-Q2"))
    pd.testing.assert_frame_equal(qbr.needs_attention(con, P, A, "2025-Q2", values=values),
                                  qbr.needs_attention(con, P, A, "2025-Q2"))


def test_a_qbr_built_from_the_shared_baselines_equals_one_that_reads_them_itself(con):
    _portfolio(con)
    shared = qbr.baseline_values(con, qbr.portfolio_scope(Filters()))
    given = build_qbr_report(con, P, A, "2025-Q2", Filters(), portfolio=shared)
    alone = build_qbr_report(con, P, A, "2025-Q2", Filters())
    assert [(s.key, s.lines) for s in given.sections] == [(s.key, s.lines) for s in alone.sections]
    assert [c.spec for c in given.charts] == [c.spec for c in alone.charts]
    baseline = next(s for s in given.sections if s.key == "baseline")
    assert "92.5" in baseline.lines[0] and "80.0" in baseline.lines[0]


def test_drivers_from_the_pages_kpi_scores_equal_the_engagements_own_read(con):
    from analytics.filters import engagement_label
    from analytics.health import health_drivers, health_scores, kpi_scores

    _portfolio(con)
    scored = kpi_scores(con, Filters())
    assert scored["engagement"].nunique() == 5
    label = engagement_label(P, A)
    shared = health_drivers(con, label, date(2025, 1, 1), date(2025, 4, 1), Filters(), scored=scored)
    # quality 95 (band 70…95, target 85: score 100) → 90 (75 + 25 × 5/10 = 87.5): the only KPI, −12.5 points
    assert shared[["kpi", "score_from", "score_to", "contribution"]].values.tolist() == [
        ["quality_score", 100.0, 87.5, -12.5]]
    pd.testing.assert_frame_equal(shared, health_drivers(con, label, date(2025, 1, 1), date(2025, 4, 1), Filters()))
    pd.testing.assert_frame_equal(health_scores(con, Filters(), scored=scored), health_scores(con, Filters()))


def test_attrition_spikes_of_every_engagement_at_once_find_the_dip_worked_out_by_hand(con):
    from analytics.findings import attrition_dips

    insert_rows(con, ENGAGEMENTS, [{"provider": p, "account": "X", "relationship_model": "partnership",
                                    "contract_start": date(2023, 1, 1)} for p in ("E1", "E2", "E3")])
    months = [date(2024, m, 1) for m in range(1, 13)]
    rows = []
    for i, day in enumerate(months):
        # E1: attrition 20 % except a 50 % spike in May (median 20 %: 50 ≥ 20 + 15); quality 90 until
        # April, 80 from June → a 10-point dip. E2: a 50 % spike in December, with no months after it
        # (not an event). E3: steady (no spike).
        rows.append({"period": day, "provider": "E1", "account": "X", "agent_attrition": 0.5 if i == 4 else 0.2,
                     "quality_score": 90.0 if i < 4 else 85.0 if i == 4 else 80.0})
        rows.append({"period": day, "provider": "E2", "account": "X", "agent_attrition": 0.5 if i == 11 else 0.2,
                     "quality_score": 88.0})
        rows.append({"period": day, "provider": "E3", "account": "X", "agent_attrition": 0.2, "quality_score": 70.0})
    insert_rows(con, PERFORMANCE, rows, batch_id=5)
    [found] = attrition_dips(con, Filters())
    # before: Feb–Apr (90, 90, 90); after: Jun–Oct (80 × 5) → 10.0 points; one spike of one with enough months
    assert found.value == -10.0 and found.n == 1 and found.period == "May 2024"
    assert found.headline.startswith("Quality fell after 1 of 1 agent-attrition spikes; the largest at E1 · X: "
                                     "attrition reached 50")


def test_one_read_of_the_engagements_quarters_gives_its_story_values_and_health_scores_as_their_own_reads(con):
    from analytics import health
    from reports.qbr_build import QUARTER_KPIS

    _portfolio(con)
    # governance meetings: scored, but not a story KPI (its rows come after the story's in the shared read)
    insert_rows(con, PERFORMANCE, [{"period": day, "provider": P, "account": A, "governance_meetings": meetings,
                                    "innovations": ideas}
                                   for day, meetings, ideas in ((date(2025, 1, 1), 2.0, 1.0),
                                                                (date(2025, 4, 1), 1.0, 3.0))], batch_id=4)
    assert set(k.id for k in health.scored_kpis()) <= set(QUARTER_KPIS)
    assert QUARTER_KPIS[:len(STORY_AND_TILE_KPIS)] == STORY_AND_TILE_KPIS
    frame = qbr.engagement_quarters(con, P, A, "2025-Q2", Filters(), QUARTER_KPIS)
    values = qbr.values_of(frame, STORY_AND_TILE_KPIS)
    pd.testing.assert_frame_equal(values, qbr.quarterly_values(con, P, A, "2025-Q2", Filters(), STORY_AND_TILE_KPIS),
                                  check_exact=True)
    assert sorted(set(values["kpi"])) == ["innovations", "quality_score"]
    scope = qbr.engagement_scope(Filters(), P, A, "2025-Q2")
    scored = health.kpi_scores(con, scope, frame=frame)
    pd.testing.assert_frame_equal(scored, health.kpi_scores(con, scope), check_exact=True)
    # a read of the KPIs in another order: the scores are still in the registry's, as the own read gives them
    backwards = qbr.engagement_quarters(con, P, A, "2025-Q2", Filters(), QUARTER_KPIS[::-1])
    assert backwards["kpi"].tolist()[:2] == ["governance_meetings"] * 2
    pd.testing.assert_frame_equal(health.kpi_scores(con, scope, frame=backwards), scored, check_exact=True)
    assert scored["kpi"].tolist() == ["quality_score"] * 2 + ["innovations"] * 2 + ["governance_meetings"] * 2
    pd.testing.assert_frame_equal(health.health_scores(con, scope, scored=scored), health.health_scores(con, scope),
                                  check_exact=True)
    # a frame without a scored KPI scores as the empty read does
    contacts = qbr.engagement_quarters(con, P, A, "2025-Q2", Filters(), ("contacts",))
    pd.testing.assert_frame_equal(health.kpi_scores(con, scope, frame=contacts),
                                  health.kpi_scores(con, scope.replace(engagements=("nobody · here",))))


def test_a_label_standing_for_two_engagements_is_not_split_into_one_of_them(con):
    # "X · Y · Z" is both X's account "Y · Z" and "X · Y"'s account Z: quarterly_values sums the two
    insert_rows(con, PERFORMANCE, [{"period": date(2025, 4, 1), "provider": p, "account": a, "quality_score": s}
                                   for p, a, s in (("X", "Y · Z", 80.0), ("X · Y", "Z", 90.0))], batch_id=3)
    frame = qbr.engagement_quarters(con, "X", "Y · Z", "2025-Q2", Filters(), STORY_AND_TILE_KPIS)
    assert len(frame) == 2 and qbr.values_of(frame, STORY_AND_TILE_KPIS) is None
    report = build_qbr_report(con, "X", "Y · Z", "2025-Q2", Filters())
    assert [(t.kpi, t.value) for t in report.tiles] == [("quality_score", "85.0")]
