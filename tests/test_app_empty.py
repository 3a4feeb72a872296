"""The app on an empty database: every analysis page says what to do instead of failing."""
from __future__ import annotations

import pytest
import streamlit as st

from tests.builders import healthy, run, use_database
from ui.markdown import plain


@pytest.fixture(scope="module", autouse=True)
def empty_database(tmp_path_factory):
    patch = use_database(tmp_path_factory, "app_empty", interactions=None)
    yield
    patch.undo()
    st.cache_resource.clear()


@pytest.mark.parametrize("page", [None, "trends", "health", "insight", "premium"])
def test_empty_database_shows_the_empty_state_with_a_link_to_data(page):
    at = run(page)
    assert healthy(at)
    assert any("No data yet" in i.value and "Data" in i.value for i in at.info)
    assert [link.proto.page for link in at.get("page_link")] == ["data"]
    assert not at.get("vega_lite_chart")


def test_a_link_with_filters_on_an_empty_database_drops_them_with_a_notice():
    at = run(provider=["Acme"], **{"from": "2024-01-01"})
    assert healthy(at)
    notice = " ".join(i.value for i in at.info)
    assert plain("provider=Acme") in notice and plain("from=2024-01-01") in notice  # shown as text
