"""Screenshots of the QBR in presentation mode, one per section, at the sizes a QBR is screen-shared at
(1280×720 and 1920×1080), into docs/screenshots/qbr-<section>-<theme>-<width>x<height>.png.

    python scripts/qbr_screenshots.py                 # its own app on a fresh sample database (+ a demo agenda)
    python scripts/qbr_screenshots.py --url http://127.0.0.1:8501 --themes dark

For each shot it prints whether the section fits the window without scrolling (the page's
scrollable area is no taller than the window) and exits 1 when one does not.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from tests.browser.harness import REPO, WAIT_MS, launch_chromium, running_app, sample_database, \
    wait_until_drawn  # noqa: E402

OUT = REPO / "docs" / "screenshots"
VIEWPORTS = ({"width": 1280, "height": 720}, {"width": 1920, "height": 1080})
THEMES = ("light", "dark")
SECTIONS = ("summary", "changes", "attention", "baseline", "scorecard", "agenda")
ENGAGEMENT = "Northstar BPO · Litware Energy — Billing"  # a partnership: gain-share terms apply
QUARTER = "2025-Q3"
# How far the page's scrollable areas reach past the window (0 = everything is on screen).
OVERFLOW_JS = """() => Math.max(0, ...[document.scrollingElement,
    document.querySelector('[data-testid="stMain"]'), document.querySelector('[data-testid="stAppViewContainer"]')]
    .filter(e => e).map(e => e.scrollHeight - e.clientHeight))"""


def seed_demo(database: Path) -> None:
    """Gain-share terms and an agenda for the screenshot engagement, as a user would enter them on the page."""
    import pandas as pd

    from analytics import actions, db, gainshare

    provider, account = ENGAGEMENT.split(" · ", 1)
    con = db.connect(database)
    try:
        gainshare.save_terms(con, provider, account, method=gainshare.VALUE, baseline_cost=9.0,
                             baseline_date=date(2019, 12, 31), buyer_share=0.5)
        rows = [{"action_id": None, "kind": "action", "text": "Retrain billing agents on the new tariff scripts",
                 "owner": "Northstar ops lead", "due": "2025-08-31", "status": "open"}]
        actions.save_agenda(con, provider, account, "2025-Q2", pd.DataFrame(rows))
        carried = actions.agenda(con, provider, account, QUARTER)
        rows = carried.to_dict("records") + [
            {"action_id": None, "kind": "action", "text": "Joint review of repeat contacts after bill runs",
             "owner": "Litware CX manager", "due": "2025-11-15", "status": "in progress"},
            {"action_id": None, "kind": "note", "text": "Gain-share figures to be reconciled with finance before Q4",
             "owner": None, "due": None, "status": "open"}]
        actions.save_agenda(con, provider, account, QUARTER, pd.DataFrame(rows))
    finally:
        con.close()


def overflow_px(page: Page) -> int:
    """Pixels the presented section overflows the window by (0 when it fits)."""
    return int(page.evaluate(OVERFLOW_JS))


def qbr_url(base: str, section: str, *, engagement: str = ENGAGEMENT, quarter: str = QUARTER) -> str:
    return f"{base}/qbr?" + urlencode({"eng": engagement, "quarter": quarter, "present": "1", "section": section})


def open_section(page: Page, base: str, section: str) -> None:
    page.goto(qbr_url(base, section), timeout=2 * WAIT_MS)
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Quarterly business review")
    wait_until_drawn(page)


def take(browser: Browser, url: str, out: Path, *, themes, sections) -> list[tuple[Path, int]]:
    """Save each section in each theme and viewport; returns (file, overflow in px) per shot."""
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    for theme in themes:
        for viewport in VIEWPORTS:
            context = browser.new_context(viewport=viewport, color_scheme=theme)
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            for section in sections:
                open_section(page, url, section)
                target = out / f"qbr-{section}-{theme}-{viewport['width']}x{viewport['height']}.png"
                page.screenshot(path=target)
                shots.append((target, overflow_px(page)))
            context.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rapport app showing the sample portfolio (default: start one)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--themes", nargs="+", choices=THEMES, default=list(THEMES))
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args(argv)
    playwright = sync_playwright().start()
    browser = launch_chromium(playwright)
    expect.set_options(timeout=WAIT_MS)
    try:
        if args.url:
            shots = take(browser, args.url.rstrip("/"), args.out, themes=args.themes, sections=args.sections)
        else:
            with tempfile.TemporaryDirectory(prefix="rapport-qbr-shots-") as folder:
                database = sample_database(Path(folder) / "rapport.duckdb")
                seed_demo(database)
                with running_app(database, Path(folder) / "streamlit.log") as url:
                    shots = take(browser, url, args.out, themes=args.themes, sections=args.sections)
    finally:
        browser.close()
        playwright.stop()
    for path, overflow in shots:
        fits = "fits" if overflow == 0 else f"overflows by {overflow} px"
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  "
              f"{path.stat().st_size / 1000:.0f} KB  {fits}")
    return 0 if all(overflow == 0 for _, overflow in shots) else 1


if __name__ == "__main__":
    sys.exit(main())
