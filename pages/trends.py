"""Trends: chosen KPIs over time with rolling mean, target and anomalies, optionally split."""
import streamlit as st

from analytics import kpis
from analytics.formatting import format_value
from analytics.kpi_frames import GRAINS, SPLITS, available_kpis, kpi_frame
from analytics.trends import kpi_trend
from charts.theme import TOP_SERIES
from charts.trends import build_trend_chart
from ui import coverage, filters, state, tables
from ui.cached import analysis
from ui.charts import draw_chart

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own

DEFAULT_KPIS = ["csat_pct", "aht_seconds", "fcr"]
NO_SPLIT = "none"
SPLIT_OPTIONS = [NO_SPLIT, *SPLITS]

st.title("KPI trends")
if not state.has_data():
    st.stop()
current = filters.current()

available = analysis(available_kpis, current)
usable = available.loc[available["available"], "kpi"].tolist()
labels = {kpis.kpi(i).label: i for i in usable}  # the URL carries what the widget shows


def split_label(split: str) -> str:
    return split.replace("_", " ").capitalize()


state.notify_dropped(state.dropped_params(
    {"kpi": labels, "grain": GRAINS, "split": [split_label(s) for s in SPLIT_OPTIONS]}))
if not usable:
    st.info("No KPI has data within these filters — widen the date range or clear a filter.")
    st.stop()

chosen = st.multiselect("KPIs", list(labels), key="kpi", bind="query-params",
                        default=[kpis.kpi(i).label for i in DEFAULT_KPIS if i in usable] or list(labels)[:1])
left, right, _ = st.columns([2, 1, 1])  # the KPI chips get the full width above
grain = left.segmented_control("Grain", GRAINS, default="month", required=True, key="grain",
                               bind="query-params")
split = right.selectbox("Split by", SPLIT_OPTIONS, format_func=split_label, key="split", bind="query-params")
split = None if split == NO_SPLIT else split
unavailable = available.loc[~available["available"]]
if not unavailable.empty:
    with st.expander(f"{len(unavailable)} KPIs have no data here — why"):
        tables.show_table(unavailable[["label", "reason"]].rename(columns={"label": "KPI", "reason": "Why"}),
                          download=None)

st.caption("Solid line: the KPI · dashed: rolling mean of the last 3 periods · dotted green: target · "
           "diamonds: anomalies · a break: no data that period. Hover a point for exact figures.",
           help="Anomalies: robust z-score above 3.5. The y axis spans the KPI's health band (worst to best) and "
                f"its target, widened to any value outside it; volumes start at zero. A split shows the {TOP_SERIES} "
                "largest series by volume and recombines the rest as “Other”.")
if not chosen:
    st.info("Pick one or more KPIs above.")
coverage.scorecard_filters_note(current, [labels[label] for label in chosen])
# every chosen KPI's figures in one read (one statement per source) rather than one read per KPI;
# sorted, so the same choice in another order is the same cache entry
shared = {}
try:
    if chosen:
        shared = {"frame": analysis(kpi_frame, tuple(sorted(labels[label] for label in chosen)), current,
                                    grain=grain, by=(split,) if split else ())}
except Exception:  # noqa: BLE001 — each trend then reads its own KPI, and its section shows any failure
    shared = {}
for label in chosen:
    kpi_id = labels[label]
    k = kpis.kpi(kpi_id)
    with state.section(f"the {k.label} trend"):
        trend = analysis(kpi_trend, kpi_id, current, grain=grain, split=split, given=shared)
        st.subheader(k.label)
        st.caption(k.description + (f" Target: {format_value(k, k.target)}." if k.target is not None else ""))
        if trend.empty:
            st.info(f"No {k.label} figures for this split — scorecard KPIs cannot be split by channel, "
                    "reason or segment.")
            continue
        draw_chart(build_trend_chart, trend, k, split=split, grain=grain)
