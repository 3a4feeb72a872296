"""QBR: one engagement's quarter as a story, ready to screen-share and to export.

URL: `eng` (provider · account), `quarter` (2025-Q3), `theme` (light|dark: charts and exports; by
default the app's theme), `present=1` (presentation mode), `section` (the section presented).
The shared filters choose the engagements offered: `/qbr?provider=Northstar+BPO` opens a Northstar
engagement, and a provider plus an account pick that engagement.
"""
from __future__ import annotations

import streamlit as st

from analytics import actions, qbr
from analytics.filters import ENGAGEMENT_SEPARATOR
from analytics.options import filter_options
from analytics.periods import quarter_text
from charts.qbr import THEMES
from reports.qbr import available_quarters
from reports.qbr_build import build_qbr_report
from ui import exports, state
from ui import filters as shared_filters
from ui.cached import Later, ahead, analysis, data_version
from ui.markdown import plain
from ui.qbr_view import PRESENT_CSS, SECTION_TABS, SECTIONS, show_sections

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own



def _toggle_present() -> None:
    if st.session_state["qbr_present"]:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)


def _quarter_to_url() -> None:
    st.query_params["quarter"] = st.session_state["quarter"]


def _engagement(label: str) -> tuple[str, str]:
    provider, account = label.split(ENGAGEMENT_SEPARATOR, 1)
    return provider, account


def _section_to_url() -> None:
    # not bind="query-params": that would put the section's title in the URL instead of its short key
    st.query_params["section"] = st.session_state["qbr_section"]


if not state.has_data():
    st.stop()

filters = shared_filters.current()
options = analysis(filter_options)
engagements = analysis(qbr.engagements_in_scope, filters, given={"options": options})
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
app_theme = getattr(st.context.theme, "type", None)

if present:  # the settings and the section picker share one row, leaving the screen to the section
    settings_column, picker_column = st.columns([1, 5], vertical_alignment="center")
    controls = settings_column.popover("QBR settings", icon=":material/tune:")
else:
    controls = st.container()
with controls:
    columns = st.columns([3, 1.2, 1.2, 1.2]) if not present else [st.container()] * 4
    eng = columns[0].selectbox("Engagement", engagements, key="eng", bind="query-params")
    # A person reads "Q3 2025"; the URL keeps the key (quarter=2025-Q3). Not bind="query-params": that
    # would put the displayed text in the URL instead of the key (as for the section picker).
    linked_quarter = st.query_params.get("quarter")
    if linked_quarter is not None and linked_quarter not in quarters:
        st.query_params.pop("quarter")  # already named in the notice above
    # Default quarter: the latest one the engagement's own data covers completely.
    opening = linked_quarter if linked_quarter in quarters else analysis(qbr.default_quarter, *_engagement(eng),
                                                                          tuple(quarters))
    quarter = columns[1].selectbox("Quarter", quarters, key="quarter", format_func=quarter_text,
                                   index=quarters.index(opening), on_change=_quarter_to_url)
    theme = columns[2].segmented_control("Chart theme", THEMES, default=app_theme if app_theme in THEMES else "light",
                                         key="theme", bind="query-params", required=True,
                                         help="Colours of the charts and of the exported report and deck.")
    columns[3].toggle("Present", key="qbr_present", on_change=_toggle_present,
                      help="Hides the sidebar, enlarges type and shows one section at a time for screen-sharing; "
                           "the link keeps it (present=1).")

if present:
    st.html(PRESENT_CSS)

provider, account = _engagement(eng)
# The agenda editor's read, started now: the report takes the same cache entry instead of reading it again.
with state.section("the QBR"), ahead(lambda door: door(actions.agenda, provider, account, quarter)):
    # The baselines depend on neither the engagement nor the quarter: read once for all of them.
    baselines = analysis(qbr.baseline_values, qbr.portfolio_scope(filters))
    report = analysis(build_qbr_report, provider, account, quarter, filters, theme=theme,
                      given={"portfolio": baselines, "agenda": Later(analysis, actions.agenda, provider, account,
                                                                      quarter)})
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
        shown = {chosen}
    else:
        shown = set(SECTIONS)
    show_sections(report, shown, export_key, stem, present)

    if not present:
        st.divider()
        st.toggle("Prepare downloads (PNG, SVG, CSV per chart; HTML and PDF report; PowerPoint deck)",
                  key="qbr_exports")
        if st.session_state.get("qbr_exports"):
            exports.report_downloads(report, export_key, stem=stem)
