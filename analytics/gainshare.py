"""Gain-share: the shared-savings ledger partnerships are built on.

The contract fixes a baseline cost per resolution — a value as of a date, or the cost per
resolution measured over the contract's first 6 months — and a split of the savings between
buyer and provider. Each quarter,

    savings = (baseline − actual cost per resolution) × resolutions

split buyer/provider by the contract's shares, set beside the gain-share savings the
provider's scorecard reports for the same quarter; a gap larger than `GAP_TOLERANCE` of the
computed savings (or of the reported figure when nothing was computed) is flagged.

Actual cost per resolution and resolutions come from the interactions (cost / contacts
resolved on first contact, the `cost_per_resolution` KPI's parts); a quarter without
interaction costs falls back to the scorecard (its cost per resolution × contacts handled ×
reported FCR). Savings are negative when the cost rose above the baseline: the ledger shows
them so a reader sees the overspend, although contracts usually share positive savings only.

The terms live in `gainshare_terms`, one row per provider × account.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import db, query
from analytics.periods import format_date, format_period
from analytics.thresholds import GAP_TOLERANCE

VALUE, FIRST_6_MONTHS = "value", "first_6_months"
METHODS = (VALUE, FIRST_6_MONTHS)
METHOD_LABELS = {VALUE: "A fixed value as of a date", FIRST_6_MONTHS: "The contract's first 6 months"}
LEDGER_COLUMNS = ["quarter", "period", "source", "resolutions", "cost_per_resolution", "baseline", "savings",
                  "buyer_savings", "provider_savings", "reported", "gap", "gap_flag", "savings_to_date",
                  "buyer_to_date", "provider_to_date", "reported_to_date"]


@dataclass(frozen=True)
class GainShareTerms:
    provider: str
    account: str
    baseline_method: str          # value | first_6_months
    baseline_cost: float | None   # the contract's figure when baseline_method == value
    baseline_date: date | None    # the date that figure is as of
    buyer_share: float            # 0–1; the provider gets 1 − buyer_share

    @property
    def provider_share(self) -> float:
        return 1.0 - self.buyer_share


def terms(con: duckdb.DuckDBPyConnection, provider: str, account: str) -> GainShareTerms | None:
    """The engagement's gain-share terms, or None when none were recorded."""
    row = query.one(con,
        "select baseline_method, baseline_cost, baseline_date, buyer_share from gainshare_terms"
        " where provider = ? and account = ?", [provider, account])
    if row is None:
        return None
    method, cost, day, share = row
    return GainShareTerms(provider, account, method, None if cost is None else float(cost), day, float(share))


def validate_terms(method: str, baseline_cost: float | None, baseline_date: date | None,
                   buyer_share: float) -> list[str]:
    """Error messages for terms a user entered (empty when they are valid)."""
    errors = []
    if method not in METHODS:
        errors.append(f"Baseline method {method!r} is not one of {', '.join(METHODS)}.")
    if method == VALUE and (baseline_cost is None or not baseline_cost > 0):
        errors.append("Baseline cost per resolution: enter the contract's figure (a positive amount), "
                      "or choose the contract's first 6 months as the baseline.")
    if not (buyer_share == buyer_share and 0.0 <= buyer_share <= 1.0):
        errors.append(f"Buyer's share: {buyer_share!r} is not between 0 and 1 (0 % to 100 %).")
    return errors


def save_terms(con: duckdb.DuckDBPyConnection, provider: str, account: str, *, method: str,
               baseline_cost: float | None, baseline_date: date | None, buyer_share: float) -> list[str]:
    """Validate and store (insert or replace) the engagement's terms; returns error messages."""
    errors = validate_terms(method, baseline_cost, baseline_date, buyer_share)
    if errors:
        return errors
    with db.write_transaction(con) as cur:
        query.run(cur,
            "insert or replace into gainshare_terms (provider, account, baseline_method, baseline_cost,"
            " baseline_date, buyer_share, updated_at) values (?, ?, ?, ?, ?, ?, current_timestamp)",
            [provider, account, method, baseline_cost if method == VALUE else None,
             baseline_date if method == VALUE else None, float(buyer_share)])
    return []


def _contract_start(con: duckdb.DuckDBPyConnection, provider: str, account: str) -> date | None:
    row = query.one(con, "select min(contract_start) from engagements where provider = ? and account = ?",
                         [provider, account])
    return row[0] if row else None


def baseline_cost(con: duckdb.DuckDBPyConnection, t: GainShareTerms) -> tuple[float | None, str]:
    """(baseline cost per resolution, how it was set) for the terms; (None, why) when it cannot be set."""
    return _baseline_cost(con, t, None if t.baseline_method == VALUE else _contract_start(con, t.provider, t.account))


def _baseline_cost(con: duckdb.DuckDBPyConnection, t: GainShareTerms, start: date | None) -> tuple[float | None, str]:
    """`baseline_cost` given the engagement's contract start (`_contract_start`)."""
    if t.baseline_method == VALUE:
        as_of = f" as of {format_date(t.baseline_date)}" if t.baseline_date else ""
        return t.baseline_cost, f"the contract's figure{as_of}"
    if start is None:
        return None, "the register has no contract start for this engagement"
    row = query.one(con,
        """
        select sum(cost_sum) / nullif(sum(resolved_cost_n), 0)
        from rollup_monthly
        where provider = $provider and account = $account
          and day >= $start and day < $start + interval 6 month
        """, {"provider": t.provider, "account": t.account, "start": start})
    if row[0] is None:
        row = query.one(con,
            "select avg(cost_per_resolution) from performance where provider = $provider and account = $account"
            " and period >= $start and period < $start + interval 6 month",
            {"provider": t.provider, "account": t.account, "start": start})
        if row[0] is None:
            return None, "no costs were loaded for the contract's first 6 months"
        return float(row[0]), "the scorecards' cost per resolution over the contract's first 6 months"
    return float(row[0]), "the cost per resolution over the contract's first 6 months"


_LEDGER_SQL = query.load("marts/gainshare_ledger")


def gainshare_ledger(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter_end: date
                     ) -> tuple[pd.DataFrame, GainShareTerms | None, float | None, str]:
    """The ledger of one engagement from its contract start (or first data) to `quarter_end`.

    Returns (ledger, terms, baseline, how the baseline was set). The ledger has one row per
    quarter with columns ``quarter`` (label such as 'Q3 2025'), ``period`` (quarter start),
    ``source`` (interactions | scorecard | None), ``resolutions``, ``cost_per_resolution``,
    ``baseline``, ``savings`` (NaN without terms or data), ``buyer_savings``, ``provider_savings``,
    ``reported`` (the scorecards' gain-share savings, NaN when not reported), ``gap``
    (reported − savings), ``gap_flag`` (bool), and running totals ``savings_to_date``,
    ``buyer_to_date``, ``provider_to_date``, ``reported_to_date``.
    """
    t = terms(con, provider, account)
    start = _contract_start(con, provider, account)  # read once: the baseline of the first 6 months needs it too
    baseline, how = (None, "no gain-share terms recorded") if t is None else _baseline_cost(con, t, start)
    first_quarter = pd.Timestamp(start or date(1900, 1, 1)).to_period("Q").start_time.date()
    frame = query.frame(con, _LEDGER_SQL, {"provider": provider, "account": account, "end": quarter_end,
                                           "from": first_quarter})
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in LEDGER_COLUMNS}), t, baseline, how
    # on the columns' arrays (the same elementwise arithmetic as pandas' column operations, without a frame
    # assignment, alignment and copy per step), the frame built once at the end
    resolutions = frame["resolutions"].to_numpy(dtype="float64")
    cost = frame["cost_per_resolution"].to_numpy(dtype="float64")
    reported = frame["reported"].to_numpy(dtype="float64")
    period = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
    base = np.full(len(frame), np.nan if baseline is None else baseline, dtype="float64")
    savings = (base - cost) * resolutions
    share = float("nan") if t is None else t.buyer_share
    buyer, provider_part = savings * share, savings * (1.0 - share)
    gap = reported - savings
    with np.errstate(invalid="ignore"):  # NaN compares false, as in pandas
        scale = np.where(np.abs(savings) > 0, np.abs(savings), np.abs(reported))
        flag = (np.abs(gap) > GAP_TOLERANCE * scale) & ~np.isnan(reported) & ~np.isnan(savings)
    columns = {"quarter": period.map(format_period), "period": period,
               "source": frame["source"], "resolutions": resolutions, "cost_per_resolution": cost,
               "baseline": base, "savings": savings, "buyer_savings": buyer, "provider_savings": provider_part,
               "reported": reported, "gap": gap, "gap_flag": flag}
    for column, total in (("savings", "savings_to_date"), ("buyer_savings", "buyer_to_date"),
                          ("provider_savings", "provider_to_date"), ("reported", "reported_to_date")):
        values = columns[column]
        known = ~np.isnan(values)
        columns[total] = np.where(np.maximum.accumulate(known), np.cumsum(np.where(known, values, 0.0)), np.nan)
    return pd.DataFrame({c: columns[c] for c in LEDGER_COLUMNS}), t, baseline, how
