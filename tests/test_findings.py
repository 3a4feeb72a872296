"""Findings: each statement's number matches its analysis; nothing is said without the data for it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import db
from analytics.claims import TRAJECTORY_CLAIM, claim_check
from analytics.filters import Filters
from analytics.findings import (COLUMNS, DATA_FINDERS, busiest_month, channel_shift, data_findings, findings,
                               partnership_premiums, reason_shift)
from analytics.insight import channel_mix, reason_movers
from analytics.premium import premium_by_relationship_year, trajectory
from statsmodels.stats.proportion import confint_proportions_2indep
from tests.builders import insert_rows, load
from tests.builders import EIGHT
from tests.builders import load_independent as load_premium


def contact(day: str, channel: str = "phone", reason: str | None = None) -> dict:
    return dict(provider="P", account="A", occurred_at=f"{day} 12:00:00", channel=channel, contact_reason=reason)


def test_no_findings_on_an_empty_database(con):
    frame = findings(con, Filters())
    assert frame.empty and list(frame.columns) == COLUMNS


def test_no_findings_on_a_tiny_database(con):
    insert_rows(con, "interactions", [contact("2024-01-05", "chat", "Billing"), contact("2024-06-05", "phone"),
                                      contact("2025-01-05", "email", "Setup")], batch_id=3)
    load(con, {"P1": [80, 85], "T1": [70, 60]}, {"P1": "partnership", "T1": "transactional"})
    assert findings(con, Filters()).empty


def test_channel_shift_states_the_biggest_move_in_share_between_first_and_last_quarter(con):
    mix = {"2024-02-10": {"phone": 80, "chat": 20}, "2024-05-10": {"phone": 70, "chat": 30},
           "2024-08-10": {"phone": 60, "chat": 30, "email": 10},
           "2024-11-10": {"phone": 40, "chat": 40, "email": 20}}
    insert_rows(con, "interactions", [contact(day, channel) for day, counts in mix.items()
                                      for channel, n in counts.items() for _ in range(n)])
    (finding,) = channel_shift(con, Filters())
    # the change in share with Newcombe's interval, computed independently by statsmodels
    low, high = confint_proportions_2indep(40, 100, 80, 100, method="newcomb", compare="diff")
    assert finding.headline == ("Phone fell from 80 % to 40 % of contacts between Q1 2024 and Q4 2024 "
                                f"(-40.0 points, 95 % CI {low * 100:+.1f} to {high * 100:+.1f}; 100 and 100 contacts)")
    assert finding.value == pytest.approx(40 / 100)
    assert (finding.ci_low, finding.ci_high) == pytest.approx((0.8 + low, 0.8 + high))
    assert finding.period == "Q1 2024–Q4 2024" and finding.n == 100


def test_channel_shift_needs_four_quarters_of_enough_contacts(con):
    insert_rows(con, "interactions", [contact("2024-02-10", "phone")] * 100 + [contact("2024-11-10", "chat")] * 100
                + [contact("2024-05-10", "chat")] * 99 + [contact("2024-08-10", "chat")] * 100)
    assert channel_shift(con, Filters()) == []


def test_reason_shift_reports_volumes_and_the_window(con):
    rows = ([contact("2023-09-10", reason="Device setup")] * 40 + [contact("2024-09-10", reason="Device setup")] * 100
            + [contact("2023-09-10", reason="Billing")] * 50 + [contact("2024-09-10", reason="Billing")] * 52
            + [contact("2023-07-01", reason="Billing"), contact("2024-12-31", reason="Billing")])
    insert_rows(con, "interactions", rows)
    (finding,) = reason_shift(con, Filters())
    # shares among contacts with a reason: Jul–Dec 2023 40 of 91, Jul–Dec 2024 100 of 153
    low, high = confint_proportions_2indep(100, 153, 40, 91, method="newcomb", compare="diff")
    assert finding.headline == (
        "'Device setup' contacts rose 150 % (40 → 100) in Jul–Dec 2024 vs a year earlier; its share of contacts "
        f"moved {40 / 91 * 100:.1f} % → {100 / 153 * 100:.1f} % ({(100 / 153 - 40 / 91) * 100:+.1f} points, "
        f"95 % CI {low * 100:+.1f} to {high * 100:+.1f})")
    assert finding.value == pytest.approx(150.0)
    assert finding.severity == "warning" and finding.n == 140


def test_a_reason_whose_count_fell_but_whose_share_held_is_not_a_finding(con):
    # every reason halves as the portfolio shrinks: counts fall 50 %, shares do not move
    rows = ([contact("2023-09-10", reason="Billing")] * 100 + [contact("2024-09-10", reason="Billing")] * 50
            + [contact("2023-09-10", reason="Setup")] * 100 + [contact("2024-09-10", reason="Setup")] * 50
            + [contact("2023-07-01", reason="Setup"), contact("2024-12-31", reason="Setup")])
    insert_rows(con, "interactions", rows)
    assert reason_shift(con, Filters()) == []


def test_busiest_month_averages_the_index_over_complete_years(con):
    rows = []
    for year in (2023, 2024):
        for month in range(1, 13):
            rows += [contact(f"{year}-{month:02d}-15")] * (20 if month == 12 else 10)
    insert_rows(con, "interactions", rows)
    (finding,) = busiest_month(con, Filters())
    expected = 20 / (130 / 12)
    assert finding.value == pytest.approx(expected)
    assert finding.headline.startswith(f"December is the busiest month: contacts run {(expected - 1) * 100:.0f} %")
    assert "(2023–2024; the busiest in 2 of 2 years)" in finding.headline


@pytest.fixture(scope="module")
def sample_con():
    sample = pytest.importorskip("analytics.sample", reason="analytics/sample.py is not written yet")
    connection = db.connect(":memory:")
    sample.generate(connection, interactions=20_000)  # the planted effects are found at this size too
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def sample_findings(sample_con):
    return findings(sample_con, Filters(), limit=20)


def test_sample_quality_premium_grows_after_year_two(sample_con):
    premium = premium_by_relationship_year(sample_con, "quality_score", Filters())
    solid = premium[premium["sufficient"]].set_index("relationship_year")["premium_pct"]
    early = solid[solid.index <= 2].mean()
    later = solid[solid.index >= 3].mean()
    assert later > early + 5
    assert solid[solid.index >= 3].min() > 0


def test_sample_transactional_plateau_is_flagged_and_in_the_findings(sample_con, sample_findings):
    traj = trajectory(sample_con, "quality_score", Filters()).set_index("relationship_model")
    assert traj.loc["transactional", "plateau"]
    assert traj.loc["partnership", "slope_pct_per_year"] > traj.loc["transactional", "slope_pct_per_year"]
    row = sample_findings[sample_findings["kind"] == "trajectory"].iloc[0]
    assert row["value"] == pytest.approx(traj.loc["transactional", "slope_pct_per_year"])
    assert f"{traj.loc['transactional', 'slope_pct_per_year']:+.1f} %/yr" in row["headline"]


def test_sample_channel_shift_is_found_with_the_mix_figures(sample_con, sample_findings):
    row = sample_findings[sample_findings["kind"] == "channel_shift"].iloc[0]
    mix = channel_mix(sample_con, Filters(), grain="quarter")
    last = mix[mix["period"] == mix["period"].max()].set_index("channel")["share"]
    channel = row["headline"].split(" ")[0].lower()
    assert row["value"] == pytest.approx(last[channel])
    assert channel in ("phone", "chat")


def test_sample_rising_contact_reason_is_found_with_its_volumes(sample_con, sample_findings):
    row = sample_findings[(sample_findings["kind"] == "reason_shift") & (sample_findings["value"] > 0)].iloc[0]
    assert row["headline"].startswith("'Device setup' contacts rose")
    movers = pd.concat([reason_movers(sample_con, Filters(), window_months=w) for w in (6, 12)])
    match = movers[(movers["contact_reason"] == "Device setup") & (movers["change_pct"] == row["value"])].iloc[0]
    assert f"({match['prior_contacts']:,} → {match['recent_contacts']:,})" in row["headline"]


def test_sample_premium_findings_quote_the_claim_check(sample_con, sample_findings):
    checked = claim_check(sample_con, Filters())
    checked = checked[checked["claim"] != TRAJECTORY_CLAIM].set_index("kpi")
    premiums = sample_findings[sample_findings["kind"] == "partnership_premium"].set_index("kpi")
    assert "quality_score" in premiums.index
    for kpi_id, row in premiums.iterrows():
        assert row["value"] == pytest.approx(checked.loc[kpi_id, "measured"])
        assert f"{abs(checked.loc[kpi_id, 'measured']):.1f} %" in row["headline"]


def test_sample_findings_each_carry_an_interval_or_an_n(sample_con, sample_findings):
    for row in sample_findings.itertuples():
        assert (np.isfinite(row.ci_low) and np.isfinite(row.ci_high)) or row.n > 0, row.headline
        if np.isfinite(row.ci_low) and row.kind in ("partnership_premium", "reason_shift"):
            assert not row.ci_low <= 0 <= row.ci_high, row.headline  # never an interval holding no change


def test_a_premium_whose_interval_includes_no_difference_is_not_a_finding(con):
    p, t = [80.0, 95.0, 70.0, 88.0], [78.0, 90.0, 72.0, 85.0]  # +3.4 % with an interval across 0
    load_premium(con, {**{f"P{i + 1}": [0, 0, v] for i, v in enumerate(p)},
                       **{f"T{i + 1}": [0, 0, v] for i, v in enumerate(t)}}, EIGHT)
    quality = claim_check(con, Filters()).iloc[0]
    assert quality["ci_low"] < 0 < quality["ci_high"]
    assert partnership_premiums(con, Filters()) == []


def test_findings_are_limited_and_well_formed(sample_con, sample_findings):
    top = findings(sample_con, Filters(), limit=3)
    assert len(top) == 3
    assert top["headline"].tolist() == sample_findings["headline"].head(3).tolist()
    assert set(sample_findings["severity"]) <= {"info", "good", "warning"}
    assert sample_findings["headline"].is_unique


def test_skipping_model_comparisons_for_a_few_engagements_changes_no_finding(sample_con, monkeypatch):
    """With fewer than 2 × 3 engagements picked, every model comparison is insufficient: the shortcut
    that skips them must give exactly what computing them gives."""
    from analytics import findings as module
    from analytics.filters import engagement_label

    pairs = sample_con.execute("select provider, account from engagements order by 1, 2 limit 5").fetchall()
    for picked in (pairs[:1], pairs):
        filters = Filters(engagements=tuple(engagement_label(p, a) for p, a in picked))
        fast = findings(sample_con, filters, limit=20)
        monkeypatch.setattr(module, "_too_few_engagements", lambda *args: False)
        full = findings(sample_con, filters, limit=20)
        monkeypatch.undo()
        pd.testing.assert_frame_equal(fast, full)
        assert not fast.empty  # the engagement-level finders still speak



def test_findings_given_what_the_data_finders_found_are_the_findings_computed_alone(sample_con, sample_findings,
                                                                                     monkeypatch):
    """The Overview starts the finders that read only the data early (`data_findings`) and hands their
    findings over: the same frame, and those finders do not run again."""
    import functools

    from analytics import findings as module

    data = data_findings(sample_con, Filters())
    assert list(data) == [f.__name__ for f in DATA_FINDERS]
    assert sum(map(len, data.values())) >= 3  # channel shift, reason shift, seasonality in the sample
    ran: list[str] = []

    def counted(finder):
        @functools.wraps(finder)
        def run(*args, **kwargs):
            ran.append(finder.__name__)
            return finder(*args, **kwargs)
        return run

    monkeypatch.setattr(module, "FINDERS", tuple(counted(f) for f in module.FINDERS))
    given = findings(sample_con, Filters(), limit=20, data=data)
    pd.testing.assert_frame_equal(given, sample_findings)
    assert sorted(ran) == sorted(f.__name__ for f in module.FINDERS if f.__name__ not in data)
