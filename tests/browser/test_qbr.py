"""QBR in a real browser: the HTML report downloads script-free, presentation mode is for screen-sharing (the
toggle puts it in the link, and a link with it opens presented), and every presented section fits a 1280×720
window without scrolling. Two QBR loads in all: each test goes on from where its page is."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from scripts.qbr_screenshots import SECTIONS, overflow_px, qbr_url
from tests.browser.harness import wait_until_drawn

# PRESENT_CSS: metric values at 2.8rem; a rem is the theme's baseFontSize (.streamlit/config.toml)
_THEME = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())["theme"]
PRESENT_METRIC_PX = round(2.8 * _THEME.get("baseFontSize", 16), 2)
SECTION_TABS = ("At a glance", "What changed", "Needs attention", "Versus the baseline", "Innovation & gain-share",
                "Agenda")


def _metric_value(page: Page):
    return page.get_by_test_id("stMetricValue").first.locator("p")


def _metric_font_px(page: Page) -> float:
    return float(_metric_value(page).evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))


@pytest.mark.browser
def test_qbr_html_report_downloads_script_free_and_present_hides_the_sidebar_enlarges_type_and_keeps_it_in_the_link(
        app_url: str, page: Page):
    """One QBR: the HTML report downloads with the engagement and no script; then the Present toggle (the link
    it makes opens the presentation by itself: the next test opens such a link in a fresh browser)."""
    page.goto(f"{app_url}/qbr")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quarterly business review")
    engagement = page.get_by_role("combobox", name="Engagement", exact=True)
    expect(engagement).not_to_have_value("")
    name = engagement.input_value()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    assert _metric_font_px(page) < PRESENT_METRIC_PX
    wait_until_drawn(page)

    page.get_by_text("Prepare downloads").click()
    button = page.get_by_role("button", name="Report (HTML)")
    expect(button).to_be_enabled()
    expect(page.get_by_role("button", name="Slides (PowerPoint)")).to_be_enabled()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".html")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert name in html and "What changed" in html
    assert "<script" not in html.lower()
    wait_until_drawn(page)

    page.get_by_text("Present", exact=True).click()
    expect(page).to_have_url(re.compile(r"present=1"))
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_role("button", name="QBR settings")).to_be_visible()  # the controls move to a popover
    expect(_metric_value(page)).to_have_css("font-size", f"{PRESENT_METRIC_PX:g}px")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


@pytest.mark.browser
def test_a_presentation_link_opens_presented_and_every_section_fits_a_1280_by_720_screen_share(app_url: str,
                                                                                                new_page):
    page: Page = new_page(viewport={"width": 1280, "height": 720})  # a fresh browser: only the link
    page.goto(qbr_url(app_url, "summary", engagement="Northstar BPO · Contoso Bank — Cards"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Northstar BPO")
    expect(_metric_value(page)).to_have_css("font-size", f"{PRESENT_METRIC_PX:g}px")
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    wait_until_drawn(page)
    overflow = {}
    for key, tab in zip(SECTIONS, SECTION_TABS):
        page.get_by_role("radio", name=tab, exact=True).click()  # segmented control options
        expect(page).to_have_url(re.compile(rf"section={key}"))
        wait_until_drawn(page)
        overflow[key] = overflow_px(page)
    assert overflow == {key: 0 for key in SECTIONS}
    # chart text on screen is at least 14 px (axis labels are SVG text in Vega's renderer)
    page.get_by_role("radio", name="At a glance", exact=True).click()
    wait_until_drawn(page)
    # Vega renders the SVG after the element appears: wait for its text (an auto-waiting locator)
    expect(page.locator('[data-testid="stVegaLiteChart"] svg text').first).to_be_visible()
    sizes = page.locator('[data-testid="stVegaLiteChart"] svg text').evaluate_all(
        "els => els.filter(e => e.textContent.trim()).map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 14, sorted(set(sizes))
