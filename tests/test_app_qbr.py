"""The QBR page driven through AppTest: a sample portfolio for the page, a literal one for exact answers."""
from __future__ import annotations

import html
import re
from datetime import date

import altair as alt
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import actions, db, sample
from analytics.contracts import ENGAGEMENTS, INTERACTIONS
from analytics.filters import ENGAGEMENT_SEPARATOR, Filters
from analytics.options import filter_options
from reports.qbr import available_quarters, parse_quarter, report_html, report_pdf
from reports.qbr_build import build_qbr_report
from reports.render import chart_png, chart_svg
from tests.builders import app_test, insert_rows
from ui.markdown import plain


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("qbr") / "sample.duckdb"
    con = db.connect(path)
    sample.generate(con, interactions=10_000)
    options = filter_options(con)
    con.close()
    first, last = options["dates"]
    quarters = [q for q in available_quarters(first, last) if parse_quarter(q)[1] <= last]
    return {"path": path, "engagements": options["engagements"], "quarters": quarters,
            "providers": options["providers"]}


@pytest.fixture
def app(portfolio, monkeypatch) -> AppTest:
    monkeypatch.setenv("RAPPORT_DB", str(portfolio["path"]))
    return app_test()


def _open(app: AppTest, **params: str) -> AppTest:
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page("pages/qbr.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def _text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown).replace("\\", "")


def test_engagement_and_quarter_come_from_the_link(app, portfolio):
    eng, quarter = portfolio["engagements"][3], portfolio["quarters"][2]
    at = _open(app, eng=eng, quarter=quarter)
    assert at.selectbox(key="eng").value == eng
    assert at.selectbox(key="quarter").value == quarter
    assert eng in at.title[0].value.replace("\\", "")
    stamp = " ".join(c.value for c in at.caption)
    assert "Filters applied" in stamp and eng in stamp.replace("\\", "")
    assert "Dates: start to " in stamp.replace("\\", "") and not re.search(r"\d{4}-\d{2}-\d{2}", stamp)  # "31 Dec 2025", not ISO
    assert len(at.metric) >= 4
    titles = [s.value.replace("\\", "") for s in at.subheader][:6]
    assert titles == ["This quarter at a glance", "What changed", "Needs attention",
                      "Against the baseline at the same relationship year", "Innovation, governance and gain-share",
                      "Agenda and actions"]


def test_the_filter_stamp_names_dates_as_people_read_them():
    assert Filters(start=date(2025, 1, 6), end=date(2025, 12, 31)).describe() == ["Dates: 6 Jan 2025 to 31 Dec 2025"]
    assert Filters(end=date(2025, 3, 31)).describe() == ["Dates: start to 31 Mar 2025"]


def test_the_quarter_picker_shows_quarters_as_people_write_them_and_the_link_keeps_the_key(app, portfolio):
    quarter = portfolio["quarters"][1]  # a key such as "2025-Q3"
    at = _open(app, eng=portfolio["engagements"][0], quarter=quarter)
    picker = at.selectbox(key="quarter")
    year, q = quarter.split("-")
    assert picker.value == quarter  # the widget's value (and so the URL) is still the key
    assert f"{q} {year}" in picker.options  # "Q3 2025", never the key
    assert not any("-Q" in option for option in picker.options)
    other = portfolio["quarters"][0]
    picker.set_value(other).run()
    assert at.query_params["quarter"] in (other, [other])  # the link carries the key a person chose
    assert at.selectbox(key="quarter").value == other


def test_the_provider_filter_in_the_link_chooses_that_providers_engagement(app):
    at = _open(app, provider="Northstar BPO")
    chosen = at.selectbox(key="eng")
    assert chosen.value.startswith("Northstar BPO" + ENGAGEMENT_SEPARATOR)
    assert chosen.options and all(o.startswith("Northstar BPO" + ENGAGEMENT_SEPARATOR) for o in chosen.options)
    assert "Northstar BPO" in at.title[0].value.replace("\\", "")


def test_a_provider_and_account_in_the_link_pick_that_engagement(app, portfolio):
    eng = next(e for e in portfolio["engagements"] if e.startswith("Northstar BPO"))
    provider, account = eng.split(ENGAGEMENT_SEPARATOR, 1)
    at = _open(app, provider=provider, account=account)
    assert at.selectbox(key="eng").options == [eng]
    assert at.selectbox(key="eng").value == eng


def test_presentation_mode_shows_one_section_at_a_time_without_css_colours(app, portfolio):
    at = _open(app, eng=portfolio["engagements"][0], present="1", theme="dark", section="changes")
    assert at.toggle(key="qbr_present").value is True
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert 'section[data-testid="stSidebar"]' in styles and "display: none" in styles
    assert "background-color" not in styles and "#0E1117" not in styles  # colours come from the theme config
    assert at.segmented_control(key="qbr_section").value == "changes"
    assert not at.metric and not at.dataframe  # only "what changed" is on screen
    assert " fell " in _text(at) or " rose " in _text(at) or "held steady" in _text(at)


def test_dark_chart_theme_from_the_link_recolours_the_charts(app, portfolio):
    at = _open(app, eng=portfolio["engagements"][0], theme="dark")
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts and all('"background": "#0E1117"' in c.proto.spec.replace(":\"", ": \"") for c in charts)


def test_unknown_link_values_are_named_in_a_notice_not_a_crash(app):
    at = _open(app, eng="Nobody · Nothing", quarter="1999-Q9")
    notice = " ".join(i.value for i in at.info)
    assert plain("eng=Nobody · Nothing") in notice and plain("quarter=1999-Q9") in notice  # shown as text


def test_download_buttons_appear_when_downloads_are_prepared(app, portfolio):
    at = _open(app, eng=portfolio["engagements"][1])
    at.toggle(key="qbr_exports").set_value(True).run()
    assert not at.exception
    ids = [b.proto.id for b in at.get("download_button")]
    for key in ("dl_report_html", "dl_report_pdf", "dl_report_pptx", "dl_health_trend_png", "dl_health_trend_svg",
                "dl_health_trend_csv", "dl_changes_csv"):
        assert any(key in i for i in ids), (key, ids)


def test_report_exports_of_a_sample_engagement(app, portfolio):
    # the same process-wide connection the app uses (a second one to the file would clash)
    from ui.cached import cursor

    eng = portfolio["engagements"][2]
    provider, account = eng.split(ENGAGEMENT_SEPARATOR, 1)
    report = build_qbr_report(cursor(), provider, account, portfolio["quarters"][0], Filters())
    assert report.charts, report.notes
    # the report's specs are made without Altair's validation (reports.qbr_build._spec): check them here
    for theme in ("light", "dark"):
        themed = build_qbr_report(cursor(), provider, account, portfolio["quarters"][0], Filters(), theme=theme)
        assert {c.key for c in themed.charts} == {"health_trend", "baseline", "gainshare"}
        for chart in themed.charts:
            alt.TopLevelSpec.validate(chart.spec)
    assert chart_png(report.charts[0].spec).startswith(b"\x89PNG")
    assert "<svg" in chart_svg(report.charts[0].spec)
    page = report_html(report)
    assert html.escape(report.engagement) in page and "<script" not in page.lower()
    assert report_pdf(report).startswith(b"%PDF")


def _cursor():
    from ui.cached import cursor  # the app's own connection: a second one to the file would clash

    return cursor()


# ---- a literal portfolio: exact answers ----------------------------------------------------------------

P, A = "Apex", "Care"


@pytest.fixture(scope="module")
def nps_database(tmp_path_factory):
    """One engagement whose NPS falls from 40 (Q1 2025) to 0 (Q2 2025): a −40.0 pts change.

    As a relative change it would read "−100.0 %"; the units rule says points. Built once for the module
    (only the last test writes to it: gain-share terms, which no other test reads)."""
    path = tmp_path_factory.mktemp("nps") / "nps.duckdb"
    con = db.connect(path)
    insert_rows(con, ENGAGEMENTS, [{"provider": P, "account": A, "relationship_model": "partnership",
                                    "contract_start": date(2024, 1, 1)}])
    rows = []
    for day, promoters, detractors in ((date(2025, 2, 10), 5, 1), (date(2025, 5, 10), 3, 3)):
        rows += [{"interaction_id": f"{day}-{i}", "occurred_at": day, "provider": P, "account": A,
                  "channel": "phone", "nps": 10 if i < promoters else (3 if i < promoters + detractors else 8)}
                 for i in range(10)]
    insert_rows(con, INTERACTIONS, rows, batch_id=2)
    actions.save_agenda(con, P, A, "2025-Q1", pd.DataFrame([
        {"action_id": None, "kind": "action", "text": "Coach the detractor calls", "owner": "Dana", "due": None,
         "status": "open"},
        {"action_id": None, "kind": "action", "text": "Publish the FAQ", "owner": "Lee", "due": None,
         "status": "done"}]))
    con.close()
    return path


@pytest.fixture
def nps_app(nps_database, monkeypatch) -> AppTest:
    monkeypatch.setenv("RAPPORT_DB", str(nps_database))
    return app_test()


def test_an_nps_change_is_shown_in_points_on_the_page(nps_app):
    at = _open(nps_app, eng=f"{P} · {A}", quarter="2025-Q2")
    tile = next(m for m in at.metric if m.label == "Net promoter score")
    assert tile.value == "0.0" and tile.delta == "-40.0 pts vs Q1 2025"
    assert "Net promoter score fell 40.0 pts to 0.0 from Q1 2025" in _text(at)
    assert "%" not in tile.delta


def test_an_open_action_is_carried_to_the_next_quarter_and_a_done_one_is_not(nps_app):
    at = _open(nps_app, eng=f"{P} · {A}", quarter="2025-Q2")
    agenda = next(d.value for d in at.dataframe if "raised_quarter" in d.value.columns)  # the agenda editor
    assert agenda["text"].tolist() == ["Coach the detractor calls"]
    assert agenda["raised_quarter"].tolist() == ["Q1 2025"]
    assert "Coach the detractor calls — Dana: open (from Q1 2025)" in report_html(
        build_qbr_report(_cursor(), P, A, "2025-Q2", Filters())).replace("&#x27;", "'")


def test_gain_share_terms_entered_on_the_page_are_stored_for_the_engagement(nps_app):
    from analytics import gainshare

    at = _open(nps_app, eng=f"{P} · {A}", quarter="2025-Q2")
    next(n for n in at.number_input if n.label == "Baseline ($ per resolution)").set_value(12.5)
    next(s for s in at.slider if s.label == "Buyer's share of the savings (%)").set_value(60)
    next(b for b in at.button if b.label == "Save terms").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    terms = gainshare.terms(_cursor(), P, A)
    assert (terms.baseline_method, terms.baseline_cost, terms.buyer_share) == (gainshare.VALUE, 12.5, 0.6)
