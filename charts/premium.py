"""Partnership-premium charts; partnership and transactional keep their theme colours."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.kpis import Kpi, format_value
from charts.theme import GREY, MODEL_SCALE, MUTED, PALETTE, axis_format

_YEAR = alt.X("relationship_year:O", title="Relationship year", axis=alt.Axis(labelAngle=0))
# Opaque legend symbols: the first layer of the curves chart is a faint CI band.
_MODEL = alt.Color("relationship_model:N", title=None, scale=MODEL_SCALE, legend=alt.Legend(symbolOpacity=1))


def build_model_curves_chart(frame: pd.DataFrame, k: Kpi) -> alt.LayerChart:
    """Mean per relationship year with its confidence band, one curve per model (`model_curves` rows)."""
    data = frame.assign(mean_text=[format_value(k, v) for v in frame["mean"]],
                        ci_text=[f"{format_value(k, lo)} – {format_value(k, hi)}"
                                 for lo, hi in zip(frame["ci_low"], frame["ci_high"])])
    tooltip = [alt.Tooltip("relationship_model:N", title="Model"),
               alt.Tooltip("relationship_year:O", title="Relationship year"),
               alt.Tooltip("mean_text:N", title=k.label), alt.Tooltip("ci_text:N", title="95% CI"),
               alt.Tooltip("n:Q", title="Engagements (n)")]
    base = alt.Chart().encode(_YEAR, color=_MODEL)  # layers share the layer chart's data
    band = base.mark_area(opacity=0.18).encode(
        y=alt.Y("ci_low:Q", title=k.label, axis=alt.Axis(format=axis_format(k)), scale=alt.Scale(zero=False)),
        y2=alt.Y2("ci_high:Q"), tooltip=tooltip)
    # channel objects rather than shorthand strings ("mean:Q"): Altair resolves a string through its JSON
    # schema; the height given to alt.layer (.properties() copies every layer again)
    line = base.mark_line(point=True).encode(y=alt.Y("mean:Q"), tooltip=tooltip)
    return alt.layer(band, line, data=data, height=320)


_MEASURES = {
    # measure → (value, low, high columns, axis title, tooltip format)
    "relative": ("premium_pct", "ci_low", "ci_high", "Partnership premium (%)", "+.1f"),
    "absolute": ("diff_abs", "diff_ci_low", "diff_ci_high", "Partnership − transactional", "+.2f"),
}


def build_premium_chart(frame: pd.DataFrame, *, measure: str = "relative", unit: str = "%") -> alt.LayerChart:
    """Premium per relationship year with its 95 % interval (`premium_by_relationship_year` rows).

    `measure` ``relative`` draws ``premium_pct`` (%), ``absolute`` draws ``diff_abs`` in `unit`
    (points for rates and NPS). Years with too few engagements have no bar, only a grey
    "too few to estimate" label at zero; the legend keeps both evidence classes."""
    value, low, high, title, fmt = _MEASURES[measure]
    if measure == "absolute":
        title = f"{title} ({unit})"
    data = frame.assign(
        evidence=["enough engagements" if s else "too few engagements" for s in frame["sufficient"]],
        shown=frame[value].where(frame["sufficient"]), shown_low=frame[low].where(frame["sufficient"]),
        shown_high=frame[high].where(frame["sufficient"]),
        note=["" if s else "too few to estimate" for s in frame["sufficient"]], zero=0.0)
    tooltip = [alt.Tooltip("relationship_year:O", title="Relationship year"),
               alt.Tooltip("shown:Q", title=title, format=fmt),
               alt.Tooltip("shown_low:Q", title="95% CI low", format=fmt),
               alt.Tooltip("shown_high:Q", title="95% CI high", format=fmt),
               alt.Tooltip("n_partnership:Q", title="Partnerships (n)"),
               alt.Tooltip("n_transactional:Q", title="Transactional (n)"),
               alt.Tooltip("evidence:N", title="Evidence")]
    base = alt.Chart().encode(_YEAR)
    bars = base.mark_bar().encode(
        # the title reads horizontally above the axis (rotated, it was longer than the plot and cut at 1280 px)
        y=alt.Y("shown:Q", axis=alt.Axis(title=title, titleAngle=0, titleAlign="left", titleAnchor="end",
                                         titleBaseline="bottom", titleX=-40, titleY=-10)),
        # one entry per row: side by side they ran past a half-width column
        color=alt.Color("evidence:N", title=None, legend=alt.Legend(columns=1), scale=alt.Scale(
            domain=["enough engagements", "too few engagements"], range=[PALETTE[0], GREY])),
        tooltip=tooltip)
    # MUTED, not near-black ink: readable on the light and the dark theme (ink vanished on dark)
    errors = base.mark_rule(color=MUTED, strokeWidth=2).encode(y=alt.Y("shown_low:Q"), y2=alt.Y2("shown_high:Q"),
                                                                     tooltip=tooltip)
    too_few = base.mark_text(color=GREY, angle=270, align="left", dx=4).encode(
        y=alt.Y("zero:Q"), text=alt.Text("note:N"), tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=MUTED).encode(y=alt.Y("y:Q"))
    return alt.layer(bars, errors, too_few, zero, data=data, height=300)


def build_calendar_yoy_chart(frame: pd.DataFrame) -> alt.Chart:
    """Year-over-year change per calendar year, bars side by side per model (`calendar_yoy` rows)."""
    # the height given to alt.Chart (.properties() copies the chart again)
    return alt.Chart(frame.dropna(subset=["yoy_change_pct"]), height=300).mark_bar().encode(
        x=alt.X("year:O", title="Calendar year", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("relationship_model:N"),
        y=alt.Y("yoy_change_pct:Q", title="Change vs prior year (%)"),
        color=_MODEL,
        tooltip=[alt.Tooltip("relationship_model:N", title="Model"), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("yoy_change_pct:Q", title="YoY change (%)", format="+.1f")],
    )


def build_trajectory_chart(frame: pd.DataFrame) -> alt.Chart:
    """Slope per year after year three, one bar per model (`trajectory` rows)."""
    return alt.Chart(frame, height=alt.Step(44)).mark_bar().encode(
        x=alt.X("slope_pct_per_year:Q", title="Change per year after year 3 (%)"),
        y=alt.Y("relationship_model:N", title=None),
        color=_MODEL,
        tooltip=[alt.Tooltip("relationship_model:N", title="Model"),
                 alt.Tooltip("slope_pct_per_year:Q", title="% per year", format="+.1f"),
                 alt.Tooltip("n_engagements:Q", title="Engagements (n)"),
                 alt.Tooltip("plateau:N", title="Plateau")],
    )
