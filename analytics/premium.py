"""The partnership premium: partnership vs transactional engagements, aligned on relationship year.

Every engagement's months are numbered from its contract start (the register's
``contract_start``); relationship year = floor(months since start / 12) + 1, so year 1 is
the contract's first 12 months. Months before the contract-start month are left out, as
are engagements missing from the register.

Premiums compare the *mean of engagement-level values* per model, so a large engagement
counts as much as a small one, and the confidence intervals are percentile bootstraps that
resample engagements within each model independently (the engagement is the unit of
evidence, not the contact).
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, rollups
from analytics.contracts import INTERACTIONS, PERFORMANCE, RELATIONSHIP_MODELS
from analytics.db import quote_ident
from analytics.filters import ENGAGEMENT_SEPARATOR, Filters, where_clause
from analytics.kpi_frames import DATE_COLUMN, kpi_frame

PARTNERSHIP, TRANSACTIONAL = RELATIONSHIP_MODELS
_YEAR_VALUES_SQL = (Path(__file__).parent / "sql" / "relationship_year_values.sql").read_text()
CONFIDENCE = 0.95
_VALUE_COLUMNS = ["engagement", "provider", "account", "relationship_model", "relationship_year", "value",
                  "numerator", "denominator"]


def _register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select provider, account, any_value(relationship_model) as relationship_model"
        " from engagements where contract_start is not null and relationship_model is not null"
        " group by provider, account"
    ).df()


def _ratio(numerator: pd.Series, denominator: pd.Series, k: kpis.Kpi) -> pd.Series:
    if k.denominator is None:
        return numerator * k.scale
    return numerator / denominator.where(denominator != 0) * k.scale


def relationship_year_values(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters) -> pd.DataFrame:
    """One KPI per engagement and relationship year.

    The KPI's numerator and denominator (interaction KPIs from the rollups, scorecard
    KPIs from ``performance``) are summed over each relationship year and divided last;
    relationship_year = floor(datediff('month', contract_start, month) / 12) + 1
    (sql/relationship_year_values.sql).

    Returns one row per engagement × relationship year with data, columns ``engagement``,
    ``provider``, ``account``, ``relationship_model``, ``relationship_year`` (int, 1 = first
    12 months), ``value``, ``numerator``, ``denominator`` (NaN for KPIs without one).
    """
    k = kpis.kpi(kpi_id)
    date_column = DATE_COLUMN[k.source]
    predicate, params = where_clause(filters, date_column=date_column, source=k.source, alias="t")
    params["separator"] = ENGAGEMENT_SEPARATOR
    table = rollups.table_for("month", filters.start, filters.end) if k.source == INTERACTIONS else PERFORMANCE
    sql = (_YEAR_VALUES_SQL.replace("{table}", quote_ident(table))
           .replace("{date_column}", quote_ident(date_column))
           .replace("{numerator}", k.numerator).replace("{denominator}", k.denominator or "null")
           .replace("{predicate}", predicate))
    frame = con.execute(sql, params).df()
    frame["relationship_year"] = frame["relationship_year"].astype("int64")
    for column in ("numerator", "denominator"):
        frame[column] = frame[column].astype("float64")
    frame["value"] = _ratio(frame["numerator"], frame["denominator"], k)
    return frame.loc[frame["value"].notna(), _VALUE_COLUMNS].reset_index(drop=True)


def pooled_engagement_values(values: pd.DataFrame, kpi_id: str, *, from_year: int) -> pd.DataFrame:
    """Each engagement's KPI over relationship years >= `from_year`, from `relationship_year_values`
    rows (numerators and denominators summed, divided last).

    Returns one row per engagement with columns ``engagement``, ``relationship_model``, ``value``, ``years``.
    """
    k = kpis.kpi(kpi_id)
    chosen = values[values["relationship_year"] >= from_year]
    summed = chosen.groupby(["engagement", "relationship_model"], as_index=False, sort=True).agg(
        numerator=("numerator", "sum"), denominator=("denominator", "sum"),
        years=("relationship_year", "nunique"))
    summed["value"] = _ratio(summed["numerator"], summed["denominator"], k)
    return summed.loc[summed["value"].notna(), ["engagement", "relationship_model", "value", "years"]] \
        .reset_index(drop=True)


def percentile_ci(samples: np.ndarray) -> tuple[float, float]:
    """The 95 % percentile interval of the finite samples; (NaN, NaN) when there are none."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return np.nan, np.nan
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _bootstrap_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """n_boot means of `values` resampled with replacement (vectorised)."""
    picks = rng.integers(0, len(values), size=(n_boot, len(values)))
    return values[picks].mean(axis=1)


def premium_pct(partnership: np.ndarray | float, transactional: np.ndarray | float, direction: int):
    """100·(P − T)/|T|, times −1 for lower-is-better KPIs: positive = the partnership is better."""
    p = np.asarray(partnership, dtype="float64")
    t = np.asarray(transactional, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (p - t) / np.where(t == 0, np.nan, np.abs(t)) * (-1 if direction < 0 else 1)
    return float(out) if out.ndim == 0 else out


def premium_estimate(
    partnership: np.ndarray, transactional: np.ndarray, *, direction: int, n_boot: int, seed
) -> tuple[float, float, float]:
    """(premium_pct, ci_low, ci_high) from engagement-level values of each model.

    The point is `premium_pct` of the two means; the CI is the 95 % percentile bootstrap
    resampling engagements within each model independently (``numpy.random.default_rng(seed)``).
    NaN where a side has no values; the CI is NaN unless both sides have at least 2 values.
    """
    p = np.asarray(partnership, dtype="float64")
    t = np.asarray(transactional, dtype="float64")
    if p.size == 0 or t.size == 0:
        return np.nan, np.nan, np.nan
    point = premium_pct(p.mean(), t.mean(), direction)
    if p.size < 2 or t.size < 2 or n_boot < 1:
        return point, np.nan, np.nan
    rng = np.random.default_rng(seed)
    samples = premium_pct(_bootstrap_means(p, n_boot, rng), _bootstrap_means(t, n_boot, rng), direction)
    low, high = percentile_ci(samples)
    return point, low, high


def _split_by_year(values: pd.DataFrame):
    """Yields (year, partnership values, transactional values) as numpy arrays, years ascending."""
    years = values["relationship_year"].to_numpy()
    models = values["relationship_model"].to_numpy()
    numbers = values["value"].to_numpy(dtype="float64")
    for year in np.unique(years):
        in_year = years == year
        yield int(year), numbers[in_year & (models == PARTNERSHIP)], numbers[in_year & (models == TRANSACTIONAL)]


def premium_by_relationship_year(
    con: duckdb.DuckDBPyConnection,
    kpi_id: str,
    filters: Filters,
    *,
    n_boot: int = 2000,
    seed: int = 7,
    min_engagements: int = 3,
) -> pd.DataFrame:
    """Partnership vs transactional per relationship year.

    ``partnership`` / ``transactional`` are means of the engagement-level values of each model;
    ``premium_pct`` = 100·(P − T)/|T| × direction (positive = the partnership is better, also for
    lower-is-better KPIs such as cost); ``ci_low``/``ci_high`` its 95 % bootstrap interval over
    engagements (seeded per relationship year, so a year's figures do not depend on the others).
    ``sufficient`` is False when either model has fewer than `min_engagements` engagements
    that year: the figures are still computed where possible but must not be shown as fact.

    Returns one row per relationship year with data, columns ``kpi``, ``relationship_year``,
    ``partnership``, ``transactional``, ``premium_pct``, ``ci_low``, ``ci_high``,
    ``n_partnership``, ``n_transactional``, ``sufficient``.
    """
    k = kpis.kpi(kpi_id)
    values = relationship_year_values(con, kpi_id, filters)
    rows = []
    for year, p, t in _split_by_year(values):
        point, low, high = premium_estimate(p, t, direction=k.direction, n_boot=n_boot, seed=[seed, year])
        rows.append({"kpi": k.id, "relationship_year": year,
                     "partnership": p.mean() if p.size else np.nan,
                     "transactional": t.mean() if t.size else np.nan,
                     "premium_pct": point, "ci_low": low, "ci_high": high,
                     "n_partnership": int(p.size), "n_transactional": int(t.size),
                     "sufficient": bool(p.size >= min_engagements and t.size >= min_engagements)})
    columns = ["kpi", "relationship_year", "partnership", "transactional", "premium_pct", "ci_low", "ci_high",
               "n_partnership", "n_transactional", "sufficient"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"relationship_year": "int64", "n_partnership": "int64", "n_transactional": "int64",
                         "sufficient": "bool", "partnership": "float64", "transactional": "float64",
                         "premium_pct": "float64", "ci_low": "float64", "ci_high": "float64"})


def model_curves(
    con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters, *, n_boot: int = 2000, seed: int = 7
) -> pd.DataFrame:
    """Each model's mean curve over relationship years, with a 95 % bootstrap band.

    Returns one row per model × relationship year with data, columns ``kpi``,
    ``relationship_model``, ``relationship_year``, ``mean`` (of engagement values),
    ``ci_low``, ``ci_high`` (NaN with fewer than 2 engagements) and ``n`` (engagements).
    """
    k = kpis.kpi(kpi_id)
    values = relationship_year_values(con, kpi_id, filters)
    rows = []
    for year, p, t in _split_by_year(values):
        for model_index, (model, v) in enumerate(((PARTNERSHIP, p), (TRANSACTIONAL, t))):
            if v.size == 0:
                continue
            low = high = np.nan
            if v.size >= 2 and n_boot >= 1:
                rng = np.random.default_rng([seed, year, model_index])
                low, high = percentile_ci(_bootstrap_means(v, n_boot, rng))
            rows.append({"kpi": k.id, "relationship_model": model, "relationship_year": year,
                         "mean": float(v.mean()), "ci_low": low, "ci_high": high, "n": int(v.size)})
    columns = ["kpi", "relationship_model", "relationship_year", "mean", "ci_low", "ci_high", "n"]
    curves = pd.DataFrame(rows, columns=columns).astype(
        {"relationship_year": "int64", "n": "int64", "mean": "float64", "ci_low": "float64", "ci_high": "float64"})
    return curves.sort_values(["relationship_model", "relationship_year"]).reset_index(drop=True)


def calendar_yoy(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters) -> pd.DataFrame:
    """Calendar-year view: each model's mean of engagement values per year and its change.

    Returns one row per model × calendar year with data, columns ``kpi``,
    ``relationship_model``, ``year`` (int), ``value`` (mean of the engagements' values that
    year) and ``yoy_change_pct`` (100·(value − previous year)/|previous year|, raw sign — not
    adjusted for the KPI's direction; NaN when the previous year has no value).
    """
    k = kpis.kpi(kpi_id)
    yearly = kpi_frame(con, [k.id], filters, grain="year", by=("engagement",))
    register = _register(con)[["provider", "account", "relationship_model"]]
    columns = ["kpi", "relationship_model", "year", "value", "yoy_change_pct"]
    frame = yearly.merge(register, on=["provider", "account"], how="inner")
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("value", "yoy_change_pct") else "object")
                             for c in columns})
    frame["year"] = frame["period"].dt.year.astype("int64")
    means = frame.groupby(["relationship_model", "year"], as_index=False)["value"].mean()
    previous = means.assign(year=means["year"] + 1).rename(columns={"value": "_previous"})
    means = means.merge(previous, on=["relationship_model", "year"], how="left")
    means["yoy_change_pct"] = premium_pct(means["value"].to_numpy(), means["_previous"].to_numpy(), 1)
    means["kpi"] = k.id
    return means[columns].sort_values(["relationship_model", "year"]).reset_index(drop=True)


def year_matrix(values: pd.DataFrame, model: str, *, after_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Engagement × relationship-year matrix of values (NaN where missing) for one model's
    years > `after_year`; returns (matrix, years)."""
    chosen = values[(values["relationship_model"] == model) & (values["relationship_year"] > after_year)]
    grid = chosen.pivot_table(index="engagement", columns="relationship_year", values="value", aggfunc="mean")
    return grid.to_numpy(dtype="float64"), grid.columns.to_numpy(dtype="float64")


def curve_slopes(samples: np.ndarray, years: np.ndarray, direction: int) -> tuple[np.ndarray, np.ndarray]:
    """OLS slope of the mean curve for each sample of engagements.

    `samples` is (n_samples, n_engagements, n_years) with NaN for missing values; each sample's
    mean curve averages the engagements present per year, years without any are skipped.
    Returns (slope per year, slope in % of the curve's mean per year signed by `direction`),
    arrays of n_samples (NaN when fewer than 2 years have data).
    """
    present = ~np.isnan(samples)
    counts = present.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        curve = np.where(present, samples, 0.0).sum(axis=1) / np.where(counts == 0, np.nan, counts)
    weight = np.isfinite(curve).astype("float64")
    curve = np.nan_to_num(curve)
    n_years = weight.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_mean = (weight * years).sum(axis=1) / n_years
        y_mean = (weight * curve).sum(axis=1) / n_years
        dx = (years[None, :] - x_mean[:, None]) * weight
        slope = (dx * (curve - y_mean[:, None])).sum(axis=1) / (dx ** 2).sum(axis=1)
        slope_pct = 100.0 * slope / np.abs(np.where(y_mean == 0, np.nan, y_mean)) * (-1 if direction < 0 else 1)
    slope[n_years < 2] = np.nan
    slope_pct[n_years < 2] = np.nan
    return slope, slope_pct


def bootstrap_slopes(matrix: np.ndarray, years: np.ndarray, direction: int, *, n_boot: int, seed) -> np.ndarray:
    """`curve_slopes` percentages for n_boot resamples of the matrix's engagements (rows)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, matrix.shape[0], size=(n_boot, matrix.shape[0]))
    return curve_slopes(matrix[picks], years, direction)[1]


def trajectory(
    con: duckdb.DuckDBPyConnection,
    kpi_id: str,
    filters: Filters,
    *,
    after_year: int = 3,
    plateau_threshold_pct: float = 2.0,
) -> pd.DataFrame:
    """Does each model keep improving after `after_year`? The OLS slope of its mean curve.

    The mean curve averages engagement values per relationship year > `after_year`;
    ``slope_per_year`` is in the KPI's unit (raw sign), ``slope_pct_per_year`` = 100·slope /
    |mean of the curve|, signed so positive = improving (lower-is-better KPIs flip);
    ``plateau`` = improving by less than `plateau_threshold_pct` % a year (stalling or regressing).
    A model needs at least 2 relationship years after `after_year` to get a row.

    Returns one row per model with columns ``kpi``, ``relationship_model``, ``slope_per_year``,
    ``slope_pct_per_year``, ``years`` (relationship years used), ``n_engagements``, ``plateau``.
    """
    k = kpis.kpi(kpi_id)
    values = relationship_year_values(con, kpi_id, filters)
    rows = []
    for model in sorted(values["relationship_model"].unique()):
        matrix, years = year_matrix(values, model, after_year=after_year)
        if years.size < 2:
            continue
        slope, slope_pct = curve_slopes(matrix[None, :, :], years, k.direction)
        rows.append({"kpi": k.id, "relationship_model": model, "slope_per_year": float(slope[0]),
                     "slope_pct_per_year": float(slope_pct[0]), "years": int(years.size),
                     "n_engagements": int(matrix.shape[0]),
                     "plateau": bool(slope_pct[0] < plateau_threshold_pct)})
    columns = ["kpi", "relationship_model", "slope_per_year", "slope_pct_per_year", "years", "n_engagements",
               "plateau"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"slope_per_year": "float64", "slope_pct_per_year": "float64", "years": "int64", "n_engagements": "int64",
         "plateau": "bool"})
