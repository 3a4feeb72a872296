"""QBR: one engagement's quarter as a story, ready to screen-share and to export.

URL: `eng` (provider · account), `quarter` (2025-Q3), `theme` (light|dark: charts and exports; by
default the app's theme), `present=1` (presentation mode), `section` (the section presented).
The shared filters choose the engagements offered: `/qbr?provider=Northstar+BPO` opens a Northstar
engagement, and a provider plus an account pick that engagement.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import actions, gainshare, qbr
from analytics.filters import ENGAGEMENT_SEPARATOR
from analytics.options import filter_options
from charts.qbr import THEMES
from reports.qbr import available_quarters, parse_quarter
from reports.qbr_build import SECTION_TITLES, build_qbr_report
from ui import exports, state
from ui import filters as shared_filters
from ui.cached import analysis, cursor, data_version
from ui.markdown import plain

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own

# Our own static CSS (no user text): presentation hides the sidebar and enlarges type. Colours come
# from the theme configuration (.streamlit/config.toml), never from CSS here.
PRESENT_CSS = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"]
  {display: none !important;}
.stMainBlockContainer, .block-container {padding-top: 1rem !important; padding-bottom: 1rem !important;
  max-width: 100% !important;}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {font-size: 1.3rem !important;}
[data-testid="stCaptionContainer"] p {font-size: 1.0rem !important;}
[data-testid="stMetricValue"] p {font-size: 2.8rem !important; line-height: 1.2;}
[data-testid="stMetricLabel"] p {font-size: 1.15rem !important;}
[data-testid="stMetricDelta"] p {font-size: 1.05rem !important;}
h1 {font-size: 2.0rem !important; padding: 0 0 0.2rem 0 !important;}
</style>"""
PRESENT_CHART_HEIGHT = {"health_trend": 250, "baseline": 230, "gainshare": 300}
SECTIONS = tuple(SECTION_TITLES)
# Short names for the section picker in presentation mode, so it stays on one row at 1280 px.
SECTION_TABS = {"summary": "At a glance", "changes": "What changed", "attention": "Needs attention",
                "baseline": "Versus the baseline", "scorecard": "Innovation & gain-share", "agenda": "Agenda"}
BADGES = {"good": ":green-badge[better]", "bad": ":red-badge[worse]", "neutral": ":gray-badge[steady]",
          "below target": ":orange-badge[off target]", "outside the band": ":red-badge[outside the band]"}


def _toggle_present() -> None:
    if st.session_state["qbr_present"]:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)


def _section_to_url() -> None:
    # not bind="query-params": that would put the section's title in the URL instead of its short key
    st.query_params["section"] = st.session_state["qbr_section"]


def _lines(lines, tones=()) -> None:
    """Sentences as a list; a change gets a better/worse badge (our own markup, the sentence escaped)."""
    for line, tone in zip(lines, tones or [None] * len(lines)):
        st.markdown("- " + (BADGES[tone] + " " if tone in BADGES else "") + plain(line))


def _chart(report, key: str | None, export_key: tuple, stem: str, present: bool) -> None:
    chart = report.chart(key)
    if chart is None:
        return
    spec = {**chart.spec, "height": PRESENT_CHART_HEIGHT[chart.key]} if present else chart.spec
    st.vega_lite_chart(spec, theme=None, width="stretch", key=f"qbr_chart_{chart.key}")
    if not present and st.session_state.get("qbr_exports"):
        exports.chart_downloads(chart, export_key, stem=stem)


def _summary(report, section, export_key, stem, present) -> None:
    per_row = 4
    for start in range(0, len(report.tiles), per_row):
        for column, tile in zip(st.columns(per_row), report.tiles[start:start + per_row]):
            column.metric(tile.label, tile.value, delta=tile.prior or None,
                          delta_color={1: "normal", -1: "inverse"}.get(tile.direction, "off"),
                          help=tile.last_year or None, border=True)
    if not report.tiles:
        st.caption(plain(section.empty))
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        _chart(report, section.chart, export_key, stem, present)
    with right:
        _lines(section.lines)


def _terms_editor(provider: str, account: str) -> None:
    current = gainshare.terms(cursor(), provider, account)
    with st.expander("Gain-share terms of this contract", icon=":material/handshake:"):
        with st.form(f"terms_{provider}_{account}", border=False):
            method = st.radio("Baseline cost per resolution", gainshare.METHODS,
                              format_func=gainshare.METHOD_LABELS.get, horizontal=True,
                              index=gainshare.METHODS.index(current.baseline_method) if current else 0)
            cost_col, date_col, share_col = st.columns(3)
            cost = cost_col.number_input("Baseline ($ per resolution)", min_value=0.0, step=0.10, format="%.2f",
                                         value=(current.baseline_cost if current and current.baseline_cost else None),
                                         help="Used when the baseline is a fixed value.")
            as_of = date_col.date_input("As of", value=current.baseline_date if current else None,
                                        help="The date the contract's baseline figure is as of (optional).")
            share = share_col.slider("Buyer's share of the savings (%)", 0, 100,
                                     int(round((current.buyer_share if current else 0.5) * 100)), step=5)
            if st.form_submit_button("Save terms", icon=":material/save:"):
                errors = gainshare.save_terms(cursor(), provider, account, method=method, baseline_cost=cost,
                                              baseline_date=as_of, buyer_share=share / 100)
                for error in errors:
                    st.error(plain(error), icon=":material/error:")
                if not errors:
                    st.rerun()


def _agenda_editor(provider: str, account: str, quarter: str) -> None:
    items = analysis(actions.agenda, provider, account, quarter)
    items = items.assign(raised_quarter=items["raised_quarter"].map(qbr.quarter_text).astype("string"))
    edited = st.data_editor(
        items, num_rows="dynamic", hide_index=True, width="stretch", key=f"agenda_{provider}_{account}_{quarter}",
        placeholder="—",
        column_config={
            "action_id": None,
            "kind": st.column_config.SelectboxColumn("Kind", options=list(actions.KINDS), default="action",
                                                     required=True),
            "text": st.column_config.TextColumn("What was noted or agreed", required=True, width="large"),
            "owner": st.column_config.TextColumn("Owner"),
            "due": st.column_config.DateColumn("Due", format="D MMM YYYY"),
            "status": st.column_config.SelectboxColumn("Status", options=list(actions.STATUSES), default="open",
                                                       required=True),
            "raised_quarter": st.column_config.TextColumn("Raised in", disabled=True),
        },
    )
    if st.button("Save the agenda", icon=":material/save:", key=f"save_agenda_{provider}_{account}_{quarter}"):
        errors = actions.save_agenda(cursor(), provider, account, quarter, pd.DataFrame(edited))
        for error in errors:
            st.error(plain(error), icon=":material/error:")
        if not errors:
            st.rerun()
    st.caption("Open actions carry forward to the next quarter's QBR until they are marked done.")


def _section(report, section, export_key, stem, present, provider, account, quarter) -> None:
    if not present:
        st.subheader(plain(section.title))
    if section.key == "summary":
        _summary(report, section, export_key, stem, present)
        return
    if section.key == "agenda":
        _agenda_editor(provider, account, quarter)
        return
    if not section.lines and section.empty:
        st.caption(plain(section.empty))
    if section.chart and report.chart(section.chart):
        left, right = st.columns([3, 2] if section.key != "scorecard" else [1, 1])
        with left:
            _chart(report, section.chart, export_key, stem, present)
        with right:
            _lines(section.lines, section.tones)
    else:
        _lines(section.lines, section.tones)
    if section.key == "scorecard" and not present:  # presenting, the chart and sentences fill the screen
        if section.table is not None and not section.table.empty:
            st.dataframe(section.table, hide_index=True, width="stretch")
        for note in section.notes:
            st.caption(plain(note))
        _terms_editor(provider, account)
    if section.key == "changes" and not present and st.session_state.get("qbr_exports") and \
            section.table is not None:
        st.download_button("What changed (CSV)", exports.chart_csv_bytes(export_key, "changes", section.table),
                           file_name=f"{stem}-changes.csv", mime="text/csv", key="dl_changes_csv",
                           icon=":material/table:", on_click="ignore")


if not state.has_data():
    st.stop()

filters = shared_filters.current()
options = analysis(filter_options)
engagements = analysis(qbr.engagements_in_scope, filters)
first, last = (options["dates"] + [None, None])[:2]
quarters = available_quarters(first, last)
if not options["engagements"] or not quarters:
    st.info("The QBR needs engagements with dated data — load interactions or scorecards on the Data page.")
    st.page_link(state.DATA_PAGE, label="Open the Data page", icon=":material/upload:")
    st.stop()
if not engagements:
    st.info("No engagement matches the provider, account, engagement and relationship-model filters; widen them "
            "in the sidebar to choose an engagement for the QBR.", icon=":material/filter_alt_off:")
    st.stop()

state.notify_dropped(state.dropped_params({"eng": engagements, "quarter": quarters, "theme": THEMES,
                                           "present": ["1"], "section": SECTIONS}))
present = st.query_params.get("present") == "1"
st.session_state.setdefault("qbr_present", present)
# Default quarter: the latest one the data covers completely.
complete = [q for q in quarters if parse_quarter(q)[1] <= last] or quarters
app_theme = getattr(st.context.theme, "type", None)

if present:  # the settings and the section picker share one row, leaving the screen to the section
    settings_column, picker_column = st.columns([1, 5], vertical_alignment="center")
    controls = settings_column.popover("QBR settings", icon=":material/tune:")
else:
    controls = st.container()
with controls:
    columns = st.columns([3, 1.2, 1.2, 1.2]) if not present else [st.container()] * 4
    eng = columns[0].selectbox("Engagement", engagements, key="eng", bind="query-params")
    quarter = columns[1].selectbox("Quarter", quarters, index=quarters.index(complete[0]), key="quarter",
                                   bind="query-params")
    theme = columns[2].segmented_control("Chart theme", THEMES, default=app_theme if app_theme in THEMES else "light",
                                         key="theme", bind="query-params", required=True,
                                         help="Colours of the charts and of the exported report and deck.")
    columns[3].toggle("Present", key="qbr_present", on_change=_toggle_present,
                      help="Hides the sidebar, enlarges type and shows one section at a time for screen-sharing; "
                           "the link keeps it (present=1).")

if present:
    st.html(PRESENT_CSS)

provider, account = eng.split(ENGAGEMENT_SEPARATOR, 1)
with state.section("the QBR"):
    report = analysis(build_qbr_report, provider, account, quarter, filters, theme=theme)
    st.title(plain(report.title))
    st.caption(plain(report.subtitle) + " · Filters applied: " + plain("; ".join(report.filters)))
    for note in report.notes:
        st.info(plain(note), icon=":material/info:")

    export_key = (data_version(), provider, account, quarter, repr(filters), theme)
    stem = exports.file_stem(f"QBR {report.engagement} {quarter}")
    if present:
        linked = st.query_params.get("section")
        chosen = picker_column.segmented_control("Section", SECTIONS, format_func=SECTION_TABS.get,
                                      default=linked if linked in SECTIONS else SECTIONS[0], key="qbr_section",
                                      on_change=_section_to_url, required=True, label_visibility="collapsed")
        shown = [s for s in report.sections if s.key == chosen]
    else:
        shown = list(report.sections)
    for section in shown:
        _section(report, section, export_key, stem, present, provider, account, quarter)

    if not present:
        st.divider()
        st.toggle("Prepare downloads (PNG, SVG, CSV per chart; HTML and PDF report; PowerPoint deck)",
                  key="qbr_exports")
        if st.session_state.get("qbr_exports"):
            exports.report_downloads(report, export_key, stem=stem)
