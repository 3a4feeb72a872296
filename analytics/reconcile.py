"""Vendor-reported vs recomputed: do the provider's scorecard figures match the interactions?"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics import query
from analytics.contracts import PERFORMANCE
from analytics.filters import Filters
from analytics.kpi_frames import kpi_frame
from analytics.kpis import KPIS, kpi
from analytics.query import Sql

# KPI recomputed from interactions → the scorecard column the provider reports it in, in the order the
# reconcile table lists them (explicit: not the registry's order).
REPORTED_COLUMNS = {
    "fcr": "reported_fcr",
    "aht_seconds": "reported_aht_seconds",
    "csat_pct": "reported_csat_pct",
}


def _default_tolerance() -> dict[str, float]:
    """Largest |reported − recomputed| accepted per KPI, from each registry entry's `reconcile_tolerance`
    (3 points for the fractions, 20 s for handle time), in the order of REPORTED_COLUMNS. Refused at import
    when the registry and the scorecard columns disagree on which KPIs are reconciled."""
    tolerant = {k.id for k in KPIS if k.reconcile_tolerance is not None}
    if tolerant != set(REPORTED_COLUMNS):
        raise ValueError(f"KPIs with a reconcile_tolerance ({', '.join(sorted(tolerant))}) are not the KPIs a "
                         f"scorecard reports ({', '.join(sorted(REPORTED_COLUMNS))}): give each reported KPI a "
                         "reconcile_tolerance in analytics/kpis.py and map each tolerant KPI to its column here")
    return {kpi_id: float(kpi(kpi_id).reconcile_tolerance) for kpi_id in REPORTED_COLUMNS}


DEFAULT_TOLERANCE = _default_tolerance()


def _tolerance(tolerance: dict | None) -> dict[str, float]:
    merged = dict(DEFAULT_TOLERANCE)
    for kpi_id, limit in (tolerance or {}).items():
        if kpi_id not in merged:
            raise ValueError(f"No reported figure to reconcile for {kpi_id!r}; tolerances apply to: "
                             f"{', '.join(merged)}")
        if not limit >= 0:
            raise ValueError(f"Tolerance for {kpi_id!r} must be a non-negative number, got {limit!r}")
        merged[kpi_id] = float(limit)
    return merged


def _reported(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Provider-reported figures per engagement and month, long form: engagement, provider, account,
    period, kpi, reported (the mean if a month is reported twice)."""
    src = query.source_for(filters, PERFORMANCE, grain="month")
    means = ", ".join(f"avg({query.column(column)}) as {kpi_id}" for kpi_id, column in REPORTED_COLUMNS.items())
    wide = query.frame(con, query.render(
        "select engagement_label(provider, account) as engagement, provider, account,"
        " cast(date_trunc('month', period) as date) as period, {means}"
        " from {relation} where {predicate} group by all",
        means=Sql(means), relation=src.relation, predicate=src.predicate), src.params)
    long = wide.melt(id_vars=["engagement", "provider", "account", "period"], value_vars=list(REPORTED_COLUMNS),
                     var_name="kpi", value_name="reported").dropna(subset=["reported"])
    long["period"] = pd.to_datetime(long["period"]).astype("datetime64[ns]")
    long["reported"] = long["reported"].astype("float64")
    return long


def vendor_vs_recomputed(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, tolerance: dict | None = None
) -> pd.DataFrame:
    """Provider-reported FCR, AHT and CSAT against the same KPIs recomputed from interactions.

    Only months where the engagement has both a reported figure and interactions with the
    data to recompute it appear. Channel, reason and segment filters are ignored here: a
    scorecard reports the whole program, so comparing it with a slice would flag false gaps.
    `tolerance` overrides the defaults per KPI (``fcr``, ``aht_seconds``, ``csat_pct``).

    Returns one row per engagement × month × KPI, columns ``engagement``, ``provider``,
    ``account``, ``period`` (Timestamp, month start), ``kpi``, ``reported``, ``recomputed``,
    ``gap`` (reported − recomputed) and ``flagged`` (|gap| > tolerance).
    """
    limits = _tolerance(tolerance)
    whole_program = filters.replace(channels=(), reasons=(), segments=())
    reported = _reported(con, whole_program)
    recomputed = kpi_frame(con, list(REPORTED_COLUMNS), whole_program, grain="month", by=("engagement",))
    recomputed = recomputed.rename(columns={"value": "recomputed"})[
        ["engagement", "period", "kpi", "recomputed"]]
    both = reported.merge(recomputed, on=["engagement", "period", "kpi"], how="inner")
    both["recomputed"] = both["recomputed"].astype("float64")
    both["gap"] = both["reported"] - both["recomputed"]
    # Cast: on an empty frame `map` yields a string dtype, and comparing it with floats raises (pandas 3).
    both["flagged"] = (both["gap"].abs() > both["kpi"].map(limits).astype("float64")).astype(bool)
    order = {kpi_id: i for i, kpi_id in enumerate(REPORTED_COLUMNS)}
    both = both.assign(_order=both["kpi"].map(order).astype("float64")).sort_values(["engagement", "period", "_order"])
    return both[["engagement", "provider", "account", "period", "kpi", "reported", "recomputed", "gap",
                 "flagged"]].reset_index(drop=True).astype({"gap": np.float64})
