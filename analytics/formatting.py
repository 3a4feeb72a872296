"""The one place numbers, units and changes become text (periods and dates: analytics/periods.py).

Pages, charts, findings, reports and CSV exports all format through this module so a
reader sees every figure in the same unit everywhere. The units rule for a *change*:

* rates (KPIs stored as fractions 0–1) change in **percentage points**: ``+2.3 pp``;
* scores (NPS, quality score, CES) change in **points**: ``-7.5 pts``;
* volumes, money and durations change **relative** to the earlier value: ``+4.1 %``.

A relative % on a rate or an NPS reads as nonsense (NPS 8.8 → 1.3 is "-85.3 %"), which is
why the rule lives here and nowhere else. Negative numbers use the ASCII hyphen-minus so
``st.metric`` still colours and points its delta arrow the right way.

Periods and dates are named by `analytics.periods` ("Q3 2025", "4 Mar 2025"), not here.

No Streamlit, no Altair: this module is shared by the pages, the CLI and the reports.
"""
from __future__ import annotations

import math
import re
from typing import Literal

from analytics.kpis import Kpi
from analytics.periods import MISSING, is_missing

DeltaKind = Literal["pp", "pts", "relative"]


def _zero(x: float) -> float:
    """Turn -0.0 into 0.0 so nothing prints as "-0.0"."""
    return x + 0.0


# ---------------------------------------------------------------- values

def value_decimals(k: Kpi) -> int:
    """Decimals a KPI value is shown with (the same precision its change is shown with)."""
    return {"count": 0, "seconds": 0, "pct": 1, "money": 2, "points": 1}.get(k.fmt, 2)


def format_value(k: Kpi, value: float | None) -> str:
    """A KPI value for people: ``12,345``, ``412 s``, ``81.2 %``, ``$6.48``, ``31.5``, ``5.42``; ``—`` if missing."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if k.fmt == "count":
        return f"{_zero(round(value)):,.0f}"
    if k.fmt == "seconds":
        return f"{_zero(round(value)):,.0f} s"
    if k.fmt == "pct":
        return f"{_zero(round(value * 100, 1)):.1f} %"
    if k.fmt == "money":
        return f"${value:,.2f}" if value >= 0 else f"-${-value:,.2f}"
    if k.fmt == "points":
        return f"{_zero(round(value, 1)):.1f}"
    return f"{_zero(round(value, 2)):.2f}"


def display_value(k: Kpi, value: float | None) -> float | None:
    """The number a reader sees, in the display unit (fractions × 100), rounded as shown — for tables and CSVs."""
    if is_missing(value):
        return None
    scaled = float(value) * (100.0 if k.fmt == "pct" else 1.0)
    return _zero(round(scaled, value_decimals(k)))


def unit_suffix(k: Kpi) -> str:
    """The unit to put in a column header or an axis title: ``%``, ``s``, ``$``, ``contacts``, ``points``,
    ``per month``."""
    by_unit = {"count": "contacts", "points": "points", "per month": "per month"}
    return {"pct": "%", "seconds": "s", "money": "$"}.get(k.fmt, by_unit.get(k.unit, ""))


def short_label(k: Kpi) -> str:
    """The label without its explanation in brackets: ``CSAT (top-two box: …)`` → ``CSAT``."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", k.label) or k.label


def label_with_unit(k: Kpi, *, short: bool = False) -> str:
    """``Average handle time (s)``, ``CSAT (%)`` (short); volumes and plain numbers keep the bare label."""
    label = short_label(k) if short else k.label
    suffix = unit_suffix(k)
    return f"{label} ({suffix})" if suffix else label


# ---------------------------------------------------------------- changes

def delta_kind(k: Kpi) -> DeltaKind:
    """How a change of this KPI is stated: ``pp`` for rates, ``pts`` for scores/NPS, ``relative`` otherwise."""
    if k.unit == "fraction":
        return "pp"
    if k.unit == "points":
        return "pts"
    return "relative"


def delta_unit(k: Kpi) -> str:
    """The unit a change of this KPI is stated in: ``pp``, ``pts`` or ``%`` (for CSV headers)."""
    return {"pp": "pp", "pts": "pts", "relative": "%"}[delta_kind(k)]


def delta_number(k: Kpi, value: float | None, prior: float | None) -> float | None:
    """The change from `prior` to `value` as a number in :func:`delta_unit` — unrounded; None when not comparable."""
    if is_missing(value) or is_missing(prior):
        return None
    value, prior = float(value), float(prior)
    kind = delta_kind(k)
    if kind == "pp":
        return (value - prior) * 100.0
    if kind == "pts":
        return value - prior
    if prior == 0:
        return None
    return (value - prior) / abs(prior) * 100.0


def _signed(x: float, decimals: int) -> str:
    return f"{_zero(round(x, decimals)):+.{decimals}f}"


def format_delta(k: Kpi, delta: float | None, *, base: float | None = None) -> str | None:
    """A change of KPI `k` in the unit a reader expects; None when there is nothing to show.

    `delta` is the absolute difference ``value − prior`` in the KPI's stored unit (a fraction
    for rates, seconds for durations, …). Rates print ``+2.3 pp``; scores ``-7.5 pts``
    (CES with two decimals). Volumes, money and durations print relative to `base` (the prior
    value): ``+4.1 %``; without a usable base they fall back to the absolute change in the
    KPI's own unit (``+12 s``, ``+$0.40``, ``+1,204``).
    """
    if is_missing(delta):
        return None
    delta = float(delta)
    kind = delta_kind(k)
    if kind == "pp":
        return f"{_signed(delta * 100, 1)} pp"
    if kind == "pts":
        return f"{_signed(delta, 2 if k.fmt == 'decimal' else 1)} pts"
    if not is_missing(base) and float(base) != 0:
        return format_relative(delta / abs(float(base)))
    if k.fmt == "seconds":
        return f"{_signed(delta, 0)} s"
    if k.fmt == "money":
        rounded = _zero(round(delta, 2))
        return f"+${rounded:,.2f}" if rounded >= 0 else f"-${-rounded:,.2f}"
    if k.fmt == "count":
        return f"{_zero(round(delta)):+,.0f}"
    return _signed(delta, 2)


def format_change(k: Kpi, value: float | None, prior: float | None) -> str | None:
    """The change from `prior` to `value` by the units rule (see :func:`format_delta`); None if either is missing."""
    if is_missing(value) or is_missing(prior):
        return None
    kind = delta_kind(k)
    if kind == "relative" and float(prior) == 0:
        return None
    return format_delta(k, float(value) - float(prior), base=float(prior))


def format_relative(change: float | None) -> str | None:
    """A relative change given as a fraction (0.123 → ``+12.3 %``); None when missing."""
    if is_missing(change):
        return None
    return f"{_signed(float(change) * 100, 1)} %"


def format_points(change: float | None, unit: str = "pts", decimals: int = 1) -> str | None:
    """A difference in score points (health scores and the like): ``+2.3 pts``; None when missing."""
    if is_missing(change):
        return None
    return f"{_signed(float(change), decimals)} {unit}".rstrip()


def delta_color(k: Kpi) -> Literal["normal", "inverse", "off"]:
    """``st.metric`` delta colour: green when the KPI moved the good way; grey for volumes."""
    return {1: "normal", -1: "inverse"}.get(k.direction, "off")


# ---------------------------------------------------------------- health scores and bands

def _band_of(score: float) -> str | None:
    from analytics.health import band  # lazy: health imports the registry, keep this module import-light
    return band(score)


def format_band_value(score: float | None, decimals: int = 0) -> str:
    """A 0–100 health score shown precisely enough that its text agrees with its band.

    49.75 is 'at risk' (< 50) but rounds to "50", which reads as 'watch'; it is shown as
    "49.8" instead. Scores that round safely keep `decimals` decimals.
    """
    if is_missing(score):
        return MISSING
    score = float(score)
    band = _band_of(score)
    for d in range(decimals, decimals + 2):
        text = f"{_zero(round(score, d)):.{d}f}"
        if _band_of(float(text)) == band:
            return text
    # Just below a threshold (49.996): truncate towards the band instead of rounding across it.
    d = decimals + 1
    return f"{math.floor(score * 10 ** d) / 10 ** d:.{d}f}"


def format_band(score: float | None, decimals: int = 0) -> str:
    """``49.8 · at risk``: a score with its band, consistent with each other; ``—`` if missing."""
    if is_missing(score):
        return MISSING
    band = _band_of(float(score))
    return f"{format_band_value(score, decimals)} · {band}"


# ---------------------------------------------------------------- cells

def format_text(value) -> str:
    """Any cell for people: ``—`` for None/NaN, the value as text otherwise (never the word ``None``)."""
    return MISSING if is_missing(value) else str(value)
