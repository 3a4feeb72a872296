"""KPI trend lines: value, rolling mean, labelled target, anomaly marks; splits limited to the top series."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.formatting import format_change, format_value
from analytics.kpis import Kpi
from analytics.periods import VEGA_QUARTER_LABEL, format_period
from charts.theme import MODEL_SCALE, MUTED, OTHER, PALETTE, TOP_SERIES, kpi_axis, kpi_scale, series_scale

# Period starts at each grain (analytics' date_trunc): used to add the missing periods as gaps.
_FREQ = {"week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}


def _label(k: Kpi, values: pd.Series) -> list[str]:
    return [format_value(k, v) for v in values]


def top_series(frame: pd.DataFrame, k: Kpi, split: str, *, top: int = TOP_SERIES) -> pd.DataFrame:
    """Keep the `top` series with the most volume behind them (denominator, else numerator); recombine the
    rest per period into one OTHER series from their numerators and denominators (so OTHER is the KPI of
    those rows together, not an average of averages). Rolling means and anomalies are not recomputed for
    OTHER: it shows the value only."""
    weight = "denominator" if frame["denominator"].notna().any() else "numerator"
    ranked = frame.groupby(split, dropna=False)[weight].sum().sort_values(ascending=False)
    if len(ranked) <= top + 1:  # one extra series is clearer than an "Other" of one
        return frame
    keep = set(ranked.index[:top])
    rest = frame[~frame[split].isin(keep)]
    other = rest.groupby("period", as_index=False)[["numerator", "denominator"]].sum(min_count=1)
    if weight == "denominator":
        ratio = other["numerator"] / other["denominator"].replace(0, np.nan)
    else:
        ratio = other["numerator"]
    other = other.assign(**{split: OTHER, "value": ratio * k.scale, "rolling_mean": np.nan, "anomaly": False,
                            "yoy_change": np.nan, "kpi": k.id})
    return pd.concat([frame[frame[split].isin(keep)], other], ignore_index=True)


def with_gaps(frame: pd.DataFrame, grain: str | None, series: list[str]) -> pd.DataFrame:
    """Add a row with a null value for every period missing inside each series' span, so the line
    breaks there instead of bridging the gap."""
    if frame.empty or grain not in _FREQ:
        return frame
    parts = []
    groups = frame.groupby(series, dropna=False, sort=False) if series else [((), frame)]
    for key, part in groups:
        periods = pd.date_range(part["period"].min(), part["period"].max(), freq=_FREQ[grain])
        missing = periods.difference(pd.DatetimeIndex(part["period"]))
        if len(missing):
            filler = pd.DataFrame({"period": missing, "value": np.nan, "rolling_mean": np.nan, "anomaly": False,
                                   "yoy_change": np.nan})
            for name, value in zip(series, key if isinstance(key, tuple) else (key,)):
                filler[name] = value
            part = pd.concat([part, filler], ignore_index=True)
        parts.append(part)
    return pd.concat(parts, ignore_index=True).sort_values([*series, "period"], kind="stable") \
        .reset_index(drop=True)


def _period_axis(grain: str | None) -> alt.Axis | alt.UndefinedType:
    """Period labels named the way the app names periods: ``Q1 2024`` at quarter grain, ``2024`` at year."""
    if grain == "quarter":
        return alt.Axis(labelExpr=VEGA_QUARTER_LABEL,
                        tickCount={"interval": "month", "step": 12})
    if grain == "year":
        return alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1})
    return alt.Undefined


def _year_earlier(frame: pd.DataFrame, series: list[str]) -> list[float]:
    """Each row's value in the same series a year earlier (NaN when the frame does not hold it):
    `kpi_trend` computes its year-over-year change from the same rows."""
    keys = [*series, "period"]
    known = frame[[*keys, "value"]].drop_duplicates(keys, keep="last")
    if not series:  # one series: a lookup on the (now unique) periods, what the merge below finds
        at = pd.DatetimeIndex(known["period"]).get_indexer(frame["period"] - pd.DateOffset(years=1))
        return np.where(at >= 0, known["value"].to_numpy("float64", na_value=np.nan)[at], np.nan).tolist()
    wanted = frame[series].assign(period=frame["period"] - pd.DateOffset(years=1))
    # a left merge keeps the left rows' order: one answer per row of `frame`
    return wanted.merge(known, on=keys, how="left")["value"].astype("float64").tolist()


def build_trend_chart(frame: pd.DataFrame, k: Kpi, *, split: str | None = None,
                      grain: str | None = None) -> alt.LayerChart:
    """One KPI over time from `kpi_trend` rows (period, value, numerator, denominator, rolling_mean, target,
    anomaly, yoy_change, and the split column when split). With `grain`, missing periods break the line.
    A split keeps the top series by volume and groups the rest as "Other". Tooltips carry formatted figures;
    the year-over-year change follows the units rule (pp for rates, pts for scores, % for volumes)."""
    if split:
        frame = top_series(frame, k, split)
    keep = ["period", "value", "rolling_mean", "anomaly", "yoy_change", *([split] if split else [])]
    frame = with_gaps(frame[keep], grain, [split] if split else [])
    last_year = _year_earlier(frame, [split] if split else [])
    data = frame.drop(columns=["yoy_change"]).assign(
        period_text=[format_period(p, grain or "month") for p in frame["period"]],
        value_text=_label(k, frame["value"]),
        rolling_text=_label(k, frame["rolling_mean"]),
        yoy_text=[format_change(k, v, ly) or "—" for v, ly in zip(frame["value"], last_year)],
    )
    x = alt.X("period:T", title=None, axis=_period_axis(grain))
    y = alt.Y("value:Q", axis=kpi_axis(k), scale=kpi_scale(k, frame["value"]))
    tooltip = [alt.Tooltip("period_text:N", title="Period"), alt.Tooltip("value_text:N", title=k.label),
               alt.Tooltip("rolling_text:N", title="Rolling mean"), alt.Tooltip("yoy_text:N", title="vs last year")]
    base = alt.Chart()  # the layers share the layer chart's data: serialised once, not per layer
    gaps = "break-paths-show-domains"  # a null value breaks the line (no bridging across missing periods)
    if split:
        tooltip.insert(0, alt.Tooltip(f"{split}:N", title=split.replace("_", " ").capitalize()))
        names = list(dict.fromkeys(data[split].astype(str)))
        scale = MODEL_SCALE if split == "relationship_model" else series_scale(names)
        color = alt.Color(f"{split}:N", title=None, scale=scale, legend=alt.Legend(columns=4, symbolLimit=0))
        layers = [base.mark_line(point=True, invalid=gaps).encode(x, y, color, tooltip=tooltip)]
    else:
        layers = [
            base.mark_line(color=PALETTE[0], point=True, invalid=gaps).encode(x, y, tooltip=tooltip),
            base.mark_line(color=MUTED, strokeDash=[6, 4], strokeWidth=1.5, invalid=gaps)
                .encode(x, alt.Y("rolling_mean:Q"), tooltip=tooltip),
        ]
    if k.target is not None:
        shown = format_value(k, k.target)
        target = alt.Chart(pd.DataFrame({"target": [k.target], "text": [f"Target {shown}"],
                                         "label": [f"Target\n{shown}"]}))
        # channel objects rather than shorthand strings ("target:Q"): Altair resolves a string through its JSON
        # schema (`from_dict`), a third of this chart's build
        layers.append(target.mark_rule(color=PALETTE[2], strokeDash=[2, 2], strokeWidth=2)
                      .encode(alt.Y("target:Q"), tooltip=alt.Tooltip("text:N", title="Target")))
        # labelled just past the plot's right end, where the eye lands after reading the line: inside the plot
        # the line ran through it whenever the KPI ended near its target; two short lines keep it narrow
        layers.append(target.mark_text(align="left", baseline="middle", dx=6, lineBreak="\n", color=PALETTE[2],
                                       fontWeight="bold")
                      .encode(alt.Y("target:Q"), alt.XValue(alt.ExprRef("width")), alt.Text("label:N")))
    anomalies = base.transform_filter(alt.datum.anomaly == True)  # noqa: E712 — a Vega expression
    layers.append(anomalies.mark_point(shape="diamond", size=180, color=PALETTE[5], filled=True)
                  .encode(x, y, tooltip=tooltip))
    return alt.layer(*layers, data=data, height=300)  # not .properties(): that copies every layer again


