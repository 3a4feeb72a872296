"""The one Altair theme: readable at screen-share size, colour-blind-safe, fixed model colours.

`enable()` registers and enables it once per process; every chart builder in charts/ relies
on it rather than styling charts one by one.
"""
from __future__ import annotations

import altair as alt

from analytics.kpis import Kpi

NAME = "rapport"

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#9E9E9E"
INK = "#222222"

# Relationship models keep the same colours everywhere.
MODEL_DOMAIN = ["partnership", "transactional"]
MODEL_RANGE = ["#0072B2", "#E69F00"]
MODEL_SCALE = alt.Scale(domain=MODEL_DOMAIN, range=MODEL_RANGE)

# Health bands, worst to best.
BAND_DOMAIN = ["at risk", "watch", "healthy"]
BAND_RANGE = ["#D55E00", "#E69F00", "#009E73"]

# d3-format strings matching kpis.format_value (axes; tooltips use the formatted text).
AXIS_FORMATS = {"count": ",.0f", "seconds": ",.0f", "pct": ".0%", "money": "$,.2f", "points": ".0f",
                "decimal": ".1f"}


def axis_format(k: Kpi) -> str:
    return AXIS_FORMATS.get(k.fmt, ",.2f")


def _theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig({
        "config": {
            "font": "sans-serif",
            "view": {"stroke": None, "continuousWidth": 600, "continuousHeight": 320},
            "range": {"category": PALETTE},
            "axis": {"labelFontSize": 14, "titleFontSize": 15, "labelColor": INK, "titleColor": INK,
                     "gridColor": "#E6E6E6", "domainColor": "#BDBDBD", "tickColor": "#BDBDBD",
                     "titleFontWeight": "normal", "labelLimit": 220},
            "legend": {"labelFontSize": 14, "titleFontSize": 15, "orient": "bottom", "labelLimit": 260,
                       "symbolSize": 140},
            "header": {"labelFontSize": 15, "titleFontSize": 15},
            "title": {"fontSize": 16, "anchor": "start", "color": INK, "fontWeight": "normal"},
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
