"""Claim verdicts on constructed portfolios where the right answer is known."""
from __future__ import annotations

import pytest

from analytics.claims import claim_check
from analytics.filters import Filters
from tests.builders import SIX, load

QUALITY = "Partnerships score 15–20 % higher on quality after year two"
INNOVATIONS = "Partnerships implement 20–25 % more innovations a year"
COST = "Partnerships are 10–15 % more cost-efficient at steady state"
TRAJECTORY = "Transactional deals plateau after year three while partnerships keep improving"


def claims_of(con) -> dict:
    return claim_check(con, Filters(), n_boot=500).set_index("claim").to_dict("index")


def test_quality_premium_after_year_two_within_the_claim_is_supported(con):
    # year 1–2 figures would give a negative premium; only years 3+ count
    load(con, {"P1": [10, 10, 90, 90], "P2": [10, 10, 92, 92], "P3": [10, 10, 94, 94],
               "T1": [99, 99, 78, 78], "T2": [99, 99, 80, 80], "T3": [99, 99, 79, 79]}, SIX)
    quality = claims_of(con)[QUALITY]
    assert quality["measured"] == pytest.approx(100 * (92 - 79) / 79)
    assert quality["verdict"] == "supported"
    assert quality["ci_low"] > 0 and quality["expected"] == "+15–20 %"
    assert (quality["n_partnership"], quality["n_transactional"]) == (3, 3)
    assert "+16.5 %" in quality["detail"]


def test_a_premium_far_below_the_claim_is_contradicted(con):
    load(con, {"P1": [0, 0, 80], "P2": [0, 0, 81], "P3": [0, 0, 82], "T1": [0, 0, 79], "T2": [0, 0, 80],
               "T3": [0, 0, 81]}, SIX)
    quality = claims_of(con)[QUALITY]
    assert quality["measured"] == pytest.approx(100 * (81 - 80) / 80)
    assert quality["ci_high"] < 15
    assert quality["verdict"] == "contradicted"


def test_a_wide_interval_straddling_the_claim_is_inconclusive(con):
    load(con, {"P1": [0, 0, 60], "P2": [0, 0, 95], "P3": [0, 0, 100], "T1": [0, 0, 60], "T2": [0, 0, 90],
               "T3": [0, 0, 70]}, SIX)
    assert claims_of(con)[QUALITY]["verdict"] == "inconclusive"


def test_too_few_engagements_or_missing_kpis_are_insufficient(con):
    models = {"P1": "partnership", "P2": "partnership", "T1": "transactional", "T2": "transactional",
              "T3": "transactional"}
    load(con, {"P1": [0, 0, 90], "P2": [0, 0, 95], "T1": [0, 0, 70], "T2": [0, 0, 71], "T3": [0, 0, 72]}, models)
    claims = claims_of(con)
    assert claims[QUALITY]["verdict"] == "insufficient"
    assert claims[QUALITY]["n_partnership"] == 2
    assert claims[INNOVATIONS]["verdict"] == "insufficient"      # no innovation counts loaded
    assert claims[COST]["verdict"] == "insufficient"
    assert claims[COST]["kpi"] == "cost_per_resolution"
    assert claims[TRAJECTORY]["verdict"] == "insufficient"


def test_innovations_premium_pools_every_relationship_year(con):
    load(con, {"P1": [1.2, 1.2], "P2": [1.3, 1.1], "P3": [1.25, 1.25], "T1": [1.0, 1.0], "T2": [1.0, 1.0],
               "T3": [0.9, 1.1]}, SIX, field="innovations")
    innovations = claims_of(con)[INNOVATIONS]
    assert innovations["measured"] == pytest.approx(100 * ((1.2 + 1.2 + 1.25) / 3 - 1.0) / 1.0)
    assert innovations["verdict"] == "supported"


def test_cost_claim_falls_back_to_the_scorecard_cost_and_counts_cheaper_as_better(con):
    load(con, {"P1": [9, 9, 8.5], "P2": [9, 9, 8.6], "P3": [9, 9, 8.7], "T1": [9, 9, 10], "T2": [9, 9, 10.1],
               "T3": [9, 9, 9.9]}, SIX, field="cost_per_resolution")
    cost = claims_of(con)[COST]
    assert cost["kpi"] == "vendor_cost_per_resolution"
    assert cost["measured"] == pytest.approx(100 * (10 - 8.6) / 10)
    assert cost["verdict"] == "supported"


def test_trajectory_claim_supported_when_transactional_stalls_and_partnerships_climb(con):
    load(con, {"P1": [0, 0, 0, 80, 83, 86], "P2": [0, 0, 0, 81, 84, 87], "P3": [0, 0, 0, 79, 82, 85],
               "T1": [0, 0, 0, 70, 70, 70], "T2": [0, 0, 0, 71, 70, 71], "T3": [0, 0, 0, 69, 70, 69]}, SIX)
    trajectory = claims_of(con)[TRAJECTORY]
    # partnership curve 80, 83, 86: slope 3 on a mean of 83; transactional 70, 70, 70: slope 0
    assert trajectory["measured"] == pytest.approx(100 * 3 / 83)
    assert trajectory["verdict"] == "supported"


def test_trajectory_claim_contradicted_when_transactional_deals_improve_faster(con):
    load(con, {"P1": [0, 0, 0, 80, 80, 80], "P2": [0, 0, 0, 81, 81, 81], "P3": [0, 0, 0, 79, 79, 79],
               "T1": [0, 0, 0, 70, 75, 80], "T2": [0, 0, 0, 71, 76, 81], "T3": [0, 0, 0, 69, 74, 79]}, SIX)
    trajectory = claims_of(con)[TRAJECTORY]
    assert trajectory["measured"] == pytest.approx(-100 * 5 / 75)
    assert trajectory["verdict"] == "contradicted"
