"""Health scorecard against scores worked out by hand from literal rows and the registry bands."""
from __future__ import annotations

from datetime import date

import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics.filters import Filters
from analytics.health import band, health_drivers, health_overview, health_scores, kpi_scores
from tests.builders import empty_database, insert_rows, read_only

RESPONSES = 30


def score(value, worst, target, best):
    """0 at worst, 75 at target, 100 at best, linear in between, clipped."""
    if (value - target) / (best - target) >= 0:
        raw = 75 + 25 * (value - target) / (best - target)
    else:
        raw = 75 * (value - worst) / (target - worst)
    return min(max(raw, 0.0), 100.0)


# Bands and targets from the registry, restated (worst → target → best): aht (600 → 420 → 300),
# fcr (0.55 → 0.75 → 0.85), csat_pct (0.60 → 0.80 → 0.92), sla_attainment (0.70 → 0.90 → 0.98),
# governance_meetings (0 → 1.33 → 2).
Q1 = {
    "aht_seconds": score((400 + 500 + 450 + 450) / 4, 600, 420, 300),  # 450 s → 68.75
    "fcr": score(3 / 4, 0.55, 0.75, 0.85),                       # at target → 75
    "csat_pct": score(3 / 4, 0.60, 0.80, 0.92),                  # ratings 5, 5, 4, 2 → 56.25
    "sla_attainment": score(0.84, 0.70, 0.90, 0.98),              # 52.5
    "governance_meetings": score((1 + 0 + 2) / 3, 0, 1.33, 2),    # 56.4
}
Q2 = {
    "aht_seconds": score(330, 600, 420, 300),                     # 93.75
    "fcr": score(1.0, 0.55, 0.75, 0.85),                         # clipped at 100
    "governance_meetings": score(2.0, 0, 1.33, 2),                # 100
}
PILLAR_OF = {"aht_seconds": "efficiency", "fcr": "quality & compliance", "csat_pct": "customer experience",
             "sla_attainment": "quality & compliance", "governance_meetings": "governance"}


def overall(scores: dict[str, float], weights: dict[str, float]) -> float:
    pillars: dict[str, list[float]] = {}
    for kpi, s in scores.items():
        pillars.setdefault(PILLAR_OF[kpi], []).append(s)
    total = sum(weights.get(p, 1.0) for p in pillars)
    return sum(weights.get(p, 1.0) * sum(v) / len(v) for p, v in pillars.items()) / total


@pytest.fixture(scope="module")
def scorecard_database(schema_template):
    con = empty_database(schema_template)
    insert_rows(con, "interactions", [
        dict(provider="P", account="A", occurred_at="2024-01-05 10:00", handle_seconds=400.0,
             resolved_first_contact=True, csat=5),
        dict(provider="P", account="A", occurred_at="2024-02-05 10:00", handle_seconds=500.0,
             resolved_first_contact=True, csat=5),
        dict(provider="P", account="A", occurred_at="2024-03-05 10:00", handle_seconds=450.0,
             resolved_first_contact=False, csat=4),
        dict(provider="P", account="A", occurred_at="2024-03-25 10:00", handle_seconds=450.0,
             resolved_first_contact=True, csat=2),
        dict(provider="P", account="A", occurred_at="2024-05-05 10:00", handle_seconds=330.0,
             resolved_first_contact=True),
        dict(provider="Q", account="B", occurred_at="2024-02-05 10:00", resolved_first_contact=False),
    ] * RESPONSES, batch_id=1)  # each contact 30 times: rates enter a score from 30 responses (same ratios)
    insert_rows(con, "performance", [
        dict(period="2024-01-01", provider="P", account="A", sla_attainment=0.84, governance_meetings=1.0),
        dict(period="2024-02-01", provider="P", account="A", governance_meetings=0.0),
        dict(period="2024-03-01", provider="P", account="A", governance_meetings=2.0),
        dict(period="2024-04-01", provider="P", account="A", governance_meetings=2.0),
    ], batch_id=2)
    insert_rows(con, "engagements", [
        dict(provider="P", account="A", relationship_model="partnership", contract_start="2021-01-01"),
        dict(provider="Q", account="B", relationship_model="transactional", contract_start="2022-01-01"),
    ], batch_id=3)
    yield con
    con.close()


@pytest.fixture
def scorecard(scorecard_database):
    """The scorecard rows, loaded once for the module: the tests only read them (checked after each)."""
    yield from read_only(scorecard_database)


def test_kpi_scores_normalise_each_kpi_against_its_band(scorecard):
    scores = kpi_scores(scorecard, Filters(engagements=("P · A",)), grain="quarter")
    q1 = scores[scores["period"] == "2024-01-01"].set_index("kpi")["score"].to_dict()
    assert q1 == pytest.approx(Q1)
    assert set(scores.columns) >= {"engagement", "provider", "account", "period", "label", "pillar", "value"}


def test_health_score_is_the_equal_weighted_mean_of_pillar_means(scorecard):
    health = health_scores(scorecard, Filters(engagements=("P · A",)), grain="quarter").set_index("period")
    q1 = health.loc["2024-01-01"]
    assert q1["score"] == pytest.approx(overall(Q1, {}))
    assert q1["score_quality_compliance"] == pytest.approx((Q1["fcr"] + Q1["sla_attainment"]) / 2)
    assert q1["score_efficiency"] == pytest.approx(Q1["aht_seconds"])
    assert q1["band"] == band(overall(Q1, {})) == "watch"
    assert q1["relationship_model"] == "partnership"


def test_custom_weights_change_the_overall_score(scorecard):
    weights = {"efficiency": 3.0, "governance": 0.5}
    health = health_scores(scorecard, Filters(engagements=("P · A",)), grain="quarter", weights=weights)
    q1 = health.set_index("period").loc["2024-01-01"]
    assert q1["score"] == pytest.approx(overall(Q1, weights))
    assert q1["score"] != pytest.approx(overall(Q1, {}))


def test_missing_kpis_and_pillars_drop_out_and_the_weights_renormalise(scorecard):
    health = health_scores(scorecard, Filters(engagements=("P · A",)), grain="quarter").set_index("period")
    q2 = health.loc["2024-04-01"]
    assert q2["score"] == pytest.approx(overall(Q2, {}))   # three pillars, not five
    assert q2["kpis_used"] == ("aht_seconds", "fcr", "governance_meetings")
    assert q2["pillars_used"] == ("efficiency", "quality & compliance", "governance")
    assert q2["score_customer_experience"] != q2["score_customer_experience"]  # NaN, not 0
    assert q2["band"] == "healthy"
    assert q2["trend"] == pytest.approx(overall(Q2, {}) - overall(Q1, {}))
    assert health.loc["2024-01-01", "trend"] != health.loc["2024-01-01", "trend"]  # no earlier quarter


def test_a_zero_weighted_pillar_is_not_listed_as_used(scorecard):
    health = health_scores(scorecard, Filters(engagements=("P · A",)), grain="quarter",
                           weights={"customer experience": 0.0})
    q1 = health.set_index("period").loc["2024-01-01"]
    assert "customer experience" not in q1["pillars_used"] and "csat_pct" not in q1["kpis_used"]
    assert q1["score"] == pytest.approx(overall({k: v for k, v in Q1.items() if k != "csat_pct"}, {}))


@pytest.mark.parametrize("weights, message", [
    ({p: 0.0 for p in ("efficiency", "customer experience", "quality & compliance", "innovation", "governance")},
     "All pillar weights are zero"),
    ({"speed": 1.0}, "Unknown pillar"),
    ({"efficiency": -1.0}, "non-negative"),
])
def test_invalid_weights_are_rejected_with_a_clear_message(scorecard, weights, message):
    with pytest.raises(ValueError, match=message):
        health_scores(scorecard, Filters(), weights=weights)


@pytest.mark.parametrize("value, expected", [(70.0, "healthy"), (69.99, "watch"), (50.0, "watch"),
                                             (49.99, "at risk"), (float("nan"), None)])
def test_bands_split_at_70_and_50(value, expected):
    assert band(value) == expected


def test_overview_lists_each_engagement_once_with_its_latest_score_and_history(scorecard):
    overview = health_overview(scorecard, Filters(), grain="quarter").set_index("engagement")
    assert set(overview.index) == {"P · A", "Q · B"}
    assert overview.loc["P · A", "period"].strftime("%Y-%m") == "2024-04"
    assert overview.loc["P · A", "history"] == pytest.approx([overall(Q1, {}), overall(Q2, {})])
    assert overview.loc["Q · B", "score"] == 0.0            # FCR 0 % is below the band's worst
    assert overview.loc["Q · B", "band"] == "at risk"
    assert overview.loc["Q · B", "relationship_model"] == "transactional"
    # Q · B has no data in the latest quarter (Q2): listed last and not ranked, however low its score
    assert overview.index.tolist() == ["P · A", "Q · B"]
    assert overview["ranked"].tolist() == [True, False]
    assert overview.loc["Q · B", "n_kpis"] == 1 and overview.loc["P · A", "n_kpis"] == 3


def test_overview_history_is_limited_to_the_last_n_periods(scorecard):
    overview = health_overview(scorecard, Filters(), grain="month", history=2).set_index("engagement")
    assert len(overview.loc["P · A", "history"]) == 2


def test_drivers_sum_exactly_to_the_change_in_score(scorecard):
    drivers = health_drivers(scorecard, "P · A", date(2024, 2, 14), date(2024, 5, 1), Filters(), grain="quarter")
    change = overall(Q2, {}) - overall(Q1, {})
    assert drivers["contribution"].sum() == pytest.approx(change)
    by_kpi = drivers.set_index("kpi")
    # AHT: its efficiency pillar weighs 1/3 in Q2 (three pillars) and 1/4 in Q1 (four pillars)
    assert by_kpi.loc["aht_seconds", "contribution"] == pytest.approx(Q2["aht_seconds"] / 3 - Q1["aht_seconds"] / 4)
    # CSAT only in Q1: its whole Q1 term is lost
    assert by_kpi.loc["csat_pct", "contribution"] == pytest.approx(-Q1["csat_pct"] / 4)
    assert by_kpi.loc["csat_pct", "score_to"] != by_kpi.loc["csat_pct", "score_to"]  # NaN
    assert drivers["contribution"].abs().is_monotonic_decreasing


def test_drivers_sum_to_the_change_with_custom_weights_too(scorecard):
    weights = {"quality & compliance": 2.0, "innovation": 4.0}
    drivers = health_drivers(scorecard, "P · A", date(2024, 1, 1), date(2024, 4, 1), Filters(),
                             grain="quarter", weights=weights)
    health = health_scores(scorecard, Filters(engagements=("P · A",)), grain="quarter", weights=weights)
    scores = health.set_index(health["period"].dt.strftime("%Y-%m"))["score"]
    assert drivers["contribution"].sum() == pytest.approx(scores["2024-04"] - scores["2024-01"])


def test_drivers_for_a_period_without_scores_have_no_contribution(scorecard):
    drivers = health_drivers(scorecard, "P · A", date(2023, 1, 1), date(2024, 4, 1), Filters(), grain="quarter")
    assert drivers["contribution"].isna().all()
    assert set(drivers["kpi"]) == set(Q2)


def test_rates_need_thirty_responses_and_carry_a_wilson_interval_into_the_score(con):
    # 29 FCR responses are too few to score; 40 (30 resolved) give a score with its Wilson interval
    insert_rows(con, "interactions", [dict(provider="P", account="A", occurred_at="2024-01-05 10:00",
                                           resolved_first_contact=i < 20) for i in range(29)]
                + [dict(provider="P", account="A", occurred_at="2024-04-05 10:00",
                        resolved_first_contact=i < 30) for i in range(40)], batch_id=1)
    scores = kpi_scores(con, Filters(), grain="quarter")
    assert scores["period"].dt.strftime("%Y-%m").tolist() == ["2024-04"]
    row = scores.iloc[0]
    low, high = proportion_confint(30, 40, alpha=0.05, method="wilson")   # statsmodels, independently
    assert row["responses"] == 40
    assert (row["score_low"], row["score"], row["score_high"]) == pytest.approx(
        (score(low, 0.55, 0.75, 0.85), score(0.75, 0.55, 0.75, 0.85), score(high, 0.55, 0.75, 0.85)))


def test_a_score_whose_interval_crosses_a_band_edge_is_borderline(con):
    # FCR 45 of 80 = 56 %: score 3.75 (at risk); 30 of 40 = 75 %: score 75 but its interval reaches below 70
    insert_rows(con, "interactions", [dict(provider="P", account="A", occurred_at="2024-01-05 10:00",
                                           resolved_first_contact=i < 30) for i in range(40)]
                + [dict(provider="Q", account="B", occurred_at="2024-01-05 10:00",
                        resolved_first_contact=i < 45) for i in range(80)], batch_id=1)
    scores = health_scores(con, Filters(), grain="quarter").set_index("engagement")
    assert scores.loc["P · A", "borderline"] and scores.loc["P · A", "band"] == "healthy"
    assert scores.loc["Q · B", "score_high"] < 50 and not scores.loc["Q · B", "borderline"]
