"""Checking the published partnership claims (PRODUCT.md) against the loaded data.

The four claims are the *primary hypotheses*: each gets one measured figure with a 95 %
interval (analytics/premium.py: Welch t over provider/account clusters), a p-value of "no
difference", and a Holm-adjusted p-value across the four (family-wise error 5 %). The verdict
places the interval against the claimed band — never a "supported" that reads as proof:

* ``insufficient data`` — the KPI has no data, or a side has fewer than `MIN_UNITS` clusters;
* ``no difference`` — the Holm-adjusted p-value is 0.05 or more and the interval does not
  reach the band (the data cannot tell partnerships from transactional deals, and the claimed
  size is ruled out);
* ``within`` — the whole interval lies inside the claimed band;
* ``above`` / ``below`` — the whole interval lies above / below the band;
* ``imprecise`` — the interval overlaps the band without lying inside it (too wide to say).

The trajectory claim ("transactional deals plateau after year three while partnerships keep
improving") is tested from engagement-level slopes after year three (`premium.trajectory`):
the measured figure is the transactional slope (% of level a year) with its 90 % interval, the
band is the plateau margin ±`PLATEAU_PCT`, so ``within`` means equivalence is shown (two
one-sided tests at 5 %), ``below`` means regressing; the partnership slope's 95 % interval must
lie above 0 for "keep improving" — when it does not, a ``within``/``below`` verdict becomes
``imprecise``. Its p-value tests the gap (partnership slope − transactional slope) by Welch t.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, premium, stats
from analytics.filters import Filters
from analytics.premium import PARTNERSHIP, TRANSACTIONAL, premium_estimate, relationship_year_values
from analytics.thresholds import ALPHA, MIN_UNITS, PLATEAU_PCT

VERDICTS = ("within", "above", "below", "imprecise", "no difference", "insufficient data")
COLUMNS = ["claim", "kpi", "expected", "band_low", "band_high", "measured", "ci_low", "ci_high", "confidence",
           "n_partnership", "n_transactional", "p_value", "p_adjusted", "verdict", "detail"]
_DTYPES = {"measured": "float64", "ci_low": "float64", "ci_high": "float64", "n_partnership": "int64",
           "n_transactional": "int64", "p_value": "float64", "p_adjusted": "float64", "band_low": "float64",
           "band_high": "float64", "confidence": "float64"}


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
# every KPI the check may read (a cost claim reads its second KPI only when the first has no data)
CLAIM_KPIS = tuple(dict.fromkeys([*(i for c in PREMIUM_CLAIMS for i in c.kpi_ids), TRAJECTORY_KPI]))


def _pooled(coded: premium.Coded, kpi_id: str, *, from_year: int):
    """`pooled_units` as arrays: (model per unit, unit id, cluster mean, engagements per unit), in the
    frame's order (model, then unit). Groups on the integer codes of `coded`; sums and means are
    pandas' own (the same compensated summation as a frame group-by), so every figure is the same to
    the last bit."""
    k = kpis.kpi(kpi_id)
    rows = np.flatnonzero(coded.year >= from_year)
    groups, group_of = np.unique(coded.row_keys(rows), return_inverse=True)
    numerator = pd.Series(coded.numerator[rows]).groupby(group_of).sum().to_numpy()
    if k.denominator is None:
        value = numerator * k.scale
    else:
        denominator = pd.Series(coded.denominator[rows]).groupby(group_of).sum().to_numpy()
        value = numerator / np.where(denominator != 0, denominator, np.nan) * k.scale
    keep = ~np.isnan(value)
    first, value = rows[premium.first_of(group_of, groups.size)][keep], value[keep]
    model = coded.model[first]
    unit = premium.cluster_labels(model, coded.provider[first], coded.account[first])
    pairs, pair_of = np.unique(model * (int(unit.max(initial=0)) + 1) + unit, return_inverse=True)
    means = pd.Series(value).groupby(pair_of).mean().to_numpy(dtype="float64")
    engagements = np.bincount(pair_of, minlength=pairs.size).astype("int64")
    pair_first = premium.first_of(pair_of, pairs.size)
    return coded.model_labels[model[pair_first]], unit[pair_first], means, engagements


def pooled_units(values: pd.DataFrame, kpi_id: str, *, from_year: int) -> pd.DataFrame:
    """Each engagement's KPI over relationship years >= `from_year` (sums divided last), averaged
    per cluster. Returns columns ``relationship_model``, ``unit``, ``value``, ``engagements``."""
    model, unit, value, engagements = _pooled(premium.Coded(values), kpi_id, from_year=from_year)
    return pd.DataFrame({"relationship_model": pd.Series(model, dtype=values["relationship_model"].dtype),
                         "unit": unit, "value": value, "engagements": engagements})


def band_verdict(low: float, high: float, band_low: float, band_high: float, p_adjusted: float) -> str:
    """The verdict vocabulary for an interval against a claimed band (see the module docstring)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "insufficient data"
    placed = stats.place_in_band(low, high, band_low, band_high)
    if placed == "below" and not (p_adjusted < ALPHA):
        return "no difference"
    return placed


def _values_reader(con: duckdb.DuckDBPyConnection, filters: Filters, given: dict[str, pd.DataFrame] | None = None):
    """`relationship_year_values` for this claim check, each KPI read once (quality serves two claims)
    and coded once (`premium.Coded`); `given`: frames the caller already read for these filters, by KPI id.
    Returns a function KPI id → (frame, its `Coded`)."""
    read: dict[str, pd.DataFrame] = dict(given or {})
    coded: dict[str, premium.Coded] = {}

    def values_of(kpi_id: str) -> tuple[pd.DataFrame, premium.Coded]:
        if kpi_id not in read:
            read[kpi_id] = relationship_year_values(con, kpi_id, filters)
        if kpi_id not in coded:
            coded[kpi_id] = _coded(read[kpi_id], [(read[i], c) for i, c in coded.items()])
        return read[kpi_id], coded[kpi_id]
    return values_of


_TEXT_KEYS = ("engagement", "provider", "account", "relationship_model")


def _coded(values: pd.DataFrame, known: list[tuple[pd.DataFrame, premium.Coded]]) -> premium.Coded:
    """`premium.Coded(values)`, its text columns' codes taken from a frame already coded when they hold the same
    text row for row (the KPIs of one source usually keep the same rows: coding four text columns again costs
    about 2 ms a KPI). The codes are a function of the text alone, so they are the same either way."""
    for frame, done in known:
        if done.frame is not None and len(frame) == len(values) and all(
                frame[c].dtype == values[c].dtype and frame[c].equals(values[c]) for c in _TEXT_KEYS):
            return done.take(np.arange(len(values))).read_values(values)
    return premium.Coded(values)


def _premium_row(con: duckdb.DuckDBPyConnection, claim: PremiumClaim, filters: Filters, values_of=None) -> dict:
    expected = f"+{claim.low:g}–{claim.high:g} %"
    values_of = values_of or _values_reader(con, filters)
    kpi_id, values, coded = claim.kpi_ids[0], pd.DataFrame(), None
    for candidate in claim.kpi_ids:
        found, found_coded = values_of(candidate)
        if not found.empty:
            kpi_id, values, coded = candidate, found, found_coded
            break
    k = kpis.kpi(kpi_id)
    row = {"claim": claim.claim, "kpi": kpi_id, "expected": expected, "band_low": float(claim.low),
           "band_high": float(claim.high), "measured": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "confidence": 0.95, "n_partnership": 0, "n_transactional": 0, "p_value": np.nan}
    if values.empty:
        return {**row, "detail": f"No {k.label.lower()} data for engagements in the register within the filters."}
    model, _, unit_value, unit_engagements = _pooled(coded, kpi_id, from_year=claim.from_year)
    p_units, t_units = unit_value[model == PARTNERSHIP], unit_value[model == TRANSACTIONAL]
    row.update(n_partnership=int(unit_engagements[model == PARTNERSHIP].sum()),
               n_transactional=int(unit_engagements[model == TRANSACTIONAL].sum()))
    counts = (f"{row['n_partnership']} partnership vs {row['n_transactional']} transactional engagements "
              f"in {len(p_units)} and {len(t_units)} independent provider/account groups")
    if len(p_units) < MIN_UNITS or len(t_units) < MIN_UNITS:
        return {**row, "detail": (f"Too few to estimate: {counts} with {k.label.lower()} data from relationship "
                                  f"year {claim.from_year}; at least {MIN_UNITS} groups on each side are needed.")}
    estimate = premium_estimate(p_units, t_units, k)
    row.update(measured=estimate["premium_pct"], ci_low=estimate["ci_low"], ci_high=estimate["ci_high"],
               p_value=estimate["p_value"])
    row["detail"] = (f"Partnerships show {row['measured']:+.1f} % {claim.wording} (95 % CI {row['ci_low']:+.1f} to "
                     f"{row['ci_high']:+.1f} %, {counts}); the claim is {expected}.")
    return row


def _trajectory_row(con: duckdb.DuckDBPyConnection, filters: Filters, values_of=None) -> dict:
    k = kpis.kpi(TRAJECTORY_KPI)
    expected = (f"transactional within ±{PLATEAU_PCT:g} %/yr after year {TRAJECTORY_AFTER_YEAR} (or falling); "
                "partnerships rising")
    row = {"claim": TRAJECTORY_CLAIM, "kpi": k.id, "expected": expected, "band_low": -PLATEAU_PCT,
           "band_high": PLATEAU_PCT, "measured": np.nan, "ci_low": np.nan, "ci_high": np.nan, "confidence": 0.90,
           "n_partnership": 0, "n_transactional": 0, "p_value": np.nan, "partnership_improving": False}
    values, coded = (values_of or _values_reader(con, filters))(k.id)
    rows, per_unit = premium.trajectory_parts(values, k, after_year=TRAJECTORY_AFTER_YEAR,
                                              plateau_margin_pct=PLATEAU_PCT, coded=coded)
    # the rows by model, as `premium.trajectory_frame` would hold them (the records, without the frame's lookups)
    traj = {r["relationship_model"]: r for r in rows}
    for model, column in ((PARTNERSHIP, "n_partnership"), (TRANSACTIONAL, "n_transactional")):
        if model in traj:
            row[column] = int(traj[model]["n_engagements"])
    if not {PARTNERSHIP, TRANSACTIONAL} <= set(traj) or min(r["units"] for r in rows) < MIN_UNITS:
        return {**row, "detail": (f"Too few to estimate: needs at least {MIN_UNITS} independent provider/account "
                                  f"groups of each model with {k.label.lower()} in 2 or more relationship years "
                                  f"after year {TRAJECTORY_AFTER_YEAR}; found {row['n_partnership']} partnership "
                                  f"and {row['n_transactional']} transactional engagements.")}
    t, p = traj[TRANSACTIONAL], traj[PARTNERSHIP]
    gap = stats.welch_difference(per_unit[PARTNERSHIP], per_unit[TRANSACTIONAL])
    row.update(measured=float(t["slope_pct_per_year"]), ci_low=float(t["ci90_low"]), ci_high=float(t["ci90_high"]),
               p_value=gap.p_value, partnership_improving=bool(p["improving"]))
    row["detail"] = (f"After year {TRAJECTORY_AFTER_YEAR}, {k.label.lower()} moves {t['slope_pct_per_year']:+.1f} %/yr "
                     f"for transactional deals (90 % CI {t['ci90_low']:+.1f} to {t['ci90_high']:+.1f}) and "
                     f"{p['slope_pct_per_year']:+.1f} %/yr for partnerships (95 % CI {p['ci_low']:+.1f} to "
                     f"{p['ci_high']:+.1f}), from each engagement's own trend; a plateau is within "
                     f"±{PLATEAU_PCT:g} %/yr.")
    return row


def claim_check(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                values: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Each published claim measured on the loaded data, with a verdict (see the module docstring).

    Claims 1–3 pool each engagement's KPI over the claim's relationship years (quality and cost:
    years ≥ 3; innovations: all years), average engagements into provider/account clusters and
    compare the sides as a relative premium in % (positive = partnership better; for cost,
    cheaper). Cost uses interaction cost per resolution, or the scorecard's figure when
    interactions carry no cost. Claim 4 is the trajectory test.

    Returns one row per claim with columns ``claim``, ``kpi``, ``expected`` (text),
    ``band_low``/``band_high`` (the claimed band, %), ``measured`` (premium %, or for claim 4 the
    transactional slope in %/yr), ``ci_low``/``ci_high`` (its interval at ``confidence``),
    ``n_partnership``, ``n_transactional`` (engagements), ``p_value`` (no difference),
    ``p_adjusted`` (Holm over the four claims), ``verdict`` (one of `VERDICTS`) and ``detail``.

    `values`: `relationship_year_values(con, kpi_id, filters)` frames the caller already has, by KPI
    id (the Premium page and the Overview read the quality values anyway); other KPIs are read here.
    """
    values_of = _values_reader(con, filters, values)
    rows = [_premium_row(con, claim, filters, values_of) for claim in PREMIUM_CLAIMS]
    rows.append(_trajectory_row(con, filters, values_of))
    adjusted = stats.holm([r["p_value"] for r in rows])
    for row, p_adj in zip(rows, adjusted):
        row["p_adjusted"] = p_adj
        verdict = band_verdict(row["ci_low"], row["ci_high"], row["band_low"], row["band_high"], p_adj)
        if row["claim"] == TRAJECTORY_CLAIM:
            # "plateau or regress": below the margin is consistent with the claim, not "no difference"
            if verdict == "no difference":
                verdict = "below"
            if verdict in ("within", "below") and not row.pop("partnership_improving"):
                verdict = "imprecise"
            row.pop("partnership_improving", None)
        row["verdict"] = verdict
    return premium.typed_frame(rows, COLUMNS, _DTYPES)


def claims_report(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict]:
    """The claims JSON contract: one dict per claim with ``claim``, ``kpi``, ``verdict``,
    ``measured``, ``ci_low``, ``ci_high``, ``confidence``, ``band_low``, ``band_high``,
    ``p_value``, ``p_adjusted`` (Holm), ``n_partnership``, ``n_transactional``, ``detail``;
    NaN becomes null."""
    frame = claim_check(con, filters)
    out = []
    for record in frame.to_dict("records"):
        out.append({key: (None if isinstance(v, float) and not np.isfinite(v) else
                          int(v) if isinstance(v, np.integer) else v) for key, v in record.items()})
    return out


def exploratory_premiums(con: duckdb.DuckDBPyConnection, filters: Filters,
                         kpi_ids: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every KPI with a direction × relationship year: the exploratory family (the four claims, pooled
    over their years, are the primary hypotheses; no single year is).

    Each row is `premium.premium_by_relationship_year`'s estimate for one KPI and year; ``q_value`` is
    the Benjamini–Hochberg adjustment over the *whole* family (every KPI × year with an estimate), so
    the share of false "different" calls among those with q < 0.05 stays near 5 %. Read them as leads,
    not findings. `kpi_ids` narrows the family (default: every KPI with a direction).

    Returns one row per KPI × relationship year with data, columns ``kpi``, ``relationship_year``,
    ``premium_pct``, ``ci_low``, ``ci_high``, ``diff_abs``, ``diff_ci_low``, ``diff_ci_high``,
    ``diff_unit``, ``n_partnership``, ``n_transactional``, ``sufficient``, ``p_value``, ``q_value``.
    """
    from analytics.premium import premium_by_relationship_year

    frames = []
    for k in kpis.KPIS:
        if k.direction == 0 or (kpi_ids is not None and k.id not in kpi_ids):
            continue
        frame = premium_by_relationship_year(con, k.id, filters)
        if not frame.empty:
            frames.append(frame)
    columns = ["kpi", "relationship_year", "premium_pct", "ci_low", "ci_high", "diff_abs", "diff_ci_low",
               "diff_ci_high", "diff_unit", "n_partnership", "n_transactional", "sufficient", "p_value", "q_value"]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    family = pd.concat(frames, ignore_index=True)
    family["q_value"] = stats.benjamini_hochberg(family["p_value"].to_numpy(dtype="float64"))
    return family[columns]
