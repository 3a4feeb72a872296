"""KPI trend lines: value, rolling mean, target rule and anomaly marks."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.kpis import Kpi, format_value
from charts.theme import INK, MODEL_SCALE, PALETTE, axis_format


def _label(k: Kpi, values: pd.Series) -> list[str]:
    return [format_value(k, v) for v in values]


def build_trend_chart(frame: pd.DataFrame, k: Kpi, *, split: str | None = None) -> alt.LayerChart:
    """One KPI over time from `kpi_trend` rows (period, value, rolling_mean, target, anomaly,
    yoy_change, and the split column when split). Tooltips carry the formatted figures."""
    keep = ["period", "value", "rolling_mean", "anomaly", *([split] if split else [])]
    data = frame[keep].assign(
        value_text=_label(k, frame["value"]),
        rolling_text=_label(k, frame["rolling_mean"]),
        yoy_text=[f"{v:+.1%}" if pd.notna(v) else "—" for v in frame["yoy_change"]],
    )
    x = alt.X("period:T", title=None)
    y = alt.Y("value:Q", title=k.label, axis=alt.Axis(format=axis_format(k)), scale=alt.Scale(zero=False))
    tooltip = [alt.Tooltip("period:T", title="Period"), alt.Tooltip("value_text:N", title=k.label),
               alt.Tooltip("rolling_text:N", title="Rolling mean"), alt.Tooltip("yoy_text:N", title="vs last year")]
    base = alt.Chart()  # the layers share the layer chart's data: serialised once, not per layer
    if split:
        tooltip.insert(0, alt.Tooltip(f"{split}:N", title=split.replace("_", " ").capitalize()))
        scale = MODEL_SCALE if split == "relationship_model" else alt.Undefined
        color = alt.Color(f"{split}:N", title=None, scale=scale)
        layers = [base.mark_line(point=True).encode(x, y, color, tooltip=tooltip)]
    else:
        layers = [
            base.mark_line(color=PALETTE[0], point=True).encode(x, y, tooltip=tooltip),
            base.mark_line(color=INK, strokeDash=[6, 4], strokeWidth=1.5, opacity=0.7)
                .encode(x, alt.Y("rolling_mean:Q"), tooltip=tooltip),
        ]
    if k.target is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [k.target], "text": [f"Target {format_value(k, k.target)}"]}))
                      .mark_rule(color=PALETTE[2], strokeDash=[2, 2], strokeWidth=2)
                      .encode(y="target:Q", tooltip=alt.Tooltip("text:N", title="Target")))
    anomalies = base.transform_filter(alt.datum.anomaly == True)  # noqa: E712 — a Vega expression
    layers.append(anomalies.mark_point(shape="diamond", size=180, color=PALETTE[5], filled=True)
                  .encode(x, y, tooltip=tooltip))
    return alt.layer(*layers, data=data).properties(height=300)
