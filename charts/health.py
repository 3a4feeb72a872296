"""Relationship-health charts: pillar bars, score trend, drivers waterfall."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.formatting import format_band_value
from analytics.periods import format_period
from charts.theme import BAND_DOMAIN, BAND_RANGE, GREY, PALETTE

_SCORE = alt.Scale(domain=[0, 100])


def build_pillar_chart(frame: pd.DataFrame, pillars: dict[str, str]) -> alt.Chart:
    """Horizontal bars of pillar scores from one `health_scores` row; `pillars` maps its
    `score_*` columns to pillar names. A pillar without data shows no bar."""
    data = frame[list(pillars)].rename(columns=pillars)
    return alt.Chart(data).transform_fold(list(pillars.values()), as_=["pillar", "score"]).mark_bar(
        color=PALETTE[0]).encode(
        x=alt.X("score:Q", title="Pillar score (0–100)", scale=_SCORE),
        y=alt.Y("pillar:N", title=None, sort=list(pillars.values())),
        tooltip=[alt.Tooltip("pillar:N", title="Pillar"), alt.Tooltip("score:Q", title="Score", format=".1f")],
    ).properties(height=alt.Step(36))


def build_health_trend_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Health score over time from rows of (period, engagement, score, band), with the band thresholds
    drawn and labelled ("watch from 50", "healthy from 70")."""
    thresholds = pd.DataFrame({"y": [50, 70], "band": ["watch", "healthy"],
                               "text": ["watch from 50", "healthy from 70"]})
    bands = alt.Scale(domain=BAND_DOMAIN, range=BAND_RANGE)
    # channel objects rather than shorthand strings ("y:Q"): Altair resolves a string through its JSON schema
    # (`from_dict`), several milliseconds each
    rules = alt.Chart(thresholds).mark_rule(strokeDash=[4, 4], strokeWidth=1.5).encode(
        alt.Y("y:Q"), color=alt.Color("band:N", scale=bands, legend=None))
    labels = alt.Chart(thresholds).mark_text(align="right", baseline="bottom", dx=-2, dy=-3, fontWeight="bold").encode(
        alt.Y("y:Q"), alt.XValue(alt.ExprRef("width")), alt.Text("text:N"),
        color=alt.Color("band:N", scale=bands, legend=None))
    data = frame[["period", "engagement", "score", "band"]].assign(
        period_text=[format_period(p, "quarter") for p in frame["period"]],
        score_text=[format_band_value(s, 1) for s in frame["score"]])
    lines = alt.Chart(data).mark_line(point=True, invalid="break-paths-show-domains").encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("score:Q", title="Health score (0–100)", scale=_SCORE),
        # one engagement needs no legend (the page names it); several get one that wraps instead of cutting
        color=alt.Color("engagement:N", title=None,
                        legend=None if frame["engagement"].nunique() <= 1 else alt.Legend(columns=2, labelLimit=420)),
        tooltip=[alt.Tooltip("engagement:N", title="Engagement"), alt.Tooltip("period_text:N", title="Quarter"),
                 alt.Tooltip("score_text:N", title="Score"), alt.Tooltip("band:N", title="Band")],
    )
    # resolve and height given to alt.layer: .resolve_scale() and .properties() each copy every layer again
    return alt.layer(rules, labels, lines, resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent")),
                     height=300)


def build_drivers_waterfall(frame: pd.DataFrame, *, score_from: float, label_from: str,
                            label_to: str, top: int = 6) -> alt.Chart:
    """Waterfall from `health_drivers` rows (label, contribution; largest first): the start score,
    one step for each of the `top` largest drivers, one for all the others, and the end score."""
    steps = frame[["label", "contribution"]].reset_index(drop=True)
    if len(steps) > top + 1:
        rest = pd.DataFrame({"label": [f"{len(steps) - top} other KPIs"],
                             "contribution": [steps["contribution"].iloc[top:].sum()]})
        steps = pd.concat([steps.iloc[:top], rest], ignore_index=True)
    ends = steps["contribution"].cumsum() + score_from
    starts = ends - steps["contribution"]
    total = float(ends.iloc[-1]) if len(ends) else score_from
    data = pd.concat([
        pd.DataFrame({"step": [label_from], "start": [0.0], "end": [score_from], "kind": ["score"],
                      "amount": [score_from]}),
        pd.DataFrame({"step": steps["label"], "start": starts, "end": ends,
                      "kind": ["up" if c >= 0 else "down" for c in steps["contribution"]],
                      "amount": steps["contribution"]}),
        pd.DataFrame({"step": [label_to], "start": [0.0], "end": [total], "kind": ["score"], "amount": [total]}),
    ], ignore_index=True)
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("step:N", title=None, sort=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("start:Q", title="Health score (points)"),
        y2=alt.Y2("end:Q"),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=["score", "up", "down"],
                                                            range=[GREY, BAND_RANGE[2], BAND_RANGE[0]])),
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("amount:Q", title="Points", format="+.1f")],
    ).properties(height=320)
