"""Every page opens in a real browser without an exception and draws its title and content."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import PAGES, SCREENSHOTS, wait_until_drawn

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
