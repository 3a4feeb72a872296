"""QBR charts: the engagement's health trend, its KPI against the baselines at the same relationship
year, the gain-share ledger, and the portfolio's partnership premium.

Each takes a tidy, already aggregated frame and returns an Altair chart sized for a slide. Every
piece of chart text is at least 14 px (`MIN_FONT_PX`) so it stays readable on a screen-share.
`theme` is "light" or "dark": it is applied as chart-level config so an exported PNG/SVG looks
the same as the chart on the page. The QBR's builders carry `datasets(frame)`: the frames the chart
holds, in its order, from the same function the builder draws them with (reports/qbr_build.py swaps
them into an earlier spec without building the chart again).
"""
from __future__ import annotations

import functools

import altair as alt
import pandas as pd

from charts import theme
from charts.theme import BAND_DOMAIN, BAND_RANGE, INK, MODEL_RANGE, PALETTE

THEMES = ("light", "dark")
_PALETTE = {
    "light": {"background": "#FFFFFF", "text": INK, "grid": "#E4E7EB", "rule": "#6B7785", "line": PALETTE[0],
              "bar": MODEL_RANGE[0], "highlight": PALETTE[3], "muted": "#52606D"},
    "dark": {"background": "#0E1117", "text": "#E6EAF0", "grid": "#2B313B", "rule": "#8B95A3", "line": PALETTE[4],
             "bar": PALETTE[4], "highlight": PALETTE[3], "muted": "#A0AAB8"},
}
WIDTH, HEIGHT = 520, 280
MIN_FONT_PX = 14
TITLE_PX = 18
# Series of the baseline chart, in drawing order, and their colours (colour-blind-safe palette).
BASELINE_GROUPS = ("This engagement", "Partnership engagements", "Transactional engagements")
LEDGER_SERIES = ("Computed savings", "Reported by the provider")


def _unchecked_build(build):
    """`build` run with `charts.theme.unchecked` (Altair's instant schema checks off). The builders give each encoding as a channel object
    (``alt.Y("y:Q")``), never a shorthand string (``y="y:Q"``): Altair turns each string into a channel
    through a map of every schema class, built afresh each time (about 12 ms)."""
    @functools.wraps(build)
    def unchecked(*args, **kwargs):
        with theme.unchecked():
            return build(*args, **kwargs)
    return unchecked


def _palette(theme: str) -> dict:
    if theme not in THEMES:
        raise ValueError(f"Unknown theme {theme!r}; use one of: {', '.join(THEMES)}")
    return _PALETTE[theme]


def _styled(chart, theme: str, title: str | alt.TitleParams, *, height: int = HEIGHT):
    p = _palette(theme)
    styled = chart.properties(width=WIDTH, height=height, title=title)
    # One Config set once: each chained .configure_*() call deep-copies and re-checks the whole chart
    # (about a third of a QBR chart's build time).
    styled.config = alt.Config(
        background=p["background"], font="DejaVu Sans, Helvetica, Arial, sans-serif",
        view=alt.ViewConfig(stroke=None),
        title=alt.TitleConfig(color=p["text"], subtitleColor=p["muted"], fontSize=TITLE_PX,
                              subtitleFontSize=MIN_FONT_PX, anchor="start"),
        axis=alt.AxisConfig(labelColor=p["text"], titleColor=p["text"], gridColor=p["grid"], domainColor=p["grid"],
                            tickColor=p["grid"], labelFontSize=MIN_FONT_PX, titleFontSize=MIN_FONT_PX),
        legend=alt.LegendConfig(labelColor=p["text"], titleColor=p["text"], labelFontSize=MIN_FONT_PX,
                                titleFontSize=MIN_FONT_PX, orient="bottom", labelLimit=320),
        text=alt.MarkConfig(fontSize=MIN_FONT_PX, color=p["text"]),
    )
    return styled


@_unchecked_build
def build_health_trend_chart(frame: pd.DataFrame, *, theme: str = "light", height: int = HEIGHT):
    """Health score per quarter (0–100) with points coloured by band and the labelled band thresholds.

    `frame` has columns ``period`` (quarter start), ``quarter`` (label such as 'Q3 2025'),
    ``score`` and ``band``.
    """
    p = _palette(theme)
    base = alt.Chart().encode(  # layers share the layer chart's data
        x=alt.X("quarter:O", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", title="Health score (0–100)", scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=[0, 25, 50, 70, 100])),
        tooltip=[alt.Tooltip("quarter:N", title="Quarter"), alt.Tooltip("score:Q", title="Score", format=".1f"),
                 alt.Tooltip("band:N", title="Band")],
    )
    line = base.mark_line(color=p["line"], strokeWidth=3)
    points = base.mark_point(size=140, filled=True, opacity=1).encode(
        color=alt.Color("band:N", title="Band", scale=alt.Scale(domain=BAND_DOMAIN, range=BAND_RANGE)),
    )
    data, marks, _ = _health_trend_datasets(frame)
    # labels at the plot's right edge as drawn (the page stretches the chart), not at the export's WIDTH
    rules = alt.Chart(marks).mark_rule(strokeDash=[4, 4], color=p["rule"]).encode(y=alt.Y("y:Q"))
    labels = alt.Chart(marks).mark_text(align="right", baseline="bottom", dx=-2, dy=-2, color=p["muted"],
                                        fontSize=MIN_FONT_PX).encode(y=alt.Y("y:Q"), x=alt.XValue(alt.ExprRef("width")),
                                                                     text=alt.Text("label:N"))
    layers = alt.layer(rules, labels, line, points, data=data)
    return _styled(layers, theme, "Relationship health by quarter", height=height)


def _health_trend_datasets(frame: pd.DataFrame, **_) -> list[pd.DataFrame]:
    """The health trend's frames in the chart's order (its own, then its layers'): the scores and, twice,
    the band thresholds (rules and labels)."""
    marks = pd.DataFrame({"y": [50, 70], "label": ["watch from 50", "healthy from 70"]})
    return [frame[["quarter", "score", "band"]], marks, marks]


build_health_trend_chart.datasets = _health_trend_datasets


@_unchecked_build
def build_baseline_chart(frame: pd.DataFrame, *, kpi_title: str, value_format: str, relationship_year: int,
                         theme: str = "light", height: int = 200):
    """One KPI: this engagement against partnership and transactional engagements at the same relationship year.

    `frame` has one row per group (``group`` in `BASELINE_GROUPS`), columns ``value``, ``low``,
    ``high`` (the baseline's 95 % interval; NaN for the engagement itself or with fewer than 2
    engagements) and ``n`` (engagements behind the figure), all in display units (percent as
    0–100). `kpi_title` is the axis title with its unit; `value_format` a d3 format such as ".1f".
    """
    p = _palette(theme)
    colours = [p["highlight"], MODEL_RANGE[0], MODEL_RANGE[1]]
    base = alt.Chart().encode(
        y=alt.Y("group:N", title=None, sort=list(BASELINE_GROUPS), axis=alt.Axis(labelLimit=260)),
    )
    tooltip = [alt.Tooltip("group:N", title="Who"), alt.Tooltip("value:Q", title=kpi_title, format=value_format),
               alt.Tooltip("low:Q", title="95 % interval from", format=value_format),
               alt.Tooltip("high:Q", title="95 % interval to", format=value_format),
               alt.Tooltip("n:Q", title="Engagements")]
    interval = base.mark_rule(strokeWidth=3, color=p["rule"]).encode(
        x=alt.X("low:Q", title=kpi_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=value_format,
                                                                                      tickCount=5)),
        x2=alt.X2("high:Q"))
    points = base.mark_point(filled=True, size=260, opacity=1).encode(
        x=alt.X("value:Q"), color=alt.Color("group:N", legend=None,
                                     scale=alt.Scale(domain=list(BASELINE_GROUPS), range=colours)),
        tooltip=tooltip)
    text = base.mark_text(align="left", dx=12, fontSize=MIN_FONT_PX, color=p["text"]).encode(
        x=alt.X("value:Q"), text=alt.Text("value:Q", format=value_format))
    title = alt.TitleParams(f"{kpi_title}: relationship year {relationship_year}",
                            subtitle=["Bars: the baseline's 95 % interval over engagements."])
    return _styled(alt.layer(interval, points, text, data=_baseline_datasets(frame)[0]), theme, title, height=height)


def _baseline_datasets(frame: pd.DataFrame, **_) -> list[pd.DataFrame]:
    """The baseline chart's one frame: `frame` itself."""
    return [frame]


build_baseline_chart.datasets = _baseline_datasets
# arguments that reach the spec only as text inside its strings, verbatim (reports/qbr_build.py fills them
# into one spec made for every KPI and relationship year)
build_baseline_chart.text_only = ("kpi_title", "value_format", "relationship_year")


@_unchecked_build
def build_ledger_chart(frame: pd.DataFrame, *, theme: str = "light", height: int = HEIGHT):
    """Gain-share savings per quarter: computed from the contract's terms beside what the provider reported.

    `frame` is long: columns ``quarter`` (label), ``series`` (one of `LEDGER_SERIES`) and
    ``amount`` (currency; negative = the cost rose above the baseline).
    """
    p = _palette(theme)
    data, zero_line = _ledger_datasets(frame)
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("quarter:O", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("series:N", sort=list(LEDGER_SERIES)),
        y=alt.Y("amount:Q", title="Savings ($)", axis=alt.Axis(format="$,.0f", tickCount=5)),
        color=alt.Color("series:N", title=None, sort=list(LEDGER_SERIES),
                        scale=alt.Scale(domain=list(LEDGER_SERIES), range=[p["line"], p["highlight"]])),
        tooltip=[alt.Tooltip("quarter:N", title="Quarter"), alt.Tooltip("series:N", title="Figure"),
                 alt.Tooltip("amount:Q", title="Amount", format="$,.0f")],
    )
    zero = alt.Chart(zero_line).mark_rule(color=p["rule"]).encode(y=alt.Y("y:Q"))
    return _styled(alt.layer(bars, zero), theme, "Gain-share savings by quarter", height=height)


def _ledger_datasets(frame: pd.DataFrame, **_) -> list[pd.DataFrame]:
    """The ledger chart's frames in the chart's order: the bars' (`frame`), then the zero line's."""
    return [frame, pd.DataFrame({"y": [0]})]


build_ledger_chart.datasets = _ledger_datasets


@_unchecked_build
def build_premium_chart(
    frame: pd.DataFrame, *, kpi_label: str, model: str | None, current_year: int | None, theme: str = "light"
):
    """Partnership premium (%) per relationship year with its confidence interval (the portfolio view).

    `frame` has columns ``relationship_year``, ``premium_pct``, ``ci_low``, ``ci_high``
    (percent; positive = the partnership is better), ``sufficient`` (bool), ``n_partnership``,
    ``n_transactional``. The engagement's own relationship year (`current_year`) is marked.
    """
    p = _palette(theme)
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
    errors = base.mark_rule(color=p["text"], strokeWidth=2).encode(y=alt.Y("ci_low:Q"), y2=alt.Y2("ci_high:Q"))
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=p["text"]).encode(y=alt.Y("y:Q"))
    layers = [bars, errors, zero]
    subtitle = ["Positive = partnerships do better; faded = too few engagements."]
    if current_year is not None:
        marker = pd.DataFrame({"relationship_year": [current_year]})
        layers.append(alt.Chart(marker).mark_rule(color=p["highlight"], strokeWidth=3, strokeDash=[6, 3])
                      .encode(x=alt.X("relationship_year:O")))
        subtitle.insert(0, f"Dashed line: this engagement ({model or 'model not recorded'}), year {current_year}.")
    title = alt.TitleParams(f"Partnership premium: {kpi_label}", subtitle=subtitle)
    return _styled(alt.layer(*layers, data=data), theme, title)
