"""QBR: one engagement's quarter, ready to screen-share and to export.

URL: `eng` (provider · account), `quarter` (2025-Q3), `theme` (light|dark), `present=1`.
"""
from __future__ import annotations

import streamlit as st

from analytics.filters import ENGAGEMENT_SEPARATOR
from analytics.options import filter_options
from charts.qbr import THEMES
from reports.qbr import available_quarters, parse_quarter
from reports.qbr_build import build_qbr_report
from ui import exports, state
from ui import filters as shared_filters
from ui.cached import analysis, data_version
from ui.markdown import plain

# Our own static CSS (no user text): presentation hides the sidebar and enlarges type; dark recolours.
PRESENT_CSS = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"]
  {display: none !important;}
.stMainBlockContainer, .block-container {padding-top: 1.5rem !important; max-width: 100% !important;}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {font-size: 1.3rem !important;}
[data-testid="stCaptionContainer"] p {font-size: 1.05rem !important;}
[data-testid="stMetricValue"] p {font-size: 2.8rem !important; line-height: 1.2;}
[data-testid="stMetricLabel"] p {font-size: 1.15rem !important;}
[data-testid="stMetricDelta"] p {font-size: 1.05rem !important;}
h1 {font-size: 2.4rem !important;}
</style>"""
DARK_CSS = """<style>
.stApp, header[data-testid="stHeader"] {background-color: #0E1117 !important;}
.stApp h1, .stApp h2, .stApp h3, [data-testid="stMarkdownContainer"], [data-testid="stMetricValue"],
[data-testid="stMetricLabel"], [data-testid="stWidgetLabel"], [data-testid="stCaptionContainer"]
  {color: #E6EAF0 !important;}
[data-testid="stCaptionContainer"] {opacity: 0.8;}
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"], .stApp button [data-testid="stMarkdownContainer"]
  {color: inherit !important;}
[data-testid="stMetric"] {border-color: #2B313B !important;}
section[data-testid="stSidebar"] {background-color: #161B22 !important;}
</style>"""


def _toggle_present() -> None:
    if st.session_state["qbr_present"]:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)


if not state.has_data():
    st.stop()

options = analysis(filter_options)
engagements = options["engagements"]
first, last = (options["dates"] + [None, None])[:2]
quarters = available_quarters(first, last)
if not engagements or not quarters:
    st.info("The QBR needs engagements with dated data — load interactions or scorecards on the Data page.")
    st.page_link(state.DATA_PAGE, label="Open the Data page", icon=":material/upload:")
    st.stop()

state.notify_dropped(state.dropped_params({"eng": engagements, "quarter": quarters, "theme": THEMES,
                                           "present": ["1"]}))
present = st.query_params.get("present") == "1"
st.session_state.setdefault("qbr_present", present)
# Default quarter: the latest one the data covers completely.
complete = [q for q in quarters if parse_quarter(q)[1] <= last] or quarters

controls = st.popover("QBR settings", icon=":material/tune:") if present else st.container()
with controls:
    columns = st.columns([3, 1.2, 1.2, 1.2]) if not present else [st.container()] * 4
    eng = columns[0].selectbox("Engagement", engagements, key="eng", bind="query-params")
    quarter = columns[1].selectbox("Quarter", quarters, index=quarters.index(complete[0]), key="quarter",
                                   bind="query-params")
    theme = columns[2].segmented_control("Theme", THEMES, default="light", key="theme", bind="query-params",
                                         required=True)
    columns[3].toggle("Present", key="qbr_present", on_change=_toggle_present,
                      help="Hides the sidebar and enlarges type for screen-sharing; the link keeps it (present=1).")

if present:
    st.html(PRESENT_CSS)
if theme == "dark":
    st.html(DARK_CSS)

provider, account = eng.split(ENGAGEMENT_SEPARATOR, 1)
filters = shared_filters.current()
with state.section("the QBR"):
    report = analysis(build_qbr_report, provider, account, quarter, filters, theme=theme)
    st.title(plain(report.title))
    st.markdown(f"**{plain(report.subtitle)}**")
    st.caption("Filters applied: " + plain("; ".join(report.filters)))

    if report.tiles:
        per_row = 4
        for start in range(0, len(report.tiles), per_row):
            for column, tile in zip(st.columns(per_row), report.tiles[start:start + per_row]):
                column.metric(tile.label, tile.value, delta=tile.prior or None,
                              delta_color={1: "normal", -1: "inverse"}.get(tile.direction, "off"),
                              help=tile.last_year or None, border=True)
    for note in report.notes:
        st.info(note, icon=":material/info:")

    key = (data_version(), provider, account, quarter, repr(filters), theme)
    stem = exports.file_stem(f"QBR {report.engagement} {quarter}")
    chart_columns = st.columns(2)
    for column, chart in zip(chart_columns * 2, report.charts):
        with column:
            st.vega_lite_chart(chart.spec, theme=None, width="stretch", key=f"qbr_chart_{chart.key}")
            if not present and st.session_state.get("qbr_exports"):
                exports.chart_downloads(chart, key, stem=stem)

    st.subheader("Findings")
    if report.findings:
        for line in report.findings:
            st.markdown("- " + plain(line))
    else:
        st.caption("No findings for this engagement in this quarter.")

    if not present:
        st.divider()
        st.toggle("Prepare downloads (PNG, SVG, CSV per chart; one-page HTML and PDF report)", key="qbr_exports")
        if st.session_state.get("qbr_exports"):
            exports.report_downloads(report, key, stem=stem)
