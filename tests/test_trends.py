"""KPI trends, tiles and freshness against figures computed by hand."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.filters import Filters
from analytics.kpi_frames import kpi_frame
from analytics.trends import data_freshness, kpi_tiles, kpi_trend, relative_change
from tests.builders import insert_rows


def contact(day: str, handle: float | None = None, channel: str = "phone", provider: str = "P",
            fcr: bool | None = None, nps: float | None = None) -> dict:
    return dict(provider=provider, account="A", occurred_at=f"{day} 12:00:00", channel=channel,
                handle_seconds=handle, resolved_first_contact=fcr, nps=nps)


def by_month(frame: pd.DataFrame, column: str) -> dict[str, float]:
    return dict(zip(frame["period"].dt.strftime("%Y-%m"), frame[column]))


def test_rolling_mean_averages_the_last_n_periods_and_skips_missing_months(con):
    handle = {"2024-01": 100.0, "2024-02": 200.0, "2024-03": 300.0, "2024-05": 500.0, "2024-06": 600.0}
    insert_rows(con, "interactions", [contact(f"{m}-10", h) for m, h in handle.items()])
    trend = kpi_trend(con, "aht_seconds", Filters(), grain="month", rolling=3)
    assert by_month(trend, "rolling_mean") == pytest.approx({
        "2024-01": 100.0, "2024-02": (100 + 200) / 2, "2024-03": (100 + 200 + 300) / 3,
        "2024-05": (300 + 500) / 2,  # April has no data: the window is Mar–May
        "2024-06": (500 + 600) / 2,
    })
    assert (trend["target"] == 420.0).all()


def test_rolling_mean_is_computed_per_split_series(con):
    insert_rows(con, "interactions", [
        contact("2024-01-05", 100.0, "phone"), contact("2024-02-05", 300.0, "phone"),
        contact("2024-01-05", 1000.0, "chat"), contact("2024-02-05", 2000.0, "chat"),
    ])
    trend = kpi_trend(con, "aht_seconds", Filters(), grain="month", split="channel", rolling=2)
    last = trend[trend["period"] == pd.Timestamp("2024-02-01")].set_index("channel")["rolling_mean"]
    assert last.to_dict() == pytest.approx({"phone": 200.0, "chat": 1500.0})
    assert list(trend.columns) == ["period", "channel", "kpi", "value", "numerator", "denominator",
                                   "rolling_mean", "target", "yoy_change", "anomaly"]


def test_yoy_change_is_relative_to_the_same_quarter_a_year_earlier(con):
    # FCR per quarter: 2023Q1 1/2, 2023Q2 1/1, 2024Q1 3/4, 2024Q3 1/1
    insert_rows(con, "interactions", [
        contact("2023-01-10", fcr=True), contact("2023-02-10", fcr=False),
        contact("2023-05-10", fcr=True),
        contact("2024-01-10", fcr=True), contact("2024-02-10", fcr=True), contact("2024-03-10", fcr=True),
        contact("2024-03-11", fcr=False),
        contact("2024-08-10", fcr=True),
    ])
    trend = kpi_trend(con, "fcr", Filters(), grain="quarter")
    yoy = by_month(trend, "yoy_change")
    assert yoy["2024-01"] == pytest.approx((3 / 4) / (1 / 2) - 1)
    assert np.isnan(yoy["2023-01"]) and np.isnan(yoy["2024-07"])  # no quarter a year earlier
    assert trend["period"].dtype.kind == "M"


def test_a_planted_spike_is_flagged_as_an_anomaly_and_nothing_else(con):
    handle = [300, 310, 295, 305, 290, 300, 315, 305, 900, 300, 295, 310]
    insert_rows(con, "interactions", [contact(f"2023-{m:02d}-15", h) for m, h in enumerate(handle, start=1)])
    trend = kpi_trend(con, "aht_seconds", Filters(), grain="month")
    flagged = trend.loc[trend["anomaly"], "period"].dt.strftime("%Y-%m").tolist()
    assert flagged == ["2023-09"]


def test_series_shorter_than_eight_points_never_flag_anomalies(con):
    handle = [300, 300, 300, 300, 300, 300, 5000]
    insert_rows(con, "interactions", [contact(f"2023-{m:02d}-15", h) for m, h in enumerate(handle, start=1)])
    assert not kpi_trend(con, "aht_seconds", Filters(), grain="month")["anomaly"].any()


def test_trend_of_a_kpi_without_target_has_nan_target(con):
    insert_rows(con, "interactions", [contact("2024-01-02", 10.0)])
    assert kpi_trend(con, "contacts", Filters(), grain="month")["target"].isna().all()


def quarterly_fcr_rows() -> list[dict]:
    # FCR: 2023Q3 1/4, 2024Q2 1/2, 2024Q3 3/4, 2024Q4 (partial, data ends Nov 15) 0/1
    return [
        contact("2023-07-10", fcr=True), contact("2023-08-10", fcr=False), contact("2023-09-10", fcr=False),
        contact("2023-09-11", fcr=False),
        contact("2024-04-10", fcr=True), contact("2024-05-10", fcr=False),
        contact("2024-07-10", fcr=True), contact("2024-08-10", fcr=True), contact("2024-09-10", fcr=True),
        contact("2024-09-30", fcr=False),
        contact("2024-11-15", fcr=False),
    ]


def test_tiles_use_the_latest_complete_period_with_its_prior_and_last_year(con):
    insert_rows(con, "interactions", quarterly_fcr_rows())
    tile = kpi_tiles(con, ["fcr"], Filters(), grain="quarter").iloc[0]
    assert tile["period_start"] == pd.Timestamp("2024-07-01")
    assert tile["period_end"] == pd.Timestamp("2024-09-30")
    assert tile["value"] == pytest.approx(3 / 4)
    assert tile["prior_value"] == pytest.approx(1 / 2)
    assert tile["prior_change"] == pytest.approx((3 / 4 - 1 / 2) / (1 / 2))
    assert tile["last_year_value"] == pytest.approx(1 / 4)
    assert tile["yoy_change"] == pytest.approx((3 / 4 - 1 / 4) / (1 / 4))
    assert tile["available"] and tile["fmt"] == "pct" and tile["direction"] == 1


@pytest.mark.parametrize("grain, current, prior, last_year", [
    # data ends Mon 2024-11-18: the week of 11 Nov is the latest complete one (ends Sun 17th, a day before)
    ("week", "2024-11-11", "2024-11-04", "2023-11-13"),
    ("month", "2024-10-01", "2024-09-01", "2023-10-01"),
    ("year", "2023-01-01", "2022-01-01", "2022-01-01"),
])
def test_tiles_at_every_grain_find_the_period_before_and_the_one_a_year_earlier(con, grain, current, prior,
                                                                                   last_year):
    # one contact a week, Mondays from 2022-01-03 to 2024-11-18, FCR yes on every third: each period's
    # value is its own share, and a year earlier is 52 weeks, 12 months or the year before
    days = pd.date_range("2022-01-03", "2024-11-18", freq="7D")
    insert_rows(con, "interactions", [contact(day.strftime("%Y-%m-%d"), fcr=i % 3 == 0)
                                      for i, day in enumerate(days)])
    tile = kpi_tiles(con, ["fcr"], Filters(), grain=grain).iloc[0]
    frame = kpi_frame(con, ["fcr"], Filters(), grain=grain).set_index("period")["value"]
    assert tile["period_start"] == pd.Timestamp(current)
    assert tile["value"] == frame[pd.Timestamp(current)]
    assert tile["prior_value"] == frame[pd.Timestamp(prior)]
    assert tile["last_year_value"] == frame[pd.Timestamp(last_year)]
    np.testing.assert_equal(tile["yoy_change"],  # NaN for a base of 0
                            relative_change(frame[pd.Timestamp(current)], frame[pd.Timestamp(last_year)]))


def test_a_tile_whose_prior_period_has_no_data_shows_no_prior_value(con):
    insert_rows(con, "interactions", [contact("2024-01-10", fcr=True), contact("2024-03-10", fcr=False),
                                      contact("2024-04-02", fcr=True)])
    tile = kpi_tiles(con, ["fcr"], Filters(), grain="month").iloc[0]
    assert tile["period_start"] == pd.Timestamp("2024-03-01")  # April is not complete
    assert tile["value"] == 0.0
    assert np.isnan(tile["prior_value"]) and np.isnan(tile["last_year_value"])  # no February, no 2023


def test_tiles_fall_back_to_the_latest_period_when_none_is_complete(con):
    insert_rows(con, "interactions", [contact("2024-10-02", fcr=True), contact("2024-10-20", fcr=False)])
    tile = kpi_tiles(con, ["fcr"], Filters(), grain="quarter").iloc[0]
    assert tile["period_start"] == pd.Timestamp("2024-10-01")
    assert tile["value"] == pytest.approx(0.5)
    assert np.isnan(tile["prior_value"]) and np.isnan(tile["prior_change"])


def test_tiles_respect_filters_and_mark_kpis_without_data_unavailable(con):
    insert_rows(con, "interactions", quarterly_fcr_rows() + [contact("2024-08-01", fcr=False, provider="Q")])
    tiles = kpi_tiles(con, ["fcr", "csat_pct"], Filters(providers=("Q",), end=date(2024, 12, 31)),
                      grain="quarter").set_index("kpi")
    assert tiles.loc["fcr", "value"] == 0.0
    assert not tiles.loc["csat_pct", "available"]
    assert np.isnan(tiles.loc["csat_pct", "value"])


def test_scorecard_month_counts_as_covering_the_whole_month_for_completeness(con):
    insert_rows(con, "performance", [
        dict(period=f"2024-{m:02d}-01", provider="P", account="A", quality_score=float(80 + m)) for m in range(1, 7)
    ])
    tile = kpi_tiles(con, ["quality_score"], Filters(), grain="quarter").iloc[0]
    assert tile["period_start"] == pd.Timestamp("2024-04-01")
    assert tile["value"] == pytest.approx((84 + 85 + 86) / 3)
    assert tile["prior_value"] == pytest.approx((81 + 82 + 83) / 3)


def test_relative_change_keeps_direction_for_negative_bases():
    assert relative_change(-5.0, -10.0) == pytest.approx(0.5)   # NPS −10 → −5 is an improvement
    assert relative_change(12.0, 10.0) == pytest.approx(0.2)
    assert np.isnan(relative_change(3.0, 0.0))


def test_data_freshness_reports_rows_and_date_span_per_dataset(con):
    insert_rows(con, "interactions", [contact("2024-01-02"), contact("2024-03-09")], batch_id=1)
    insert_rows(con, "performance", [dict(period="2024-02-01", provider="P", account="A", quality_score=80.0)],
                batch_id=2)
    fresh = data_freshness(con).set_index("dataset")
    assert fresh.loc["interactions", "rows"] == 2
    assert fresh.loc["interactions", "first_date"] == pd.Timestamp("2024-01-02")
    assert fresh.loc["interactions", "last_date"] == pd.Timestamp("2024-03-09")
    assert fresh.loc["performance", "last_date"] == pd.Timestamp("2024-02-01")
    assert fresh.loc["engagements", "rows"] == 0
    assert pd.notna(fresh.loc["interactions", "last_loaded_at"])
    assert list(fresh.index) == ["interactions", "performance", "engagements"]


@pytest.mark.parametrize("end, complete", [
    (None, "2024-01-01"),               # data ends 2024-03-30: the first quarter ends a day later, complete
    (date(2024, 3, 10), "2023-10-01"),  # ends inside March, before its first data day: the last is 10 Feb
    (date(2024, 3, 29), "2023-10-01"),  # the last day is 25 Mar: the first quarter is not complete
])
def test_tiles_find_the_last_data_day_also_when_a_date_filter_ends_inside_a_month(con, end, complete):
    # the last day is read from the monthly rollup's latest month on; a filter ending before that month's
    # first data day leaves nothing there, and the days before count
    insert_rows(con, "interactions", [contact(day, fcr=True) for day in
                                      ("2023-12-31", "2024-02-10", "2024-03-25", "2024-03-30")])
    tile = kpi_tiles(con, ["fcr"], Filters(end=end), grain="quarter").iloc[0]
    assert tile["period_start"] == pd.Timestamp(complete)


@pytest.mark.parametrize("split", [None, "channel"])
def test_a_trend_from_a_frame_shared_with_other_kpis_equals_its_own_read(con, split):
    # the Trends page reads every chosen KPI in one kpi_frame and hands it to each trend
    insert_rows(con, "interactions", [contact(f"2024-{m:02d}-{d:02d}", handle=100.0 * m + d, fcr=d % 2 == 0,
                                              nps=float(d % 11), channel=("phone", "chat")[d % 2])
                                      for m in range(1, 13) for d in (3, 14, 25)]
                + [contact("2025-02-03", handle=900.0, fcr=True, channel="email")])
    insert_rows(con, "performance", [dict(period=f"2024-{m:02d}-01", provider="P", account="A",
                                          quality_score=80.0 + m) for m in range(1, 13)], batch_id=3)
    ids = ["aht_seconds", "quality_score", "fcr", "nps", "csat_pct"]
    shared = kpi_frame(con, ids, Filters(), grain="month", by=(split,) if split else ())
    for kpi_id in ids:
        pd.testing.assert_frame_equal(kpi_trend(con, kpi_id, Filters(), grain="month", split=split, frame=shared),
                                      kpi_trend(con, kpi_id, Filters(), grain="month", split=split))
