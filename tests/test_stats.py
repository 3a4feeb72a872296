"""The estimators in analytics/stats.py against textbook values computed independently."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from analytics import stats
from bench.premium_coverage import simulate


def test_welch_difference_matches_the_textbook_formula():
    a, b = np.array([10.0, 12.0, 14.0, 16.0]), np.array([8.0, 9.0, 13.0])
    va, vb = np.var(a, ddof=1) / 4, np.var(b, ddof=1) / 3
    df = (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 2)
    half = st.t.ppf(0.975, df) * math.sqrt(va + vb)
    got = stats.welch_difference(a, b)
    assert got.estimate == pytest.approx(13.0 - 10.0)
    assert (got.low, got.high) == pytest.approx((3.0 - half, 3.0 + half))
    assert got.df == pytest.approx(df)
    # scipy's own Welch test gives the same p-value
    assert got.p_value == pytest.approx(st.ttest_ind(a, b, equal_var=False).pvalue)


def test_welch_log_ratio_is_the_delta_method_on_the_ratio_of_means():
    a, b = np.array([90.0, 92.0, 94.0, 96.0]), np.array([78.0, 80.0, 82.0, 84.0])
    ma, mb = 93.0, 81.0
    va, vb = np.var(a, ddof=1) / 4 / ma ** 2, np.var(b, ddof=1) / 4 / mb ** 2
    df = (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 3)
    half = st.t.ppf(0.975, df) * math.sqrt(va + vb)
    got = stats.welch_log_ratio(a, b)
    assert got.estimate == pytest.approx(math.log(93 / 81))
    assert (got.low, got.high) == pytest.approx((math.log(93 / 81) - half, math.log(93 / 81) + half))


def test_intervals_need_two_values_a_side_and_positive_means_for_a_ratio():
    assert np.isnan(stats.welch_difference([1.0], [1.0, 2.0]).low)
    assert np.isnan(stats.welch_log_ratio([-1.0, -2.0], [1.0, 2.0]).estimate)


def test_wilson_interval_known_values():
    # 8 of 10: Wilson 95 % interval 0.4902–0.9433 (Newcombe 1998, table I)
    low, high = stats.wilson_interval(8, 10)
    assert (float(low), float(high)) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    low, high = stats.wilson_interval(0, 10)
    assert float(low) == 0.0 and float(high) == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(stats.wilson_interval(0, 0)[0])


def test_newcombe_difference_known_value():
    # 56/70 vs 48/80: Newcombe (1998) method 10 gives 0.0524 to 0.3339
    low, high = stats.newcombe_difference(56, 70, 48, 80)
    assert (float(low), float(high)) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_holm_and_benjamini_hochberg_adjustments():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005·4, 0.01·3, 0.03·2, 0.04·1 with a running maximum
    assert stats.holm(p).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: sorted 0.005·4/1, 0.01·4/2, 0.03·4/3, 0.04·4/4 with a running minimum from the top
    assert stats.benjamini_hochberg(p).tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert np.isnan(stats.holm([np.nan, 0.01])[0]) and stats.holm([np.nan, 0.01])[1] == pytest.approx(0.01)


def test_row_slopes_and_band_placement():
    slopes = stats.row_slopes(np.array([[1.0, 2.0, 3.0], [5.0, np.nan, 1.0], [4.0, np.nan, np.nan]]),
                              np.array([4.0, 5.0, 6.0]))
    assert slopes[:2].tolist() == pytest.approx([1.0, -2.0]) and np.isnan(slopes[2])
    assert stats.place_in_band(16, 19, 15, 20) == "within"
    assert stats.place_in_band(21, 30, 15, 20) == "above"
    assert stats.place_in_band(2, 9, 15, 20) == "below"
    assert stats.place_in_band(10, 30, 15, 20) == "imprecise"


def test_the_shipped_interval_covers_a_known_premium_at_four_engagements_a_side():
    # a fast version of bench/premium_coverage.py: 300 seeded portfolios, 4 engagements per side
    coverage = simulate(4, 300, seed=11, with_bootstrap=False)
    assert coverage["welch"] >= 0.90
    assert coverage["welch_diff"] >= 0.90
