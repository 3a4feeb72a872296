"""Small, documented estimators behind the premium, the claims, health and findings.

Everything here is plain numpy/scipy on already-aggregated numbers (one value per engagement
or per independent unit), so it is cheap at any portfolio size. See docs/METHODS.md for why
each method was chosen and the simulation that checks its coverage (bench/premium_coverage.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval and the evidence behind it."""
    estimate: float
    low: float
    high: float
    p_value: float
    df: float

    @classmethod
    def missing(cls) -> "Interval":
        return cls(np.nan, np.nan, np.nan, np.nan, np.nan)


def _mean_and_var(values: np.ndarray) -> tuple[float, float, int]:
    """Mean, variance of the mean (s²/n) and n of finite values."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return np.nan, np.nan, 0
    var = float(v.var(ddof=1)) / n if n >= 2 else np.nan
    return float(v.mean()), var, n


def _satterthwaite(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    """Welch–Satterthwaite degrees of freedom from the two variances of the mean."""
    denominator = var_a ** 2 / (n_a - 1) + var_b ** 2 / (n_b - 1)
    if denominator == 0:
        return float(n_a + n_b - 2)
    return float((var_a + var_b) ** 2 / denominator)


def welch_difference(a: np.ndarray, b: np.ndarray, *, confidence: float = CONFIDENCE) -> Interval:
    """mean(a) − mean(b) with a Welch t interval (unequal variances, Satterthwaite df) and the
    two-sided p-value of no difference. Missing (NaN) when either side has fewer than 2 values."""
    mean_a, var_a, n_a = _mean_and_var(a)
    mean_b, var_b, n_b = _mean_and_var(b)
    if n_a < 2 or n_b < 2:
        return Interval.missing()
    estimate = mean_a - mean_b
    se = np.sqrt(var_a + var_b)
    df = _satterthwaite(var_a, n_a, var_b, n_b)
    if se == 0:
        return Interval(estimate, estimate, estimate, 0.0 if estimate != 0 else 1.0, df)
    q = _st.t.ppf(0.5 + confidence / 2, df)
    p = float(2 * _st.t.sf(abs(estimate) / se, df))
    return Interval(float(estimate), float(estimate - q * se), float(estimate + q * se), p, df)


def welch_log_ratio(a: np.ndarray, b: np.ndarray, *, confidence: float = CONFIDENCE) -> Interval:
    """log(mean(a) / mean(b)) with a Welch t interval by the delta method:
    Var(log m) ≈ Var(m) / m², Satterthwaite df on those variances, and its two-sided p-value.

    The ratio of *arithmetic* means is what the premium reports, so the point estimate is the
    same as before; the interval is built on the log scale, where it is closer to symmetric.
    Missing when either side has fewer than 2 values or a mean that is not positive."""
    mean_a, var_a, n_a = _mean_and_var(a)
    mean_b, var_b, n_b = _mean_and_var(b)
    if n_a < 2 or n_b < 2 or not (mean_a > 0 and mean_b > 0):
        return Interval.missing()
    estimate = np.log(mean_a / mean_b)
    va, vb = var_a / mean_a ** 2, var_b / mean_b ** 2
    se = np.sqrt(va + vb)
    df = _satterthwaite(va, n_a, vb, n_b)
    if se == 0:
        return Interval(float(estimate), float(estimate), float(estimate), 0.0 if estimate != 0 else 1.0, df)
    q = _st.t.ppf(0.5 + confidence / 2, df)
    p = float(2 * _st.t.sf(abs(estimate) / se, df))
    return Interval(float(estimate), float(estimate - q * se), float(estimate + q * se), p, df)


def one_sample_t(values: np.ndarray, *, confidence: float = CONFIDENCE) -> Interval:
    """Mean of `values` with a t interval and the two-sided p-value of a zero mean."""
    mean, var, n = _mean_and_var(values)
    if n < 2:
        return Interval.missing()
    se = np.sqrt(var)
    df = float(n - 1)
    if se == 0:
        return Interval(mean, mean, mean, 0.0 if mean != 0 else 1.0, df)
    q = _st.t.ppf(0.5 + confidence / 2, df)
    return Interval(mean, float(mean - q * se), float(mean + q * se), float(2 * _st.t.sf(abs(mean) / se, df)), df)


def wilson_interval(successes, trials, *, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, vectorised; NaN where `trials` is 0.

    Unlike the normal ("Wald") interval it stays inside [0, 1] and keeps its coverage at small n
    and near 0 or 1 — the case of a rate measured on a few dozen survey responses."""
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    z = _st.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low, high = centre - half, centre + half
    bad = ~(n > 0)
    low = np.where(bad, np.nan, np.clip(low, 0.0, 1.0))
    high = np.where(bad, np.nan, np.clip(high, 0.0, 1.0))
    return low, high


def newcombe_difference(k1, n1, k2, n2, *, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Interval of p1 − p2 from the two Wilson intervals (Newcombe's method 10), vectorised."""
    with np.errstate(divide="ignore", invalid="ignore"):  # no trials: NaN, as the Wilson bounds are
        p1 = np.asarray(k1, dtype="float64") / np.asarray(n1, dtype="float64")
        p2 = np.asarray(k2, dtype="float64") / np.asarray(n2, dtype="float64")
    l1, u1 = wilson_interval(k1, n1, confidence=confidence)
    l2, u2 = wilson_interval(k2, n2, confidence=confidence)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def _adjust_family(p_values, step) -> np.ndarray:
    """Apply a step-wise multiplicity adjustment to the finite p-values; NaN stays NaN and is not
    counted in the family. `step(sorted_p, m)` returns the adjusted values in ascending-p order."""
    p = np.asarray(p_values, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m == 0:
        return out
    values = p[ok]
    order = np.argsort(values, kind="stable")
    result = np.empty(m)
    result[order] = np.minimum(step(values[order], m), 1.0)
    out[ok] = result
    return out


def holm(p_values) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error control); NaN stays NaN."""
    return _adjust_family(p_values, lambda ranked, m: np.maximum.accumulate(ranked * (m - np.arange(m))))


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini–Hochberg q-values (false-discovery-rate control); NaN stays NaN."""
    return _adjust_family(
        p_values, lambda ranked, m: np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1])


def row_slopes(matrix: np.ndarray, years: np.ndarray) -> np.ndarray:
    """OLS slope of each row of `matrix` (NaN = missing) against `years`, vectorised;
    NaN for rows with fewer than 2 values."""
    m = np.asarray(matrix, dtype="float64")
    present = np.isfinite(m)
    w = present.astype("float64")
    n = w.sum(axis=1)
    x = np.broadcast_to(np.asarray(years, dtype="float64"), m.shape)
    y = np.where(present, m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_mean = (w * x).sum(axis=1) / n
        y_mean = (w * y).sum(axis=1) / n
        dx = (x - x_mean[:, None]) * w
        slope = (dx * (y - y_mean[:, None])).sum(axis=1) / (dx ** 2).sum(axis=1)
    slope[n < 2] = np.nan
    return slope


def place_in_band(low: float, high: float, band_low: float, band_high: float) -> str:
    """Where an interval lies against a claimed band: ``within``, ``above``, ``below`` or
    ``imprecise`` (it overlaps the band without lying inside it)."""
    if band_low <= low and high <= band_high:
        return "within"
    if low > band_high:
        return "above"
    if high < band_low:
        return "below"
    return "imprecise"
