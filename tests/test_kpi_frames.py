"""kpi_frame / available_kpis against figures computed by hand from literal rows."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import kpi_frames
from analytics.contracts import PERFORMANCE
from analytics.filters import Filters
from analytics.kpis import kpi_ids
from analytics.kpi_frames import available_kpis, kpi_frame, period_start
from tests.builders import empty_database, insert_rows, read_only

ROWS = [
    # provider, account, day, channel, fcr, handle, csat (5-pt), nps
    ("P1", "A1", "2024-01-03", "phone", True, 300.0, 5, 10),
    ("P1", "A1", "2024-01-15", "phone", False, 500.0, 3, 9),
    ("P1", "A1", "2024-01-20", "chat", True, 200.0, 4, 7),
    ("P1", "A1", "2024-02-02", "chat", None, 260.0, None, 3),
    ("P1", "A1", "2024-02-28", "phone", False, None, 2, 9),
    ("P2", "A2", "2024-01-10", "phone", True, 600.0, 5, 10),
    ("P2", "A2", "2024-02-11", "chat", False, 420.0, 1, 0),
    ("P2", "A2", "2024-04-01", "email", True, 100.0, 4, 6),
    ("P2", "A2", "2024-05-30", "phone", True, 700.0, None, None),
]
MODELS = {("P1", "A1"): "partnership", ("P2", "A2"): "transactional"}


def as_dicts(rows=ROWS):
    return [dict(provider=p, account=a, occurred_at=f"{d} 09:30:00", channel=c, resolved_first_contact=f,
                 handle_seconds=h, csat=s, nps=n) for (p, a, d, c, f, h, s, n) in rows]


def load_rows(con):
    insert_rows(con, "interactions", as_dicts(), batch_id=1)
    insert_rows(con, "engagements", [dict(provider=p, account=a, relationship_model=m, contract_start="2020-01-01")
                                     for (p, a), m in MODELS.items()], batch_id=2)
    return con


@pytest.fixture(scope="module")
def loaded_database(schema_template):
    con = load_rows(empty_database(schema_template))
    yield con
    con.close()


@pytest.fixture
def loaded(loaded_database):
    """ROWS and MODELS, loaded once for the module: the tests only read them (checked after each)."""
    yield from read_only(loaded_database, "; use load_rows(con)")


def month(day: str) -> str:
    return day[:7]


def quarter(day: str) -> tuple[int, int]:
    return int(day[:4]), (int(day[5:7]) - 1) // 3 + 1


def fcr_of(rows):
    flags = [r[4] for r in rows if r[4] is not None]
    return sum(flags) / len(flags)


def aht_of(rows):
    times = [r[5] for r in rows if r[5] is not None]
    return sum(times) / len(times)


def values(frame, kpi, key_columns):
    part = frame[frame["kpi"] == kpi]
    return {tuple(str(v)[:7] if c == "period" else v for c, v in zip(key_columns, row[:-1])): row[-1]
            for row in part[[*key_columns, "value"]].itertuples(index=False)}


def test_fcr_and_aht_per_month_match_hand_computed_ratios(loaded):
    frame = kpi_frame(loaded, ["fcr", "aht_seconds"], Filters(), grain="month")
    months = sorted({month(r[2]) for r in ROWS})
    expected_fcr = {(m,): fcr_of([r for r in ROWS if month(r[2]) == m]) for m in months}
    expected_aht = {(m,): aht_of([r for r in ROWS if month(r[2]) == m]) for m in months}
    assert values(frame, "fcr", ["period"]) == pytest.approx(expected_fcr)
    assert values(frame, "aht_seconds", ["period"]) == pytest.approx(expected_aht)
    assert frame["period"].dtype.kind == "M"


def test_quarter_grain_recombines_numerators_and_denominators(loaded):
    frame = kpi_frame(loaded, ["fcr"], Filters(), grain="quarter")
    q1 = [r for r in ROWS if quarter(r[2]) == (2024, 1)]
    q2 = [r for r in ROWS if quarter(r[2]) == (2024, 2)]
    got = frame.set_index(frame["period"].dt.strftime("%Y-%m"))
    assert got.loc["2024-01", "value"] == pytest.approx(fcr_of(q1))
    assert got.loc["2024-04", "value"] == pytest.approx(fcr_of(q2))
    assert got.loc["2024-01", "numerator"] == sum(1 for r in q1 if r[4])
    assert got.loc["2024-01", "denominator"] == sum(1 for r in q1 if r[4] is not None)


def test_nps_is_promoters_minus_detractors_over_responses_times_100(loaded):
    frame = kpi_frame(loaded, ["nps"], Filters(), grain=None)
    scores = [r[7] for r in ROWS if r[7] is not None]
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    assert frame["value"].item() == pytest.approx((promoters - detractors) / len(scores) * 100)


def test_csat_counts_top_two_box_on_a_five_point_scale(loaded):
    frame = kpi_frame(loaded, ["csat_pct"], Filters(), grain=None)
    ratings = [r[6] for r in ROWS if r[6] is not None]
    assert frame["value"].item() == pytest.approx(sum(1 for s in ratings if s >= 4) / len(ratings))


def test_split_by_channel_gives_one_series_per_channel(loaded):
    frame = kpi_frame(loaded, ["aht_seconds"], Filters(), grain=None, by=("channel",))
    channels = {r[3] for r in ROWS}
    expected = {(c,): aht_of([r for r in ROWS if r[3] == c]) for c in channels}
    assert values(frame, "aht_seconds", ["channel"]) == pytest.approx(expected)


def test_split_by_relationship_model_joins_the_engagement_register(loaded):
    frame = kpi_frame(loaded, ["fcr"], Filters(), grain="month", by=("relationship_model",))
    expected = {}
    for r in ROWS:
        key = (month(r[2]), MODELS[(r[0], r[1])])
        expected.setdefault(key, []).append(r)
    expected = {k: fcr_of(rs) for k, rs in expected.items() if any(r[4] is not None for r in rs)}
    assert values(frame, "fcr", ["period", "relationship_model"]) == pytest.approx(expected)


def test_engagement_split_also_returns_provider_and_account(loaded):
    frame = kpi_frame(loaded, ["contacts"], Filters(), grain=None, by=("engagement",))
    assert list(frame.columns[:3]) == ["engagement", "provider", "account"]
    assert dict(zip(frame["engagement"], frame["value"])) == {
        "P1 · A1": sum(1 for r in ROWS if r[0] == "P1"), "P2 · A2": sum(1 for r in ROWS if r[0] == "P2")}


@pytest.mark.parametrize("filters, keep", [
    (Filters(start=date(2024, 2, 1), end=date(2024, 4, 1)), lambda r: "2024-02-01" <= r[2] <= "2024-04-01"),
    (Filters(providers=("P2",)), lambda r: r[0] == "P2"),
    (Filters(models=("partnership",)), lambda r: MODELS[(r[0], r[1])] == "partnership"),
    (Filters(channels=("phone",)), lambda r: r[3] == "phone"),
    (Filters(engagements=("P2 · A2",)), lambda r: (r[0], r[1]) == ("P2", "A2")),
])
def test_filters_restrict_the_rows_behind_each_figure(loaded, filters, keep):
    frame = kpi_frame(loaded, ["aht_seconds", "contacts"], filters, grain=None)
    kept = [r for r in ROWS if keep(r)]
    got = dict(zip(frame["kpi"], frame["value"]))
    assert got["aht_seconds"] == pytest.approx(aht_of(kept))
    assert got["contacts"] == len(kept)
    assert got["aht_seconds"] != pytest.approx(aht_of(ROWS))


def test_an_engagement_filter_matches_names_that_contain_the_separator_exactly(con):
    """"A · B" + "C" and "A" + "B · C" have the same label: both match it, nothing else does."""
    rows = [("A · B", "C", 100.0), ("A", "B · C", 300.0), ("A", "B", 1000.0), ("B", "C", 5000.0)]
    insert_rows(con, "interactions", [dict(provider=p, account=a, occurred_at="2024-01-05 10:00:00",
                                           handle_seconds=h) for p, a, h in rows], batch_id=1)
    for labels, expected in [(("A · B · C",), [100.0, 300.0]), (("A · B",), [1000.0]),
                             (("A · B", "B · C"), [1000.0, 5000.0]), (("no separator",), [])]:
        frame = kpi_frame(con, ["aht_seconds", "contacts"], Filters(engagements=labels), grain=None)
        got = dict(zip(frame["kpi"], frame["value"]))
        assert got.get("contacts", 0) == len(expected), labels
        if expected:
            assert got["aht_seconds"] == pytest.approx(sum(expected) / len(expected)), labels


def test_groups_without_data_for_a_kpi_are_left_out_not_zero(loaded):
    frame = kpi_frame(loaded, ["csat_pct"], Filters(), grain="month")
    # May has one contact and no CSAT rating: no CSAT row for May
    assert "2024-05" not in set(frame["period"].dt.strftime("%Y-%m"))


def test_scorecard_kpi_is_the_mean_of_monthly_figures_and_has_no_channel_split(con):
    loaded = load_rows(con)
    insert_rows(loaded, "performance", [
        dict(period="2024-01-01", provider="P1", account="A1", quality_score=80.0),
        dict(period="2024-02-01", provider="P1", account="A1", quality_score=90.0),
        dict(period="2024-02-01", provider="P2", account="A2", quality_score=70.0),
    ], batch_id=3)
    by_quarter = kpi_frame(loaded, ["quality_score"], Filters(), grain="quarter", by=("provider",))
    assert dict(zip(by_quarter["provider"], by_quarter["value"])) == {"P1": (80 + 90) / 2, "P2": 70.0}
    assert kpi_frame(loaded, ["quality_score"], Filters(), grain="month", by=("channel",)).empty
    reasons = available_kpis(loaded, Filters(), by=("channel",)).set_index("kpi")
    assert not reasons.loc["quality_score", "available"]
    assert "channel" in reasons.loc["quality_score", "reason"]


def test_available_kpis_explains_missing_fields_instead_of_reporting_zero(con):
    insert_rows(con, "interactions", [dict(provider="P", account="A", occurred_at="2024-01-01 10:00",
                                           handle_seconds=100.0)])
    table = available_kpis(con, Filters()).set_index("kpi")
    assert table.loc["aht_seconds", "available"]
    assert table.loc["aht_seconds", "reason"] == ""
    assert not table.loc["csat_pct", "available"]
    assert table.loc["csat_pct", "reason"] == "no CSAT ratings in the loaded data"
    assert table.loc["quality_score", "reason"] == "no provider scorecards (performance rows) loaded"
    assert "csat_pct" not in set(kpi_frame(con, ["csat_pct"], Filters(), grain=None)["kpi"])


@pytest.mark.parametrize("probe_rows", [1, 2, 2048])
def test_available_kpis_agrees_with_the_totals_when_data_lies_past_the_first_rows_read(loaded, monkeypatch,
                                                                                      probe_rows):
    # available_kpis tests a few first matching rows, then only the KPIs those leave open on all rows
    monkeypatch.setattr(kpi_frames, "_PROBE_ROWS", probe_rows)
    for filters in (Filters(), Filters(providers=("P2",)), Filters(channels=("email",)),
                    Filters(start=date(2024, 4, 1)), Filters(providers=("nobody",))):
        totals = set(kpi_frame(loaded, kpi_ids(), filters, grain=None)["kpi"])
        table = available_kpis(loaded, filters)
        matching = bool(len(kpi_frame(loaded, ["contacts"], filters, grain="month")))
        assert set(table.loc[table["available"], "kpi"]) == (totals - set(kpi_ids(PERFORMANCE)) if matching
                                                               else set())


def test_available_kpis_says_when_filters_match_nothing(loaded):
    table = available_kpis(loaded, Filters(providers=("nobody",))).set_index("kpi")
    assert table.loc["fcr", "reason"] == "no interactions match the filters"


def test_unknown_grain_or_split_is_rejected_with_the_allowed_names(loaded):
    with pytest.raises(ValueError, match="week, month, quarter, year"):
        kpi_frame(loaded, ["fcr"], Filters(), grain="fortnight")
    with pytest.raises(ValueError, match="relationship_model"):
        kpi_frame(loaded, ["fcr"], Filters(), grain=None, by=("agent_id",))


def test_empty_database_gives_an_empty_frame_with_the_promised_columns(con):
    frame = kpi_frame(con, ["fcr", "quality_score"], Filters(), grain="month", by=("engagement",))
    assert frame.empty
    assert list(frame.columns) == ["period", "engagement", "provider", "account", "kpi", "value", "numerator",
                                   "denominator"]


@pytest.mark.parametrize("grain, expected", [
    ("week", "2024-05-13"), ("month", "2024-05-01"), ("quarter", "2024-04-01"), ("year", "2024-01-01")])
def test_period_start_matches_duckdb_date_trunc(con, grain, expected):
    duck = con.execute("select cast(date_trunc(?, date '2024-05-19') as date)", [grain]).fetchone()[0]
    assert period_start(date(2024, 5, 19), grain) == pd.Timestamp(duck) == pd.Timestamp(expected)
