"""The gain-share ledger on literal rows, every figure worked out by hand in the comments."""
from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from analytics import gainshare
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from tests.builders import insert_rows

P, A = "Apex", "Care"


def _contacts(day: date, n: int, resolved: int, cost: float) -> list[dict]:
    return [{"interaction_id": f"{day}-{i}", "occurred_at": datetime(day.year, day.month, day.day, 10),
             "provider": P, "account": A, "channel": "phone", "cost": cost, "resolved_first_contact": i < resolved}
            for i in range(n)]


@pytest.fixture
def ledger_db(con):
    insert_rows(con, ENGAGEMENTS, [{"provider": P, "account": A, "relationship_model": "partnership",
                                    "contract_start": date(2024, 1, 1)}])
    # Q1 2024: 5 contacts × $8, 4 resolved → $10.00 per resolution
    # Q2 2024: 4 contacts × $9, 3 resolved → $12.00
    # Q3 2024: 2 contacts × $15, 2 resolved → $15.00
    rows = _contacts(date(2024, 2, 10), 5, 4, 8.0) + _contacts(date(2024, 5, 10), 4, 3, 9.0) \
        + _contacts(date(2024, 8, 10), 2, 2, 15.0)
    insert_rows(con, INTERACTIONS, rows, batch_id=2)
    # The provider's scorecards report $8 in Q1 (two months) and $5 in Q2; nothing in Q3.
    insert_rows(con, PERFORMANCE, [{"period": day, "provider": P, "account": A, "gain_share_savings": amount}
                                   for day, amount in ((date(2024, 1, 1), 3.0), (date(2024, 3, 1), 5.0),
                                                       (date(2024, 4, 1), 5.0))], batch_id=3)
    return con


def test_ledger_splits_savings_against_a_fixed_baseline_and_flags_the_gap(ledger_db):
    assert gainshare.save_terms(ledger_db, P, A, method=gainshare.VALUE, baseline_cost=12.0,
                                baseline_date=date(2023, 12, 31), buyer_share=0.6) == []
    ledger, terms, baseline, how = gainshare.gainshare_ledger(ledger_db, P, A, date(2024, 9, 30))
    assert baseline == 12.0 and how == "the contract's figure as of 31 Dec 2023" and terms.provider_share == 0.4
    assert ledger["quarter"].tolist() == ["Q1 2024", "Q2 2024", "Q3 2024"]
    assert ledger["resolutions"].tolist() == [4.0, 3.0, 2.0]
    assert ledger["cost_per_resolution"].tolist() == [10.0, 12.0, 15.0]
    # (12 − 10) × 4 = 8; (12 − 12) × 3 = 0; (12 − 15) × 2 = −6
    assert ledger["savings"].tolist() == [8.0, 0.0, -6.0]
    assert ledger["buyer_savings"].round(2).tolist() == [4.8, 0.0, -3.6]
    assert ledger["provider_savings"].round(2).tolist() == [3.2, 0.0, -2.4]
    # reported 8 = computed 8 (no flag); reported 5 vs computed 0 (flag); Q3 not reported (no flag)
    assert ledger["reported"].tolist()[:2] == [8.0, 5.0] and math.isnan(ledger["reported"].iloc[2])
    assert ledger["gap"].tolist()[:2] == [0.0, 5.0]
    assert ledger["gap_flag"].tolist() == [False, True, False]
    last = ledger.iloc[-1]
    assert (last["savings_to_date"], round(last["buyer_to_date"], 2), round(last["provider_to_date"], 2),
            last["reported_to_date"]) == (2.0, 1.2, 0.8, 13.0)


def test_baseline_from_the_contracts_first_six_months(ledger_db):
    assert gainshare.save_terms(ledger_db, P, A, method=gainshare.FIRST_6_MONTHS, baseline_cost=None,
                                baseline_date=None, buyer_share=0.5) == []
    ledger, _, baseline, how = gainshare.gainshare_ledger(ledger_db, P, A, date(2024, 9, 30))
    # Jan–Jun 2024: ($40 + $36) / (4 + 3) resolutions
    assert baseline == pytest.approx(76 / 7) and "first 6 months" in how
    assert ledger["savings"].iloc[0] == pytest.approx((76 / 7 - 10.0) * 4)


def test_without_terms_the_ledger_shows_costs_and_reported_savings_but_computes_none(ledger_db):
    ledger, terms, baseline, how = gainshare.gainshare_ledger(ledger_db, P, A, date(2024, 6, 30))
    assert terms is None and baseline is None and how == "no gain-share terms recorded"
    assert len(ledger) == 2 and ledger["savings"].isna().all() and not ledger["gap_flag"].any()


def test_terms_are_validated_with_the_fix_named(con):
    errors = gainshare.save_terms(con, P, A, method=gainshare.VALUE, baseline_cost=None, baseline_date=None,
                                  buyer_share=1.5)
    assert errors == [
        "Baseline cost per resolution: enter the contract's figure (a positive amount), or choose the contract's "
        "first 6 months as the baseline.",
        "Buyer's share: 1.5 is not between 0 and 1 (0 % to 100 %).",
    ]
    assert gainshare.terms(con, P, A) is None


def test_saving_terms_again_replaces_them(con):
    gainshare.save_terms(con, P, A, method=gainshare.VALUE, baseline_cost=9.0, baseline_date=None, buyer_share=0.5)
    gainshare.save_terms(con, P, A, method=gainshare.FIRST_6_MONTHS, baseline_cost=9.0, baseline_date=None,
                         buyer_share=0.7)
    t = gainshare.terms(con, P, A)
    assert (t.baseline_method, t.baseline_cost, t.buyer_share) == (gainshare.FIRST_6_MONTHS, None, 0.7)
