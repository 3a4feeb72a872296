"""The app driven the way a user drives it (AppTest), on the sample portfolio.

One database file for the whole module: ui.cached keeps one connection per path. A test that only reads
what a page shows without link parameters shares one run of it (`opened`).
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
    patch = use_database(tmp_path_factory, "app_pages", interactions=10_000)
    yield
    patch.undo()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def opened(sample_database):
    """`opened(page)`: one run of a page opened without link parameters (None: the app's default page),
    shared by the tests that only read what it shows. A test that clicks or sets a widget runs its own."""
    runs: dict[str | None, AppTest] = {}

    def page(name: str | None = None) -> AppTest:
        if name not in runs:
            runs[name] = run(name)
        return runs[name]

    return page


@pytest.mark.parametrize("page, title, min_charts", [
    ("overview", "Portfolio overview", 0),
    ("trends", "KPI trends", 3),
    ("health", "Relationship health", 3),
    ("insight", "Customer insight", 5),
    ("premium", "Partnership premium", 4),
])
def test_every_analysis_page_renders_its_title_and_charts_without_errors(page, title, min_charts, opened):
    at = opened(None if page == "overview" else page)
    assert healthy(at), [e.value for e in at.exception] + [e.value for e in at.error]
    assert [t.value for t in at.title] == [title]
    assert len(charts(at)) >= min_charts


def test_navigation_lists_the_seven_pages_and_the_sidebar_has_the_shared_filters(opened):
    at = opened()
    keys = {w.key for w in at.sidebar.multiselect} | {w.key for w in at.sidebar.date_input}
    assert {"provider", "account", "engagement", "channel", "reason", "model", "from", "to"} <= keys
    assert any(b.label == "Reset filters" for b in at.sidebar.button)


def test_overview_tiles_show_kpis_with_deltas_and_lower_is_better_ones_inverted(opened):
    from analytics import kpis

    at = opened()
    tiles = {m.label: m for m in at.metric}
    csat = "CSAT"  # the tile's short label (kpis.kpi("csat_pct").label is its help)
    assert {"Contact volume", csat, "Average handle time"} <= set(tiles)
    assert tiles["Average handle time"].value.endswith(" s")
    aht = tiles["Average handle time"].proto
    assert aht.delta, "the tile has no delta vs the prior quarter"
    # lower is better: a rise is shown red, a fall green
    assert colour(aht) == ("RED" if aht.delta.startswith("+") else "GREEN")
    assert colour(tiles["Contact volume"].proto) == "GRAY"
    assert "Same quarter last year" in tiles[csat].proto.help
    health = at.dataframe[0].value
    assert {"Engagement", "Health", "Status", "History"} <= set(health.columns) and len(health) > 0


def test_changing_a_provider_filter_changes_the_overview_numbers():
    at = run()
    before = metrics(at)["Contact volume"]
    provider = widget(at, "multiselect", "provider")
    provider.set_value(provider.options[:1]).run()
    assert healthy(at)
    assert metrics(at)["Contact volume"] != before


def test_reset_clears_every_filter(opened):
    first = opened()
    provider = widget(first, "multiselect", "provider").options[0]
    at = run(provider=[provider], **{"from": "2023-01-01"})
    next(b for b in at.sidebar.button if b.label == "Reset filters").click().run()
    assert widget(at, "multiselect", "provider").value == []
    assert widget(at, "date_input", "from").value == widget(first, "date_input", "from").value
    assert metrics(at)["Contact volume"] == metrics(first)["Contact volume"]


def test_a_link_with_filters_reopens_the_same_view(opened):
    first = opened()
    provider = widget(first, "multiselect", "provider").options[0]
    at = run(provider=[provider], **{"from": "2023-01-01", "to": "2024-06-30"})
    assert widget(at, "multiselect", "provider").value == [provider]
    assert str(widget(at, "date_input", "from").value) == "2023-01-01"
    assert str(widget(at, "date_input", "to").value) == "2024-06-30"
    assert metrics(at)["Contact volume"] != metrics(first)["Contact volume"]


@pytest.fixture(scope="module")
def hostile_link(opened) -> tuple[str, AppTest]:
    """(a real provider, one run of a link that names it beside an unknown provider, a provider spelled as a
    Markdown link and an impossible date), shared by the two tests that read what the link shows."""
    provider = widget(opened(), "multiselect", "provider").options[0]
    crafted = [provider, "No Such BPO", "[sign in](https://phish.example)"]
    return provider, run(provider=crafted, **{"from": "31/02/2023"})


def test_unknown_provider_and_bad_date_in_a_link_are_dropped_with_a_notice(hostile_link):
    provider, at = hostile_link
    assert healthy(at)
    assert widget(at, "multiselect", "provider").value == [provider]
    assert "provider=No Such BPO" in notices(at) and "from=31/02/2023" in notices(at)


def test_markdown_in_a_crafted_link_is_shown_as_text_in_the_notice(hostile_link):
    _, at = hostile_link
    assert healthy(at)
    notice = notices(at)
    assert "[sign in](https" not in notice  # would render as a link
    assert r"\[sign in\]\(https\:" in notice


def test_overview_finding_headlines_are_escaped_so_uploaded_names_cannot_become_links(opened):
    """Headlines quote contact reasons and engagement names from uploads: shown verbatim, never as markup."""
    import re

    at = opened()
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


def test_premium_page_shows_a_verdict_badge_per_claim(opened):
    at = opened("premium")
    badges = [m.value for m in at.markdown if "-badge[" in m.value]  # st.badge renders as a markdown directive
    claims = [m.value for m in at.markdown if "(expected" in m.value]
    assert len(claims) >= 4 and len(badges) == len(claims)
    verdicts = {b.split("[")[1].rstrip("]").lower() for b in badges}
    from analytics.claims import VERDICTS

    assert verdicts <= {v.split(" ")[0] for v in VERDICTS}


def test_premium_kpi_and_insight_window_come_from_the_link():
    at = run("premium", premium_kpi="First-contact resolution")
    assert widget(at, "selectbox", "premium_kpi").value == "fcr"
    at = run("insight", window="12 months")
    assert healthy(at)
    assert widget(at, "button_group", "window").value == 12


# ---------------------------------------------------------------- units, bands and the drill path (issue 9)

def _sql(query: str, params: list | None = None):
    """A query on the test database through the connection the app holds (one writer per file)."""
    from ui.cached import cursor
    return cursor().execute(query, params or []).fetchall()


def _quarter_nps(first_day: str) -> float:
    """NPS of one quarter straight from the raw interactions (not the rollups the app reads)."""
    (nps,) = _sql("""
        select (count(*) filter (where nps >= 9) - count(*) filter (where nps <= 6)) * 100.0 / count(nps)
        from interactions
        where occurred_at >= cast(? as date) and occurred_at < cast(? as date) + interval 3 month
    """, [first_day, first_day])[0]
    return nps


def test_overview_states_an_nps_change_in_points_and_a_rate_change_in_percentage_points(opened):
    import pandas as pd

    at = opened()
    assert healthy(at)
    tile = next(m for m in at.metric if m.label == "Net promoter score")
    quarter = tile.proto.help.split(" vs ")[0]  # "Q4 2025"
    q, year = quarter.removeprefix("Q").split(" ")
    start = pd.Timestamp(year=int(year), month=3 * int(q) - 2, day=1)
    prior = start - pd.DateOffset(months=3)
    now, before = _quarter_nps(start.date().isoformat()), _quarter_nps(prior.date().isoformat())
    assert tile.value == f"{now:.1f}"
    assert tile.proto.delta == f"{round(now - before, 1) + 0.0:+.1f} pts"  # points, never a relative %
    from analytics import kpis
    from analytics.formatting import short_label

    deltas = {m.label: m.proto.delta for m in at.metric}
    unit = {kpi_id: deltas[short_label(kpis.kpi(kpi_id))].rsplit(" ", 1)[1]
            for kpi_id in ("csat_pct", "fcr", "contacts", "aht_seconds", "quality_score")}
    assert unit == {"csat_pct": "pp", "fcr": "pp", "contacts": "%", "aht_seconds": "%", "quality_score": "pts"}


def test_overview_health_table_shows_each_score_in_its_own_band(opened):
    from analytics.health import band

    at = opened()
    table = next(d for d in at.dataframe if d.key == "overview_health").value
    names = {"at risk": "At risk", "watch": "Watch", "healthy": "Healthy"}
    assert len(table) > 0
    for health, status in zip(table["Health"], table["Status"]):
        assert names[band(float(health))] == status
    assert list(table["Health"]) == sorted(table["Health"])  # lowest first, so "at risk" rows lead
    assert not table.isna().any().any() and "None" not in table.astype(str).to_numpy()


def test_a_score_just_under_a_band_line_is_shown_under_it():
    """49.75 is 'at risk' and must never read "50 · at risk" above "50.4 · watch"."""
    import pandas as pd

    from ui.tables import health_table

    overview = pd.DataFrame({
        "engagement": ["A · x", "B · y"], "provider": ["A", "B"], "account": ["x", "y"],
        "relationship_model": ["partnership", "transactional"], "period": pd.to_datetime(["2025-07-01"] * 2),
        "score": [49.75, 50.4], "band": ["at risk", "watch"], "trend": [-1.04, None], "history": [[49.75], [50.4]]})
    table = health_table(overview)
    assert list(table["Health"]) == [49.8, 50.4] and list(table["Status"]) == ["At risk", "Watch"]
    assert list(table["Change"]) == ["-1.0 pts", "—"] and list(table["Latest"]) == ["Q3 2025", "Q3 2025"]
    assert list(table["Model"]) == ["Partnership", "Transactional"]


def test_selecting_an_overview_row_opens_that_engagements_qbr_with_the_filters(opened):
    first = opened()
    channel = widget(first, "multiselect", "channel").options[0]
    at = run("overview", channel=[channel], **{"from": "2023-01-01"})
    table = next(d for d in at.dataframe if d.key == "overview_health").value
    provider, account = table["Provider"].iloc[1], table["Account"].iloc[1]
    at.session_state["overview_health"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert "Portfolio overview" not in [t.value for t in at.title]  # the QBR page ran instead
    assert widget(at, "multiselect", "provider").value == [provider]
    assert widget(at, "multiselect", "account").value == [account]
    assert widget(at, "multiselect", "channel").value == [channel]  # the other filters travel along
    assert str(widget(at, "date_input", "from").value) == "2023-01-01"
    assert at.query_params["provider"] == provider and at.query_params["account"] == account
    assert at.session_state["eng"] == f"{provider} · {account}"


def test_selecting_a_health_scorecard_row_opens_its_qbr():
    at = run("health")
    table = next(d for d in at.dataframe if d.key == "scorecard").value
    at.session_state["scorecard"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert "Relationship health" not in [t.value for t in at.title]
    assert widget(at, "multiselect", "provider").value == [table["Provider"].iloc[0]]
    assert widget(at, "multiselect", "account").value == [table["Account"].iloc[0]]


def test_breadcrumbs_walk_back_up_from_an_engagement_to_its_provider_and_the_portfolio(opened):
    first = opened()
    provider = widget(first, "multiselect", "provider").options[0]
    at = run("overview", provider=[provider])
    account = widget(at, "multiselect", "account").options[0]
    at = run("overview", provider=[provider], account=[account])
    labels = [b.label for b in at.button]
    assert "Portfolio" in labels and f"› {provider}" in [b.label.replace("\\", "") for b in at.button]
    next(b for b in at.button if b.label.replace("\\", "") == f"› {provider}").click().run()
    assert widget(at, "multiselect", "provider").value == [provider]
    assert widget(at, "multiselect", "account").value == []
    next(b for b in at.button if b.label == "Portfolio").click().run()
    assert widget(at, "multiselect", "provider").value == []


def test_health_drivers_and_data_freshness_read_as_labels_not_columns(opened):
    at = opened("health")
    assert healthy(at)
    drivers = next(d for d in at.dataframe if "Contribution" in d.value.columns).value
    assert {"KPI", "Pillar", "Change", "Contribution"} <= set(drivers.columns)
    assert not {"kpi", "value_from", "score_to"} & set(drivers.columns)
    assert all(c.endswith((" pp", " pts", " %")) or c == "—" for c in drivers["Change"])
    at = opened()
    freshness = next(d for d in at.dataframe if "Last loaded" in d.value.columns).value
    assert list(freshness.columns) == ["Dataset", "Rows", "From", "To", "Last loaded"]
    text = " ".join(freshness.astype(str).to_numpy().ravel())
    assert "None" not in text and "00:00:00" not in text and "NaT" not in text


def test_overview_is_also_served_at_slash_overview(opened):
    at = opened()
    paths = {info.get("url_pathname") for info in at._registered_pages.values()}
    assert "overview" in paths  # /overview is not "Page not found"


def test_a_channel_filter_says_it_does_not_narrow_scorecard_kpis(opened):
    first = opened()
    assert not any("does not apply to scorecard KPIs" in c.value for c in first.caption)
    channel = widget(first, "multiselect", "channel").options[0]
    for page in ("overview", "health"):
        at = run(page, channel=[channel])
        assert healthy(at)
        assert any("channel filter does not apply to scorecard KPIs" in c.value for c in at.caption), page


def test_the_health_pages_focus_carries_to_the_qbr():
    at = run("health")
    focus = widget(at, "selectbox", "focus")
    target = focus.options[-1]
    focus.set_value(target).run()
    next(b for b in at.button if b.key == "focus_qbr").click().run()
    assert "Relationship health" not in [t.value for t in at.title]
    provider = widget(at, "multiselect", "provider").value
    account = widget(at, "multiselect", "account").value
    assert len(provider) == 1 and len(account) == 1 and f"{provider[0]} · {account[0]}" == target


def test_premium_opens_on_a_kpi_the_data_has_when_there_is_no_scorecard(tmp_path, monkeypatch):
    """A call-center export has no quality score: the page must not open on an empty "Quality score"."""
    from datetime import datetime, timedelta

    from analytics import db, kpis
    from analytics.contracts import INTERACTIONS
    from tests.builders import insert_rows

    path = tmp_path / "calls.duckdb"
    con = db.connect(path)
    insert_rows(con, INTERACTIONS, [dict(interaction_id=str(i), occurred_at=datetime(2025, 1, 1) + timedelta(hours=i),
                                         provider="P", account="A", channel="phone", handle_seconds=300.0 + i)
                                    for i in range(50)])
    con.close()
    monkeypatch.setenv("RAPPORT_DB", str(path))
    at = run("premium")
    assert healthy(at)
    chosen = widget(at, "selectbox", "premium_kpi").value
    assert chosen != "quality_score" and kpis.kpi(chosen).source == "interactions"
    assert run("premium", premium_kpi="Quality score").session_state["premium_kpi"] == "quality_score"


def test_a_tile_shows_the_short_kpi_label_and_keeps_the_scale_rule_in_its_help(opened):
    """ "CSAT (top-two box: 4–5 of 5, …)" is cut off in a tile; the tile reads "CSAT" and its help says the rule."""
    from analytics import kpis

    at = opened()
    assert healthy(at)
    labels = [m.label for m in at.metric]
    assert kpis.kpi("csat_pct").label not in labels
    tile = next(m for m in at.metric if m.label == "CSAT")
    assert tile.proto.help.startswith(kpis.kpi("csat_pct").label + ". Q")
