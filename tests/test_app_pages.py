"""The app driven the way a user drives it (AppTest), on the sample portfolio.

One database file for the whole module: ui.cached keeps one connection per path.
"""
from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.builders import healthy, run, use_database


def charts(at: AppTest) -> list[dict]:
    """The Vega-Lite specs st.altair_chart produced (AppTest calls the element vega_lite_chart)."""
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def widget(at: AppTest, kind: str, key: str):
    return next(w for w in at.get(kind) if w.key == key)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def notices(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def colour(metric_proto) -> str:
    field = metric_proto.DESCRIPTOR.fields_by_name["color"]
    return field.enum_type.values_by_number[metric_proto.color].name


@pytest.fixture(scope="module", autouse=True)
def sample_database(tmp_path_factory):
    patch = use_database(tmp_path_factory, "app_pages", interactions=40_000)
    yield
    patch.undo()
    st.cache_resource.clear()


@pytest.mark.parametrize("page, title, min_charts", [
    ("overview", "Portfolio overview", 0),
    ("trends", "KPI trends", 3),
    ("health", "Relationship health", 3),
    ("insight", "Customer insight", 5),
    ("premium", "Partnership premium", 4),
])
def test_every_analysis_page_renders_its_title_and_charts_without_errors(page, title, min_charts):
    at = run(None if page == "overview" else page)
    assert healthy(at), [e.value for e in at.exception] + [e.value for e in at.error]
    assert [t.value for t in at.title] == [title]
    assert len(charts(at)) >= min_charts


def test_navigation_lists_the_seven_pages_and_the_sidebar_has_the_shared_filters():
    at = run()
    keys = {w.key for w in at.sidebar.multiselect} | {w.key for w in at.sidebar.date_input}
    assert {"provider", "account", "engagement", "channel", "reason", "model", "from", "to"} <= keys
    assert any(b.label == "Reset filters" for b in at.sidebar.button)


def test_overview_tiles_show_kpis_with_deltas_and_lower_is_better_ones_inverted():
    at = run()
    tiles = {m.label: m for m in at.metric}
    assert {"Contact volume", "CSAT (satisfied)", "Average handle time"} <= set(tiles)
    assert tiles["Average handle time"].value.endswith(" s")
    aht = tiles["Average handle time"].proto
    assert aht.delta, "the tile has no delta vs the prior quarter"
    # lower is better: a rise is shown red, a fall green
    assert colour(aht) == ("RED" if aht.delta.startswith("+") else "GREEN")
    assert colour(tiles["Contact volume"].proto) == "GRAY"
    assert "Same quarter last year" in tiles["CSAT (satisfied)"].proto.help
    health = at.dataframe[0].value
    assert {"engagement", "score", "band", "history"} <= set(health.columns) and len(health) > 0


def test_changing_a_provider_filter_changes_the_overview_numbers():
    at = run()
    before = metrics(at)["Contact volume"]
    provider = widget(at, "multiselect", "provider")
    provider.set_value(provider.options[:1]).run()
    assert healthy(at)
    assert metrics(at)["Contact volume"] != before


def test_reset_clears_every_filter():
    first = run()
    provider = widget(first, "multiselect", "provider").options[0]
    at = run(provider=[provider], **{"from": "2023-01-01"})
    next(b for b in at.sidebar.button if b.label == "Reset filters").click().run()
    assert widget(at, "multiselect", "provider").value == []
    assert widget(at, "date_input", "from").value == widget(first, "date_input", "from").value
    assert metrics(at)["Contact volume"] == metrics(first)["Contact volume"]


def test_a_link_with_filters_reopens_the_same_view():
    first = run()
    provider = widget(first, "multiselect", "provider").options[0]
    at = run(provider=[provider], **{"from": "2023-01-01", "to": "2024-06-30"})
    assert widget(at, "multiselect", "provider").value == [provider]
    assert str(widget(at, "date_input", "from").value) == "2023-01-01"
    assert str(widget(at, "date_input", "to").value) == "2024-06-30"
    assert metrics(at)["Contact volume"] != metrics(first)["Contact volume"]


def test_unknown_provider_and_bad_date_in_a_link_are_dropped_with_a_notice():
    first = run()
    provider = widget(first, "multiselect", "provider").options[0]
    at = run(provider=[provider, "No Such BPO"], **{"from": "31/02/2023"})
    assert healthy(at)
    assert widget(at, "multiselect", "provider").value == [provider]
    assert "provider=No Such BPO" in notices(at) and "from=31/02/2023" in notices(at)


def test_markdown_in_a_crafted_link_is_shown_as_text_in_the_notice():
    at = run(provider=["[sign in](https://phish.example)"])
    assert healthy(at)
    notice = notices(at)
    assert "[sign in](https" not in notice  # would render as a link
    assert r"\[sign in\]\(https\:" in notice


def test_overview_finding_headlines_are_escaped_so_uploaded_names_cannot_become_links():
    """Headlines quote contact reasons and engagement names from uploads: shown verbatim, never as markup."""
    import re

    at = run("overview")
    headlines = [m.value for m in at.markdown if m.value.startswith(":material/")]
    assert headlines, "the sample portfolio has findings"
    assert any("(" in h for h in headlines)  # the sample's headlines quote figures in brackets
    for headline in headlines:
        body = headline.split(" ", 1)[1]
        assert not re.search(r"(?<!\\)[\[\]()*_`]", body), body


def test_trends_page_takes_kpis_grain_and_split_from_the_link():
    at = run("trends", kpi=["First-contact resolution"], grain="quarter", split="Channel")
    assert healthy(at)
    assert widget(at, "multiselect", "kpi").value == ["First-contact resolution"]
    assert widget(at, "button_group", "grain").value == "quarter"
    assert widget(at, "selectbox", "split").value == "channel"
    spec = charts(at)[0]
    assert spec["layer"][0]["encoding"]["color"]["field"] == "channel"


def test_trends_page_drops_an_unknown_kpi_and_grain_with_a_notice():
    at = run("trends", kpi=["Happiness index"], grain="decade")
    assert healthy(at)
    assert "kpi=Happiness index" in notices(at) and "grain=decade" in notices(at)
    assert widget(at, "button_group", "grain").value == "month"


def test_health_weight_sliders_change_the_score():
    at = run("health")
    before = metrics(at)["Health score"]
    widget(at, "slider", "w_efficiency").set_value(3.0).run()
    widget(at, "slider", "w_innovation").set_value(0.0).run()
    assert healthy(at)
    assert metrics(at)["Health score"] != before


def test_health_weights_come_from_the_link():
    at = run("health", w_governance="0.0")
    assert widget(at, "slider", "w_governance").value == 0.0


def test_premium_page_shows_a_verdict_badge_per_claim():
    at = run("premium")
    badges = [m.value for m in at.markdown if "-badge[" in m.value]  # st.badge renders as a markdown directive
    claims = [m.value for m in at.markdown if "(expected" in m.value]
    assert len(claims) >= 4 and len(badges) == len(claims)
    verdicts = {b.split("[")[1].rstrip("]").lower() for b in badges}
    assert verdicts <= {"supported", "contradicted", "inconclusive", "insufficient"}


def test_premium_kpi_and_insight_window_come_from_the_link():
    at = run("premium", premium_kpi="First-contact resolution")
    assert widget(at, "selectbox", "premium_kpi").value == "fcr"
    at = run("insight", window="12 months")
    assert healthy(at)
    assert widget(at, "button_group", "window").value == 12
