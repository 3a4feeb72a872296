"""Browser fixtures: one app server on a sample database per session, a fresh Chromium context per test.

A failing test gets the tail of the server log in its report and a screenshot under screenshots/.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.harness import SCREENSHOTS, WAIT_MS, launch_chromium, new_context, running_app, sample_database

LOG_TAIL_CHARS = 6_000
_server_log: list[Path] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.failed and _server_log and _server_log[0].exists():
        report.sections.append(("streamlit server log (tail)",
                                _server_log[0].read_text(errors="replace")[-LOG_TAIL_CHARS:]))


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> Iterator[str]:
    """Base URL of `streamlit run app.py` on a fresh sample portfolio (40,000 interactions)."""
    folder = tmp_path_factory.mktemp("browser-app")
    database = sample_database(folder / "rapport.duckdb")
    log = folder / "streamlit.log"
    _server_log[:] = [log]
    with running_app(database, log) as url:
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


@pytest.fixture
def new_page(browser: Browser, request) -> Iterator:
    """A factory of pages, each in its own fresh context (cookies, session, downloads); keyword arguments go to
    harness.new_context (viewport, color_scheme…)."""
    contexts = []

    def make(**options) -> Page:
        context = new_context(browser, accept_downloads=True, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        for i, context in enumerate(contexts):
            for j, p in enumerate(context.pages):
                p.screenshot(path=SCREENSHOTS / f"failed-{request.node.name}-{i}{j}.png")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()
