"""The quarter's story on a literal dataset whose answers are worked out by hand below."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import kpis, qbr
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from analytics.filters import Filters
from analytics.options import filter_options
from tests.builders import insert_rows

P, A = "Apex", "Care"
CSAT = kpis.kpi("csat_pct").label  # labels come from the registry; the numbers below are worked out by hand
QUARTERS = pd.period_range("2023Q3", "2025Q2", freq="Q")  # 8 quarters; the QBR is for 2025-Q2

# Per quarter: (satisfied of 10 CSAT ratings, promoters, detractors of 10 NPS answers, handle seconds).
# CSAT 80 % and NPS 20 everywhere except: 2025-Q1 (CSAT 90 %, NPS 40), 2024-Q2 (NPS 10), 2025-Q2 (the QBR
# quarter: CSAT 70 %, NPS 0, AHT 360 s instead of 300 s).
SHAPE = {q: (8, 3, 1, 300) for q in QUARTERS}
SHAPE[pd.Period("2025Q1", "Q")] = (9, 5, 1, 300)
SHAPE[pd.Period("2024Q2", "Q")] = (8, 2, 1, 300)
SHAPE[pd.Period("2025Q2", "Q")] = (7, 3, 3, 360)


def _quarter_rows(period: pd.Period, satisfied: int, promoters: int, detractors: int, handle: int) -> list[dict]:
    day = period.start_time + pd.Timedelta(days=20)
    rows = []
    for i in range(10):
        nps = 10 if i < promoters else (3 if i < promoters + detractors else 8)
        rows.append({"interaction_id": f"{period}-{i}", "occurred_at": day.to_pydatetime(), "provider": P,
                     "account": A, "channel": "phone", "csat": 5 if i < satisfied else 2, "nps": nps,
                     "handle_seconds": handle})
    return rows


@pytest.fixture
def story_db(con):
    insert_rows(con, ENGAGEMENTS, [
        {"provider": P, "account": A, "relationship_model": "partnership", "contract_start": date(2023, 7, 1)}])
    rows = [r for q, shape in SHAPE.items() for r in _quarter_rows(q, *shape)]
    insert_rows(con, INTERACTIONS, rows, batch_id=2)
    return con


def test_what_changed_is_ranked_by_size_in_each_kpis_own_units(story_db):
    changes = qbr.quarter_changes(story_db, P, A, "2025-Q2")
    # size = |change| / band width: CSAT 0.20/0.32 = .625, NPS 40/70 = .571, CSAT vs last year .10/.32 = .3125,
    # AHT 60/300 = .2 (both comparisons), NPS vs last year 10/70 = .143, contact volume unchanged = 0.
    got = list(zip(changes["kpi"], changes["comparison"]))
    assert got[:6] == [("csat_pct", qbr.PRIOR), ("nps", qbr.PRIOR), ("csat_pct", qbr.LAST_YEAR),
                       ("aht_seconds", qbr.PRIOR), ("aht_seconds", qbr.LAST_YEAR), ("nps", qbr.LAST_YEAR)]
    assert changes["size"].head(6).round(4).tolist() == [0.625, 0.5714, 0.3125, 0.2, 0.2, 0.1429]
    top = changes.iloc[0]
    assert top["sentence"] == f"{CSAT} fell 20.0 pp to 70.0 % from Q1 2025, the lowest in 8 quarters"
    assert changes.iloc[1]["sentence"] == ("Net promoter score fell 40.0 pts to 0.0 from Q1 2025, "
                                           "the lowest in 8 quarters")
    assert changes.iloc[1]["change_text"] == "-40.0 pts"  # NPS in points, never a relative %
    assert changes.iloc[3]["sentence"] == ("Average handle time rose 20.0 % to 360 s from Q1 2025, "
                                           "the highest in 8 quarters")
    assert changes.iloc[5]["sentence"] == "Net promoter score fell 10.0 pts to 0.0 from Q2 2024"
    assert set(changes.iloc[:6]["verdict"]) == {"worse"}
    steady = changes[changes["kpi"] == "contacts"]
    assert steady["sentence"].tolist()[0] == "Contact volume held steady at 10 (as in Q1 2025)"
    assert set(steady["verdict"]) == {"neutral"}


def test_a_quarter_without_data_has_no_changes(story_db):
    assert qbr.quarter_changes(story_db, P, A, "2022-Q1").empty


def test_needs_attention_lists_kpis_below_target_with_the_gap_furthest_first(story_db):
    attention = qbr.needs_attention(story_db, P, A, "2025-Q2")
    # NPS 0 vs target 30: 30/70 = .43 of its band; CSAT 70 % vs 80 %: .10/.32 = .31; AHT 360 s beats 420 s.
    assert attention["kpi"].tolist() == ["nps", "csat_pct"]
    assert attention["sentence"].tolist() == [
        "Net promoter score is 0.0, 30.0 pts below the 30.0 target",
        f"{CSAT} is 70.0 %, 10.0 pp below the 80.0 % target",
    ]
    assert attention["status"].tolist() == ["below target", "below target"]


def test_a_kpi_past_its_band_floor_says_so(con):
    insert_rows(con, ENGAGEMENTS, [
        {"provider": P, "account": A, "relationship_model": "partnership", "contract_start": date(2023, 7, 1)}])
    insert_rows(con, PERFORMANCE, [{"period": date(2025, 4, 1), "provider": P, "account": A,
                                    "quality_score": 65.0}], batch_id=3)
    attention = qbr.needs_attention(con, P, A, "2025-Q2")
    assert attention["sentence"].tolist() == [
        "Quality score is 65.0, 20.0 pts below the 85.0 target and below the band's floor of 70.0"]
    assert attention["status"].tolist() == ["outside the band"]


def test_the_shared_provider_filter_chooses_the_engagements_offered(story_db):
    insert_rows(story_db, ENGAGEMENTS, [
        {"provider": "Northstar BPO", "account": "Retail", "relationship_model": "transactional",
         "contract_start": date(2022, 1, 1)}], batch_id=4)
    assert qbr.engagements_in_scope(story_db, Filters(providers=("Northstar BPO",))) == ["Northstar BPO · Retail"]
    assert qbr.engagements_in_scope(story_db, Filters(providers=(P,), accounts=(A,))) == [f"{P} · {A}"]
    assert qbr.engagements_in_scope(story_db, Filters(models=("transactional",))) == ["Northstar BPO · Retail"]
    assert len(qbr.engagements_in_scope(story_db, Filters())) == 2
    # the page hands over the filter options it already has: the same answer
    options = filter_options(story_db)
    for filters in (Filters(providers=("Northstar BPO",)), Filters(models=("transactional",)), Filters()):
        given = qbr.engagements_in_scope(story_db, filters, options=options)
        assert given == qbr.engagements_in_scope(story_db, filters)


def _baseline_db(con):
    # This engagement (partnership, started 2023-01) and four others, all in relationship year 3 during 2025.
    register = [(P, A, "partnership"), ("B1", "X", "partnership"), ("B2", "X", "partnership"),
                ("T1", "X", "transactional"), ("T2", "X", "transactional")]
    insert_rows(con, ENGAGEMENTS, [{"provider": p, "account": a, "relationship_model": m,
                                    "contract_start": date(2023, 1, 1)} for p, a, m in register])
    scores = {P: 90.0, "B1": 88.0, "B2": 92.0, "T1": 78.0, "T2": 82.0}
    insert_rows(con, PERFORMANCE, [{"period": date(2025, 4, 1), "provider": p, "account": a,
                                    "quality_score": scores[p]} for p, a, _ in register], batch_id=3)
    return con


def test_baseline_compares_the_engagement_with_other_engagements_at_the_same_relationship_year(con):
    frame = qbr.baseline_comparison(_baseline_db(con), P, A, "2025-Q2", kpi_ids=("quality_score",))
    row = frame.iloc[0]
    assert row["relationship_year"] == 3 and row["relationship_model"] == "partnership"
    assert row["value"] == 90.0
    # other partnerships 88 and 92 → 90; transactional 78 and 82 → 80 (this engagement left out of its own baseline)
    assert (row["partnership_mean"], row["n_partnership"]) == (90.0, 2)
    assert (row["transactional_mean"], row["n_transactional"]) == (80.0, 2)
    # a bootstrap of two engagements' values can only land between them
    assert (row["transactional_low"], row["transactional_high"]) == (78.0, 82.0)
    # resampling two engagements gives means of 78, 80 or 82 (a quarter of the draws at each end), so the 95 %
    # percentile interval is the two values themselves
    assert row["sentence"] == ("Quality score, relationship year 3: 90.0, +10.0 pts vs transactional deals at 80.0 "
                               "(95 % interval 78.0–82.0, 2 engagements) and +0.0 pts vs partnerships at 90.0 "
                               "(95 % interval 88.0–92.0, 2 engagements)")


def test_scorecard_measures_this_quarter_and_since_the_contract_started(con):
    insert_rows(con, ENGAGEMENTS, [
        {"provider": P, "account": A, "relationship_model": "partnership", "contract_start": date(2024, 1, 1)}])
    months = [(date(2023, 12, 1), 9, 9, 900.0),  # before the contract: not counted
              (date(2024, 6, 1), 2, 1, 100.0), (date(2025, 4, 1), 1, 1, 250.0), (date(2025, 5, 1), 2, 0, 250.0)]
    insert_rows(con, PERFORMANCE, [{"period": d, "provider": P, "account": A, "innovations": i,
                                    "governance_meetings": g, "gain_share_savings": s} for d, i, g, s in months],
                batch_id=3)
    frame = qbr.scorecard_quarter(con, P, A, "2025-Q2").set_index("measure")
    assert frame.loc["innovations", ["quarter_total", "to_date_total"]].tolist() == [3.0, 5.0]
    assert frame.loc["governance_meetings", ["quarter_total", "to_date_total"]].tolist() == [1.0, 2.0]
    assert frame.loc["gain_share_savings", "sentence"] == (
        "Gain-share savings (scorecard): $500 this quarter, $600 since the contract started")


def test_quarter_labels_are_checked():
    assert qbr.parse_quarter("2025-Q3") == (date(2025, 7, 1), date(2025, 9, 30))
    with pytest.raises(ValueError, match="2025-Q3"):
        qbr.parse_quarter("2025-Q5")


def test_a_qbr_opens_on_the_latest_quarter_the_engagements_own_data_covers(con):
    """Two files of different ends in one database: each engagement opens on its own latest full quarter,
    not the database's (which would show the earlier one a quarter with no data)."""
    insert_rows(con, PERFORMANCE, [
        dict(provider="Early", account="A", period=f"2024-{m:02d}-01", quality_score=80.0) for m in range(1, 13)
    ] + [dict(provider="Late", account="B", period=f"2025-{m:02d}-01", quality_score=80.0) for m in range(1, 12)]
      + [dict(provider="Brief", account="C", period="2025-08-01", quality_score=80.0)], batch_id=7)
    quarters = tuple(f"{y}-Q{q}" for y in (2025, 2024) for q in (4, 3, 2, 1))  # newest first, as the page lists them
    assert qbr.default_quarter(con, "Early", "A", quarters) == "2024-Q4"
    # the last scorecard is November's (its month starts 1 Nov): Q4 is not complete, Q3 is
    assert qbr.default_quarter(con, "Late", "B", quarters) == "2025-Q3"
    # one month inside Q3 only: no complete quarter, so the quarter holding it
    assert qbr.default_quarter(con, "Brief", "C", quarters) == "2025-Q3"
    assert qbr.default_quarter(con, "Nobody", "Z", quarters) == "2025-Q4"


def test_the_engagements_own_year_read_on_its_rows_alone_is_the_portfolio_querys(con):
    """qbr.own_year_values (what the QBR reads) gives the rows of qbr.own_baseline_values in the relationship
    year at the quarter's end: a contract starting mid-month (its anniversary months split by day), a model
    change mid-month, scorecard months, a channel filter and a date filter that cuts a month."""
    from analytics.model_history import record_model_change

    insert_rows(con, ENGAGEMENTS, [{"provider": P, "account": A, "relationship_model": "transactional",
                                    "contract_start": date(2022, 3, 15)}])
    days = pd.date_range("2022-01-01", "2025-06-30", freq="9D")
    insert_rows(con, INTERACTIONS, [
        {"interaction_id": f"i{n}", "occurred_at": day.to_pydatetime(), "provider": P, "account": A,
         "channel": ("phone", "chat")[n % 2], "csat": 1 + n % 5, "cost": 3.0 + (n % 7) * 0.37,
         "resolved_first_contact": n % 3 != 0} for n, day in enumerate(days)], batch_id=2)
    insert_rows(con, PERFORMANCE, [{"period": month.date(), "provider": P, "account": A,
                                    "quality_score": 80.0 + (n % 9) * 1.1}
                                   for n, month in enumerate(pd.date_range("2022-01-01", "2025-06-01", freq="MS"))],
                batch_id=3)
    record_model_change(con, P, A, "partnership", date(2024, 5, 20))
    for filters in (Filters(), Filters(channels=("chat",)), Filters(start=date(2023, 2, 10))):
        for quarter in ("2025-Q2", "2024-Q2", "2023-Q1", "2022-Q1"):
            year = qbr.relationship_year_at(con, P, A, qbr.parse_quarter(quarter)[1])[1]
            own = qbr.own_year_values(con, P, A, quarter, filters)
            for kpi_id in qbr.BASELINE_KPIS:
                expected = qbr.own_baseline_values(con, P, A, quarter, filters, kpi_id)
                expected = expected[expected["relationship_year"] == year]
                got = own[kpi_id]
                assert list(got["relationship_model"]) == list(expected["relationship_model"])
                assert list(got["relationship_year"]) == list(expected["relationship_year"])
                for column in ("value", "numerator", "denominator"):
                    assert got[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=1e-12)
            if quarter == "2024-Q2":  # the year of the model change holds both models
                assert list(own["csat_pct"]["relationship_model"]) == ["partnership", "transactional"]
