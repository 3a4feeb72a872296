"""The QBR report: escaping, self-containment, one PDF page, every change in its unit, quarter arithmetic."""
from __future__ import annotations

import base64
import re
import zlib
from datetime import date

import pytest

from charts.qbr import MIN_FONT_PX
from reports.qbr import available_quarters, parse_quarter, quarter_label, report_html, report_pdf
from reports.render import chart_png, chart_svg
from tests.builders import EVIL, NPS_CHANGE
from tests.builders import qbr_report as _report


def pdf_text(pdf: bytes) -> str:
    """The text a PDF written by fpdf2 shows, decoded through each font's ToUnicode map (a test helper:
    fpdf2 subsets TrueType fonts, so the content streams hold glyph ids, not characters)."""
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)}

    def stream(body: bytes) -> bytes:
        raw = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S).group(1)
        return zlib.decompress(raw) if b"/FlateDecode" in body else raw

    fonts = {}
    for body in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            font = objects[int(number)]
            cmap = re.search(rb"/ToUnicode (\d+) 0 R", font)
            table = {}
            if cmap:
                pairs = re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", stream(objects[int(cmap.group(1))]))
                for src, dst in pairs:
                    table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
            fonts[name.decode()] = table
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")",
               b"\\": b"\\"}
    out = []
    for body in objects.values():
        if b"stream" not in body or b"/Subtype /Image" in body or b"beginbfchar" in body:
            continue
        try:
            content = stream(body)
        except (zlib.error, AttributeError):
            continue
        font = None
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if token.group(1):
                font = fonts.get(token.group(1).decode(), {})
                continue
            raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                         else escapes.get(m.group(1), m.group(1)), token.group(2), flags=re.S)
            codes = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            out.append("".join((font or {}).get(c, chr(c)) for c in codes))
    return "\n".join(out)


def test_report_html_escapes_a_provider_named_like_a_script_tag():
    page = report_html(_report())
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_html_is_self_contained_with_charts_as_inline_images():
    page = report_html(_report())
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    assert all(base64.b64decode(i).lstrip().startswith(b"<svg") for i in images)


def test_report_html_tells_the_story_in_section_order_with_nps_in_points():
    page = report_html(_report())
    titles = re.findall(r"<h2>(.*?)</h2>", page)
    assert titles == ["This quarter at a glance", "What changed", "Needs attention",
                      "Against the baseline at the same relationship year", "Innovation, governance and gain-share",
                      "Agenda and actions"]
    assert NPS_CHANGE in page and "-40.0 pts vs Q1 2025" in page
    assert not re.search(r"Net promoter score[^<]*%", page)  # never a relative % for NPS


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return report_pdf(_report(provider="Apex", theme="dark"))


def test_report_pdf_is_one_a4_landscape_page(pdf):
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    # A4 landscape in points: 841.89 × 595.28
    assert re.search(rb"/MediaBox\s*\[0 0 841\.89 595\.28\]", pdf)


def test_report_pdf_states_the_nps_change_in_points(pdf):
    text = pdf_text(pdf)
    assert "Quarterly business review — Apex · Care & Billing" in text
    assert "-40.0 pts vs Q1 2025" in text          # the tile
    assert NPS_CHANGE in text.replace("\n", " ")    # the story
    assert "Net promoter score is 0.0, 30.0 pts below the 30.0 target" in text.replace("\n", " ")
    assert not re.search(r"Net promoter score[^\n]*%", text)


def test_chart_renders_offline_as_png_and_svg():
    spec = _report().charts[0].spec
    assert chart_png(spec).startswith(b"\x89PNG")
    assert "<svg" in chart_svg(spec)


def test_dark_theme_sets_a_dark_chart_background():
    assert _report(theme="dark").charts[0].spec["config"]["background"] == "#0E1117"
    assert _report(theme="light").charts[0].spec["config"]["background"] == "#FFFFFF"


def _font_sizes(node) -> list[float]:
    sizes = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.lower().endswith("fontsize") and isinstance(value, (int, float)):
                sizes.append(value)
            sizes += _font_sizes(value)
    elif isinstance(node, list):
        for value in node:
            sizes += _font_sizes(value)
    return sizes


def test_every_chart_text_is_at_least_14_px():
    for chart in _report().charts:
        config = chart.spec["config"]
        for part, keys in (("axis", ("labelFontSize", "titleFontSize")), ("legend", ("labelFontSize", "titleFontSize")),
                           ("title", ("fontSize", "subtitleFontSize")), ("text", ("fontSize",))):
            assert all(config[part][k] >= MIN_FONT_PX for k in keys), (chart.key, part)
        assert min(_font_sizes(chart.spec)) >= MIN_FONT_PX, chart.key  # no mark or axis overrides it lower


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


def test_a_report_chart_spec_made_by_swapping_data_is_altairs_own_spec():
    """reports.qbr_build._chart_spec reuses an earlier spec of the same builder and arguments with the data
    swapped: byte for byte what Altair makes (key order too), for every QBR chart and both themes."""
    import json

    import numpy as np
    import pandas as pd

    from charts.qbr import BASELINE_GROUPS, LEDGER_SERIES, build_baseline_chart, build_health_trend_chart, \
        build_ledger_chart
    from reports.qbr_build import _chart_spec

    def trend(scores):
        quarters = pd.period_range("2024Q1", periods=len(scores), freq="Q")
        return pd.DataFrame({"period": quarters.start_time, "quarter": [f"Q{q.quarter} {q.year}" for q in quarters],
                             "score": scores, "band": ["healthy" if s >= 70 else "watch" for s in scores]})

    def baseline(values, n):
        return pd.DataFrame({"group": list(BASELINE_GROUPS[:len(values)]), "value": values,
                             "low": [np.nan] + [v - 1.5 for v in values[1:]],
                             "high": [np.nan] + [v + 1.5 for v in values[1:]], "n": [1] + n})

    def ledger(amounts):
        quarters = [f"Q{i + 1} 2025" for i in range(len(amounts))]
        return pd.DataFrame({"quarter": quarters * 2, "series": [LEDGER_SERIES[0]] * len(amounts)
                             + [LEDGER_SERIES[1]] * len(amounts), "amount": amounts + amounts[::-1]})

    cases = [
        (build_health_trend_chart, [trend([61.5, 72.0]), trend([40.0, 55.5, 71.0, 80.2]), trend([61.5, 72.0])], {}),
        (build_baseline_chart, [baseline([80.0, 78.5, 75.0], [4, 6]), baseline([90.0, 88.0], [1]),
                                baseline([70.0, 71.0, 69.5], [2, 9])],
         {"kpi_title": "CSAT (%)", "value_format": ",.1f", "relationship_year": 2}),
        (build_ledger_chart, [ledger([1200.0, -300.0]), ledger([5.0, 0.0, 7.5]), ledger([1200.0, -300.0])], {}),
    ]
    for build, frames, kwargs in cases:
        for theme in ("light", "dark"):
            for frame in frames:
                expected = build(frame, theme=theme, **kwargs).to_dict(validate=False)
                assert json.dumps(_chart_spec(build, frame, theme=theme, **kwargs)) == json.dumps(expected)


def test_report_chart_rows_are_the_records_altairs_transformer_writes():
    """reports.qbr_build._plain_values (the chart data a swapped spec carries) gives exactly the records of
    Altair's default data transformer: text, NaN/±inf, missing text, ints and bools, and None (Altair's own
    path) for the dtypes it does not handle."""
    import altair as alt
    import numpy as np
    import pandas as pd

    from reports.qbr_build import _plain_values

    frames = [
        pd.DataFrame({"quarter": ["Q1 2025", None, "Q3 2025"], "score": [61.5, np.nan, np.inf],
                      "band": pd.array(["watch", "healthy", None], dtype="string"), "n": [1, 2, 3],
                      "flag": [True, False, True]}, index=[7, 3, 5]),
        pd.DataFrame({"amount": [-np.inf, 0.0, -0.0, 1e300, 5e-324]}),
        pd.DataFrame({"group": pd.Series([], dtype="str"), "value": pd.Series([], dtype="float64")}),
    ]
    for frame in frames:
        assert _plain_values(frame) == alt.data_transformers.get()(frame)["values"]
        altair_rows = alt.data_transformers.get()(frame)["values"]
        assert [list(r) for r in _plain_values(frame)] == [list(r) for r in altair_rows]  # key order too
    for other in (pd.DataFrame({"period": pd.to_datetime(["2025-01-01"])}),
                  pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}), pd.DataFrame({0: [1.0]}),
                  pd.DataFrame(index=range(2)), pd.DataFrame({"x": ["a"]}).astype("category"),
                  pd.DataFrame({"x": [1.0] * 5001})):
        assert _plain_values(other) is None


def test_a_baseline_chart_spec_filled_with_another_kpi_and_year_is_altairs_own_spec():
    """The baseline chart's KPI title, number format and relationship year reach its spec as text only
    (charts.qbr's `text_only`): reports.qbr_build._chart_spec fills them into one spec for every KPI and year,
    byte for byte what Altair makes (the first call and the later ones, both themes)."""
    import json

    import numpy as np
    import pandas as pd

    from charts.qbr import BASELINE_GROUPS, build_baseline_chart
    from reports.qbr_build import _chart_spec

    frame = pd.DataFrame({"group": list(BASELINE_GROUPS), "value": [80.0, 78.5, 75.0], "low": [np.nan, 77.0, 73.5],
                          "high": [np.nan, 80.0, 76.5], "n": [1, 4, 6]})
    arguments = [("CSAT (%)", ",.1f", 2), ("Cost per resolution ($)", "$,.2f", 11),
                 ('Quality "score" <b> & \\ {x}', ",.0f", 1), ("CSAT (%)", ",.1f", 2),
                 ("NPS (points)", "+,.1f", 3)]
    for theme in ("light", "dark"):
        for title, value_format, year in arguments:
            kwargs = {"kpi_title": title, "value_format": value_format, "relationship_year": year, "theme": theme}
            expected = build_baseline_chart(frame, **kwargs).to_dict(validate=False)
            assert json.dumps(_chart_spec(build_baseline_chart, frame, **kwargs)) == json.dumps(expected)
