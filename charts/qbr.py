"""QBR charts: one engagement's health trend and the partnership premium by relationship year.

Both take tidy, already aggregated frames and return an `alt.Chart` sized for a slide.
`theme` is "light" or "dark": the dark variant is applied as chart-level config so an
exported PNG/SVG looks the same as the chart on a screen-shared dark page.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import BAND_DOMAIN, BAND_RANGE, INK, MODEL_RANGE, PALETTE

THEMES = ("light", "dark")
_PALETTE = {
    "light": {"background": "#FFFFFF", "text": INK, "grid": "#E4E7EB", "rule": "#9AA5B1", "line": PALETTE[0],
              "bar": MODEL_RANGE[0], "highlight": PALETTE[3]},
    "dark": {"background": "#0E1117", "text": "#E6EAF0", "grid": "#2B313B", "rule": "#5B6472", "line": PALETTE[4],
             "bar": PALETTE[4], "highlight": PALETTE[3]},
}
WIDTH, HEIGHT = 520, 300


def _styled(chart: alt.Chart | alt.LayerChart, theme: str, title: str | alt.TitleParams) -> alt.LayerChart:
    if theme not in THEMES:
        raise ValueError(f"Unknown theme {theme!r}; use one of: {', '.join(THEMES)}")
    p = _PALETTE[theme]
    return (
        chart.properties(width=WIDTH, height=HEIGHT, title=title)
        .configure(background=p["background"], font="DejaVu Sans, Helvetica, Arial, sans-serif")
        .configure_view(stroke=None)
        .configure_title(color=p["text"], fontSize=18, anchor="start")
        .configure_axis(labelColor=p["text"], titleColor=p["text"], gridColor=p["grid"],
                        domainColor=p["grid"], tickColor=p["grid"], labelFontSize=14, titleFontSize=14)
        .configure_legend(labelColor=p["text"], titleColor=p["text"], labelFontSize=14, titleFontSize=14)
    )


def build_health_trend_chart(frame: pd.DataFrame, *, theme: str = "light") -> alt.LayerChart:
    """Health score per quarter (0–100) with points coloured by band and the band thresholds.

    `frame` has columns ``period`` (quarter start), ``quarter`` (label such as 2025-Q3),
    ``score`` and ``band``.
    """
    p = _PALETTE[theme] if theme in _PALETTE else _PALETTE["light"]
    base = alt.Chart().encode(  # layers share the layer chart's data
        x=alt.X("quarter:O", title=None, sort=None, axis=alt.Axis(labelAngle=0, labelFontSize=12)),
        y=alt.Y("score:Q", title="Health score", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("quarter:N", title="Quarter"), alt.Tooltip("score:Q", title="Score", format=".0f"),
                 alt.Tooltip("band:N", title="Band")],
    )
    line = base.mark_line(color=p["line"], strokeWidth=3)
    points = base.mark_point(size=140, filled=True, opacity=1).encode(
        color=alt.Color("band:N", title="Band", scale=alt.Scale(domain=BAND_DOMAIN, range=BAND_RANGE)),
    )
    thresholds = alt.Chart(pd.DataFrame({"y": [50, 70]})).mark_rule(
        strokeDash=[4, 4], color=p["rule"]).encode(y="y:Q")
    layers = alt.layer(thresholds, line, points, data=frame[["quarter", "score", "band"]])
    return _styled(layers, theme, "Relationship health by quarter")


def build_premium_chart(
    frame: pd.DataFrame, *, kpi_label: str, model: str | None, current_year: int | None, theme: str = "light"
) -> alt.LayerChart:
    """Partnership premium (%) per relationship year with its confidence interval.

    `frame` has columns ``relationship_year``, ``premium_pct``, ``ci_low``, ``ci_high``
    (percent; positive = the partnership is better), ``sufficient`` (bool), ``n_partnership``,
    ``n_transactional``. The engagement's own relationship year (`current_year`) is marked.
    """
    p = _PALETTE[theme] if theme in _PALETTE else _PALETTE["light"]
    data = frame.assign(evidence=frame["sufficient"].map({True: "enough engagements", False: "too few"}))
    base = alt.Chart().encode(x=alt.X("relationship_year:O", title="Relationship year",
                                          axis=alt.Axis(labelAngle=0)))
    tooltip = [alt.Tooltip("relationship_year:O", title="Year"),
               alt.Tooltip("premium_pct:Q", title="Premium %", format="+.1f"),
               alt.Tooltip("ci_low:Q", title="CI low", format="+.1f"),
               alt.Tooltip("ci_high:Q", title="CI high", format="+.1f"),
               alt.Tooltip("n_partnership:Q", title="Partnerships"),
               alt.Tooltip("n_transactional:Q", title="Transactional")]
    bars = base.mark_bar(color=p["bar"]).encode(
        y=alt.Y("premium_pct:Q", title="Premium (%)"),
        opacity=alt.Opacity("evidence:N", title="Evidence",
                            scale=alt.Scale(domain=["enough engagements", "too few"], range=[1.0, 0.35])),
        tooltip=tooltip,
    )
    errors = base.mark_rule(color=p["text"], strokeWidth=2).encode(y="ci_low:Q", y2="ci_high:Q")
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=p["text"]).encode(y="y:Q")
    layers = [bars, errors, zero]
    subtitle = ["Positive = partnerships do better; faded = too few engagements."]
    if current_year is not None:
        marker = pd.DataFrame({"relationship_year": [current_year]})
        layers.append(alt.Chart(marker).mark_rule(color=p["highlight"], strokeWidth=3, strokeDash=[6, 3])
                      .encode(x="relationship_year:O"))
        subtitle.insert(0, f"Dashed line: this engagement ({model or 'model not recorded'}), year {current_year}.")
    title = alt.TitleParams(f"Partnership premium: {kpi_label}", subtitle=subtitle, subtitleColor=p["text"],
                            subtitleFontSize=12)
    return _styled(alt.layer(*layers, data=data), theme, title)
