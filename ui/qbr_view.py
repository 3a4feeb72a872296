"""Drawing a `QbrReport` on the QBR page: its sections, tiles, charts and badges, in both the normal and the
presentation layout. The page script reads the widgets and calls `show_sections`."""
from __future__ import annotations

import streamlit as st

from analytics import kpis
from analytics.formatting import short_label
from reports.qbr import QbrReport, Section
from reports.qbr_build import SECTION_TITLES
from ui import exports, tables
from ui.markdown import plain
from ui.qbr_editors import agenda_editor, terms_editor

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
TILES_PER_ROW = 4


def _lines(lines, tones=()) -> None:
    """Sentences as a list; a change gets a better/worse badge (our own markup, the sentence escaped)."""
    for line, tone in zip(lines, tones or [None] * len(lines)):
        st.markdown("- " + (BADGES[tone] + " " if tone in BADGES else "") + plain(line))


def _chart(report: QbrReport, key: str | None, export_key: tuple, stem: str, present: bool) -> None:
    chart = report.chart(key)
    if chart is None:
        return
    spec = {**chart.spec, "height": PRESENT_CHART_HEIGHT[chart.key]} if present else chart.spec
    st.vega_lite_chart(spec, theme=None, width="stretch", key=f"qbr_chart_{chart.key}")
    if not present and st.session_state.get("qbr_exports"):
        exports.chart_downloads(chart, export_key, stem=stem)


def _summary(report: QbrReport, section: Section, export_key: tuple, stem: str, present: bool) -> None:
    for start in range(0, len(report.tiles), TILES_PER_ROW):
        for column, tile in zip(st.columns(TILES_PER_ROW), report.tiles[start:start + TILES_PER_ROW]):
            k = kpis.kpi(tile.kpi)  # the short label fits a tile; the full one (CSAT's scale rule) is its help
            full = f"{k.label}. " if short_label(k) != k.label else ""
            column.metric(short_label(k), tile.value, delta=tile.prior or None,
                          delta_color={1: "normal", -1: "inverse"}.get(tile.direction, "off"),
                          help=(full + tile.last_year) or None, border=True)
    if not report.tiles:
        st.caption(plain(section.empty))
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        _chart(report, section.chart, export_key, stem, present)
    with right:
        _lines(section.lines)


def _section(report: QbrReport, section: Section, export_key: tuple, stem: str, present: bool) -> None:
    provider, account, quarter = report.provider, report.account, report.quarter
    if not present:
        st.subheader(plain(section.title))
    if section.key == "summary":
        _summary(report, section, export_key, stem, present)
        return
    if section.key == "agenda":
        agenda_editor(provider, account, quarter)
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
            tables.show_table(section.table, download=None)
        for note in section.notes:
            st.caption(plain(note))
        terms_editor(provider, account)
    if section.key == "changes" and not present and st.session_state.get("qbr_exports") and \
            section.table is not None:
        st.download_button("What changed (CSV)", exports.chart_csv_bytes(export_key, "changes", section.table),
                           file_name=f"{stem}-changes.csv", mime="text/csv", key="dl_changes_csv",
                           icon=":material/table:", on_click="ignore")


def show_sections(report: QbrReport, keys, export_key: tuple, stem: str, present: bool) -> None:
    """Draw the report's sections whose key is in `keys`, in the report's order."""
    for section in report.sections:
        if section.key in keys:
            _section(report, section, export_key, stem, present)
