"""Every real export (../shared/data/real, see SOURCES.md there) through the Data page's real uploader, then
every page, in a real browser.

One app server on one new database for the module, and one browser page that goes on from file to file
(the database grows as a user's would), within the app as a user does: the Data page and the unfiltered pages
from the sidebar's navigation, each file's filtered views by following their links in the open app (a history
entry and a popstate event, as Back and Forward do). A page load costs about twice the CPU of either (a new
session, the JS bundle compiled again), so there are two: the first request and one filtered link.
Each file is mapped the way a user would do it on the page — the documented mapping in docs/examples/ typed
into the mapping editor where the automatic one is not enough — and loaded; the Data page must then show the
new batch's line (number, file, kind, rows loaded).
Known answers come from the files, computed here with Python's csv module.

What is covered where:
  - after each file's load, on a link filtered to that file: the Overview (its contact-volume tile, or its
    SLA tile for scorecards) and the QBR (its engagement and quarter volume);
  - once all five are loaded (the last test): Trends, Relationship Health, Customer Insight, Partnership Premium
    (every loaded engagement left out: none is registered) and the Data page's batch list, each drawing the five
    files' data together; and Relationship Health on the volume-only file alone (nothing to score: it says so);
  - every page opened here, on every visit, shows no error box and no traceback;
  - the module's first request is a deep link to /data on a fresh server: the page must get app.py's navigation
    (not Streamlit's pages/ folder mode); tests/browser/test_links.py checks the same for /qbr?…;
  - a filtered link loaded as a page (a fresh session reads it): Relationship Health on the volume-only file.
tests/test_real_exports.py runs every page under AppTest on a database of each file alone (and of all five), so
a page that fails on one file's data alone is caught there without a browser.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from analytics import db
from tests.browser.harness import PAGES, WAIT_MS, new_context, running_app

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
PWC, CFPB, NHS, ITSM, COMCAST = ("call_center_calls_pwc.csv", "cfpb_complaints_apr2023.csv",
                                 "nhs111_provider_monthly.csv", "itsm_incident_event_log.csv",
                                 "comcast_complaints.csv")
# The constants docs/examples/ gives each file (provider and account for every row).
PWC_PROVIDER = "PwC call centre (sample)"
CFPB_ACCOUNT = "CFPB complaints"
ITSM_PROVIDER, ITSM_ACCOUNT = "IT service desk (UCI incident log)", "IT incidents"
COMCAST_PROVIDER, COMCAST_ACCOUNT = "Comcast", "Consumer complaints (FCC)"
NHS_PROVIDER = "BERKSHIRE NHS 111"
CFPB_QBR_COMPANY = "EQUIFAX, INC."


# ---- known answers, from the files with the csv module -------------------------------------------------------

def records(name: str) -> list[dict[str, str]]:
    with (REAL / name).open(newline="", encoding="utf-8") as handle:
        first = handle.readline()
        handle.seek(0)
        return list(csv.DictReader(handle, delimiter="\t" if "\t" in first else ","))


def quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, q: int) -> date:
    return date(year + q // 4, 3 * q % 12 + 1, 1) - timedelta(days=1)


def tile_count(days: list[date]) -> int:
    """The Overview's contact-volume tile: contacts in the latest *complete* quarter — the latest one ending
    no later than the day after the last contact — or in the latest quarter when none is complete."""
    quarters = sorted({quarter(d) for d in days})
    complete = [q for q in quarters if quarter_end(*q) <= max(days) + timedelta(days=1)]
    shown = (complete or quarters)[-1]
    return sum(quarter(d) == shown for d in days)


def in_quarter(days: list[date], text: str) -> int:
    """Contacts in a quarter written as the QBR link writes it (`2021-Q1`)."""
    year, q = text.split("-Q")
    return sum(quarter(d) == (int(year), int(q)) for d in days)


def day_first(text: str) -> date:
    return datetime.strptime(text.strip()[:10], "%d-%m-%Y").date()


def month_first(text: str) -> date:
    text = text.strip()
    return datetime.strptime(text, "%m-%d-%Y" if "-" in text else "%m/%d/%Y").date()


def expected(name: str) -> dict:
    """rows read and loaded, the latest quarter's contacts, and the engagements the file brings."""
    rows = records(name)
    if name == PWC:
        days = [month_first(r["date"]) for r in rows]
        return {"read": len(rows), "loaded": len(rows), "engagements": {(PWC_PROVIDER, "Unassigned")},
                "volume": tile_count(days), "qbr_volume": in_quarter(days, "2021-Q1")}
    if name == CFPB:
        days = [day_first(r["Date_received"]) for r in rows]
        equifax = [day_first(r["Date_received"]) for r in rows if r["Company"] == CFPB_QBR_COMPANY]
        return {"read": len(rows), "loaded": len(rows), "engagements": {(r["Company"], CFPB_ACCOUNT) for r in rows},
                "volume": tile_count(days), "qbr_volume": in_quarter(equifax, "2023-Q2")}
    if name == ITSM:  # an event log: one row per ticket, opened at its first event
        opened = {r["number"]: day_first(r["opened_at"]) for r in rows}
        days = list(opened.values())
        return {"read": len(rows), "loaded": len(opened), "engagements": {(ITSM_PROVIDER, ITSM_ACCOUNT)},
                "volume": tile_count(days), "qbr_volume": in_quarter(days, "2016-Q1"),
                "folded": len(rows) - len(opened)}
    if name == COMCAST:
        days = [day_first(r["Date"]) for r in rows]
        return {"read": len(rows), "loaded": len(rows), "engagements": {(COMCAST_PROVIDER, COMCAST_ACCOUNT)},
                "volume": tile_count(days), "qbr_volume": in_quarter(days, "2015-Q4"), "volume_only": True}
    assert name == NHS  # provider scorecards: one row per provider × commissioner × month
    return {"read": len(rows), "loaded": len(rows),
            "engagements": {(r["Provider Name"], r["Commissioner Org Name"]) for r in rows}}


# ---- the app and the page ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def empty_app_url(tmp_path_factory) -> Iterator[str]:
    """The app on a new, empty database of its own, so the shared sample server stays untouched."""
    if not REAL.is_dir():
        pytest.skip(f"the real exports are not at {REAL} (the shared data folder is absent)")
    folder = tmp_path_factory.mktemp("browser-real")
    database = folder / "rapport.duckdb"
    db.connect(database).close()
    with running_app(database, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def shared_page(browser: Browser) -> Iterator[Page]:
    """One page for the whole module: each file's steps go on where the last left off."""
    context = new_context(browser)
    expect.set_options(timeout=WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


_loaded: dict[str, dict] = {}  # file → expected(file), in load order: the database holds all of them


# Every wait_until_drawn condition (tests/browser/harness.py) in one check, polled every 100 ms: a locator
# assertion backs off to a poll every 500 ms, which left each of this module's ~90 waits up to half a second
# behind the page.
SETTLED = """() => document.querySelectorAll('[data-test-script-state="notRunning"]').length === 1
    && !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')
    && !document.querySelector('[data-testid="stVegaLiteChart"]:not(:has(svg.marks, canvas.marks))')"""


def settled(page: Page) -> None:
    """Wait until the run is over, nothing is stale or still loading, and every chart has drawn its marks.
    Call it once the page's own expected content shows (right after an interaction the app still reports
    `notRunning` for a moment)."""
    page.wait_for_function(SETTLED, polling=100, timeout=WAIT_MS)


def no_error_shown(page: Page, where: str) -> None:
    expect(page.get_by_test_id("stException"), f"a traceback on {where}").to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError"), f"an error box on {where}").to_have_count(0)


# name → its link in the sidebar's navigation (app.py's page titles)
NAVIGATION = {"trends": "Trends", "health": "Relationship Health", "insight": "Customer Insight",
              "premium": "Partnership Premium", "data": "Data"}


def click_through(page: Page, page_name: str) -> None:
    """Open `page_name` from the sidebar's navigation, as a user goes on within the app (no page load: the
    same browser session, no new JS bundle to compile), then check it as open_page does."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=NAVIGATION[page_name], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/{PAGES[page_name][0]}$"))  # no filter or QBR setting carried along
    expect(page.get_by_role("heading", level=1).first).to_contain_text(PAGES[page_name][1])
    settled(page)
    no_error_shown(page, f"{page_name}, opened from the navigation")


def upload(page: Page, url: str, name: str) -> None:
    """Open the Data page — the module's first request by a deep link on a fresh server, then from the
    navigation as a user goes on — and drop `name` on its uploader."""
    if not _loaded:
        page.goto(f"{url}/data")
    else:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=NAVIGATION["data"], exact=True).click()
        expect(page).to_have_url(f"{url}/data")
    expect(page.get_by_role("heading", name="Upload exports")).to_be_visible()
    navigation = page.get_by_test_id("stSidebarNav")
    expect(navigation).to_contain_text("Relationship Health")  # app.py's titles, not the pages/ file names
    expect(navigation.get_by_text("app", exact=True)).to_have_count(0)
    settled(page)  # the uploader takes a file once the page's run is over
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": (REAL / name).read_bytes()}])
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    settled(page)
    no_error_shown(page, f"the Data page with {name}")


def open_expander(page: Page, title: str, shows: str) -> None:
    """Open the expander `title` unless the widget labelled `shows` inside it is already visible
    (the column mapping opens by itself when something required is missing)."""
    if not page.get_by_label(shows, exact=True).is_visible():
        page.get_by_text(title, exact=True).click()
    expect(page.get_by_label(shows, exact=True)).to_be_visible()
    settled(page)


def type_constant(page: Page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    expect(box).to_have_value(value)
    settled(page)


def choose(page: Page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)  # the option list is virtualised: filter it, as a user types (one input event, not one per key)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)
    settled(page)


def tick(page: Page, label: str) -> None:
    box = page.get_by_role("checkbox", name=label)
    page.get_by_text(label, exact=True).click()  # the input sits under its label, which takes the click
    expect(box).to_be_checked()
    settled(page)


def load(page: Page, name: str, want: dict) -> None:
    page.get_by_role("button", name="Load", exact=True).click()
    result = page.get_by_test_id("stAlert").filter(has_text="loaded as batch")
    expect(result).to_contain_text(f"{want['read']:,} rows read: {want['loaded']:,} loaded")
    expect(result).to_contain_text(", 0 rejected")
    if "folded" in want:
        expect(result).to_contain_text(f"{want['folded']:,} further events folded into one row per ticket")
    settled(page)
    no_error_shown(page, f"the Data page after loading {name}")
    _loaded[name] = want
    # the Data page shows the new batch below (a fresh run opens on the newest too: the last test)
    expect(page.get_by_role("combobox", name="Batch")).to_have_value(batch_line(name))


def batch_line(name: str) -> re.Pattern:
    """How the Data page's batch picker names `name`'s batch: `2 · file.csv (interactions, 1,204 rows)`."""
    number, want = list(_loaded).index(name) + 1, _loaded[name]
    return re.compile(rf"^{number} · {re.escape(name)} \(\w+, {want['loaded']:,} rows\)$")


def link(url: str, page_name: str, **params: str) -> str:
    path = PAGES[page_name][0]
    return f"{url}/{path}" + (f"?{urlencode(params)}" if params else "")


def open_page(page: Page, address: str, page_name: str) -> None:
    """Load `address` (a page load: a fresh session reads the link)."""
    page.goto(address)
    expect(page.get_by_role("heading", level=1).first).to_contain_text(PAGES[page_name][1])
    settled(page)
    no_error_shown(page, address)


def follow(page: Page, address: str, page_name: str) -> None:
    """Go to `address` within the open app, as the browser's Back and Forward do: a history entry for it and a
    `popstate` event, on which Streamlit reruns in the same session with the page and filters the URL names.
    Half the CPU of a page load (no new session, no JS bundle to compile again)."""
    page.evaluate("address => { history.pushState(null, '', address); dispatchEvent(new PopStateEvent('popstate')); }",
                  address)
    expect(page.get_by_role("heading", level=1).first).to_contain_text(PAGES[page_name][1])
    settled(page)
    no_error_shown(page, address)


def engagements_left_out() -> int:
    """Every engagement loaded so far is unregistered: the Premium page leaves them all out."""
    return len(set().union(*(w["engagements"] for w in _loaded.values())))


def check_this_files_figures(page: Page, url: str, name: str, filters: dict[str, str], *,
                             qbr: dict[str, str]) -> None:
    """The Overview and the QBR on links filtered to this file's data: no error, and this file's figures."""
    want = _loaded[name]
    follow(page, link(url, "overview", **filters), "overview")
    if "volume" in want:
        tile = page.get_by_test_id("stMetric").filter(has_text="Contact volume").get_by_test_id("stMetricValue")
        expect(tile).to_have_text(f"{want['volume']:,}")
    else:
        expect(page.get_by_test_id("stMetric").filter(has_text="SLA attainment")).to_be_visible()
    follow(page, link(url, "qbr", **qbr), "qbr")
    expect(page.get_by_role("heading", level=1).first).to_contain_text(qbr["eng"].split(" · ")[0])
    if "qbr_volume" in want:
        tile = page.get_by_test_id("stMetric").filter(has_text="Contact volume").get_by_test_id("stMetricValue")
        expect(tile).to_have_text(f"{want['qbr_volume']:,}")
    else:
        expect(page.get_by_test_id("stMetric").filter(has_text="SLA attainment")).to_be_visible()


# ---- one test per file, in load order --------------------------------------------------------------------------

@pytest.mark.browser
def test_pwc_export_with_blank_headers_loads_every_call_and_the_overview_and_qbr_count_them(empty_app_url, shared_page):
    page, want = shared_page, expected(PWC)
    upload(page, empty_app_url, PWC)
    expect(page.get_by_role("combobox", name="Kind")).to_have_value("interactions")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # the preview draws despite blank headers
    open_expander(page, "Column mapping", "Provider for every row")
    type_constant(page, "Provider for every row", PWC_PROVIDER)
    load(page, PWC, want)
    check_this_files_figures(page, empty_app_url, PWC, {"provider": PWC_PROVIDER},
                     qbr={"eng": f"{PWC_PROVIDER} · Unassigned", "quarter": "2021-Q1"})


@pytest.mark.browser
def test_cfpb_complaints_with_quoted_newlines_load_every_record(empty_app_url, shared_page):
    page, want = shared_page, expected(CFPB)
    upload(page, empty_app_url, CFPB)
    open_expander(page, "Column mapping", "Account for every row")
    expect(page.get_by_role("combobox", name="Provider", exact=True)).to_have_value("Company")
    type_constant(page, "Account for every row", CFPB_ACCOUNT)
    load(page, CFPB, want)
    check_this_files_figures(page, empty_app_url, CFPB, {"account": CFPB_ACCOUNT},
                     qbr={"eng": f"{CFPB_QBR_COMPANY} · {CFPB_ACCOUNT}", "quarter": "2023-Q2"})


@pytest.mark.browser
def test_nhs111_scorecards_load_as_performance_on_the_automatic_mapping(empty_app_url, shared_page):
    page, want = shared_page, expected(NHS)
    upload(page, empty_app_url, NHS)
    expect(page.get_by_role("combobox", name="Kind")).to_have_value("performance")
    load(page, NHS, want)
    check_this_files_figures(page, empty_app_url, NHS, {"provider": NHS_PROVIDER},
                     qbr={"eng": f"{NHS_PROVIDER} · NHS WOKINGHAM CCG", "quarter": "2016-Q1"})


@pytest.mark.browser
def test_itsm_event_log_folds_to_one_row_per_ticket_with_a_derived_resolution_time(empty_app_url, shared_page):
    page, want = shared_page, expected(ITSM)
    upload(page, empty_app_url, ITSM)
    open_expander(page, "Column mapping", "Provider for every row")
    type_constant(page, "Provider for every row", ITSM_PROVIDER)
    type_constant(page, "Account for every row", ITSM_ACCOUNT)
    open_expander(page, "Tickets, complaints and value recoding", "Resolution: from")
    # derived without being asked: the file has no resolution-time column, and its closing time is `resolved_at`
    expect(page.get_by_role("combobox", name="Resolution: from", exact=True)).to_have_value("opened_at")
    expect(page.get_by_role("combobox", name="Resolution: to", exact=True)).to_have_value("resolved_at")
    tick(page, "The file is an event log (several rows per ticket)")
    expect(page.get_by_role("combobox", name="Ticket column", exact=True)).to_have_value("number")
    choose(page, "Event time column", "sys_updated_at")
    load(page, ITSM, want)
    check_this_files_figures(page, empty_app_url, ITSM, {"provider": ITSM_PROVIDER},
                     qbr={"eng": f"{ITSM_PROVIDER} · {ITSM_ACCOUNT}", "quarter": "2016-Q1"})


@pytest.mark.browser
def test_comcast_tab_separated_complaints_load_for_volume_only(empty_app_url, shared_page):
    page, want = shared_page, expected(COMCAST)
    upload(page, empty_app_url, COMCAST)
    expect(page.get_by_test_id("stMetric").filter(has_text="Delimiter").get_by_test_id("stMetricValue")
           ).to_have_text("tab")
    open_expander(page, "Column mapping", "Provider for every row")
    type_constant(page, "Provider for every row", COMCAST_PROVIDER)
    type_constant(page, "Account for every row", COMCAST_ACCOUNT)
    open_expander(page, "Tickets, complaints and value recoding",
                  "Load without a measure (contact volume, channel and reason only)")
    tick(page, "Load without a measure (contact volume, channel and reason only)")
    load(page, COMCAST, want)
    check_this_files_figures(page, empty_app_url, COMCAST, {"provider": COMCAST_PROVIDER},
                     qbr={"eng": f"{COMCAST_PROVIDER} · {COMCAST_ACCOUNT}", "quarter": "2015-Q4"})


@pytest.mark.browser
def test_every_page_draws_the_five_files_together_and_the_data_page_lists_each_batch(empty_app_url, shared_page):
    """After the five tests above (in this order): the pages not visited per file, on all the data at once."""
    page, url = shared_page, empty_app_url
    assert list(_loaded) == [PWC, CFPB, NHS, ITSM, COMCAST], "runs after the five loads above, in the module's order"
    # From the navigation, as a user goes on from the last QBR (one session, no page loads)…
    click_through(page, "trends")
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    click_through(page, "health")
    expect(page.get_by_test_id("stMetric").filter(has_text="Health score").first).to_be_visible()
    click_through(page, "insight")
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()  # the channel mix
    click_through(page, "premium")
    left_out = engagements_left_out()
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="left out of this comparison")).to_contain_text(
        f"{left_out:,} engagements with data")
    # …a link filtered to the volume-only file (after the pages above: the filter panel keeps it for the session)…
    open_page(page, link(url, "health", provider=COMCAST_PROVIDER), "health")  # no measure: nothing to score
    expect(page.get_by_test_id("stAlert").filter(has_text="No engagement has scored KPIs")).to_be_visible()
    # …and the Data page, which lists every batch whatever the filters.
    click_through(page, "data")
    picker = page.get_by_role("combobox", name="Batch")
    expect(picker).to_have_value(batch_line(COMCAST))  # a fresh run opens on the newest batch
    picker.click()
    options = page.get_by_role("option")
    expect(options).to_have_count(len(_loaded))
    for option, name in zip(options.all(), reversed(_loaded)):  # newest first
        expect(option).to_have_text(batch_line(name))
