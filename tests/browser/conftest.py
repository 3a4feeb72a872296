"""Browser fixtures: one app server on a sample database per session, one Chromium, and one shared browser tab for
the tests that do not need a fresh browser (`page`); `new_page` makes fresh contexts for those that do.

Opening a page in a fresh context downloads and compiles Streamlit's whole frontend again (a context starts with
no HTTP or code cache): ≈ 4 CPU s more per page open than a `goto` in a context that has opened one before. Every
`goto` is still a new Streamlit session (no session state carries over); a test whose claim is "only the link, no
browser state" (a copied link reopened elsewhere) asks `new_page` for a fresh context.

A failing test gets the tail of the server log in its report and a screenshot under screenshots/.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.harness import SCREENSHOTS, WAIT_MS, launch_chromium, new_context, running_app, sample_database

LOG_TAIL_CHARS = 6_000
FRESH_SERVER_INTERACTIONS = 2_000
_server_log: list[Path] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.failed and _server_log and _server_log[0].exists():
        report.sections.append(("streamlit server log (tail)",
                                _server_log[0].read_text(errors="replace")[-LOG_TAIL_CHARS:]))


@pytest.hookimpl(wrapper=True)  # after every other conftest's reordering (tests/conftest.py sorts by cost)
def pytest_collection_modifyitems(config, items):
    """Run the tests that ask for a never-opened server (`fresh_server_url`) before the first test that opens the
    sample server (`app_url`), so they can take the sample server instead of starting one of their own."""
    result = yield
    first = [item for item in items if "fresh_server_url" in getattr(item, "fixturenames", ())]
    rest = [item for item in items if item not in first]
    at = next((i for i, item in enumerate(rest) if "app_url" in getattr(item, "fixturenames", ())), None)
    if first and at is not None:
        items[:] = rest[:at] + first + rest[at:]
    return result


@dataclass
class SampleServer:
    url: str
    opened: bool = False  # has its URL been handed to a test? (then a browser may have opened a session on it)


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory) -> Iterator[SampleServer]:
    """`streamlit run app.py` on a fresh sample portfolio (40,000 interactions)."""
    folder = tmp_path_factory.mktemp("browser-app")
    database = sample_database(folder / "rapport.duckdb")
    log = folder / "streamlit.log"
    _server_log[:] = [log]
    with running_app(database, log) as url:
        yield SampleServer(url)


@pytest.fixture(scope="session")
def app_url(sample_server: SampleServer) -> str:
    """Base URL of the sample server, shared by the browser tests."""
    sample_server.opened = True
    return sample_server.url


@pytest.fixture
def fresh_server_url(sample_server: SampleServer, tmp_path) -> Iterator[str]:
    """Base URL of a server no browser has opened yet: the sample server while no test has had its URL (the first
    test of the session, as pytest_collection_modifyitems orders them), else one started for this test alone on a
    small sample."""
    if not sample_server.opened:
        sample_server.opened = True
        yield sample_server.url
        return
    database = sample_database(tmp_path / "rapport.duckdb", interactions=FRESH_SERVER_INTERACTIONS)
    with running_app(database, tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    playwright = sync_playwright().start()
    chromium = launch_chromium(playwright)
    expect.set_options(timeout=WAIT_MS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


def _screenshot_if_failed(request, pages: list[Page]) -> None:
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        for i, p in enumerate(pages):
            p.screenshot(path=SCREENSHOTS / f"failed-{request.node.name}-{i}.png")


@pytest.fixture
def new_page(browser: Browser, request) -> Iterator:
    """A factory of pages, each in its own fresh context (cookies, session, downloads); keyword arguments go to
    harness.new_context (viewport, color_scheme…)."""
    contexts: list[BrowserContext] = []

    def make(**options) -> Page:
        context = new_context(browser, accept_downloads=True, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    _screenshot_if_failed(request, [p for context in contexts for p in context.pages])
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def _shared_context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser, accept_downloads=True)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(_shared_context: BrowserContext, request) -> Iterator[Page]:
    """The shared tab (light theme, VIEWPORT, downloads accepted), on about:blank at the start of each test: its
    first `goto` opens a new Streamlit session. `page.emulate_media(color_scheme=…)` lasts for this test only."""
    tab = _shared_context.pages[0] if _shared_context.pages else _shared_context.new_page()
    tab.goto("about:blank")  # the previous test's session ends here, not inside this test's first wait
    yield tab
    _screenshot_if_failed(request, [tab])
    tab.emulate_media(color_scheme="light")  # the context's own setting (Playwright's default)
