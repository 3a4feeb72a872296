"""Upload through the real file uploader: mapping, dry run, load, then the portfolio moves; a gzip export reads the
same way."""
from __future__ import annotations

import gzip
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import wait_until_drawn

ROWS = 50
PROVIDER, ACCOUNT = "Zephyr Test BPO", "Pilot Program"


def _export(ids: str = "zt") -> bytes:
    """50 contacts of a new provider in December 2025 (the sample's latest quarter), no account column."""
    lines = ["Call ID,Call Start,Vendor,Media Type,Wrap-up Code,AHT,CSAT"]
    for i in range(ROWS):
        lines.append(f"{ids}-{i},2025-12-{1 + i % 28:02d} {8 + i % 9:02d}:{i % 60:02d}:00,{PROVIDER},"
                     f"{'Phone' if i % 2 else 'Chat'},{'Billing' if i % 3 else 'Returns'},04:{i % 60:02d},{1 + i % 5}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _contact_volume(page: Page, app_url: str | None = None) -> int:
    """The Overview's contact-volume tile: opened by URL (a new session) when `app_url` is given, else from the
    sidebar's navigation in the open session (no page load), as a user goes back to the Overview after a load."""
    if app_url is not None:
        page.goto(f"{app_url}/")
    else:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview", exact=True).click()
        expect(page.get_by_role("heading", level=1).first).to_contain_text("Portfolio overview")
    tile = page.get_by_test_id("stMetric").filter(has_text="Contact volume")
    value = tile.get_by_test_id("stMetricValue")
    expect(value).to_have_text(re.compile(r"^[\d,]+$"))
    wait_until_drawn(page)
    return int(value.inner_text().replace(",", ""))


def _upload_and_dry_run(page: Page, app_url: str, name: str, mime: str, content: bytes, *,
                        newest_batch: re.Pattern | None = None) -> None:
    """Upload `content` through the real uploader, give every row the account, dry-run it: all ROWS would load.
    `newest_batch`: what the fresh Data page's batch picker must open on (the newest batch)."""
    page.goto(f"{app_url}/data")
    expect(page.get_by_role("heading", name="Upload exports")).to_be_visible()
    if newest_batch is not None:
        expect(page.get_by_role("combobox", name="Batch")).to_have_value(newest_batch)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_role("combobox", name="Kind")).to_have_value("interactions")
    wait_until_drawn(page)

    # The file has no account column: the mapping gives every row one.
    page.get_by_text("Column mapping").click()
    expect(page.get_by_role("combobox", name="Provider", exact=True)).to_have_value("Vendor")
    account = page.get_by_label("Account for every row")
    account.fill(ACCOUNT)
    account.press("Enter")
    expect(account).to_have_value(ACCOUNT)
    wait_until_drawn(page)

    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_test_id("stAlert").filter(has_text=f"Dry run of {name}")).to_contain_text(
        f"{ROWS} interactions rows would load (0 rows rejected")


@pytest.mark.browser
def test_uploaded_export_is_mapped_dry_run_loaded_and_moves_the_portfolio_and_a_gzip_export_reads_the_same(
        app_url: str, page: Page):
    """Then, on the fresh Data page, a .csv.gz: the preview and dry run read it through the same path as the plain
    CSV (a dry run only: the browser tests share one database; other call ids, so none is a duplicate of the loaded
    zephyr.csv)."""
    before = _contact_volume(page, app_url)

    _upload_and_dry_run(page, app_url, "zephyr.csv", "text/csv", _export())
    wait_until_drawn(page)
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_test_id("stAlert").filter(has_text="loaded as batch")).to_contain_text(
        f"{ROWS} rows read: {ROWS} loaded, 0 rejected")

    _upload_and_dry_run(page, app_url, "zephyr-gz.csv.gz", "application/gzip", gzip.compress(_export("gz")),
                        newest_batch=re.compile(rf"zephyr\.csv \(interactions, {ROWS} rows\)"))

    assert _contact_volume(page) == before + ROWS  # the session's caches see the new batch too
    engagements = page.get_by_role("combobox", name="Engagements")
    engagements.click()
    engagements.press_sequentially("Zephyr")  # the option list is virtualised: filter it
    expect(page.get_by_role("option", name=f"{PROVIDER} · {ACCOUNT}")).to_be_visible()
