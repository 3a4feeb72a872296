"""Download buttons for charts (PNG, SVG, CSV) and the QBR report (HTML, PDF).

Rendering a PNG takes about half a second, so every export is cached with
`st.cache_data` on a small key — the data version plus the page's selections — and
the report/spec itself travels unhashed (leading underscore). A rerun with the same
selections and data never renders again; a new batch changes the data version.
The buttons render nothing until one is clicked: each is given the cached render as a
callable (Streamlit's deferred download), so a run with downloads prepared costs no render.
"""
from __future__ import annotations

import re
from functools import partial

import pandas as pd
import streamlit as st

from analytics.export import csv_bytes
from reports.pptx import report_pptx
from reports.qbr import QbrReport, ReportChart, report_html, report_pdf
from reports.render import chart_png, chart_svg

ExportKey = tuple  # (data_version, *selections) — small, hashable values only


def file_stem(text: str) -> str:
    """A safe file-name stem from user text ("Acme · Retail care" → "Acme-Retail-care")."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:80] or "export"


@st.cache_data(show_spinner=False, max_entries=64)
def png_bytes(key: ExportKey, chart_key: str, _spec: dict) -> bytes:
    return chart_png(_spec)


@st.cache_data(show_spinner=False, max_entries=64)
def svg_text(key: ExportKey, chart_key: str, _spec: dict) -> str:
    return chart_svg(_spec)


@st.cache_data(show_spinner=False, max_entries=32)
def report_html_text(key: ExportKey, _report: QbrReport) -> str:
    return report_html(_report, svgs={c.key: svg_text(key, c.key, c.spec) for c in _report.charts})


@st.cache_data(show_spinner=False, max_entries=32)
def report_pdf_bytes(key: ExportKey, _report: QbrReport) -> bytes:
    return report_pdf(_report, pngs={c.key: png_bytes(key, c.key, c.spec) for c in _report.charts})


@st.cache_data(show_spinner=False, max_entries=32)
def report_pptx_bytes(key: ExportKey, _report: QbrReport) -> bytes:
    return report_pptx(_report, pngs={c.key: png_bytes(key, c.key, c.spec) for c in _report.charts})


@st.cache_data(show_spinner=False, max_entries=64)
def chart_csv_bytes(key: ExportKey, chart_key: str, _frame: pd.DataFrame) -> bytes:
    return csv_bytes(_frame)


def chart_downloads(chart: ReportChart, key: ExportKey, *, stem: str) -> None:
    """PNG, SVG and CSV buttons for one chart (widget keys `dl_<chart>_png|svg|csv`)."""
    png, svg, csv = st.columns(3)
    png.download_button("PNG", partial(png_bytes, key, chart.key, chart.spec), file_name=f"{stem}-{chart.key}.png",
                        mime="image/png", key=f"dl_{chart.key}_png", icon=":material/image:", on_click="ignore")
    svg.download_button("SVG", partial(svg_text, key, chart.key, chart.spec), file_name=f"{stem}-{chart.key}.svg",
                        mime="image/svg+xml", key=f"dl_{chart.key}_svg", icon=":material/polyline:",
                        on_click="ignore")
    csv.download_button("Data (CSV)", partial(chart_csv_bytes, key, chart.key, chart.data),
                        file_name=f"{stem}-{chart.key}.csv", mime="text/csv", key=f"dl_{chart.key}_csv",
                        icon=":material/table:", on_click="ignore")


def report_downloads(report: QbrReport, key: ExportKey, *, stem: str) -> None:
    """HTML and one-page PDF report and PowerPoint deck buttons (widget keys `dl_report_html|pdf|pptx`)."""
    left, right, deck = st.columns(3)
    left.download_button("Report (HTML)", partial(report_html_text, key, report), file_name=f"{stem}.html",
                         mime="text/html", key="dl_report_html", icon=":material/article:", on_click="ignore")
    right.download_button("One-page report (PDF)", partial(report_pdf_bytes, key, report), file_name=f"{stem}.pdf",
                          mime="application/pdf", key="dl_report_pdf", icon=":material/picture_as_pdf:",
                          on_click="ignore")
    deck.download_button("Slides (PowerPoint)", partial(report_pptx_bytes, key, report), file_name=f"{stem}.pptx",
                         mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                         key="dl_report_pptx", icon=":material/slideshow:", on_click="ignore")
