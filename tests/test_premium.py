"""Partnership premium against figures computed by hand from literal engagements and scorecards."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.filters import Filters
from analytics.premium import (calendar_yoy, model_curves, premium_by_relationship_year, relationship_year_values,
                               trajectory)
from tests.builders import SIX, engagement, insert_rows, load, month_of_year, scorecard


def test_relationship_year_counts_months_from_a_mid_year_contract_start(con):
    insert_rows(con, "engagements", [engagement("M", "partnership", date(2020, 7, 15))], batch_id=1)
    insert_rows(con, "performance", [
        scorecard("M", "2020-06-01", quality_score=10.0),   # before the contract: left out
        scorecard("M", "2020-07-01", quality_score=80.0),   # month 0 → year 1
        scorecard("M", "2021-06-01", quality_score=90.0),   # month 11 → year 1
        scorecard("M", "2021-07-01", quality_score=70.0),   # month 12 → year 2
        scorecard("M", "2023-01-01", quality_score=60.0),   # month 30 → year 3
    ], batch_id=2)
    values = relationship_year_values(con, "quality_score", Filters())
    assert dict(zip(values["relationship_year"], values["value"])) == {1: 85.0, 2: 70.0, 3: 60.0}
    assert values.loc[0, ["engagement", "relationship_model"]].tolist() == ["M · A", "partnership"]
    assert values["numerator"].tolist() == [170.0, 70.0, 60.0]
    assert values["denominator"].tolist() == [2.0, 1.0, 1.0]


def test_relationship_year_values_of_an_interaction_kpi_sum_before_dividing(con):
    insert_rows(con, "engagements", [engagement("M", "transactional", date(2021, 3, 1))], batch_id=1)
    insert_rows(con, "interactions", [
        dict(provider="M", account="A", occurred_at="2021-03-05 10:00:00", handle_seconds=100.0),
        dict(provider="M", account="A", occurred_at="2022-01-05 10:00:00", handle_seconds=400.0),
        dict(provider="M", account="A", occurred_at="2022-01-06 10:00:00", handle_seconds=700.0),
        dict(provider="M", account="A", occurred_at="2022-03-05 10:00:00", handle_seconds=50.0),
    ], batch_id=3)
    values = relationship_year_values(con, "aht_seconds", Filters())
    assert dict(zip(values["relationship_year"], values["value"])) == {1: pytest.approx(400.0), 2: 50.0}


def test_premium_per_year_is_the_difference_of_model_means_over_the_transactional_mean(con):
    load(con, {"P1": [80, 90], "P2": [84, 94], "P3": [88, 98], "T1": [70, 75], "T2": [72, 75], "T3": [74, 75]}, SIX)
    premium = premium_by_relationship_year(con, "quality_score", Filters(), n_boot=500)
    year1, year2 = premium.itertuples(index=False)
    assert (year1.partnership, year1.transactional) == (84.0, 72.0)
    assert year1.premium_pct == pytest.approx(100 * (84 - 72) / 72)
    assert year2.premium_pct == pytest.approx(100 * (94 - 75) / 75)
    assert (year1.n_partnership, year1.n_transactional, year1.sufficient) == (3, 3, True)


def test_premium_flips_sign_for_lower_is_better_kpis(con):
    load(con, {"P1": [8], "P2": [9], "P3": [10], "T1": [10], "T2": [11], "T3": [12]}, SIX,
         field="cost_per_resolution")
    premium = premium_by_relationship_year(con, "vendor_cost_per_resolution", Filters(), n_boot=500)
    # partnerships are cheaper (9 vs 11): a positive premium
    assert premium.loc[0, "premium_pct"] == pytest.approx(100 * (11 - 9) / 11)
    assert premium.loc[0, "ci_low"] > 0


def test_bootstrap_ci_is_deterministic_for_a_seed_and_contains_the_point(con):
    load(con, {"P1": [80], "P2": [86], "P3": [95], "T1": [70], "T2": [79], "T3": [73]}, SIX)
    first = premium_by_relationship_year(con, "quality_score", Filters(), n_boot=1000, seed=3)
    again = premium_by_relationship_year(con, "quality_score", Filters(), n_boot=1000, seed=3)
    other = premium_by_relationship_year(con, "quality_score", Filters(), n_boot=1000, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert first.loc[0, "ci_low"] != other.loc[0, "ci_low"]
    row = first.loc[0]
    assert row.ci_low < row.premium_pct < row.ci_high
    # the interval can never reach beyond the extreme resamples: all-min P vs all-max T and vice versa
    assert row.ci_low >= 100 * (80 - 79) / 79 and row.ci_high <= 100 * (95 - 70) / 70


def test_premium_is_flagged_insufficient_below_three_engagements_per_model(con):
    models = {"P1": "partnership", "P2": "partnership", "T1": "transactional", "T2": "transactional",
              "T3": "transactional"}
    load(con, {"P1": [80], "P2": [90], "T1": [70], "T2": [70], "T3": [70]}, models)
    premium = premium_by_relationship_year(con, "quality_score", Filters(), n_boot=200)
    assert premium.loc[0, ["n_partnership", "n_transactional", "sufficient"]].tolist() == [2, 3, False]
    assert premium.loc[0, "premium_pct"] == pytest.approx(100 * (85 - 70) / 70)


def test_premium_with_only_one_model_has_nan_figures_not_an_error(con):
    load(con, {"P1": [80], "P2": [90], "P3": [70]}, {"P1": "partnership", "P2": "partnership", "P3": "partnership"})
    premium = premium_by_relationship_year(con, "quality_score", Filters(), n_boot=200)
    assert np.isnan(premium.loc[0, "premium_pct"]) and not premium.loc[0, "sufficient"]


def test_model_filter_and_unregistered_engagements(con):
    load(con, {"P1": [80], "T1": [70]}, {"P1": "partnership", "T1": "transactional"})
    insert_rows(con, "performance", [scorecard("X", "2020-01-01", quality_score=10.0)], batch_id=5)
    values = relationship_year_values(con, "quality_score", Filters(models=("partnership",)))
    assert values["engagement"].tolist() == ["P1 · A"]
    assert "X · A" not in relationship_year_values(con, "quality_score", Filters())["engagement"].tolist()


def test_model_curves_give_mean_and_band_per_model_and_year(con):
    load(con, {"P1": [80, 90], "P2": [84, 94], "P3": [88, 98], "T1": [70], "T2": [72], "T3": [74]}, SIX)
    curves = model_curves(con, "quality_score", Filters(), n_boot=500)
    p2 = curves[(curves["relationship_model"] == "partnership") & (curves["relationship_year"] == 2)].iloc[0]
    assert (p2["mean"], p2["n"]) == (94.0, 3)
    assert 90.0 <= p2["ci_low"] <= 94.0 <= p2["ci_high"] <= 98.0
    assert len(curves) == 3


def test_calendar_yoy_is_the_raw_change_of_the_models_yearly_mean(con):
    load(con, {"P1": [80, 88], "P2": [90, 99], "T1": [10, 8], "T2": [10, 8]},
         {"P1": "partnership", "P2": "partnership", "T1": "transactional", "T2": "transactional"},
         field="cost_per_resolution")
    yoy = calendar_yoy(con, "vendor_cost_per_resolution", Filters())
    got = {(m, y): (v, c) for _, m, y, v, c in yoy.itertuples(index=False)}
    assert got[("partnership", 2021)] == (93.5, pytest.approx(100 * (93.5 - 85) / 85))
    assert got[("transactional", 2021)] == (8.0, pytest.approx(-20.0))
    assert np.isnan(got[("transactional", 2020)][1])


def test_trajectory_slope_on_a_hand_built_curve_and_plateau_detection(con):
    # years 1–3 are ignored; after year 3 partnerships climb 3 points a year, transactional deals stall
    load(con, {"P1": [50, 50, 50, 79, 82, 85], "P2": [50, 50, 50, 81, 84, 87],
               "T1": [90, 90, 90, 70, 71, 69], "T2": [90, 90, 90, 70, 70, 71]},
         {"P1": "partnership", "P2": "partnership", "T1": "transactional", "T2": "transactional"})
    traj = trajectory(con, "quality_score", Filters(), after_year=3).set_index("relationship_model")
    assert traj.loc["partnership", "slope_per_year"] == pytest.approx(3.0)
    assert traj.loc["partnership", "slope_pct_per_year"] == pytest.approx(100 * 3 / 83)
    assert not traj.loc["partnership", "plateau"]
    # transactional mean curve 70, 70.5, 70 → slope 0
    assert traj.loc["transactional", "slope_per_year"] == pytest.approx(0.0)
    assert traj.loc["transactional", "plateau"]
    assert traj.loc["transactional", ["years", "n_engagements"]].tolist() == [3, 2]


def test_trajectory_of_a_falling_cost_counts_as_improving(con):
    load(con, {"P1": [9, 9, 9, 10, 9, 8]}, {"P1": "partnership"}, field="cost_per_resolution")
    traj = trajectory(con, "vendor_cost_per_resolution", Filters(), after_year=3)
    assert traj.loc[0, "slope_per_year"] == pytest.approx(-1.0)
    assert traj.loc[0, "slope_pct_per_year"] == pytest.approx(100 * 1 / 9)


def test_trajectory_needs_two_years_after_the_cutoff(con):
    load(con, {"P1": [80, 81, 82, 83]}, {"P1": "partnership"})
    assert trajectory(con, "quality_score", Filters(), after_year=3).empty
