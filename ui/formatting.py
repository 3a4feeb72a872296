"""Display strings shared by the pages (KPI values themselves go through kpis.format_value)."""
from __future__ import annotations

from typing import Literal

import pandas as pd

from analytics.kpis import Kpi


def change_text(change: float | None) -> str | None:
    """A relative change as `+3.2 %`; None when there is nothing to compare with."""
    if change is None or pd.isna(change):
        return None
    return f"{round(change * 100, 1) + 0.0:+.1f} %"  # + 0.0 turns -0.0 into 0.0


def change_points(change: float | None) -> str | None:
    """A difference in score points as `+2.3`; None when there is nothing to compare with."""
    if change is None or pd.isna(change):
        return None
    return f"{change:+.1f}"


def delta_color(k: Kpi) -> Literal["normal", "inverse", "off"]:
    """Green when the KPI moved the good way: inverse for lower-is-better, grey for volumes."""
    return {1: "normal", -1: "inverse"}.get(k.direction, "off")


def period_text(period, grain: str) -> str:
    """`2024 Q3`, `Mar 2024`, `2024`, or `week of 4 Mar 2024` for a period start."""
    p = pd.Timestamp(period)
    if grain == "quarter":
        return f"{p.year} Q{p.quarter}"
    if grain == "month":
        return p.strftime("%b %Y")
    if grain == "year":
        return str(p.year)
    return "week of " + p.strftime("%-d %b %Y")

