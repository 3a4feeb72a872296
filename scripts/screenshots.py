"""Take the docs screenshots: every page, in the light and the dark theme, at the two sizes a reviewer
checks (1280×720 — what a screen-share shows — and 1440×900), into docs/screenshots/.

    python scripts/screenshots.py                      # starts its own app on a fresh sample database
    python scripts/screenshots.py --url http://127.0.0.1:8501   # or uses a running app (with the sample)
    python scripts/screenshots.py --pages overview qbr --themes dark   # a subset
    python scripts/screenshots.py --real       # on a real export instead: docs/screenshots/real/

`--real` loads ../shared/data/real/call_center_calls_pwc.csv (with docs/examples/pwc_calls.json) into a
fresh database, and adds `data-upload-…` shots of the Data page with that file in the uploader.

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

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from tests.browser.harness import (  # noqa: E402
    PAGES, REPO, WAIT_MS, launch_chromium, running_app, sample_database, wait_until_drawn,
)

OUT = REPO / "docs" / "screenshots"
REAL_FILE = REPO / ".." / "shared" / "data" / "real" / "call_center_calls_pwc.csv"
REAL_MAPPING = REPO / "docs" / "examples" / "pwc_calls.json"
# What a page shows once it has answered: a chart, a tile, a table — or a notice (a page with nothing to
# compare on one real file says so in an alert instead).
CONTENT = ('[data-testid="stVegaLiteChart"], [data-testid="stMetricValue"], [data-testid="stDataFrame"], '
           '[data-testid="stAlert"]')
VIEWPORTS = ({"width": 1280, "height": 720}, {"width": 1440, "height": 900})
THEMES = ("light", "dark")
MAX_BYTES = 400_000
README_SHOT = ("overview-light-1440x900.png", "overview.png")  # README.md shows docs/screenshots/overview.png


def real_database(path: Path) -> Path:
    """A database holding only the real call-centre export, loaded with its documented mapping."""
    from analytics import db
    from analytics.ingest import Mapping, ingest_file

    con = db.connect(path)
    try:
        result = ingest_file(con, REAL_FILE, mapping=Mapping.from_file(REAL_MAPPING))
    finally:
        con.close()
    if result.status != "loaded":
        raise SystemExit(f"{REAL_FILE.name} did not load: {result.message}")
    return path


def upload_shot(page: Page, url: str, target: Path) -> None:
    """The Data page with the real file in the uploader: sniff results, preview and mapping."""
    page.goto(f"{url}/data", timeout=2 * WAIT_MS)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": REAL_FILE.name, "mimeType": "text/csv", "buffer": REAL_FILE.read_bytes()}])
    heading = page.get_by_role("heading", name=REAL_FILE.name)
    expect(heading).to_be_visible(timeout=2 * WAIT_MS)
    wait_until_drawn(page)
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")  # the page scrolls inside its main section
    page.screenshot(path=target)


def section_shot(page: Page, heading: str, target: Path) -> None:
    """The page already open, scrolled so that the section `heading` starts at the top."""
    page.get_by_role("heading", name=heading, exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=target)


def take(browser: Browser, url: str, out: Path, *, pages: list[str], themes: list[str],
         uploads: bool = False) -> list[Path]:
    """Save each page of the app at `url` in each theme and viewport; returns the files written.

    With `uploads`, also the Data page with the real export in the uploader (`data-upload-…`)."""
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
            if uploads:  # the Data page's sections on the real file: batches, register, then an upload
                size = f"{viewport['width']}x{viewport['height']}"
                page.goto(f"{url}/data", timeout=2 * WAIT_MS)
                expect(page.get_by_role("heading", name="Loaded batches")).to_be_visible(timeout=2 * WAIT_MS)
                wait_until_drawn(page)
                for heading, stem in (("Loaded batches", "data-batches"), ("Engagement register", "data-register")):
                    section_shot(page, heading, out / f"{stem}-{theme}-{size}.png")
                    written.append(out / f"{stem}-{theme}-{size}.png")
                upload_shot(page, url, out / f"data-upload-{theme}-{size}.png")
                written.append(out / f"data-upload-{theme}-{size}.png")
            context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rapport app showing the sample portfolio (default: start one)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default: {OUT})")
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES))
    parser.add_argument("--themes", nargs="+", choices=THEMES, default=list(THEMES))
    parser.add_argument("--real", action="store_true",
                        help=f"load {REAL_FILE.name} instead of the sample (default out: {OUT / 'real'})")
    args = parser.parse_args(argv)
    if args.real and args.out == OUT:
        args.out = OUT / "real"
    playwright = sync_playwright().start()
    browser = launch_chromium(playwright)
    try:
        if args.url:
            written = take(browser, args.url.rstrip("/"), args.out, pages=args.pages, themes=args.themes,
                           uploads=args.real)
        else:
            with tempfile.TemporaryDirectory(prefix="rapport-shots-") as folder:
                make = real_database if args.real else sample_database
                database = make(Path(folder) / "rapport.duckdb")
                with running_app(database, Path(folder) / "streamlit.log") as url:
                    written = take(browser, url, args.out, pages=args.pages, themes=args.themes,
                                   uploads=args.real)
    finally:
        browser.close()
        playwright.stop()
    readme = args.out / README_SHOT[1]
    if not args.real and (args.out / README_SHOT[0]).exists():  # the README's picture: the overview, light, 1440×900
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
