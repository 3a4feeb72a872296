"""Claim verdicts on constructed portfolios where the right answer is known."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analytics import db
from analytics.cli import main
from analytics.claims import VERDICTS, band_verdict, claim_check, exploratory_premiums
from analytics.filters import Filters
from analytics.premium import relationship_year_values
from analytics.stats import holm
from tests.builders import EIGHT, welch_log_ratio_ci
from tests.builders import load_independent as load

QUALITY = "Partnerships score 15–20 % higher on quality after year two"
INNOVATIONS = "Partnerships implement 20–25 % more innovations a year"
COST = "Partnerships are 10–15 % more cost-efficient at steady state"
TRAJECTORY = "Transactional deals plateau after year three while partnerships keep improving"


def claims_of(con) -> dict:
    return claim_check(con, Filters()).set_index("claim").to_dict("index")


def test_the_verdict_vocabulary_places_the_interval_against_the_band():
    assert band_verdict(16, 19, 15, 20, 0.001) == "within"
    assert band_verdict(52.5, 55.2, 20, 25, 0.001) == "above"       # +54 % does not "support" 20–25 %
    assert band_verdict(2, 9, 15, 20, 0.001) == "below"
    assert band_verdict(-3, 9, 15, 20, 0.40) == "no difference"
    assert band_verdict(5, 30, 15, 20, 0.001) == "imprecise"
    assert band_verdict(np.nan, np.nan, 15, 20, np.nan) == "insufficient data"


def test_quality_after_year_two_pools_years_three_on_and_is_within_the_band(con):
    # years 1–2 would give a negative premium; only years 3+ count (each engagement's mean of years 3–4)
    p3 = [93, 93.5, 93, 93.5]
    t3 = [80, 80.5, 80, 80.5]
    values = {**{f"P{i + 1}": [10, 10, v, v] for i, v in enumerate(p3)},
              **{f"T{i + 1}": [99, 99, v, v] for i, v in enumerate(t3)}}
    load(con, values, EIGHT)
    quality = claims_of(con)[QUALITY]
    assert quality["measured"] == pytest.approx(100 * (np.mean(p3) / np.mean(t3) - 1))
    assert (quality["ci_low"], quality["ci_high"]) == pytest.approx(welch_log_ratio_ci(p3, t3))
    assert (quality["n_partnership"], quality["n_transactional"]) == (4, 4)
    assert quality["verdict"] == "within" and 15 <= quality["ci_low"] and quality["ci_high"] <= 20
    assert quality["band_low"] == 15 and quality["band_high"] == 20


def test_quality_values_the_caller_already_read_serve_the_claim_check_unchanged(con):
    p3, t3 = [93, 93.5, 93, 94], [80, 80.5, 81, 80.5]
    values = {**{f"P{i + 1}": [10, 11, v, v + 1] for i, v in enumerate(p3)},
              **{f"T{i + 1}": [99, 98, v, v - 1] for i, v in enumerate(t3)}}
    load(con, values, EIGHT)
    quality = relationship_year_values(con, "quality_score", Filters())
    given = claim_check(con, Filters(), values={"quality_score": quality})
    pd.testing.assert_frame_equal(given, claim_check(con, Filters()), check_exact=True)
    # the given frame is the one used, for the quality claim and the trajectory claim alike
    emptied = claim_check(con, Filters(), values={"quality_score": quality.iloc[0:0]}).set_index("claim")
    assert emptied.loc[QUALITY, "verdict"] == emptied.loc[TRAJECTORY, "verdict"] == "insufficient data"
    assert emptied.loc[INNOVATIONS, "verdict"] == claims_of(con)[INNOVATIONS]["verdict"]


def test_a_premium_far_above_the_band_is_above_not_supported(con):
    load(con, {"P1": [1.5], "P2": [1.55], "P3": [1.52], "P4": [1.53], "T1": [1.0], "T2": [0.99], "T3": [1.01],
               "T4": [1.0]}, EIGHT, field="innovations")
    assert claims_of(con)[INNOVATIONS]["verdict"] == "above"


def test_no_difference_when_the_interval_holds_zero_and_misses_the_band(con):
    load(con, {"P1": [0, 0, 80], "P2": [0, 0, 82], "P3": [0, 0, 79], "P4": [0, 0, 81],
               "T1": [0, 0, 81], "T2": [0, 0, 80], "T3": [0, 0, 79], "T4": [0, 0, 82]}, EIGHT)
    quality = claims_of(con)[QUALITY]
    assert quality["ci_low"] < 0 < quality["ci_high"] < 15
    assert quality["verdict"] == "no difference"


def test_a_wide_interval_overlapping_the_band_is_imprecise(con):
    load(con, {"P1": [0, 0, 60], "P2": [0, 0, 95], "P3": [0, 0, 100], "P4": [0, 0, 90],
               "T1": [0, 0, 60], "T2": [0, 0, 90], "T3": [0, 0, 70], "T4": [0, 0, 75]}, EIGHT)
    assert claims_of(con)[QUALITY]["verdict"] == "imprecise"


def test_too_few_engagements_or_missing_kpis_are_insufficient_data(con):
    models = {"P1": "partnership", "P2": "partnership", "P3": "partnership", "T1": "transactional",
              "T2": "transactional", "T3": "transactional", "T4": "transactional"}
    load(con, {"P1": [0, 0, 90], "P2": [0, 0, 95], "P3": [0, 0, 93], "T1": [0, 0, 70], "T2": [0, 0, 71],
               "T3": [0, 0, 72], "T4": [0, 0, 73]}, models)
    claims = claims_of(con)
    assert claims[QUALITY]["verdict"] == "insufficient data" and np.isnan(claims[QUALITY]["measured"])
    assert claims[QUALITY]["n_partnership"] == 3
    assert claims[INNOVATIONS]["verdict"] == "insufficient data"      # no innovation counts loaded
    assert claims[COST]["verdict"] == "insufficient data" and claims[COST]["kpi"] == "cost_per_resolution"
    assert claims[TRAJECTORY]["verdict"] == "insufficient data"
    assert set(claim_check(con, Filters())["verdict"]) <= set(VERDICTS)


def test_cost_claim_falls_back_to_the_scorecard_cost_and_counts_cheaper_as_better(con):
    p3, t3 = [8.7, 8.75, 8.7, 8.75], [10, 10.05, 9.95, 10]
    load(con, {**{f"P{i + 1}": [9, 9, v] for i, v in enumerate(p3)},
               **{f"T{i + 1}": [9, 9, v] for i, v in enumerate(t3)}}, EIGHT, field="cost_per_resolution")
    cost = claims_of(con)[COST]
    assert cost["kpi"] == "vendor_cost_per_resolution"
    assert cost["measured"] == pytest.approx(100 * (1 - np.mean(p3) / np.mean(t3)))
    assert cost["verdict"] == "within"


def test_p_values_are_holm_adjusted_across_the_four_claims(con):
    load(con, {**{f"P{i + 1}": [0, 0, 90 + i, 91 + i, 92 + i, 93 + i] for i in range(4)},
               **{f"T{i + 1}": [0, 0, 78 + i, 78 + i, 78 - i / 4, 78 + i / 4] for i in range(4)}}, EIGHT)
    frame = claim_check(con, Filters())
    assert frame["p_adjusted"].tolist() == pytest.approx(holm(frame["p_value"].to_numpy()).tolist(), nan_ok=True)
    assert (frame["p_adjusted"].dropna() >= frame["p_value"].dropna()).all()


def test_trajectory_claim_within_when_transactional_is_flat_and_partnerships_climb(con):
    parts = {f"P{i + 1}": [0, 0, 0, 79 + i, 82 + i, 85 + i] for i in range(4)}
    flat = {f"T{i + 1}": [0, 0, 0, 70 + d, 70, 70 - d] for i, d in enumerate((0.5, -0.5, 0.25, -0.25))}
    load(con, {**parts, **flat}, EIGHT)
    trajectory = claims_of(con)[TRAJECTORY]
    assert trajectory["measured"] == pytest.approx(np.mean([100 * -d / 70 for d in (0.5, -0.5, 0.25, -0.25)]))
    assert trajectory["confidence"] == 0.90 and -2 < trajectory["ci_low"] < trajectory["ci_high"] < 2
    assert trajectory["verdict"] == "within"


def test_trajectory_claim_above_when_transactional_deals_improve(con):
    parts = {f"P{i + 1}": [0, 0, 0, 80 + i, 80 + i, 80 + i] for i in range(4)}
    rising = {f"T{i + 1}": [0, 0, 0, 70 + i, 75 + i, 80 + i] for i in range(4)}
    load(con, {**parts, **rising}, EIGHT)
    trajectory = claims_of(con)[TRAJECTORY]
    assert trajectory["ci_low"] > 2 and trajectory["verdict"] == "above"


def test_report_claims_json_returns_each_claim_with_verdict_interval_and_adjusted_p(con, tmp_path, capsys):
    path = tmp_path / "claims.duckdb"
    with db.connect(path) as file_con:
        p3, t3 = [93, 93.5, 93, 93.5], [80, 80.5, 80, 80.5]
        load(file_con, {**{f"P{i + 1}": [10, 10, v] for i, v in enumerate(p3)},
                        **{f"T{i + 1}": [99, 99, v] for i, v in enumerate(t3)}}, EIGHT)
    assert main(["report", "claims", "--db", str(path), "--json"]) == 0
    claims = json.loads(capsys.readouterr().out)
    assert len(claims) == 4
    for claim in claims:
        assert {"claim", "verdict", "ci_low", "ci_high", "p_adjusted"} <= set(claim)
        assert claim["verdict"] in VERDICTS
    quality = next(c for c in claims if c["claim"] == QUALITY)
    assert quality["verdict"] == "within"
    assert (quality["ci_low"], quality["ci_high"]) == pytest.approx(welch_log_ratio_ci(p3, t3))
    assert math.isfinite(quality["p_adjusted"])
    assert next(c for c in claims if c["claim"] == INNOVATIONS)["p_adjusted"] is None


def test_every_kpi_and_year_is_exploratory_with_benjamini_hochberg_over_the_whole_family(con):
    load(con, {**{f"P{i + 1}": [90 + i, 91 + i] for i in range(4)}, **{f"T{i + 1}": [80 + i, 90 - i] for i in range(4)}},
         EIGHT)
    load(con, {**{f"P{i + 1}": [1.2 + i / 10] for i in range(4)}, **{f"T{i + 1}": [1.0 + i / 20] for i in range(4)}},
         EIGHT, field="innovations")
    family = exploratory_premiums(con, Filters(), kpi_ids=("quality_score", "innovations"))
    assert sorted(zip(family["kpi"], family["relationship_year"])) == [
        ("innovations", 1), ("quality_score", 1), ("quality_score", 2)]
    p = family["p_value"].to_numpy()
    m = 3
    order = np.argsort(p)
    expected = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    assert family["q_value"].to_numpy()[order] == pytest.approx(np.minimum(expected, 1.0))
