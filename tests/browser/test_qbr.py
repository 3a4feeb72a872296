"""QBR in a real browser: the HTML report downloads script-free, and presentation mode is for screen-sharing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import wait_until_drawn

PRESENT_METRIC_PX = 2.8 * 16  # PRESENT_CSS: metric values at 2.8rem


def _metric_value(page: Page):
    return page.get_by_test_id("stMetricValue").first.locator("p")


def _metric_font_px(page: Page) -> float:
    return float(_metric_value(page).evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))


@pytest.mark.browser
def test_qbr_html_report_downloads_with_the_engagement_and_no_script(app_url: str, page: Page):
    page.goto(f"{app_url}/qbr")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quarterly business review")
    engagement = page.get_by_role("combobox", name="Engagement", exact=True)
    expect(engagement).not_to_have_value("")
    name = engagement.input_value()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    wait_until_drawn(page)

    page.get_by_text("Prepare downloads").click()
    button = page.get_by_role("button", name="One-page report (HTML)")
    expect(button).to_be_enabled()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".html")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert name in html
    assert "<script" not in html.lower()


@pytest.mark.browser
def test_qbr_present_toggle_hides_the_sidebar_enlarges_type_and_keeps_it_in_the_link(app_url: str, new_page):
    page: Page = new_page()
    page.goto(f"{app_url}/qbr")
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    assert _metric_font_px(page) < PRESENT_METRIC_PX
    wait_until_drawn(page)

    page.get_by_text("Present", exact=True).click()
    expect(page).to_have_url(re.compile(r"present=1"))
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_role("button", name="QBR settings")).to_be_visible()  # the controls move to a popover
    expect(_metric_value(page)).to_have_css("font-size", f"{PRESENT_METRIC_PX:g}px")

    shared: Page = new_page()  # the link alone opens the presentation
    shared.goto(page.url)
    expect(_metric_value(shared)).to_have_css("font-size", f"{PRESENT_METRIC_PX:g}px")
    expect(shared.get_by_test_id("stSidebar")).to_be_hidden()
