"""Run the real app on a sample database and drive it with Debian's Chromium.

Shared by the browser tests (tests/browser/conftest.py) and the docs screenshots
(scripts/screenshots.py), so both see the app exactly the same way.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from analytics import db, sample

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"  # test screenshots, git-ignored (the docs ones are in docs/screenshots)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}
# A viewer who asks for reduced motion: the same pages, without Streamlit's animated running indicator and
# loading skeletons. Headless Chromium paints every frame of those in software for as long as a page is loading,
# which cost more CPU than drawing the pages themselves (the browser's share of 7 page loads: 133 -> 63 CPU s).
REDUCED_MOTION = "reduce"
SAMPLE_INTERACTIONS = 40_000
# What `streamlit run` prints once its server listens (streamlit/web/bootstrap.py).
READY_LINE = b"You can now view your Streamlit app in your browser"
WAIT_MS = 120_000  # a cap, not a wait: every wait ends as soon as its content shows; a loaded 2-core machine took 42 s for a cold QBR

# name → (URL path, what the page's h1 starts with)
PAGES = {
    "overview": ("", "Portfolio overview"),
    "trends": ("trends", "KPI trends"),
    "health": ("health", "Relationship health"),
    "insight": ("insight", "Customer insight"),
    "premium": ("premium", "Partnership premium"),
    "qbr": ("qbr", "Quarterly business review"),
    "data": ("data", "Data"),
}


def sample_database(path: Path, *, interactions: int = SAMPLE_INTERACTIONS) -> Path:
    """Write the sample portfolio to `path` and close it: the app process must be its only writer."""
    con = db.connect(path)
    try:
        sample.generate(con, interactions=interactions)
    finally:
        con.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health") as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError):
        return False


def _copy_until_ready(output, log: Path, ready: threading.Event) -> None:
    """Copy the server's output to `log`; set `ready` once it says it serves, or when it exits."""
    with open(log, "wb") as out:
        for line in output:
            out.write(line)
            out.flush()
            if READY_LINE in line:
                ready.set()
    ready.set()  # the output ended: the process is gone, and the caller finds out


@contextmanager
def running_app(database: Path, log: Path) -> Iterator[str]:
    """Start `streamlit run app.py` on `database`; yield its base URL; stop it afterwards.

    Server output goes to `log`. Startup is awaited on the server's own announcement that it
    serves (however long a busy machine takes), not on a deadline; a server that exits instead
    raises RuntimeError with the log.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # No file watcher: nothing edits the app's sources while it serves a test or a screenshot, and Streamlit's
    # watcher (watchdog, "auto") cost the server more CPU than running the pages: six page loads 12.6 -> 5.6
    # CPU s, and 1.05 -> 0.05 CPU s for every 15 s it sat idle (/tmp measurement, sample portfolio, load ~7).
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none",
               "--logger.hideWelcomeMessage", "false"]  # the announcement READY_LINE waits for
    env = {**os.environ, "RAPPORT_DB": str(database), "PYTHONUNBUFFERED": "1"}  # lines arrive as printed
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ready = threading.Event()
    copier = threading.Thread(target=_copy_until_ready, args=(process.stdout, log, ready), daemon=True)
    copier.start()
    try:
        ready.wait()
        if process.poll() is not None or not _healthy(url):
            raise RuntimeError(f"the app did not start on {url}; its log:\n{log.read_text(errors='replace')}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)  # a grace period to shut down, then a hard stop: never a failure
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        copier.join()


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def new_context(browser: Browser, **options) -> BrowserContext:
    """A fresh context (cookies, session, downloads) at VIEWPORT with reduced motion, waits capped at WAIT_MS;
    `options` go to Browser.new_context (viewport, color_scheme, accept_downloads…)."""
    context = browser.new_context(**{"viewport": VIEWPORT, "reduced_motion": REDUCED_MOTION, **options})
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(2 * WAIT_MS)
    return context


def wait_until_drawn(page: Page) -> None:
    """Wait until the run is over, nothing is stale or still loading, and every chart has drawn its marks.

    Call it after the page's own expected content is visible (right after an interaction the
    app still reports `notRunning` for a moment, so the status alone proves nothing).
    """
    expect(page.locator('[data-test-script-state="notRunning"]')).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=WAIT_MS)
    # Components load lazily: a grey skeleton stands in until their code has arrived.
    expect(page.locator('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')).to_have_count(
        0, timeout=WAIT_MS)
    undrawn = page.locator('[data-testid="stVegaLiteChart"]:not(:has(svg.marks, canvas.marks))')
    expect(undrawn).to_have_count(0, timeout=WAIT_MS)
