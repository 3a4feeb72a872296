"""Display strings shared by the pages."""
from __future__ import annotations

import math

import pandas as pd

from analytics import kpis
from ui.formatting import change_points, change_text, delta_color, period_text


def test_relative_change_prints_signed_percent_and_never_minus_zero():
    assert change_text(0.1234) == "+12.3 %"
    assert change_text(-0.05) == "-5.0 %"
    assert change_text(-0.0001) == "+0.0 %"
    assert change_text(math.nan) is None and change_text(None) is None


def test_score_change_prints_signed_points():
    assert change_points(2.345) == "+2.3" and change_points(float("nan")) is None


def test_delta_colour_follows_the_kpi_direction():
    assert delta_color(kpis.kpi("csat_pct")) == "normal"
    assert delta_color(kpis.kpi("aht_seconds")) == "inverse"
    assert delta_color(kpis.kpi("contacts")) == "off"


def test_period_text_names_the_period_at_each_grain():
    day = pd.Timestamp("2024-07-01")
    assert [period_text(day, g) for g in ("quarter", "month", "year", "week")] == [
        "2024 Q3", "Jul 2024", "2024", "week of 1 Jul 2024"]
