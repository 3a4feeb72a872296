"""Run the real app on a sample database and drive it with Debian's Chromium.

Shared by the browser tests (tests/browser/conftest.py) and the docs screenshots
(scripts/screenshots.py), so both see the app exactly the same way.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, expect

from analytics import db, sample

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"  # test screenshots, git-ignored (the docs ones are in docs/screenshots)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}
SAMPLE_INTERACTIONS = 40_000
STARTUP_SECONDS = 90
WAIT_MS = 30_000  # the machine is slow and shared: generous, but every wait is on content

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
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def running_app(database: Path, log: Path) -> Iterator[str]:
    """Start `streamlit run app.py` on `database`; yield its base URL; stop it afterwards.

    Server output goes to `log`. Raises RuntimeError (with the log) when it does not come up.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "RAPPORT_DB": str(database)}
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start on {url}; its log:\n{log.read_text(errors='replace')}")
            time.sleep(0.25)  # polling the health endpoint, not waiting on a result
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


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
