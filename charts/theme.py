"""The one Altair theme: readable at screen-share size, colour-blind-safe, fixed model colours,
and the per-KPI axis rules (format, unit, range) every chart builder uses.

`enable()` registers and enables it once per process; every chart builder in charts/ relies
on it rather than styling charts one by one. Text, grid and background colours are left to the
app's light or dark Streamlit theme (.streamlit/config.toml) — the pages draw charts with
``theme="streamlit"`` — so a chart never shows dark ink on a dark page.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import altair as alt
from altair.utils import schemapi

from analytics.formatting import label_with_unit
from analytics.kpis import Kpi

NAME = "rapport"

_UNCHECKED_LOCK = threading.Lock()
_unchecked = {"depth": 0, "saved": True}


@contextmanager
def unchecked() -> Iterator[None]:
    """Altair's debug mode off while charts are built: in it every schema object (each axis, scale, mark
    and config) converts and validates itself against the JSON schema as it is made — 12 % of a page
    chart's build and a third of a QBR chart's, for the same spec; an invalid chart would still fail in
    Vega-Lite, and tests/test_charts.py and tests/test_app_qbr.py validate every builder's specs. The
    switch is Altair's process-wide flag, so this is the one place that turns it: counted under a lock,
    overlapping builds (other sessions, the QBR report's threads, the pages' specs) restore it once,
    when the last one ends."""
    with _UNCHECKED_LOCK:
        if _unchecked["depth"] == 0:
            _unchecked["saved"] = schemapi.DEBUG_MODE
            schemapi.DEBUG_MODE = False
        _unchecked["depth"] += 1
    try:
        yield
    finally:
        with _UNCHECKED_LOCK:
            _unchecked["depth"] -= 1
            if _unchecked["depth"] == 0:
                schemapi.DEBUG_MODE = _unchecked["saved"]

# Okabe–Ito: distinguishable with the common colour-vision deficiencies. Black is left out (it
# vanishes on the dark theme); series beyond the palette are grouped as "Other" in GREY.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
GREY = "#9E9E9E"
INK = "#222222"      # kept for static exports on white (charts/qbr.py)
MUTED = "#7A828E"    # secondary lines (rolling mean): readable on light and dark backgrounds
OTHER = "Other"
TOP_SERIES = 6       # a split shows this many series, the rest as OTHER

# Relationship models keep the same colours everywhere.
MODEL_DOMAIN = ["partnership", "transactional"]
MODEL_RANGE = ["#0072B2", "#E69F00"]
MODEL_SCALE = alt.Scale(domain=MODEL_DOMAIN, range=MODEL_RANGE)

# Health bands, worst to best.
BAND_DOMAIN = ["at risk", "watch", "healthy"]
BAND_RANGE = ["#D55E00", "#E69F00", "#009E73"]

# d3-format strings for axes. "~" trims trailing zeros, so a narrow range gets a decimal
# (75.5%) instead of repeating a rounded label (76%, 76%, 75%).
AXIS_FORMATS = {"count": ",.0f", "seconds": ",.0f", "pct": ".1~%", "money": "$,.2~f", "points": ".1~f",
                "decimal": ".2~f"}
TICK_COUNT = 6


def axis_format(k: Kpi) -> str:
    return AXIS_FORMATS.get(k.fmt, ",.2~f")


def axis_title(k: Kpi) -> str:
    """The KPI's short label with its unit: ``Average handle time (s)``, ``CSAT (%)``."""
    return label_with_unit(k, short=True)


def kpi_axis(k: Kpi) -> alt.Axis:
    """The y axis of a KPI chart; its title (with the unit) reads horizontally above the axis, so a long
    label is never cut along a short chart's side."""
    return alt.Axis(format=axis_format(k), tickCount=TICK_COUNT, title=axis_title(k), titleAngle=0,
                    titleAlign="left", titleAnchor="end", titleBaseline="bottom", titleX=-48, titleY=-10)


def kpi_domain(k: Kpi, values: Iterable[float]) -> list[float] | None:
    """The y range of a KPI chart — the stated rule:

    * a KPI with a health band spans the band (worst to best) and its target, widened to any
      value outside it — so a flat KPI looks flat, and the band gives the scale meaning;
    * rates never go below 0 % or above 100 %;
    * volumes, money and per-month counts without a band start at zero (None here: Vega-Lite's
      zero-based default).
    """
    seen = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if k.band is None:
        return None
    low, high = min(k.band), max(k.band)
    extra = seen + ([k.target] if k.target is not None else [])
    low, high = min([low, *extra]), max([high, *extra])
    if k.fmt == "pct":
        low, high = max(low, 0.0), min(high, 1.0)
    return [low, high]


def kpi_scale(k: Kpi, values: Iterable[float]) -> alt.Scale:
    domain = kpi_domain(k, values)
    return alt.Scale(zero=True) if domain is None else alt.Scale(domain=domain, nice=True, zero=False)


def series_scale(names: list[str]) -> alt.Scale:
    """Distinct palette colours for up to TOP_SERIES named series, GREY for OTHER."""
    named = [n for n in names if n != OTHER]
    domain = named + ([OTHER] if OTHER in names else [])
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(named))] + ([GREY] if OTHER in names else [])
    return alt.Scale(domain=domain, range=colours)


def _theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig({
        "config": {
            "font": "sans-serif",
            "view": {"stroke": None, "continuousWidth": 600, "continuousHeight": 320},
            "range": {"category": PALETTE + [GREY]},
            "axis": {"labelFontSize": 14, "titleFontSize": 15, "titleFontWeight": "normal", "labelLimit": 220,
                     "labelOverlap": True},
            "legend": {"labelFontSize": 14, "titleFontSize": 15, "orient": "bottom", "labelLimit": 260,
                       "symbolSize": 140, "columns": 4},
            "header": {"labelFontSize": 15, "titleFontSize": 15},
            "title": {"fontSize": 16, "anchor": "start", "fontWeight": "normal"},
            "text": {"fontSize": 13},
            "line": {"strokeWidth": 2.5},
            "point": {"size": 60, "filled": True},
            "bar": {"cornerRadiusEnd": 2},
        }
    })


def enable() -> None:
    """Register the theme (idempotent) and make it the active one."""
    if NAME not in alt.theme.names():
        alt.theme.register(NAME, enable=False)(_theme)
    alt.theme.enable(NAME)
