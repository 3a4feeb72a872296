"""A copied link reopens the same view: the URL carries the widgets' displayed values."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.harness import WAIT_MS, wait_until_drawn

CHART_TEXTS = """() => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"] text'))
    .map(e => e.textContent).sort().join('|')"""
KPI, PROVIDER, SPLIT, GRAIN = "Net promoter score", "Northstar BPO", "Channel", "quarter"


def _remove_button(scope: Locator, value: str) -> Locator:
    return scope.get_by_role("button", name=f"Remove {value}", exact=True)


@pytest.mark.browser
def test_a_deep_link_with_parameters_on_a_fresh_server_still_gets_the_app_navigation_and_frame(fresh_server_url: str,
                                                                                                 page: Page):
    """The first session of a server opening /qbr?… must not fall into Streamlit's pages/ folder mode: only a
    server's first session can, so this test runs first and opens the sample server before any other test
    (conftest.fresh_server_url starts a server of its own when it cannot). (tests/browser/test_real_upload.py opens
    its fresh server on /data and checks the same there.)"""
    page.goto(f"{fresh_server_url}/qbr?present=0")
    # the QBR's title names its engagement; the filter panel shows app.py drew the frame
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Quarterly business review")
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Providers")).to_be_visible()
    navigation = page.get_by_test_id("stSidebarNav")
    expect(navigation).to_contain_text("Relationship Health")  # app.py's titles, not the file names
    expect(navigation.get_by_text("app", exact=True)).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.browser
def test_trends_link_with_kpi_grain_split_and_provider_reopens_the_same_view_in_a_fresh_browser(
        app_url: str, page: Page, new_page):
    first = page
    first.goto(f"{app_url}/trends?kpi={KPI.replace(' ', '+')}")
    expect(first.get_by_role("heading", level=3)).to_have_text([KPI])
    wait_until_drawn(first)
    first.get_by_role("radio", name=GRAIN).click()
    expect(first).to_have_url(re.compile(f"grain={GRAIN}"))
    wait_until_drawn(first)  # a click during a rerun can land on a widget that is being replaced
    first.get_by_role("combobox", name="Split by").click()
    first.get_by_role("option", name=SPLIT, exact=True).click()
    expect(first).to_have_url(re.compile(f"split={SPLIT}"))
    wait_until_drawn(first)
    providers = first.get_by_role("combobox", name="Providers")
    providers.click()
    # the option list is virtualised: filter it first, as a user types (as test_real_upload's `choose` does) —
    # a click on the unfiltered list once landed on a node the list had just replaced and selected nothing
    providers.fill(PROVIDER)
    first.get_by_role("option", name=PROVIDER, exact=True).click()
    expect(first).to_have_url(re.compile("provider=" + PROVIDER.replace(" ", r"\+")))
    copied = first.url

    second: Page = new_page()  # a fresh context: no session state, only the link
    second.goto(copied)
    chart = second.get_by_test_id("stVegaLiteChart")
    expect(chart).to_have_count(1)
    expect(chart).to_contain_text("social")  # the channel legend: the split is applied
    wait_until_drawn(second)
    main, sidebar = second.get_by_test_id("stMain"), second.get_by_test_id("stSidebar")
    expect(_remove_button(main, KPI)).to_be_visible()
    expect(main.get_by_role("button", name=re.compile("^Remove "))).to_have_count(1)
    expect(second.get_by_role("radio", name=GRAIN)).to_be_checked()
    expect(second.get_by_role("combobox", name="Split by")).to_have_value(SPLIT)
    expect(_remove_button(sidebar, PROVIDER)).to_be_visible()
    expect(second.get_by_role("heading", level=3)).to_have_text([KPI])

    # The first browser, once its last rerun is drawn, shows the same chart the link opened: the
    # same texts (axes, title, legend). Sorted, because Vega re-orders text nodes it updates in place.
    opened = second.evaluate(CHART_TEXTS)
    assert "Net promoter score" in opened and "social" in opened
    first.wait_for_function(f"expected => ({CHART_TEXTS})() === expected", arg=opened, timeout=WAIT_MS)


@pytest.mark.browser
def test_clicking_an_overview_row_opens_that_engagements_qbr_with_the_filters(app_url: str, page: Page):
    page.goto(f"{app_url}/?from=2023-01-01")
    table = page.get_by_test_id("stDataFrame").filter(has_text="Engagement").first
    expect(table).to_be_visible()
    wait_until_drawn(page)
    box = table.bounding_box()
    # The grid is a canvas: click the selection checkbox of the first data row (below the header row).
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    expect(page).to_have_url(re.compile(r"/qbr\?.*provider=.+"))
    expect(page).to_have_url(re.compile(r"account=.+"))
    expect(page).to_have_url(re.compile(r"from=2023-01-01"))
