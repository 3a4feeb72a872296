"""Take the docs screenshots: every page, in the light and the dark theme, at the two sizes a reviewer
checks (1280×720 — what a screen-share shows — and 1440×900), into docs/screenshots/.

    python scripts/screenshots.py                      # starts its own app on a fresh sample database
    python scripts/screenshots.py --url http://127.0.0.1:8501   # or uses a running app (with the sample)
    python scripts/screenshots.py --pages overview qbr --themes dark   # a subset

Files are named <page>-<theme>-<width>x<height>.png. The theme is chosen the way a viewer's
system chooses it (the browser's prefers-color-scheme), which the app's light and dark themes
(.streamlit/config.toml) follow. Chromium is Debian's (/usr/bin/chromium, `make browser`).
Prints each file and its size.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from playwright.sync_api import Browser, expect, sync_playwright  # noqa: E402

from tests.browser.harness import (  # noqa: E402
    PAGES, REPO, WAIT_MS, launch_chromium, running_app, sample_database, wait_until_drawn,
)

OUT = REPO / "docs" / "screenshots"
CONTENT = '[data-testid="stVegaLiteChart"], [data-testid="stMetricValue"], [data-testid="stDataFrame"]'
VIEWPORTS = ({"width": 1280, "height": 720}, {"width": 1440, "height": 900})
THEMES = ("light", "dark")
MAX_BYTES = 400_000
README_SHOT = ("overview-light-1440x900.png", "overview.png")  # README.md shows docs/screenshots/overview.png


def take(browser: Browser, url: str, out: Path, *, pages: list[str], themes: list[str]) -> list[Path]:
    """Save each page of the app at `url` in each theme and viewport; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for theme in themes:
        for viewport in VIEWPORTS:
            context = browser.new_context(viewport=viewport, color_scheme=theme)
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            for name in pages:
                path, title = PAGES[name]
                for attempt in (1, 2):  # a busy machine can miss a wait once: load the page again
                    try:
                        page.goto(f"{url}/{path}", timeout=2 * WAIT_MS)
                        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=2 * WAIT_MS)
                        if name != "data":
                            expect(page.locator(f"{CONTENT} >> visible=true").first).to_be_visible(
                                timeout=2 * WAIT_MS)
                        wait_until_drawn(page)
                        break
                    except AssertionError:
                        if attempt == 2:
                            raise
                target = out / f"{name}-{theme}-{viewport['width']}x{viewport['height']}.png"
                page.screenshot(path=target)
                if page.get_by_test_id("stException").count():
                    print(f"warning: the {name} page shows an exception; see {target}", file=sys.stderr)
                written.append(target)
            context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rapport app showing the sample portfolio (default: start one)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default: {OUT})")
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES))
    parser.add_argument("--themes", nargs="+", choices=THEMES, default=list(THEMES))
    args = parser.parse_args(argv)
    playwright = sync_playwright().start()
    browser = launch_chromium(playwright)
    try:
        if args.url:
            written = take(browser, args.url.rstrip("/"), args.out, pages=args.pages, themes=args.themes)
        else:
            with tempfile.TemporaryDirectory(prefix="rapport-shots-") as folder:
                database = sample_database(Path(folder) / "rapport.duckdb")
                with running_app(database, Path(folder) / "streamlit.log") as url:
                    written = take(browser, url, args.out, pages=args.pages, themes=args.themes)
    finally:
        browser.close()
        playwright.stop()
    readme = args.out / README_SHOT[1]
    if (args.out / README_SHOT[0]).exists():  # the README's picture: the overview, light, 1440×900
        readme.write_bytes((args.out / README_SHOT[0]).read_bytes())
    too_big = [p for p in written if p.stat().st_size > MAX_BYTES]
    for p in written:
        print(f"{p.relative_to(REPO) if p.is_relative_to(REPO) else p}  {p.stat().st_size / 1000:.0f} KB")
    if too_big:
        print(f"larger than {MAX_BYTES // 1000} KB: {', '.join(p.name for p in too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
