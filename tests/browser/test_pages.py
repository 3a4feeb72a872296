"""Every page opens in a real browser without an exception and draws its title and content."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import PAGES, SCREENSHOTS, WAIT_MS, wait_until_drawn

CONTENT = '[data-testid="stVegaLiteChart"], [data-testid="stMetricValue"]'


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_page_opens_with_its_title_and_content_and_no_exception(app_url: str, page: Page, name: str):
    path, title = PAGES[name]
    page.goto(f"{app_url}/{path}")
    expect(page.get_by_role("heading", level=1).first).to_contain_text(title)
    if name == "data":  # no charts before an upload: the batch list of the sample is the content
        expect(page.get_by_role("combobox", name="Batch")).to_have_value(re.compile("sample:"))
    else:
        expect(page.locator(CONTENT).first).to_be_visible()
    wait_until_drawn(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlert").filter(has_text="Could not show")).to_have_count(0)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


@pytest.mark.browser
def test_every_page_follows_the_dark_theme_including_the_sidebar(app_url: str, browser):
    """The dark presentation theme comes from .streamlit/config.toml ([theme.dark]), chosen here the way a
    viewer's system chooses it; no page may keep a light background, sidebar or chart."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme="dark")
    page = context.new_page()
    background = "el => getComputedStyle(el).backgroundColor"
    try:
        for name, (path, title) in PAGES.items():
            page.goto(f"{app_url}/{path}")
            expect(page.get_by_role("heading", level=1).first).to_contain_text(title, timeout=3 * WAIT_MS)
            # the theme applies before any content: no need to wait for the page's charts
            assert page.get_by_test_id("stApp").evaluate(background) == "rgb(14, 17, 23)", name
            assert page.get_by_test_id("stSidebar").evaluate(background) == "rgb(21, 26, 35)", name
            expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        context.close()
