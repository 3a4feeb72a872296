"""Longitudinal customer insight against figures computed by hand from literal rows."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from analytics import rollups
from analytics.filters import Filters
from analytics.insight import (channel_mix, movers_window, reason_movers, repeat_contacts, seasonality,
                               segment_trends)
from analytics.kpi_frames import kpi_frame
from tests.builders import insert_rows


def contact(when: str, *, channel: str = "phone", reason: str | None = None, segment: str | None = None,
            customer: str | None = None, account: str = "A", provider: str = "P", handle: float | None = None) -> dict:
    stamp = when if " " in when else f"{when} 12:00:00"
    return dict(provider=provider, account=account, occurred_at=stamp, channel=channel, contact_reason=reason,
                customer_segment=segment, customer_id=customer, handle_seconds=handle)


def test_channel_shares_are_each_channels_fraction_of_the_quarters_contacts(con):
    rows = ([contact("2024-01-10", channel="phone")] * 3 + [contact("2024-02-10", channel="chat")]
            + [contact("2024-04-10", channel="phone")] + [contact("2024-05-10", channel="chat")] * 3)
    insert_rows(con, "interactions", rows)
    mix = channel_mix(con, Filters(), grain="quarter")
    got = {(p.strftime("%Y-%m"), c): (n, s) for p, c, n, s in mix[["period", "channel", "contacts", "share"]]
           .itertuples(index=False)}
    assert got == {("2024-01", "phone"): (3, pytest.approx(3 / 4)), ("2024-01", "chat"): (1, pytest.approx(1 / 4)),
                   ("2024-04", "phone"): (1, pytest.approx(1 / 4)), ("2024-04", "chat"): (3, pytest.approx(3 / 4))}
    assert mix.groupby("period")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_channel_mix_respects_filters_and_labels_missing_channels(con):
    insert_rows(con, "interactions", [contact("2024-01-10", channel=None), contact("2024-01-11", channel="chat"),
                                      contact("2024-01-12", channel="chat", provider="Q")])
    mix = channel_mix(con, Filters(providers=("P",)), grain="month")
    assert dict(zip(mix["channel"], mix["share"])) == {"Not recorded": 0.5, "chat": 0.5}


def test_reason_movers_compare_the_last_full_months_with_the_same_months_a_year_earlier(con):
    rows = (
        [contact("2023-06-15", reason="Billing")] * 9          # before the prior window: ignored
        + [contact("2023-07-15", reason="Billing")] * 10 + [contact("2023-12-31", reason="Setup")] * 4
        + [contact("2023-09-01", reason="Outage")] * 2
        + [contact("2024-07-01", reason="Billing")] * 3 + [contact("2024-10-15", reason="Setup")] * 12
        + [contact("2024-12-31", reason="Outage")] * 2
        + [contact("2025-01-03", reason="Setup")] * 50          # partial January: not a full month
    )
    insert_rows(con, "interactions", rows)
    movers = reason_movers(con, Filters(), window_months=6, top=5).set_index("contact_reason")
    assert movers.loc["Setup", ["recent_contacts", "prior_contacts", "change"]].tolist() == [12, 4, 8]
    assert movers.loc["Setup", "change_pct"] == pytest.approx(200.0)
    assert movers.loc["Setup", "direction"] == "rising"
    assert movers.loc["Billing", ["recent_contacts", "prior_contacts", "change"]].tolist() == [3, 10, -7]
    assert movers.loc["Billing", "direction"] == "falling"
    assert "Outage" not in movers.index  # unchanged: neither rising nor falling
    # shares of the window's contacts with a reason: prior 10 + 4 + 2 = 16, recent 3 + 12 + 2 = 17
    assert movers.loc["Setup", ["prior_share", "recent_share"]].tolist() == pytest.approx([4 / 16, 12 / 17])
    assert movers.loc["Setup", "share_change"] == pytest.approx(100 * (12 / 17 - 4 / 16))
    low, high = confint_proportions_2indep(12, 17, 4, 16, method="newcomb", compare="diff")
    assert movers.loc["Setup", ["share_ci_low", "share_ci_high"]].tolist() == pytest.approx([100 * low, 100 * high])
    first = movers.iloc[0]
    assert (first["recent_start"], first["recent_end"], first["prior_start"], first["prior_end"]) == (
        pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-31"), pd.Timestamp("2023-07-01"), pd.Timestamp("2023-12-31"))


def test_reason_movers_take_the_top_n_each_way_by_absolute_change(con):
    rows = []
    for reason, prior, recent in (("a", 1, 5), ("b", 1, 9), ("c", 1, 3), ("d", 9, 1), ("e", 5, 4)):
        rows += [contact("2023-03-10", reason=reason)] * prior + [contact("2024-03-10", reason=reason)] * recent
    insert_rows(con, "interactions", rows + [contact("2024-03-31", reason="a")])
    movers = reason_movers(con, Filters(), window_months=1, top=2)
    assert list(zip(movers["contact_reason"], movers["direction"])) == [
        ("b", "rising"), ("a", "rising"), ("d", "falling"), ("e", "falling")]
    assert movers.set_index("contact_reason").loc["a", "recent_contacts"] == 6


def test_reason_movers_are_empty_when_history_does_not_reach_a_year_back(con):
    insert_rows(con, "interactions", [contact("2024-02-10", reason="x"), contact("2024-12-31", reason="x")])
    assert movers_window(con, Filters(), window_months=6) is None
    movers = reason_movers(con, Filters())
    assert movers.empty and "change_pct" in movers.columns


def test_reason_movers_with_a_date_filter_off_month_boundaries_count_the_days_within_it(con):
    # a start mid-month reads the daily rollup: the span's first month is the first day's month, and only the
    # days from the start on count (the 2023-07-05 contacts fall before it)
    rows = ([contact("2023-07-05", reason="Billing")] * 5 + [contact("2023-07-20", reason="Billing")] * 2
            + [contact("2024-07-20", reason="Billing")] * 6 + [contact("2024-12-31", reason="Setup")])
    insert_rows(con, "interactions", rows)
    filters = Filters(start=date(2023, 7, 10))
    assert movers_window(con, filters, window_months=6) == (
        pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-31"), pd.Timestamp("2023-07-01"), pd.Timestamp("2023-12-31"))
    movers = reason_movers(con, filters, window_months=6).set_index("contact_reason")
    assert movers.loc["Billing", ["recent_contacts", "prior_contacts"]].tolist() == [6, 2]
    assert movers.loc["Setup", ["recent_contacts", "prior_contacts"]].tolist() == [1, 0]


def test_reason_movers_are_empty_when_the_windows_hold_no_reasons(con):
    # reasons only before the prior window, contacts without one in both windows: the span is there, no movers
    rows = ([contact("2023-01-10", reason="Billing")] * 3 + [contact("2023-08-10")] * 2
            + [contact("2024-08-10")] * 4 + [contact("2024-12-31")])
    insert_rows(con, "interactions", rows)
    assert movers_window(con, Filters(), window_months=6) is not None
    movers = reason_movers(con, Filters(), window_months=6)
    assert movers.empty and list(movers.columns)[:3] == ["contact_reason", "recent_contacts", "prior_contacts"]


def test_segment_share_change_is_in_points_against_the_previous_year(con):
    rows = ([contact("2023-05-01", segment="Gold")] * 1 + [contact("2023-05-01", segment="Basic")] * 3
            + [contact("2024-05-01", segment="Gold")] * 1 + [contact("2024-05-01", segment="Basic")] * 1
            + [contact("2025-05-01", segment="New")] * 1)
    insert_rows(con, "interactions", rows)
    trends = segment_trends(con, Filters(), grain="year")
    got = {(p.year, s): c for p, s, c in trends[["period", "customer_segment", "share_change"]].itertuples(index=False)}
    assert got[(2024, "Gold")] == pytest.approx((1 / 2 - 1 / 4) * 100)
    assert got[(2024, "Basic")] == pytest.approx((1 / 2 - 3 / 4) * 100)
    assert got[(2025, "New")] == pytest.approx(100.0)       # absent in 2024 counts as share 0
    assert pd.isna(got[(2023, "Gold")])


def test_seasonality_index_is_the_month_over_that_years_monthly_mean(con):
    counts = {"2024-01": 2, "2024-02": 4, "2024-03": 6, "2025-01": 10, "2025-02": 30}
    rows = [contact(f"{m}-05") for m, n in counts.items() for _ in range(n)]
    insert_rows(con, "interactions", rows)
    season = seasonality(con, Filters())
    got = {(y, m): (v, i) for y, m, v, i in season.itertuples(index=False)}
    assert got[(2024, 2)] == (4.0, pytest.approx(4 / ((2 + 4 + 6) / 3)))
    assert got[(2025, 1)] == (10.0, pytest.approx(10 / 20))
    assert list(season.columns) == ["year", "month", "value", "index"]


def test_seasonality_of_a_ratio_kpi_uses_the_months_ratio(con):
    insert_rows(con, "interactions", [contact("2024-01-05", handle=100), contact("2024-01-06", handle=300),
                                      contact("2024-02-05", handle=400)])
    season = seasonality(con, Filters(), kpi_id="aht_seconds")
    assert season["value"].tolist() == [200.0, 400.0]
    assert season["index"].tolist() == pytest.approx([200 / 300, 400 / 300])


def test_repeat_contacts_count_contacts_within_n_days_of_the_same_customers_previous_one(con):
    rows = [
        contact("2024-01-01 09:00:00", customer="c1"),
        contact("2024-01-05 09:00:00", customer="c1"),   # 4 days after: repeat
        contact("2024-01-20 09:00:00", customer="c1"),   # 15 days: not
        contact("2024-01-27 09:00:00", customer="c1"),   # exactly 7 days: repeat
        contact("2024-01-03 09:00:00", customer="c2"),
        contact("2024-02-02 09:00:00", customer="c2"),   # 30 days: not
        contact("2024-02-04 09:00:00", customer="c2"),   # 2 days: repeat, counted in February
        contact("2024-01-10 09:00:00", customer="c3"),
        contact("2024-01-10 09:00:00", customer="c3"),   # same moment: not a repeat of each other
        contact("2024-01-06 09:00:00", customer=None),   # no id: not counted
    ]
    insert_rows(con, "interactions", rows)
    # 8 days reads raw rows (7 days is served from ingest's is_repeat flags, tested below)
    weekly = repeat_contacts(con, Filters(), days=8, grain="month")
    assert weekly[["contacts", "repeat_contacts"]].values.tolist() == [[7, 2], [2, 1]]
    assert weekly["repeat_rate"].tolist() == pytest.approx([2 / 7, 1 / 2])
    wider = repeat_contacts(con, Filters(), days=30, grain="month")
    assert wider["repeat_contacts"].tolist() == [3, 2]


def test_repeat_contacts_with_seven_days_agree_with_the_repeat_rate_kpi(con):
    rows = [contact(f"2024-03-{d:02d} 10:00:00", customer=c, channel=ch)
            for d, c, ch in ((1, "a", "phone"), (3, "a", "chat"), (4, "b", "chat"), (20, "b", "phone"),
                             (22, "b", "chat"), (28, "a", "phone"))]
    insert_rows(con, "interactions", rows)
    con.execute("""update interactions i set is_repeat = exists (select 1 from interactions j
                   where j.customer_id = i.customer_id and j.occurred_at < i.occurred_at
                   and j.occurred_at >= i.occurred_at - interval 7 days)""")
    rollups.rebuild(con)
    chat = Filters(channels=("chat",))
    kpi = kpi_frame(con, ["repeat_rate"], chat, grain="month")
    frame = repeat_contacts(con, chat, days=7)
    # chat contacts: a on the 3rd (after phone on the 1st: repeat), b on the 4th, b on the 22nd (repeat)
    assert frame[["contacts", "repeat_contacts"]].values.tolist() == [[3, 2]]
    assert frame["repeat_rate"].tolist() == pytest.approx(kpi["value"].tolist())


def test_repeat_contacts_look_back_before_the_date_filter(con):
    insert_rows(con, "interactions", [contact("2024-01-20", customer="c1"), contact("2024-01-30", customer="c1"),
                                      contact("2024-02-02", customer="c1"), contact("2024-02-20", customer="c1")])
    feb = repeat_contacts(con, Filters(start=date(2024, 2, 1)), days=6)
    assert feb[["contacts", "repeat_contacts"]].values.tolist() == [[2, 1]]


def test_repeat_contacts_empty_without_customer_ids(con):
    insert_rows(con, "interactions", [contact("2024-01-30"), contact("2024-02-02")])
    for days in (6, 7):  # raw rows and stored flags alike
        frame = repeat_contacts(con, Filters(), days=days)
        assert frame.empty and list(frame.columns) == ["period", "contacts", "repeat_contacts", "repeat_rate"]


def test_repeat_contacts_over_seven_days_come_from_the_stored_repeat_flags(con):
    rows = [contact("2024-01-01 09:00:00", customer="c1") | {"is_repeat": False},
            contact("2024-01-05 09:00:00", customer="c1") | {"is_repeat": True},
            contact("2024-02-02 09:00:00", customer="c2") | {"is_repeat": False},
            contact("2024-02-03 09:00:00", customer=None)]
    insert_rows(con, "interactions", rows)
    weekly = repeat_contacts(con, Filters(), days=7, grain="month")
    assert weekly[["contacts", "repeat_contacts"]].values.tolist() == [[2, 1], [1, 0]]
