"""Chart builders: assertions on the Vega-Lite spec (chart.to_dict()), never on pixels."""
from __future__ import annotations

import json
from datetime import date

import altair as alt
import pandas as pd
import pyarrow as pa
import pytest

from analytics import kpis
from charts import theme
from charts.datasets import SpecStore
from charts.health import build_drivers_waterfall, build_health_trend_chart, build_pillar_chart
from charts.insight import (build_channel_mix_chart, build_reason_movers_chart, build_repeat_chart,
                            build_seasonality_chart, build_segment_chart)
from charts.premium import (build_calendar_yoy_chart, build_model_curves_chart, build_premium_chart,
                            build_trajectory_chart)
from charts.trends import build_trend_chart
from tests.builders import APP_RUN_CAP


def datasets(spec: dict) -> list[list[dict]]:
    return list(spec.get("datasets", {}).values())


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def trend_frame(**extra) -> pd.DataFrame:
    return pd.DataFrame({
        "period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "kpi": "fcr", "value": [0.70, 0.72, 0.95], "numerator": [70, 72, 95], "denominator": [100, 100, 100],
        "rolling_mean": [0.70, 0.71, 0.79], "target": 0.75, "yoy_change": [None, 0.05, None],
        "anomaly": [False, False, True], **extra,
    })


def test_theme_registers_once_and_uses_readable_type_and_colour_blind_palette():
    theme.enable()
    theme.enable()
    assert alt.theme.active == "rapport"
    assert alt.theme.names().count("rapport") == 1
    config = alt.theme.get()()["config"]
    assert 14 <= config["axis"]["labelFontSize"] <= 16
    assert 14 <= config["legend"]["labelFontSize"] <= 16
    assert config["range"]["category"][:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe–Ito
    # text and grid colours come from the app's light/dark theme, so none is fixed here
    assert "labelColor" not in config["axis"] and "color" not in config["title"]


def test_trend_chart_marks_target_rolling_mean_and_anomalies_with_formatted_tooltips():
    spec = build_trend_chart(trend_frame(), kpis.kpi("fcr")).to_dict()
    marks = [layer["mark"]["type"] for layer in layers(spec)]
    assert marks == ["line", "line", "rule", "text", "point"]
    rule, label = layers(spec)[2], layers(spec)[3]
    target_rows = [rows for rows in datasets(spec) if rows and "target" in rows[0] and "period" not in rows[0]]
    assert target_rows[0][0]["target"] == 0.75 and target_rows[0][0]["text"] == "Target 75.0 %"
    assert rule["encoding"]["y"]["field"] == "target"
    assert label["encoding"]["text"]["field"] == "label"  # the target line is labelled on the chart
    assert target_rows[0][0]["label"] == "Target\n75.0 %" and label["mark"]["lineBreak"] == "\n"
    # just past the plot's right end (inside it, the line ran through the label when it ended near the target)
    assert label["encoding"]["x"] == {"value": {"expr": "width"}}
    assert label["mark"]["align"] == "left" and label["mark"]["dx"] > 0
    assert layers(spec)[4]["transform"] == [{"filter": "(datum.anomaly === true)"}]
    points = next(rows for rows in datasets(spec) if rows and "value_text" in rows[0])
    assert [r["value_text"] for r in points] == ["70.0 %", "72.0 %", "95.0 %"]


def test_trend_axis_has_its_unit_enough_decimals_and_a_stated_range():
    spec = build_trend_chart(trend_frame(), kpis.kpi("fcr")).to_dict()
    y = layers(spec)[0]["encoding"]["y"]
    assert y["axis"]["title"] == "First-contact resolution (%)"
    assert y["axis"]["format"] == ".1~%"  # 75.5% rather than 76%, 76%, 75%
    # the FCR band is 55–85 %, target 75 %, and one value reaches 95 %: the axis spans all of them
    assert y["scale"]["domain"] == [0.55, 0.95] and y["scale"]["zero"] is False
    aht = build_trend_chart(trend_frame(value=[400.0, 410.0, 405.0]), kpis.kpi("aht_seconds")).to_dict()
    aht_y = layers(aht)[0]["encoding"]["y"]
    assert aht_y["axis"]["title"] == "Average handle time (s)"
    assert aht_y["scale"]["domain"] == [300.0, 600.0]  # the band, so a flat AHT looks flat
    volume = build_trend_chart(trend_frame(value=[900.0, 950.0, 1000.0]), kpis.kpi("contacts")).to_dict()
    assert layers(volume)[0]["encoding"]["y"]["scale"] == {"zero": True}


def test_rates_axis_never_leaves_0_to_100_percent():
    assert theme.kpi_domain(kpis.kpi("csat_pct"), [0.99, 1.0]) == [0.60, 1.0]
    assert theme.kpi_domain(kpis.kpi("escalation_rate"), [0.0]) == [0.0, 0.15]


def test_trend_tooltip_states_the_year_over_year_change_in_the_kpis_unit():
    frame = pd.DataFrame({
        "period": pd.to_datetime(["2024-01-01", "2025-01-01"]), "kpi": "nps", "value": [8.8, 1.3],
        "numerator": [88, 13], "denominator": [1000, 1000], "rolling_mean": [8.8, 5.05], "target": 30.0,
        "yoy_change": [None, (1.3 - 8.8) / 8.8], "anomaly": [False, False]})
    spec = build_trend_chart(frame, kpis.kpi("nps")).to_dict()
    points = next(rows for rows in datasets(spec) if rows and "yoy_text" in rows[0])
    assert [r["yoy_text"] for r in points] == ["—", "-7.5 pts"]  # not "-85.2 %"


def test_missing_periods_break_the_line_instead_of_bridging_it():
    frame = trend_frame()
    frame["period"] = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-05-01"])  # March and April missing
    spec = build_trend_chart(frame, kpis.kpi("fcr"), grain="month").to_dict()
    rows = next(rows for rows in datasets(spec) if rows and "value_text" in rows[0])
    assert [(r["period"][:10], r["value"]) for r in rows] == [
        ("2024-01-01", 0.70), ("2024-02-01", 0.72), ("2024-03-01", None), ("2024-04-01", None),
        ("2024-05-01", 0.95)]
    assert layers(spec)[0]["mark"]["invalid"] == "break-paths-show-domains"


def test_a_split_shows_the_top_series_by_volume_and_recombines_the_rest_as_other():
    providers = [f"P{i}" for i in range(9)]
    frame = pd.concat([trend_frame(provider=p, numerator=[10 * (i + 1)] * 3, denominator=[20 * (i + 1)] * 3,
                                   value=[0.5] * 3) for i, p in enumerate(providers)], ignore_index=True)
    frame.loc[frame["provider"] == "P0", ["numerator", "value"]] = [20, 1.0]  # the smallest provider resolves all
    spec = build_trend_chart(frame, kpis.kpi("fcr"), split="provider").to_dict()
    rows = next(rows for rows in datasets(spec) if rows and "provider" in rows[0])
    shown = list(dict.fromkeys(r["provider"] for r in rows))
    assert shown == ["P3", "P4", "P5", "P6", "P7", "P8", "Other"]  # the 6 largest by responses, then Other
    other = [r["value"] for r in rows if r["provider"] == "Other"]
    # Other = (20 + 20 + 30) / (20 + 40 + 60), not the mean of 1.0, 0.5 and 0.5
    assert other == [70 / 120] * 3
    colour = layers(spec)[0]["encoding"]["color"]
    assert colour["scale"]["domain"][-1] == "Other" and colour["scale"]["range"][-1] == theme.GREY
    assert len(set(colour["scale"]["range"])) == len(colour["scale"]["range"])  # no colour repeats


def test_split_trend_colours_one_line_per_split_value_and_drops_rolling_mean():
    frame = pd.concat([trend_frame(channel="phone"), trend_frame(channel="chat")], ignore_index=True)
    spec = build_trend_chart(frame, kpis.kpi("fcr"), split="channel").to_dict()
    first = layers(spec)[0]
    assert first["encoding"]["color"]["field"] == "channel"
    assert [layer["mark"]["type"] for layer in layers(spec)] == ["line", "rule", "text", "point"]


def test_trend_split_by_relationship_model_uses_the_fixed_model_colours():
    frame = pd.concat([trend_frame(relationship_model="transactional"), trend_frame(relationship_model="partnership")],
                      ignore_index=True)
    spec = build_trend_chart(frame, kpis.kpi("fcr"), split="relationship_model").to_dict()
    assert layers(spec)[0]["encoding"]["color"]["scale"] == {"domain": ["partnership", "transactional"],
                                                             "range": ["#0072B2", "#E69F00"]}


def test_kpi_without_target_has_no_target_rule():
    spec = build_trend_chart(trend_frame(), kpis.kpi("contacts")).to_dict()
    assert "rule" not in [layer["mark"]["type"] for layer in layers(spec)]


def test_model_colours_are_fixed_across_premium_charts():
    curves = pd.DataFrame({"kpi": "quality_score", "relationship_model": ["transactional", "partnership"],
                           "relationship_year": [1, 1], "mean": [80.0, 84.0], "ci_low": [78.0, 82.0],
                           "ci_high": [82.0, 86.0], "n": [5, 4]})
    yoy = pd.DataFrame({"kpi": "quality_score", "relationship_model": ["partnership", "transactional"],
                        "year": [2024, 2024], "value": [85.0, 80.0], "yoy_change_pct": [2.0, -1.0]})
    path = pd.DataFrame({"kpi": "quality_score", "relationship_model": ["partnership", "transactional"],
                         "slope_per_year": [1.0, -0.2], "slope_pct_per_year": [1.2, -0.3], "years": [3, 3],
                         "n_engagements": [4, 5], "plateau": [False, True]})
    for chart in (build_model_curves_chart(curves, kpis.kpi("quality_score")), build_calendar_yoy_chart(yoy),
                  build_trajectory_chart(path)):
        for layer in layers(chart.to_dict()):
            scale = layer["encoding"]["color"]["scale"]
            assert scale == {"domain": ["partnership", "transactional"], "range": ["#0072B2", "#E69F00"]}


def test_model_curve_tooltips_carry_n_and_the_formatted_interval():
    curves = pd.DataFrame({"kpi": "fcr", "relationship_model": ["partnership"], "relationship_year": [2],
                           "mean": [0.8], "ci_low": [0.75], "ci_high": [0.85], "n": [6]})
    spec = build_model_curves_chart(curves, kpis.kpi("fcr")).to_dict()
    row = datasets(spec)[0][0]
    assert row["mean_text"] == "80.0 %" and row["ci_text"] == "75.0 % – 85.0 %"
    assert "n" in [t["field"] for t in layers(spec)[1]["encoding"]["tooltip"]]


def test_premium_bars_grey_out_years_with_too_few_engagements():
    premium = pd.DataFrame({"kpi": "quality_score", "relationship_year": [1, 2], "partnership": [84, 86],
                            "transactional": [82, 80], "premium_pct": [2.4, 7.5], "ci_low": [-1.0, 3.0],
                            "ci_high": [5.0, 12.0], "n_partnership": [1, 5], "n_transactional": [4, 5],
                            "sufficient": [False, True]})
    spec = build_premium_chart(premium).to_dict()
    bars = layers(spec)[0]
    assert bars["encoding"]["color"]["scale"]["range"] == [theme.PALETTE[0], theme.GREY]
    rows = next(rows for rows in datasets(spec) if rows and "evidence" in rows[0])
    assert [r["evidence"] for r in rows] == ["too few engagements", "enough engagements"]


def test_waterfall_steps_end_at_the_final_score():
    drivers = pd.DataFrame({"label": ["CSAT", "AHT", "FCR"], "contribution": [4.0, -1.5, 2.5]})
    spec = build_drivers_waterfall(drivers, score_from=60.0, label_from="2023 Q4", label_to="2024 Q4").to_dict()
    rows = datasets(spec)[0]
    assert [r["step"] for r in rows] == ["2023 Q4", "CSAT", "AHT", "FCR", "2024 Q4"]
    assert [(r["start"], r["end"]) for r in rows] == [(0.0, 60.0), (60.0, 64.0), (64.0, 62.5), (62.5, 65.0),
                                                       (0.0, 65.0)]
    assert [r["kind"] for r in rows] == ["score", "up", "down", "up", "score"]


def test_waterfall_groups_small_drivers_into_one_step():
    drivers = pd.DataFrame({"label": list("ABCDE"), "contribution": [5.0, -3.0, 1.0, 0.5, -0.25]})
    spec = build_drivers_waterfall(drivers, score_from=50.0, label_from="from", label_to="to", top=2).to_dict()
    rows = datasets(spec)[0]
    assert [r["step"] for r in rows] == ["from", "A", "B", "3 other KPIs", "to"]
    assert rows[3]["amount"] == 1.25 and rows[-1]["end"] == 53.25


def test_pillar_chart_folds_each_pillar_column_into_one_bar():
    row = pd.DataFrame({"engagement": ["A · B"], "score_efficiency": [50.0], "score_innovation": [80.0]})
    spec = build_pillar_chart(row, {"score_efficiency": "efficiency", "score_innovation": "innovation"}).to_dict()
    assert spec["transform"] == [{"fold": ["efficiency", "innovation"], "as": ["pillar", "score"]}]
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 100]


def test_health_trend_shows_band_thresholds_at_50_and_70():
    frame = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-04-01"]), "engagement": "A · B",
                          "score": [55.0, 72.0], "band": ["watch", "healthy"]})
    spec = build_health_trend_chart(frame).to_dict()
    thresholds = next(rows for rows in datasets(spec) if rows and "y" in rows[0])
    assert [r["y"] for r in thresholds] == [50, 70]
    assert [r["text"] for r in thresholds] == ["watch from 50", "healthy from 70"]
    assert "text" in [layer["mark"]["type"] for layer in layers(spec)]


def test_insight_charts_encode_their_tidy_frames():
    mix = pd.DataFrame({"period": pd.to_datetime(["2024-01-01"] * 2), "channel": ["phone", "chat"],
                        "contacts": [60, 40], "share": [0.6, 0.4]})
    assert build_channel_mix_chart(mix).to_dict()["encoding"]["y"]["stack"] == "normalize"
    movers = pd.DataFrame({"contact_reason": ["billing", "login"], "recent_contacts": [120, 50],
                           "prior_contacts": [100, 80], "change": [20, -30], "change_pct": [20.0, -37.5],
                           "direction": ["rising", "falling"]})
    assert build_reason_movers_chart(movers).to_dict()["encoding"]["color"]["scale"]["domain"] == ["rising",
                                                                                                  "falling"]
    segments = pd.DataFrame({"period": pd.to_datetime(["2023-01-01"]), "customer_segment": ["gold"],
                             "contacts": [10], "share": [1.0], "share_change": [None]})
    assert build_segment_chart(segments).to_dict()["encoding"]["color"]["field"] == "customer_segment"
    season = pd.DataFrame({"year": [2023, 2024], "month": [1, 1], "value": [100.0, 120.0], "index": [0.9, 1.1]})
    encoding = build_seasonality_chart(season).to_dict()["encoding"]
    assert (encoding["x"]["field"], encoding["color"]["field"], encoding["color"]["type"]) == ("month", "year",
                                                                                                 "ordinal")
    repeats = pd.DataFrame({"period": pd.to_datetime(["2024-01-01"]), "contacts": [100], "repeat_contacts": [12],
                            "repeat_rate": [0.12]})
    assert build_repeat_chart(repeats).to_dict()["encoding"]["y"]["axis"]["format"] == ".0%"


def test_every_remaining_builder_passes_vega_lite_validation():
    """to_dict() validates against the Vega-Lite schema and raises when a spec is invalid."""
    from charts import qbr

    years = pd.DataFrame({"year": [2023, 2024, 2023, 2024], "yoy_change_pct": [None, 4.0, None, 1.0],
                          "relationship_model": ["partnership", "partnership", "transactional", "transactional"]})
    slopes = pd.DataFrame({"relationship_model": ["partnership", "transactional"], "slope_pct_per_year": [3.1, 0.4],
                           "n_engagements": [5, 6], "plateau": [False, True]})
    health = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-04-01"]), "quarter": ["2025-Q1", "2025-Q2"],
                           "score": [62.0, 71.5], "band": ["watch", "healthy"]})
    premium = pd.DataFrame({"relationship_year": [1, 2], "premium_pct": [3.0, 9.5], "ci_low": [-1.0, 4.0],
                            "ci_high": [7.0, 15.0], "sufficient": [True, False], "n_partnership": [4, 2],
                            "n_transactional": [5, 5]})
    specs = [chart.to_dict() for chart in (
        build_calendar_yoy_chart(years), build_trajectory_chart(slopes),
        *(qbr.build_health_trend_chart(health, theme=t) for t in ("light", "dark")),
        qbr.build_premium_chart(premium, kpi_label="Quality score", model="partnership", current_year=2))]
    assert specs[0]["encoding"]["xOffset"]["field"] == "relationship_model"
    assert [row["year"] for row in datasets(specs[0])[0]] == [2024, 2024]  # the first year has no change
    assert [[row["score"] for row in d] for d in datasets(specs[2]) if "score" in d[0]] == [[62.0, 71.5]]


def test_app_theme_and_altair_theme_share_the_colour_blind_palette():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["theme"]["chartCategoricalColors"] == theme.PALETTE + [theme.GREY]
    assert {"light", "dark"} <= set(config["theme"])  # both presentation themes are configured
    for mode in ("light", "dark"):
        assert {"backgroundColor", "textColor", "primaryColor", "secondaryBackgroundColor"} <= set(
            config["theme"][mode])
        assert "backgroundColor" in config["theme"][mode]["sidebar"]


def test_quarterly_trend_names_its_periods_like_the_app_does():
    spec = build_trend_chart(trend_frame(), kpis.kpi("fcr"), grain="quarter").to_dict()
    axis = layers(spec)[0]["encoding"]["x"]["axis"]
    assert axis["labelExpr"] == "'Q' + quarter(datum.value) + ' ' + year(datum.value)"  # "Q1 2024"


def test_health_trend_of_one_engagement_needs_no_legend():
    frame = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-04-01"]), "engagement": "A · B",
                          "score": [55.0, 72.0], "band": ["watch", "healthy"]})
    lines = layers(build_health_trend_chart(frame).to_dict())[-1]
    assert lines["encoding"]["color"]["legend"] is None


def test_a_chart_of_more_than_5000_rows_is_drawn_not_refused():
    """Altair's default transformer refuses > 5,000 inline rows; the page's draw must not (a daily trend of many
    series passes it)."""
    from streamlit.testing.v1 import AppTest

    def script():
        import altair as alt
        import pandas as pd

        from ui.charts import draw_chart

        def line(frame):
            return alt.Chart(frame).mark_line().encode(x="x:Q", y="y:Q")

        draw_chart(line, pd.DataFrame({"x": range(6_001), "y": range(6_001)}))  # as the pages draw, cached

    at = AppTest.from_function(script, default_timeout=APP_RUN_CAP).run()
    assert not at.exception
    (chart,) = at.get("vega_lite_chart")
    (dataset,) = chart.proto.datasets  # Streamlit ships the inline rows as one Arrow dataset
    assert json.loads(chart.proto.spec)["data"]["name"] == dataset.name
    assert pa.ipc.open_stream(dataset.data.data).read_all().num_rows == 6_001


# From the 1280×720 screenshots (scripts/screenshots.py): text that ran past a half-width column, or ink that
# vanished on the dark theme.

def test_qbr_health_band_labels_sit_at_the_drawn_plot_edge_not_at_the_export_width():
    from charts import qbr
    health = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-04-01"]), "quarter": ["Q1 2025", "Q2 2025"],
                           "score": [62.0, 71.5], "band": ["watch", "healthy"]})
    for t in ("light", "dark"):
        spec = qbr.build_health_trend_chart(health, theme=t).to_dict()
        texts = [layer for layer in layers(spec) if layer["mark"]["type"] == "text"]
        # the page stretches the chart to its column: a fixed x of 520 px put "healthy from 70" past its right edge
        assert [layer["encoding"]["x"] for layer in texts] == [{"value": {"expr": "width"}}]


def test_premium_bars_fit_a_half_width_column_and_read_on_both_themes():
    premium = pd.DataFrame({"relationship_year": [1, 2], "premium_pct": [3.0, 9.5], "ci_low": [-1.0, 4.0],
                            "ci_high": [7.0, 15.0], "sufficient": [True, False], "n_partnership": [4, 2],
                            "n_transactional": [5, 5]})
    spec = build_premium_chart(premium).to_dict()
    bars = layers(spec)[0]["encoding"]
    assert bars["y"]["axis"]["title"] == "Partnership premium (%)" and bars["y"]["axis"]["titleAngle"] == 0
    assert bars["color"]["legend"]["columns"] == 1  # "too few engagements" was cut beside the other entry
    rules = [layer["mark"] for layer in layers(spec) if layer["mark"]["type"] == "rule"]
    assert len(rules) == 2 and all(rule["color"] == theme.MUTED for rule in rules)  # not near-black ink


def test_reason_movers_axis_title_ends_at_the_axis_end():
    movers = pd.DataFrame({"contact_reason": ["Billing"], "change": [-12.0], "direction": ["falling"],
                           "recent_contacts": [30], "prior_contacts": [42], "change_pct": [-28.6]})
    axis = build_reason_movers_chart(movers).to_dict()["encoding"]["x"]["axis"]
    assert (axis["titleAnchor"], axis["titleAlign"]) == ("end", "right")


# ---- a spec made from an earlier one of the same shape (ui.charts._spec_by_shape) --------------------------------

def spec_json(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)


@pytest.fixture
def by_shape(monkeypatch):
    """`check(build, *args, **kwargs)`: the page's spec of `build(...)` (ui.charts, templates kept across calls of
    one test) equals Altair's own, byte for byte and in its datasets' order; `.swaps` counts the specs that were
    made by swapping a template's rows."""
    from ui import charts as page_charts

    monkeypatch.setattr(page_charts, "_TEMPLATES", SpecStore(kept=64))
    swapped = page_charts._swapped

    def counting(template, frames):
        spec = swapped(template, frames)
        check.swaps += spec is not None
        return spec
    monkeypatch.setattr(page_charts, "_swapped", counting)

    def check(build, *args, **kwargs) -> dict:
        with page_charts._fast_altair():
            full = page_charts._spec_of(build(*args, **kwargs))
            mine = page_charts._spec_by_shape(build(*args, **kwargs))
        assert spec_json(mine) == spec_json(full)
        assert list(mine.get("datasets", {})) == list(full.get("datasets", {}))
        return mine
    check.swaps = 0
    yield check
    theme.enable()


def test_premium_charts_made_from_an_earlier_spec_equal_altairs_own_over_filters_kpis_and_themes(con, by_shape):
    from analytics import sample
    from analytics.filters import Filters
    from analytics.premium import NO_RELATIVE, calendar_yoy, model_curves, premium_by_relationship_year, trajectory

    sample.generate(con, interactions=10_000)
    providers = [r[0] for r in con.execute("SELECT DISTINCT provider FROM engagements ORDER BY 1").fetchall()]
    every = [Filters(), Filters(providers=tuple(providers[1:3])), Filters(start=date(2023, 1, 1))]
    drawn = 0
    for name in (theme.NAME, "default"):
        alt.theme.enable(name)
        for filters in every:
            for kpi_id in ("quality_score", "aht_seconds"):
                k = kpis.kpi(kpi_id)
                by_shape(build_model_curves_chart, model_curves(con, kpi_id, filters), k)
                premium = premium_by_relationship_year(con, kpi_id, filters)
                if not premium.empty:
                    absolute = k.unit == "fraction" or kpi_id in NO_RELATIVE
                    unit = "points" if absolute and k.unit in ("fraction", "points") else premium["diff_unit"].iloc[0]
                    by_shape(build_premium_chart, premium, measure="absolute" if absolute else "relative", unit=unit)
                by_shape(build_calendar_yoy_chart, calendar_yoy(con, kpi_id, filters))
                path = trajectory(con, kpi_id, filters)
                if not path.empty:
                    by_shape(build_trajectory_chart, path)
                drawn += 1
    assert by_shape.swaps > drawn  # most of them swapped rows into a template


def test_other_pages_charts_made_from_an_earlier_spec_equal_altairs_own(by_shape):
    k = kpis.kpi("fcr")
    for scale in (1.0, 0.5):
        by_shape(build_trend_chart, trend_frame().assign(value=lambda f: f["value"] * scale), k, grain="month")
        by_shape(build_trend_chart, trend_frame().assign(value=lambda f: f["value"] * scale), k, grain="quarter")
        drivers = pd.DataFrame({"label": ["CSAT", "AHT", "FCR"], "contribution": [4.0 * scale, -1.5, 2.5]})
        by_shape(build_drivers_waterfall, drivers, score_from=60.0, label_from="2023 Q4", label_to="2024 Q4")
        row = pd.DataFrame({"engagement": ["A · B"], "score_efficiency": [50.0 * scale], "score_innovation": [80.0]})
        by_shape(build_pillar_chart, row, {"score_efficiency": "efficiency", "score_innovation": "innovation"})
        health = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-04-01"]), "engagement": "A · B",
                               "score": [55.0 * scale, 72.0], "band": ["watch", "healthy"]})
        by_shape(build_health_trend_chart, health)
        mix = pd.DataFrame({"period": pd.to_datetime(["2024-01-01"] * 2), "channel": ["phone", "chat"],
                            "contacts": [60, 40], "share": [0.6 * scale, 0.4]})
        by_shape(build_channel_mix_chart, mix)
        season = pd.DataFrame({"year": [2023, 2024], "month": [1, 1], "value": [100.0 * scale, 120.0],
                               "index": [0.9, 1.1]})
        by_shape(build_seasonality_chart, season)
    assert by_shape.swaps == 5  # the trend charts' axis ranges come from the data: made in full


def test_a_spec_is_made_in_full_where_its_shape_is_not_provably_the_same(by_shape):
    """Datasets Altair merges or splits differently, a type Altair infers from values, a number's sign, a
    selection, a value of a type the shape does not describe: each still gives Altair's own spec."""
    import numpy as np

    def two_layers(a: pd.DataFrame, b: pd.DataFrame) -> alt.LayerChart:
        return alt.layer(alt.Chart(a).mark_line().encode(x="x:Q", y="y:Q"),
                         alt.Chart(b).mark_point().encode(x="x:Q", y="y:Q"))
    one = pd.DataFrame({"x": [1, 2], "y": [3.0, 4.0]})
    other = pd.DataFrame({"x": [1, 2], "y": [5.0, 6.0]})
    by_shape(two_layers, one, one.copy())      # one dataset
    by_shape(two_layers, one, other)           # now two
    by_shape(two_layers, other, other.copy())  # one again
    by_shape(two_layers, one, other)

    def untyped(frame: pd.DataFrame) -> alt.Chart:  # the type of "c" comes from its values
        return alt.Chart(frame).mark_bar().encode(x="c", y="y:Q")
    by_shape(untyped, pd.DataFrame({"c": pd.Series(["a", "b"], dtype=object), "y": [1.0, 2.0]}))
    by_shape(untyped, pd.DataFrame({"c": pd.Series([1, 2], dtype=object), "y": [1.0, 2.0]}))
    by_shape(untyped, pd.DataFrame({"c": pd.Series([1.5, "b"], dtype=object), "y": [1.0, 2.0]}))
    by_shape(untyped, pd.DataFrame({"c": [1, 2], "y": [1.0, 2.0]}))
    by_shape(untyped, pd.DataFrame({"c": [1.0, 2.0], "y": [1.0, 2.0]}))

    def offset(frame: pd.DataFrame, dx) -> alt.Chart:
        return alt.Chart(frame).mark_text(dx=dx).encode(x="x:Q", text="y:Q")
    by_shape(offset, one, 0.0)
    by_shape(offset, other, -0.0)
    by_shape(offset, one, 0)
    by_shape(offset, other, np.float64(1.0))   # not described: made in full
    by_shape(offset, one, np.float64(1.0))

    pick = alt.selection_point(name="pick")

    def selectable(frame: pd.DataFrame) -> alt.Chart:  # view names hash the data
        return alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q").add_params(pick)
    by_shape(selectable, one)
    by_shape(selectable, other)

    def empty_frame(frame: pd.DataFrame) -> alt.Chart:
        return alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")
    by_shape(empty_frame, one.iloc[:0])
    by_shape(empty_frame, one)
    by_shape(empty_frame, one.iloc[:0])


def test_a_column_of_python_str_objects_is_written_as_altairs_default_transformer_writes_it():
    import numpy as np
    from altair.vegalite.data import default_data_transformer

    from charts.datasets import inline_values as _inline_values

    def typed(values):
        return [[(k, type(v).__name__, v) for k, v in row.items()] for row in values["values"]]
    for column in (["partnership", "transactional", "ü", ""], ["a", None, "b", "c"], ["a", np.str_("b"), "c", "d"],
                   ["a", float("nan"), "b", "c"], ["a", 1, "b", "c"]):
        frame = pd.DataFrame({"model": pd.Series(column, dtype=object), "n": [1, 2, 3, 4]})
        for shown in (frame, frame.iloc[::-1], frame.iloc[:0]):
            assert typed(_inline_values(shown)) == typed(default_data_transformer(shown, max_rows=None))
