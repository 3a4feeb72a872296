"""Checking the published partnership claims (PRODUCT.md) against the loaded data.

Each claim becomes one measured figure with a 95 % bootstrap interval over engagements
(resampled within each model) and a verdict:

* ``insufficient`` — the KPI has no data, or either model has fewer than
  `MIN_ENGAGEMENTS` engagements behind the figure;
* ``supported`` — the interval's lower bound is above 0 *and* the point estimate is at
  least the claimed range's lower end minus `TOLERANCE_PCT` points (within or above the range);
* ``contradicted`` — the whole interval lies below the claimed range's lower end;
* ``inconclusive`` — anything else (the data neither confirms nor rules out the claim).

For the trajectory claim the measured figure is how much faster partnerships improve
than transactional deals after year three (slope of the quality curve, % of its level a
year, partnership − transactional): supported when transactional deals plateau (improve
by less than `PLATEAU_PCT` %/yr), partnerships still improve (slope > 0) and the gap's
interval lies above 0; contradicted when the gap's interval lies entirely at or below 0;
insufficient with fewer than `MIN_ENGAGEMENTS` engagements per model or fewer than two
relationship years after year three.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis
from analytics.filters import Filters
from analytics.premium import (PARTNERSHIP, TRANSACTIONAL, bootstrap_slopes, curve_slopes, percentile_ci,
                               pooled_engagement_values, premium_estimate, relationship_year_values,
                               year_matrix)

MIN_ENGAGEMENTS = 3
TOLERANCE_PCT = 2.5
PLATEAU_PCT = 2.0
COLUMNS = ["claim", "kpi", "expected", "measured", "ci_low", "ci_high", "n_partnership", "n_transactional",
           "verdict", "detail"]


@dataclass(frozen=True)
class PremiumClaim:
    claim: str
    kpi_ids: tuple[str, ...]   # the first KPI with data is measured
    low: float                 # claimed premium range, %
    high: float
    from_year: int             # relationship years pooled: >= from_year
    wording: str               # what the premium means, for the detail sentence


PREMIUM_CLAIMS = (
    PremiumClaim("Partnerships score 15–20 % higher on quality after year two", ("quality_score",), 15, 20, 3,
                 "higher quality score in relationship years 3+"),
    PremiumClaim("Partnerships implement 20–25 % more innovations a year", ("innovations",), 20, 25, 1,
                 "more innovations implemented"),
    PremiumClaim("Partnerships are 10–15 % more cost-efficient at steady state",
                 ("cost_per_resolution", "vendor_cost_per_resolution"), 10, 15, 3,
                 "lower cost per resolution in relationship years 3+"),
)
TRAJECTORY_CLAIM = "Transactional deals plateau after year three while partnerships keep improving"
TRAJECTORY_KPI = "quality_score"
TRAJECTORY_AFTER_YEAR = 3


def _verdict(point: float, low: float, high: float, claimed_low: float, n_p: int, n_t: int) -> str:
    if n_p < MIN_ENGAGEMENTS or n_t < MIN_ENGAGEMENTS or not np.isfinite(point):
        return "insufficient"
    if np.isfinite(low) and low > 0 and point >= claimed_low - TOLERANCE_PCT:
        return "supported"
    if np.isfinite(high) and high < claimed_low:
        return "contradicted"
    return "inconclusive"


def _premium_row(con: duckdb.DuckDBPyConnection, claim: PremiumClaim, filters: Filters, n_boot: int,
                 seed: int, index: int) -> dict:
    expected = f"+{claim.low:g}–{claim.high:g} %"
    kpi_id, values = claim.kpi_ids[0], pd.DataFrame()
    for candidate in claim.kpi_ids:
        found = relationship_year_values(con, candidate, filters)
        if not found.empty:
            kpi_id, values = candidate, found
            break
    k = kpis.kpi(kpi_id)
    row = {"claim": claim.claim, "kpi": kpi_id, "expected": expected, "measured": np.nan, "ci_low": np.nan,
           "ci_high": np.nan, "n_partnership": 0, "n_transactional": 0}
    if values.empty:
        return {**row, "verdict": "insufficient",
                "detail": f"No {k.label.lower()} data for engagements in the register within the filters."}
    pooled = pooled_engagement_values(values, kpi_id, from_year=claim.from_year)
    p = pooled.loc[pooled["relationship_model"] == PARTNERSHIP, "value"].to_numpy(dtype="float64")
    t = pooled.loc[pooled["relationship_model"] == TRANSACTIONAL, "value"].to_numpy(dtype="float64")
    point, low, high = premium_estimate(p, t, direction=k.direction, n_boot=n_boot, seed=[seed, index])
    row.update(measured=point, ci_low=low, ci_high=high, n_partnership=int(p.size), n_transactional=int(t.size))
    verdict = _verdict(point, low, high, claim.low, p.size, t.size)
    counts = f"{p.size} partnership vs {t.size} transactional engagements"
    if verdict == "insufficient":
        detail = (f"Too few engagements with {k.label.lower()} data from relationship year {claim.from_year}: "
                  f"{counts}; at least {MIN_ENGAGEMENTS} of each are needed.")
    else:
        detail = (f"Partnerships show {point:+.1f} % {claim.wording} (95 % CI {low:+.1f} to {high:+.1f} %, "
                  f"{counts}); the claim is {expected}.")
    return {**row, "verdict": verdict, "detail": detail}


def _trajectory_row(con: duckdb.DuckDBPyConnection, filters: Filters, n_boot: int, seed: int) -> dict:
    k = kpis.kpi(TRAJECTORY_KPI)
    expected = (f"transactional < +{PLATEAU_PCT:g} %/yr after year {TRAJECTORY_AFTER_YEAR}; "
                "partnerships still improving")
    row = {"claim": TRAJECTORY_CLAIM, "kpi": k.id, "expected": expected, "measured": np.nan, "ci_low": np.nan,
           "ci_high": np.nan, "n_partnership": 0, "n_transactional": 0}
    values = relationship_year_values(con, k.id, filters)
    (pm, py), (tm, ty) = (year_matrix(values, m, after_year=TRAJECTORY_AFTER_YEAR)
                          for m in (PARTNERSHIP, TRANSACTIONAL))
    row.update(n_partnership=int(pm.shape[0]), n_transactional=int(tm.shape[0]))
    if min(pm.shape[0], tm.shape[0]) < MIN_ENGAGEMENTS or min(py.size, ty.size) < 2:
        return {**row, "verdict": "insufficient",
                "detail": (f"Needs at least {MIN_ENGAGEMENTS} engagements of each model with {k.label.lower()} "
                           f"in 2 or more relationship years after year {TRAJECTORY_AFTER_YEAR}; found "
                           f"{pm.shape[0]} partnership and {tm.shape[0]} transactional.")}
    p_slope = float(curve_slopes(pm[None], py, k.direction)[1][0])
    t_slope = float(curve_slopes(tm[None], ty, k.direction)[1][0])
    gap_samples = (bootstrap_slopes(pm, py, k.direction, n_boot=n_boot, seed=[seed, 10])
                   - bootstrap_slopes(tm, ty, k.direction, n_boot=n_boot, seed=[seed, 11]))
    gap = p_slope - t_slope
    low, high = percentile_ci(gap_samples)
    row.update(measured=gap, ci_low=low, ci_high=high)
    if t_slope < PLATEAU_PCT and p_slope > 0 and np.isfinite(low) and low > 0:
        verdict = "supported"
    elif np.isfinite(high) and high <= 0:
        verdict = "contradicted"
    else:
        verdict = "inconclusive"
    detail = (f"After year {TRAJECTORY_AFTER_YEAR}, {k.label.lower()} moves {t_slope:+.1f} %/yr for transactional "
              f"deals and {p_slope:+.1f} %/yr for partnerships: a gap of {gap:+.1f} points a year "
              f"(95 % CI {low:+.1f} to {high:+.1f}).")
    return {**row, "verdict": verdict, "detail": detail}


def claim_check(con: duckdb.DuckDBPyConnection, filters: Filters, *, n_boot: int = 2000,
                seed: int = 7) -> pd.DataFrame:
    """Each published claim measured on the loaded data, with a verdict (see the module docstring).

    Claims 1–3 pool each engagement's KPI over the claim's relationship years (quality and cost:
    years ≥ 3; innovations: all years) and compare the model means as a premium in % (positive
    = partnership better; for cost, cheaper). Cost uses interaction cost per resolution, or the
    scorecard's figure when interactions carry no cost. Claim 4 compares the trajectories of
    quality score after year three (see `premium.trajectory`).

    Returns one row per claim with columns ``claim``, ``kpi``, ``expected`` (text, e.g.
    '+15–20 %'), ``measured`` (premium %, or for claim 4 the slope gap in points/yr),
    ``ci_low``, ``ci_high``, ``n_partnership``, ``n_transactional``, ``verdict``
    (supported | contradicted | inconclusive | insufficient) and ``detail`` (a sentence).
    """
    rows = [_premium_row(con, claim, filters, n_boot, seed, i) for i, claim in enumerate(PREMIUM_CLAIMS)]
    rows.append(_trajectory_row(con, filters, n_boot, seed))
    return pd.DataFrame(rows, columns=COLUMNS).astype(
        {"measured": "float64", "ci_low": "float64", "ci_high": "float64", "n_partnership": "int64",
         "n_transactional": "int64"})
