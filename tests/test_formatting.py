"""analytics.formatting: the one module that turns numbers, changes, periods and dates into text."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics import kpis
from analytics.formatting import (
    delta_color, delta_kind, delta_number, delta_unit, display_value, format_band, format_band_value, format_change,
    format_delta, format_points, format_relative, format_text,
    format_value, label_with_unit,
)
from analytics.health import band


def test_rates_change_in_percentage_points():
    csat = kpis.kpi("csat_pct")
    # 81.4 % → 71.0 % is 10.4 points, not the relative -12.8 %
    assert format_change(csat, 0.710, 0.814) == "-10.4 pp"
    assert delta_kind(csat) == "pp" and delta_unit(csat) == "pp"
    assert delta_number(csat, 0.710, 0.814) == pytest.approx(-10.4)


def test_nps_and_scores_change_in_points():
    nps = kpis.kpi("nps")
    # the review saw NPS 8.8 → 1.3 printed as "-85.3 %"
    assert format_change(nps, 1.3, 8.8) == "-7.5 pts"
    assert format_change(kpis.kpi("quality_score"), 86.0, 84.7) == "+1.3 pts"
    assert format_change(kpis.kpi("ces"), 5.5, 5.25) == "+0.25 pts"
    assert delta_number(nps, 1.3, 8.8) == pytest.approx(-7.5)


def test_volumes_money_and_durations_change_relative_to_the_earlier_value():
    assert format_change(kpis.kpi("aht_seconds"), 450, 400) == "+12.5 %"
    assert format_change(kpis.kpi("contacts"), 900, 1000) == "-10.0 %"
    assert format_change(kpis.kpi("cost_per_resolution"), 7.5, 8.0) == "-6.2 %"  # -6.25 rounds half-even
    assert delta_unit(kpis.kpi("contacts")) == "%"
    # nothing to be relative to: no change shown rather than a division by zero
    assert format_change(kpis.kpi("contacts"), 10, 0) is None


def test_format_delta_without_a_base_falls_back_to_the_kpis_own_unit():
    assert format_delta(kpis.kpi("aht_seconds"), 12.4) == "+12 s"
    assert format_delta(kpis.kpi("cost_per_contact"), -0.4) == "-$0.40"
    assert format_delta(kpis.kpi("contacts"), 1204) == "+1,204"
    assert format_delta(kpis.kpi("aht_seconds"), 50, base=400) == "+12.5 %"


def test_changes_never_print_minus_zero_and_missing_is_none():
    assert format_change(kpis.kpi("csat_pct"), 0.80, 0.8000001) == "+0.0 pp"
    assert format_relative(-0.0001) == "+0.0 %"
    assert format_relative(0.1234) == "+12.3 %"
    assert format_change(kpis.kpi("nps"), None, 3.0) is None
    assert format_delta(kpis.kpi("nps"), math.nan) is None
    assert format_points(2.345) == "+2.3 pts" and format_points(None) is None


def test_values_print_in_their_unit():
    assert format_value(kpis.kpi("csat_pct"), 0.8123) == "81.2 %"
    assert format_value(kpis.kpi("aht_seconds"), 412.4) == "412 s"
    assert format_value(kpis.kpi("cost_per_contact"), -1.5) == "-$1.50"
    assert format_value(kpis.kpi("nps"), -0.04) == "0.0"
    assert format_value(kpis.kpi("contacts"), None) == "—"
    assert display_value(kpis.kpi("csat_pct"), 0.81234) == 81.2
    assert label_with_unit(kpis.kpi("aht_seconds")) == "Average handle time (s)"
    assert label_with_unit(kpis.kpi("nps")) == "Net promoter score (points)"
    assert label_with_unit(kpis.kpi("csat_pct"), short=True) == "CSAT (%)"


@pytest.mark.parametrize("score", [49.75, 49.96, 49.996, 50.4, 69.5, 69.99, 70.0, 12.3, 99.9])
def test_a_band_value_as_shown_falls_in_the_same_band(score):
    shown = format_band_value(score)
    assert band(float(shown)) == band(score)


def test_band_text_puts_the_score_and_its_band_together():
    assert format_band(49.75) == "49.8 · at risk"
    assert format_band(50.4) == "50 · watch"
    assert format_band(49.996) == "49.9 · at risk"
    assert format_band(None) == "—"


def test_delta_colour_follows_the_kpi_direction():
    assert delta_color(kpis.kpi("csat_pct")) == "normal"
    assert delta_color(kpis.kpi("aht_seconds")) == "inverse"
    assert delta_color(kpis.kpi("contacts")) == "off"
