"""Every page opens in a real browser, in the dark presentation theme, without an exception, and draws its title and
content.

The dark theme comes from .streamlit/config.toml ([theme.dark]), chosen here the way a viewer's system chooses it;
no page may keep a light background or sidebar. The light theme (the default) is what every other browser test
sees: tests/browser/test_real_upload.py opens every page in it, after each real export's upload.

The pages open one after another in one browser tab (conftest's `page`: each `goto` is a new Streamlit session on
the page's URL; only a fresh context's download and compile of the frontend is spared).

The Overview opens on its alias /overview here (the root URL, where it is the default page, is opened by
test_links.py and test_upload.py): an unknown path would show Streamlit's "Page not found" over the default page.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import PAGES, wait_until_drawn

CONTENT = '[data-testid="stVegaLiteChart"], [data-testid="stMetricValue"]'
BACKGROUND = "el => getComputedStyle(el).backgroundColor"
DARK_APP, DARK_SIDEBAR = "rgb(14, 17, 23)", "rgb(21, 26, 35)"  # [theme.dark] and [theme.dark.sidebar]
PATHS = {name: path for name, (path, _) in PAGES.items()} | {"overview": "overview"}


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_page_opens_in_the_dark_theme_with_its_title_and_content_and_no_exception(app_url: str, page: Page, name: str):
    page.emulate_media(color_scheme="dark")  # the viewer's system setting, for this test only
    page.goto(f"{app_url}/{PATHS[name]}")
    expect(page.get_by_role("heading", level=1).first).to_contain_text(PAGES[name][1])
    # the theme applies before any content: a light background would show while the page still loads
    assert page.get_by_test_id("stApp").evaluate(BACKGROUND) == DARK_APP
    assert page.get_by_test_id("stSidebar").evaluate(BACKGROUND) == DARK_SIDEBAR
    if name == "data":  # no charts before an upload: the batch list of the sample is the content
        expect(page.get_by_role("combobox", name="Batch")).to_have_value(re.compile("sample:"))
    else:
        expect(page.locator(CONTENT).first).to_be_visible()
    wait_until_drawn(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlert").filter(has_text="Could not show")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert page.get_by_test_id("stApp").evaluate(BACKGROUND) == DARK_APP  # and stays dark once drawn
