"""Take the README screenshots: one PNG per page, 1400×900, into docs/screenshots/.

    python scripts/screenshots.py                      # starts its own app on a fresh sample database
    python scripts/screenshots.py --url http://127.0.0.1:8501   # or uses a running app (with the sample)

Chromium is Debian's (/usr/bin/chromium, `make browser`). Prints each file and its size.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from playwright.sync_api import Browser, expect, sync_playwright  # noqa: E402

from tests.browser.harness import (  # noqa: E402
    PAGES, REPO, VIEWPORT, WAIT_MS, launch_chromium, running_app, sample_database, wait_until_drawn,
)

OUT = REPO / "docs" / "screenshots"
CONTENT = '[data-testid="stVegaLiteChart"], [data-testid="stMetricValue"], [data-testid="stDataFrame"]'
# file name → (URL path and query, what the page's h1 starts with)
SHOTS = {**PAGES, "qbr_present_dark": ("qbr?present=1&theme=dark", PAGES["qbr"][1])}
MAX_BYTES = 300_000


def take(browser: Browser, url: str, out: Path) -> list[Path]:
    """Save every page of the app at `url` as out/<name>.png; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (path, title) in SHOTS.items():
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.goto(f"{url}/{path}", timeout=2 * WAIT_MS)
        expect(page.get_by_role("heading", level=1).first).to_contain_text(title, timeout=WAIT_MS)
        expect(page.locator(CONTENT).first).to_be_visible(timeout=WAIT_MS)
        wait_until_drawn(page)
        if page.get_by_test_id("stException").count():
            raise RuntimeError(f"the {name} page shows an exception; see {out / name}.png")
        target = out / f"{name}.png"
        page.screenshot(path=target)
        context.close()
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rapport app showing the sample portfolio (default: start one)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default: {OUT})")
    args = parser.parse_args(argv)
    playwright = sync_playwright().start()
    browser = launch_chromium(playwright)
    try:
        if args.url:
            written = take(browser, args.url.rstrip("/"), args.out)
        else:
            with tempfile.TemporaryDirectory(prefix="rapport-shots-") as folder:
                database = sample_database(Path(folder) / "rapport.duckdb")
                with running_app(database, Path(folder) / "streamlit.log") as url:
                    written = take(browser, url, args.out)
    finally:
        browser.close()
        playwright.stop()
    too_big = [p for p in written if p.stat().st_size > MAX_BYTES]
    for p in written:
        print(f"{p.relative_to(REPO) if p.is_relative_to(REPO) else p}  {p.stat().st_size / 1000:.0f} KB")
    if too_big:
        print(f"larger than {MAX_BYTES // 1000} KB: {', '.join(p.name for p in too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
