"""KPI trends: a KPI over time with its rolling mean, target, year-over-year change and
anomalies; the headline tiles; and how fresh each dataset is."""
from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, query
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from analytics.filters import Filters
from analytics.query import Sql
from analytics.kpi_frames import PERIODS_PER_YEAR, kpi_frame, period_end, period_ordinal
from analytics.thresholds import ANOMALY_MIN_POINTS, ANOMALY_THRESHOLD



def relative_change(value, base):
    """(value − base) / |base|: the plain relative change, kept pointing the right way when the
    base is negative (NPS); NaN when the base is 0 or missing. Scalars in, float out; arrays in,
    array out."""
    base = np.asarray(base, dtype="float64")
    base_abs = np.abs(base)
    change = (np.asarray(value, dtype="float64") - base) / np.where(base_abs == 0, np.nan, base_abs)
    return float(change) if change.ndim == 0 else change


def _robust_outliers(values: np.ndarray) -> np.ndarray:
    """|x − median| / (1.4826·MAD) > 3.5; with MAD 0 the mean absolute deviation (×1.2533) stands in."""
    if len(values) < ANOMALY_MIN_POINTS:
        return np.zeros(len(values), dtype=bool)
    deviation = np.abs(values - np.median(values))
    spread = 1.4826 * np.median(deviation)
    if spread == 0:
        spread = 1.2533 * np.mean(deviation)
    if spread == 0:
        return np.zeros(len(values), dtype=bool)
    return deviation / spread > ANOMALY_THRESHOLD


def _rolling_over_periods(ordinals: np.ndarray, values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the values in the last `window` periods (missing periods are gaps, not zeros)."""
    series = pd.Series(values, index=ordinals)
    full = series.reindex(range(int(ordinals.min()), int(ordinals.max()) + 1))
    return full.rolling(window, min_periods=1).mean().loc[ordinals].to_numpy()


def kpi_trend(
    con: duckdb.DuckDBPyConnection,
    kpi_id: str,
    filters: Filters,
    *,
    grain: str = "month",
    split: str | None = None,
    rolling: int = 3,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One KPI over time, optionally one series per value of `split`.

    Returns one row per period [× split value] with columns ``period`` (Timestamp, period
    start), the split column if any, ``kpi``, ``value``, ``numerator``, ``denominator``,
    ``rolling_mean`` (mean of the series' values over the last `rolling` periods, as many as
    exist; missing periods are skipped, not counted as zero), ``target`` (registry; NaN when
    none), ``yoy_change`` (relative change vs the same period a year earlier, see
    `relative_change`; NaN when that period has no value) and ``anomaly`` (robust z-score
    > 3.5 within the series; False for series shorter than 8 points).

    `frame`: `kpi_frame(con, ids, filters, grain=grain, by=(split,))` for ids that include `kpi_id`, when the
    caller already has it (a page showing several KPIs' trends reads them in one statement).
    """
    if rolling < 1:
        raise ValueError(f"rolling must be at least 1 period, got {rolling}")
    k = kpis.kpi(kpi_id)
    series = [split] if split else []
    if frame is not None:
        frame = frame[frame["kpi"] == kpi_id]
    if frame is None or frame.empty:  # an empty share has the shared frame's column types: read this KPI's own
        frame = kpi_frame(con, [kpi_id], filters, grain=grain, by=(split,) if split else ())
    frame = frame[["period", *series, "kpi", "value", "numerator", "denominator"]]
    ordinal = period_ordinal(frame["period"], grain).to_numpy()
    # series codes numbered as a sorted group-by numbers its groups (missing values last, as one group)
    codes = pd.factorize(frame[split], sort=True, use_na_sentinel=False)[0] if series \
        else np.zeros(len(frame), dtype="int64")
    order = np.lexsort((ordinal, codes))  # stable: by series, then period
    frame = frame.take(order).reset_index(drop=True)
    ordinal, codes = ordinal[order], codes[order]
    values = frame["value"].to_numpy(dtype="float64")

    rolling_mean = np.full(len(frame), np.nan)
    anomaly = np.zeros(len(frame), dtype=bool)
    bounds = np.flatnonzero(np.diff(codes)) + 1
    for first, last in zip(np.append(0, bounds), np.append(bounds, len(frame))):
        if last > first:
            rolling_mean[first:last] = _rolling_over_periods(ordinal[first:last], values[first:last], rolling)
            anomaly[first:last] = _robust_outliers(values[first:last])
    frame["rolling_mean"] = rolling_mean
    frame["target"] = np.nan if k.target is None else float(k.target)
    # the same series' value PERIODS_PER_YEAR periods earlier: (series, period) keys are unique and sorted
    step = PERIODS_PER_YEAR[grain]
    if len(ordinal) and ordinal.min() >= 0:
        keys = codes * (int(ordinal.max()) + 1) + ordinal  # increasing: rows are in series × period order
        wanted = keys - step
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        # a match within the same series only: a period at least a year after the ordinals' origin
        prior = np.where((keys[at] == wanted) & (ordinal >= step), values[at], np.nan)
    else:
        prior = _prior_by_merge(frame, series, ordinal, grain)
    frame["yoy_change"] = relative_change(values, prior)
    frame["anomaly"] = anomaly
    return frame[["period", *series, "kpi", "value", "numerator", "denominator", "rolling_mean", "target",
                  "yoy_change", "anomaly"]]


def _prior_by_merge(frame: pd.DataFrame, series: list[str], ordinal: np.ndarray, grain: str) -> np.ndarray:
    """Each row's value in the same series a year earlier, by a merge (periods before the ordinals' epoch)."""
    keyed = frame[series].assign(_ord=ordinal)
    year_ago = keyed.assign(_prior=frame["value"].to_numpy(), _ord=ordinal + PERIODS_PER_YEAR[grain])
    return keyed.merge(year_ago, on=[*series, "_ord"], how="left")["_prior"].to_numpy("float64")


def _data_end(con: duckdb.DuckDBPyConnection, source: str, filters: Filters) -> pd.Timestamp | None:
    """Last day the source's data (within filters) covers; a scorecard month covers the whole month."""
    src = query.source_for(filters, source, grain="day")  # day grain: the daily rollup has the last day
    latest = query.render("select max({date}) from {relation} where {predicate}", date=query.column(src.date_column),
                          relation=src.relation, predicate=src.predicate)
    last = None
    if src.relation_name != PERFORMANCE:
        # The daily rollup is large and its latest day lies in the latest month of the (small) monthly rollup:
        # read only the days from that month on. Any lower bound gives the same maximum as long as some row
        # passes it; when none does (the guess missed: a date filter ending inside a month) all days are read.
        month = query.source_for(filters.replace(start=None, end=filters.end and period_end(
            pd.Timestamp(filters.end).to_period("M").start_time, "month").date()), source, grain="month", prefix="g")
        last = query.value(con, query.render("{latest} and {date} >= (select max({month_date}) from {month} where "
                                             "{month_predicate})", latest=Sql(latest),
                                             date=query.column(src.date_column),
                                             month_date=query.column(month.date_column), month=month.relation,
                                             month_predicate=month.predicate), {**src.params, **month.params})
    if last is None:
        last = query.value(con, latest, src.params)
    if last is None:
        return None
    last = pd.Timestamp(last)
    return period_end(last, "month") if source == PERFORMANCE else last


_NAT = np.datetime64("NaT", "ns")
_TILE_COLUMNS = ["kpi", "label", "fmt", "direction", "period_start", "period_end", "value", "prior_value",
                 "prior_change", "last_year_value", "yoy_change", "available"]


def kpi_tiles(
    con: duckdb.DuckDBPyConnection,
    kpi_ids: Iterable[str],
    filters: Filters,
    *,
    grain: str = "quarter",
) -> pd.DataFrame:
    """Headline figures: each KPI in its current period against the prior period and last year.

    The current period is the latest *complete* period with data: the latest one whose last
    day is no later than the day after the data's last day (for scorecards, the end of their
    last month); when no period qualifies (all data inside one partial period) the latest
    period is used. Prior = the period just before it; last year = the same period a year
    earlier. Changes are relative (`relative_change`), for fraction KPIs too.

    Returns one row per requested KPI with columns ``kpi``, ``label``, ``fmt``, ``direction``,
    ``period_start``, ``period_end`` (last day, inclusive), ``value``, ``prior_value``,
    ``prior_change``, ``last_year_value``, ``yoy_change``, ``available`` (False — and NaN
    figures — when the KPI has no data within the filters).
    """
    kpi_ids = list(kpi_ids)
    frame = kpi_frame(con, kpi_ids, filters, grain=grain)
    data_end = {source: _data_end(con, source, filters) for source in (INTERACTIONS, PERFORMANCE)}
    # Plain arrays: one KPI's rows hold each of its periods once. Periods a whole number of periods apart
    # are their ordinals that far apart, so "the period before" and "a year earlier" are ordinal lookups.
    kpi_of = frame["kpi"].to_numpy(dtype=object)
    starts = pd.DatetimeIndex(frame["period"])
    ends = period_end(starts, grain).to_numpy()
    starts, ordinals = starts.to_numpy(), period_ordinal(frame["period"], grain).to_numpy()
    values = frame["value"].to_numpy(dtype="float64")
    columns = {c: [] for c in _TILE_COLUMNS}
    for kpi_id in kpi_ids:
        k = kpis.kpi(kpi_id)
        row = {"kpi": k.id, "label": k.label, "fmt": k.fmt, "direction": k.direction,
               "period_start": _NAT, "period_end": _NAT, "value": np.nan, "prior_value": np.nan,
               "prior_change": np.nan, "last_year_value": np.nan, "yoy_change": np.nan, "available": False}
        own = np.flatnonzero(kpi_of == kpi_id)
        if len(own):
            end = data_end[k.source]
            complete = own[ends[own] <= (end + pd.Timedelta(days=1)).to_datetime64()] if end is not None \
                else own[:0]
            chosen = complete if len(complete) else own
            at = chosen[np.argmax(starts[chosen])]
            by_ordinal = dict(zip(ordinals[own].tolist(), values[own]))
            value = values[at]
            prior = by_ordinal.get(int(ordinals[at]) - 1, np.nan)
            last_year = by_ordinal.get(int(ordinals[at]) - PERIODS_PER_YEAR[grain], np.nan)
            # the period and its last day as the datetime64[ns] values of the columns computed above
            row.update(period_start=starts[at], period_end=ends[at], value=value,
                       prior_value=prior, prior_change=relative_change(value, prior),
                       last_year_value=last_year, yoy_change=relative_change(value, last_year),
                       available=True)
        for c in _TILE_COLUMNS:
            columns[c].append(row[c])
    # built column by column (what the frame of the rows infers, without pandas reading the rows as records),
    # the periods straight as datetime64[ns] columns
    tiles = pd.DataFrame(columns if kpi_ids else [], columns=_TILE_COLUMNS)  # (no KPIs: object columns, as ever)
    for column in ("period_start", "period_end"):
        tiles[column] = np.array(columns[column], dtype="datetime64[ns]")
    return tiles


def data_freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """How much of each dataset is loaded and how recent it is (ignores filters).

    Returns one row per dataset (``interactions``, ``performance``, ``engagements``) with
    columns ``dataset``, ``rows``, ``first_date``, ``last_date`` (contact days; scorecard
    months; NaT for the engagement register, which has no data span) and ``last_loaded_at``
    (latest batch of that kind, or for engagements the latest edit if later), and ``from_rollups``
    (True when the interactions are rollups imported from Spark: ``rows`` counts their contacts).
    """
    frame = query.frame(con, query.load("marts/data_freshness"))
    order = {INTERACTIONS: 0, PERFORMANCE: 1, ENGAGEMENTS: 2}
    frame = frame.sort_values("dataset", key=lambda s: s.map(order)).reset_index(drop=True)
    for column in ("first_date", "last_date", "last_loaded_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    frame["rows"] = frame["rows"].astype("int64")
    return frame
