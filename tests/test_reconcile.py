"""Vendor-reported scorecard figures against the same KPIs recomputed from interactions."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.filters import Filters
from analytics import kpis, reconcile
from analytics.reconcile import vendor_vs_recomputed
from tests.builders import insert_rows

JAN = [  # provider P, account A, January 2024: FCR 3/4, AHT 400 s, CSAT 2/4 satisfied (5-point)
    (True, 300.0, 5, "phone"), (True, 500.0, 4, "phone"), (True, 350.0, 3, "chat"), (False, 450.0, 1, "chat"),
]
FEB = [(True, 200.0, 5, "phone"), (False, 400.0, 5, "phone")]  # FCR 1/2, AHT 300 s, CSAT 2/2


def interactions(month: str, rows) -> list[dict]:
    return [dict(provider="P", account="A", occurred_at=f"2024-{month}-{i + 10} 10:00", resolved_first_contact=f,
                 handle_seconds=h, csat=s, channel=c) for i, (f, h, s, c) in enumerate(rows)]


@pytest.fixture
def reconciled(con):
    insert_rows(con, "interactions", interactions("01", JAN) + interactions("02", FEB), batch_id=1)
    insert_rows(con, "performance", [
        # January: FCR matches, AHT within 20 s, CSAT overstated by 30 points (planted gap)
        dict(period="2024-01-01", provider="P", account="A", reported_fcr=0.75, reported_aht_seconds=415.0,
             reported_csat_pct=0.80),
        # February: FCR overstated by 5 points, AHT off by 60 s, no CSAT reported
        dict(period="2024-02-01", provider="P", account="A", reported_fcr=0.55, reported_aht_seconds=360.0),
        # March: reported, but there are no interactions to recompute from
        dict(period="2024-03-01", provider="P", account="A", reported_fcr=0.9),
    ], batch_id=2)
    return con


def test_gaps_are_reported_minus_recomputed_and_large_ones_are_flagged(reconciled):
    result = vendor_vs_recomputed(reconciled, Filters())
    got = {(p.strftime("%Y-%m"), k): (g, f) for p, k, g, f in
           result[["period", "kpi", "gap", "flagged"]].itertuples(index=False)}
    jan_fcr = sum(r[0] for r in JAN) / len(JAN)
    jan_aht = sum(r[1] for r in JAN) / len(JAN)
    jan_csat = sum(1 for r in JAN if r[2] >= 4) / len(JAN)
    feb_fcr = sum(r[0] for r in FEB) / len(FEB)
    feb_aht = sum(r[1] for r in FEB) / len(FEB)
    assert got == {
        ("2024-01", "fcr"): (pytest.approx(0.75 - jan_fcr), False),
        ("2024-01", "aht_seconds"): (pytest.approx(415.0 - jan_aht), False),
        ("2024-01", "csat_pct"): (pytest.approx(0.80 - jan_csat), True),
        ("2024-02", "fcr"): (pytest.approx(0.55 - feb_fcr), True),
        ("2024-02", "aht_seconds"): (pytest.approx(360.0 - feb_aht), True),
    }
    assert list(result.columns) == ["engagement", "provider", "account", "period", "kpi", "reported", "recomputed",
                                    "gap", "flagged"]
    assert (result["engagement"] == "P · A").all()


def test_custom_tolerance_overrides_the_default_for_that_kpi_only(reconciled):
    result = vendor_vs_recomputed(reconciled, Filters(), tolerance={"aht_seconds": 100.0})
    flagged = result.set_index([result["period"].dt.strftime("%Y-%m"), "kpi"])["flagged"]
    assert not flagged[("2024-02", "aht_seconds")]
    assert flagged[("2024-02", "fcr")]


def test_channel_filters_do_not_slice_the_recomputed_side(reconciled):
    whole = vendor_vs_recomputed(reconciled, Filters())
    sliced = vendor_vs_recomputed(reconciled, Filters(channels=("phone",)))
    pd.testing.assert_frame_equal(whole, sliced)


def test_date_filters_limit_the_months_compared(reconciled):
    from datetime import date
    result = vendor_vs_recomputed(reconciled, Filters(start=date(2024, 2, 1)))
    assert set(result["period"].dt.strftime("%Y-%m")) == {"2024-02"}


def test_unknown_tolerance_kpi_is_rejected(reconciled):
    with pytest.raises(ValueError, match="fcr, aht_seconds, csat_pct"):
        vendor_vs_recomputed(reconciled, Filters(), tolerance={"nps": 5})


@pytest.mark.parametrize("side", ["interactions only", "scorecards only", "nothing"])
def test_a_missing_side_gives_an_empty_typed_comparison_not_an_error(con, side):
    # A buyer's first upload is often a contact-center export alone (no scorecards), or scorecards alone.
    if side == "interactions only":
        insert_rows(con, "interactions", interactions("01", JAN), batch_id=1)
    elif side == "scorecards only":
        insert_rows(con, "performance", [dict(period="2024-01-01", provider="P", account="A", reported_fcr=0.75,
                                              reported_aht_seconds=415.0)], batch_id=2)
    both = vendor_vs_recomputed(con, Filters())
    assert both.empty
    assert list(both.columns) == ["engagement", "provider", "account", "period", "kpi", "reported", "recomputed",
                                  "gap", "flagged"]
    assert str(both["gap"].dtype) == "float64" and str(both["flagged"].dtype) == "bool"


def test_the_default_tolerances_are_the_registry_entries_in_the_tables_order(reconciled):
    assert reconcile.DEFAULT_TOLERANCE == {"fcr": 0.03, "aht_seconds": 20.0, "csat_pct": 0.03}
    assert list(reconcile.DEFAULT_TOLERANCE) == ["fcr", "aht_seconds", "csat_pct"]
    assert {k.id: k.reconcile_tolerance for k in kpis.KPIS if k.reconcile_tolerance is not None} == \
        reconcile.DEFAULT_TOLERANCE
    # the table lists a month's KPIs in that order, not the registry's (aht_seconds comes first there)
    result = vendor_vs_recomputed(reconciled, Filters())
    assert list(result.loc[result["period"] == "2024-01-01", "kpi"]) == ["fcr", "aht_seconds", "csat_pct"]
