"""The QBR page driven through AppTest on a sample portfolio, and its exports."""
from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import db, sample
from analytics.filters import ENGAGEMENT_SEPARATOR, Filters
from analytics.options import filter_options
from reports.qbr import available_quarters, parse_quarter, report_html, report_pdf
from reports.qbr_build import build_qbr_report
from reports.render import chart_png, chart_svg
from ui.markdown import plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("qbr") / "sample.duckdb"
    con = db.connect(path)
    sample.generate(con, interactions=40_000)
    options = filter_options(con)
    con.close()
    first, last = options["dates"]
    quarters = [q for q in available_quarters(first, last) if parse_quarter(q)[1] <= last]
    return {"path": path, "engagements": options["engagements"], "quarters": quarters}


@pytest.fixture
def app(portfolio, monkeypatch) -> AppTest:
    monkeypatch.setenv("RAPPORT_DB", str(portfolio["path"]))
    return AppTest.from_file(APP, default_timeout=60)


def _open(app: AppTest, **params: str) -> AppTest:
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page("pages/qbr.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_engagement_and_quarter_come_from_the_link(app, portfolio):
    eng, quarter = portfolio["engagements"][3], portfolio["quarters"][2]
    at = _open(app, eng=eng, quarter=quarter)
    assert at.selectbox(key="eng").value == eng
    assert at.selectbox(key="quarter").value == quarter
    assert eng in at.title[0].value.replace("\\", "")
    stamp = " ".join(c.value for c in at.caption)
    assert "Filters applied" in stamp and eng in stamp.replace("\\", "")
    assert len(at.metric) >= 4
    assert len(at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")) >= 1


def test_presentation_mode_from_the_link_hides_the_sidebar_and_keeps_the_toggle_on(app, portfolio):
    at = _open(app, eng=portfolio["engagements"][0], present="1")
    assert at.toggle(key="qbr_present").value is True
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert 'section[data-testid="stSidebar"]' in styles and "display: none" in styles


def test_dark_theme_from_the_link_recolours_page_and_charts(app, portfolio):
    at = _open(app, eng=portfolio["engagements"][0], theme="dark")
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert "#0E1117" in styles
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert '"background": "#0E1117"' in charts[0].proto.spec.replace(":\"", ": \"")


def test_unknown_link_values_are_named_in_a_notice_not_a_crash(app):
    at = _open(app, eng="Nobody · Nothing", quarter="1999-Q9")
    notice = " ".join(i.value for i in at.info)
    assert plain("eng=Nobody · Nothing") in notice and plain("quarter=1999-Q9") in notice  # shown as text


def test_download_buttons_appear_when_downloads_are_prepared(app, portfolio):
    at = _open(app, eng=portfolio["engagements"][1])
    at.toggle(key="qbr_exports").set_value(True).run()
    assert not at.exception
    ids = [b.proto.id for b in at.get("download_button")]
    for key in ("dl_report_html", "dl_report_pdf", "dl_health_trend_png", "dl_health_trend_svg",
                "dl_health_trend_csv"):
        assert any(key in i for i in ids), (key, ids)


def test_report_exports_of_a_sample_engagement(app, portfolio):
    # the same process-wide connection the app uses (a second one to the file would clash)
    from ui.cached import cursor

    eng = portfolio["engagements"][2]
    provider, account = eng.split(ENGAGEMENT_SEPARATOR, 1)
    report = build_qbr_report(cursor(), provider, account, portfolio["quarters"][0], Filters())
    assert report.charts, report.notes
    assert chart_png(report.charts[0].spec).startswith(b"\x89PNG")
    assert "<svg" in chart_svg(report.charts[0].spec)
    page = report_html(report)
    assert html.escape(report.engagement) in page and "<script" not in page.lower()
    assert report_pdf(report).startswith(b"%PDF")
