"""The one-page QBR report: escaping, self-containment, one PDF page, quarter arithmetic."""
from __future__ import annotations

import base64
import re
from datetime import date

import pandas as pd
import pytest

from charts.qbr import build_health_trend_chart, build_premium_chart
from reports.qbr import (QbrReport, ReportChart, Tile, available_quarters, parse_quarter, quarter_label,
                         report_html, report_pdf)
from reports.render import chart_png, chart_svg

EVIL = "<script>alert(1)</script>"


def _report(*, provider: str = EVIL, theme: str = "light") -> QbrReport:
    trend = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-04-01", "2025-07-01"]),
                          "quarter": ["2025-Q1", "2025-Q2", "2025-Q3"], "score": [48.0, 61.5, 72.0],
                          "band": ["at risk", "watch", "healthy"]})
    gap = pd.DataFrame({"relationship_year": [1, 2, 3], "premium_pct": [2.0, 9.5, 17.0],
                        "ci_low": [-3.0, 4.0, 11.0], "ci_high": [6.0, 14.0, 22.0],
                        "n_partnership": [4, 4, 2], "n_transactional": [5, 5, 2], "sufficient": [True, True, False]})
    charts = (
        ReportChart("health_trend", "Relationship health by quarter",
                    build_health_trend_chart(trend, theme=theme).to_dict(), trend),
        ReportChart("premium", "Partnership premium",
                    build_premium_chart(gap, kpi_label="Quality score", model="partnership", current_year=3,
                                        theme=theme).to_dict(), gap),
    )
    tiles = (Tile("csat_pct", "CSAT (satisfied)", "81.2 %", "+1.5 % vs prior quarter", "-0.4 % vs last year",
                  "good", 1),
             Tile("aht_seconds", "Average handle time", "402 s", "+2.0 % vs prior quarter", "", "bad", -1))
    return QbrReport(provider=provider, account="Care & Billing", relationship_model="partnership",
                     quarter="2025-Q3", filters=("Engagements: " + provider + " · Care & Billing",),
                     tiles=tiles, charts=charts, findings=(f"{provider} improved CSAT by 1.5 points",),
                     theme=theme)


def test_report_html_escapes_a_provider_named_like_a_script_tag():
    page = report_html(_report())
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_html_is_self_contained_with_charts_as_inline_images():
    page = report_html(_report())
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2
    assert all(base64.b64decode(i).lstrip().startswith(b"<svg") for i in images)


def test_report_pdf_is_one_a4_landscape_page():
    pdf = report_pdf(_report(theme="dark"))
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    # A4 landscape in points: 841.89 × 595.28
    assert re.search(rb"/MediaBox\s*\[0 0 841\.89 595\.28\]", pdf)


def test_chart_renders_offline_as_png_and_svg():
    spec = _report().charts[0].spec
    assert chart_png(spec).startswith(b"\x89PNG")
    assert "<svg" in chart_svg(spec)


def test_dark_theme_sets_a_dark_chart_background():
    assert _report(theme="dark").charts[0].spec["config"]["background"] == "#0E1117"
    assert _report(theme="light").charts[0].spec["config"]["background"] == "#FFFFFF"


@pytest.mark.parametrize("label, expected", [
    ("2025-Q3", (date(2025, 7, 1), date(2025, 9, 30))),
    ("2024-Q1", (date(2024, 1, 1), date(2024, 3, 31))),
    ("2024-Q4", (date(2024, 10, 1), date(2024, 12, 31))),
    ("2024-Q5", None), ("Q3-2024", None), ("", None),
])
def test_parse_quarter_gives_first_and_last_day_or_none(label, expected):
    assert parse_quarter(label) == expected


def test_quarters_between_two_days_are_listed_newest_first():
    assert available_quarters(date(2024, 11, 15), date(2025, 4, 2)) == ["2025-Q2", "2025-Q1", "2024-Q4"]
    assert quarter_label(date(2025, 9, 30)) == "2025-Q3"
    assert available_quarters(None, None) == []
