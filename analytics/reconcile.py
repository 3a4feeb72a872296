"""Vendor-reported vs recomputed: do the provider's scorecard figures match the interactions?"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics import query
from analytics.contracts import INTERACTIONS, PERFORMANCE
from analytics.db import LABEL_MACRO
from analytics.filters import Filters
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


def _compared(con: duckdb.DuckDBPyConnection, filters: Filters, limits: dict[str, float], *,
              flagged_only: bool = False) -> pd.DataFrame:
    """Reported against recomputed in one statement: the scorecard months (the mean if a month is reported
    twice) joined to the same engagement × month aggregated from interactions, one row per KPI with
    both figures, in the table's order (engagement, month, the order of REPORTED_COLUMNS). The KPIs are
    recomputed as `kpi_frame` computes them (the registry's numerator / denominator, groups with no
    denominator left out); `flagged_only` keeps the rows past their tolerance."""
    reported = query.source_for(filters, PERFORMANCE, grain="month", prefix="p")
    recomputed = query.source_for(filters, INTERACTIONS, grain="month", prefix="i")
    params = {**reported.params, **recomputed.params}
    means, parts, reported_values, recomputed_values = [], [], [], []
    for i, (kpi_id, column) in enumerate(REPORTED_COLUMNS.items()):
        k = kpi(kpi_id)
        means.append(f"avg({query.column(column)}) as reported_{i}")
        parts.append(f"cast({query.measure(k, 'numerator')} as double) as n_{i}, "
                     f"cast({query.measure(k, 'denominator')} as double) as d_{i}")
        reported_values.append(f"reported_{i}")
        recomputed_values.append(f"case when d_{i} <> 0 then n_{i} / d_{i} * {float(k.scale)!r} end")
    params["kpis"] = list(REPORTED_COLUMNS)
    params["tolerances"] = [limits[kpi_id] for kpi_id in REPORTED_COLUMNS]
    sql = query.render(
        "with reported as (select provider, account, cast(date_trunc('month', period) as date) as period, {means}"
        " from {reported} where {reported_predicate} group by all),"
        " recomputed as (select provider, account, {month} as period, {parts}"
        " from {recomputed} where {recomputed_predicate} group by all),"
        # one row per KPI from each joined engagement × month: parallel lists unnested side by side (not a
        # union of one select per KPI over a materialized join)
        " compared as (select {label}(r.provider, r.account) as engagement, r.provider, r.account, r.period,"
        " unnest($kpis) as kpi, unnest({orders}) as kpi_order, unnest([{reported_values}]) as reported,"
        " unnest([{recomputed_values}]) as recomputed, unnest($tolerances) as tolerance"
        " from reported r join recomputed c on {label}(r.provider, r.account) = {label}(c.provider, c.account)"
        " and r.period = c.period)"
        " select engagement, provider, account, period, kpi, reported, recomputed, reported - recomputed as gap,"
        " abs(reported - recomputed) > tolerance as flagged from compared"
        " where reported is not null and recomputed is not null{flagged}"
        " order by engagement, period, kpi_order",
        means=Sql(", ".join(means)), reported=reported.relation, reported_predicate=reported.predicate,
        # the monthly rollup's day is its month's first day already (no date_trunc per row there)
        month=Sql("day" if recomputed.relation_name == "rollup_monthly" else "cast(date_trunc('month', day) as date)"),
        parts=Sql(", ".join(parts)), recomputed=recomputed.relation, recomputed_predicate=recomputed.predicate,
        label=Sql(LABEL_MACRO), orders=Sql(repr(list(range(len(REPORTED_COLUMNS))))),
        reported_values=Sql(", ".join(reported_values)), recomputed_values=Sql(", ".join(recomputed_values)),
        flagged=Sql(" and abs(reported - recomputed) > tolerance" if flagged_only else ""))
    if not flagged_only:
        both = query.frame(con, sql, params)
        both["period"] = pd.to_datetime(both["period"]).astype("datetime64[ns]")
        # text columns are str whichever side is missing (an empty result would otherwise come back as object)
        return both.astype({"engagement": "str", "provider": "str", "account": "str", "kpi": "str",
                            "reported": np.float64, "recomputed": np.float64, "gap": np.float64, "flagged": bool})
    # the flagged rows are few (a dozen of 40 k at 10 M rows): plain rows into typed columns cost less than a frame
    # converted from DuckDB (but more for the whole table); text columns are str whichever side is missing
    rows = query.rows(con, sql, params)
    columns = list(zip(*rows)) if rows else [()] * 9
    text = {name: pd.array(list(values), dtype="str")
            for name, values in zip(("engagement", "provider", "account"), columns[:3])}
    return pd.DataFrame({
        **text, "period": np.array(columns[3], dtype="datetime64[D]").astype("datetime64[ns]"),
        "kpi": pd.array(list(columns[4]), dtype="str"),
        **{name: np.array(values, dtype=np.float64) for name, values in zip(("reported", "recomputed", "gap"),
                                                                             columns[5:8])},
        "flagged": np.array(columns[8], dtype=bool)})


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
    return _compared(con, filters.replace(channels=(), reasons=(), segments=()), limits)


def flagged_gaps(con: duckdb.DuckDBPyConnection, filters: Filters, *, tolerance: dict | None = None) -> pd.DataFrame:
    """The rows of `vendor_vs_recomputed` that are flagged, with the same columns, order and values (the
    findings read only these: the filter runs in DuckDB)."""
    limits = _tolerance(tolerance)
    return _compared(con, filters.replace(channels=(), reasons=(), segments=()), limits, flagged_only=True)
