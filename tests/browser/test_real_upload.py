"""A real export through the real uploader: call_center_calls_pwc.csv (two blank header names) loads from the Data page."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from analytics import db
from tests.browser.harness import running_app, wait_until_drawn

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
PWC = "call_center_calls_pwc.csv"
CALLS = 5_000  # data rows in the file (SOURCES.md, counted with Python's csv module)


@pytest.fixture(scope="module")
def empty_app_url(tmp_path_factory) -> Iterator[str]:
    """The app on a new, empty database of its own, so the shared sample server stays untouched."""
    folder = tmp_path_factory.mktemp("browser-real")
    database = folder / "rapport.duckdb"
    db.connect(database).close()
    with running_app(database, folder / "streamlit.log") as url:
        yield url


@pytest.mark.browser
def test_pwc_export_with_blank_headers_uploads_and_loads_every_call(empty_app_url: str, page: Page):
    path = REAL / PWC
    if not path.exists():
        pytest.skip(f"real export {PWC} not found at {REAL} (the shared data folder is absent)")
    page.goto(f"{empty_app_url}/data")
    expect(page.get_by_role("heading", name="Upload exports")).to_be_visible()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": PWC, "mimeType": "text/csv", "buffer": path.read_bytes()}])
    expect(page.get_by_role("heading", name=PWC)).to_be_visible()
    expect(page.get_by_role("combobox", name="Kind")).to_have_value("interactions")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # the preview draws despite blank headers
    wait_until_drawn(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    provider = page.get_by_label("Provider for every row")
    if not provider.is_visible():  # the mapping opens by itself when something required is missing
        page.get_by_text("Column mapping").click()
    provider.fill("PwC call centre")
    provider.press("Enter")
    expect(provider).to_have_value("PwC call centre")
    wait_until_drawn(page)

    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_test_id("stAlert").filter(has_text="loaded as batch")).to_contain_text(
        f"{CALLS:,} rows read: {CALLS:,} loaded, 0 rejected")
    wait_until_drawn(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_role("combobox", name="Batch")).to_have_value(f"1 · {PWC} (interactions, {CALLS:,} rows)")
