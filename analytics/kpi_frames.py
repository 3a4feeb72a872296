"""The one query builder for KPI values: any KPIs, any grain, any split.

Every KPI in the registry is ``numerator / denominator`` over its source table, so this
module aggregates both parts in DuckDB (one statement per source table) and divides
last, exactly as ``Kpi.value_sql`` does. Callers get the parts too and can recombine
them at a coarser grain by summing.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import kpis, query, rollups
from analytics.contracts import INTERACTIONS, PERFORMANCE, field
from analytics.db import LABEL_MACRO, REGISTER_VIEW
from analytics.filters import Filters
from analytics.query import Sql

GRAINS = ("week", "month", "quarter", "year")

# Split name → the columns it returns. `engagement` also returns its provider and account.
SPLITS: dict[str, tuple[str, ...]] = {
    "provider": ("provider",),
    "account": ("account",),
    "engagement": ("engagement", "provider", "account"),
    "channel": ("channel",),
    "contact_reason": ("contact_reason",),
    "customer_segment": ("customer_segment",),
    "relationship_model": ("relationship_model",),
}
# Splits that exist only on interactions: scorecard (performance) KPIs return no rows for them.
INTERACTION_ONLY_SPLITS = ("channel", "contact_reason", "customer_segment")

DATE_COLUMN = {INTERACTIONS: "day", PERFORMANCE: "period"}

_SOURCE_NOUNS = {INTERACTIONS: "interactions", PERFORMANCE: "provider scorecards (performance rows)"}


def _check(grain: str | None, by: tuple[str, ...]) -> None:
    if grain is not None and grain not in GRAINS:
        raise ValueError(f"Unknown grain {grain!r}; use one of: {', '.join(GRAINS)}")
    for name in by:
        if name not in SPLITS:
            raise ValueError(f"Cannot split by {name!r}; splits: {', '.join(SPLITS)}")
    if len(set(by)) != len(by):
        raise ValueError(f"Split {by!r} names a dimension twice")


def _output_columns(by: tuple[str, ...]) -> list[str]:
    columns: list[str] = []
    for name in by:
        columns += [c for c in SPLITS[name] if c not in columns]
    return columns


_SUM_OF = re.compile(r"\bsum\(\s*(\w+)\s*\)")


@cache
def _integer_measures() -> frozenset[str]:
    return frozenset(c.name for c in rollups.columns() if c.sql_type == "BIGINT")


def _summed_as_double(aggregate: str, source: str) -> str:
    """A registry aggregate over the rollups with each ``sum(<integer count>)`` summed as doubles: DuckDB adds
    doubles about a third faster than it adds integers into a 128-bit total, and a sum of whole numbers stays
    exact in doubles below 2^53 (9·10^15), so every total — and the value — is the same to the last bit."""
    if source != INTERACTIONS:
        return aggregate
    return _SUM_OF.sub(lambda m: f"sum(cast({m.group(1)} as double))" if m.group(1) in _integer_measures()
                       else m.group(0), aggregate)


def _source_statement(
    source: str,
    chosen: list[kpis.Kpi],
    filters: Filters,
    grain: str | None,
    by: tuple[str, ...],
) -> tuple[str, dict]:
    """One aggregate statement for all chosen KPIs of one source table (wide: n_i, d_i per KPI)."""
    src = query.source_for(filters, source, grain=grain, alias="t")
    params = dict(src.params)
    join = Sql("")
    if "relationship_model" in by:
        # the register view has one row per provider × account: the join never fans out
        join = Sql(f" left join {query.table(REGISTER_VIEW)} e on t.provider = e.provider and t.account = e.account")
    keys: list[str] = []
    if grain is not None:
        keys.append(f"cast(date_trunc($grain, {query.column(src.date_column)}) as date) as period")
        params["grain"] = grain
    dims = _output_columns(by)
    # group on plain columns; the engagement label is built on the (small) aggregated result
    group_dims = [c for c in dims if c != "engagement"]
    if "engagement" in dims:
        group_dims += [c for c in ("provider", "account") if c not in group_dims]
    keys += [query.column(c) for c in group_dims]
    measures = []
    for i, k in enumerate(chosen):
        measures.append(f"cast({_summed_as_double(query.measure(k, 'numerator'), source)} as double) as n_{i}")
        measures.append(f"cast({_summed_as_double(query.measure(k, 'denominator'), source)} as double) as d_{i}")
    # the src CTE lets registry aggregates (`sum(fcr_yes)`) and keys use plain column names; the rows come
    # sorted by period and split values, missing ones last (`kpi_frame`'s order; the keys are unique per row,
    # so no two rows tie), which DuckDB does on the few aggregated rows for less than coding the keys in pandas
    order = (["period"] if grain is not None else []) + [c if c == "engagement" else str(query.column(c)) for c in dims]
    sql = query.render(
        "with src as (select t.*{model} from {relation} t{join} where {predicate}), "
        "agg as (select {select} from src{group}) select *{label} from agg{order}",
        model=Sql(", e.relationship_model" if join else ""), relation=src.relation, join=join,
        predicate=src.predicate, select=Sql(", ".join(keys + measures)),
        group=Sql(" group by all" if keys else ""),
        label=Sql(f", {LABEL_MACRO}(provider, account) as engagement" if "engagement" in dims else ""),
        order=Sql(" order by " + ", ".join(f"{c} nulls last" for c in order) if order else ""))
    return sql, params


def _parts(wide: pd.DataFrame, chosen: list[kpis.Kpi]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each chosen KPI's value, numerator and denominator per row of `wide` (arrays of shape KPIs × rows):
    the ratio divided last, NaN where the KPI has no value (denominator 0 or NULL)."""
    # the measures are doubles (cast in the statement), side by side as n_0, d_0, n_1, …: read in one step
    first = wide.columns.get_loc("n_0") if chosen else 0
    measures = wide.iloc[:, first:first + 2 * len(chosen)].to_numpy(dtype="float64", na_value=np.nan)
    numerator, denominator = measures[:, 0::2].T, measures[:, 1::2].T
    scale = np.array([k.scale for k in chosen], dtype="float64")[:, None]
    has_denominator = np.array([k.denominator is not None for k in chosen], dtype=bool)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denominator != 0, numerator / denominator, np.nan)
    value = np.where(has_denominator, ratio, numerator) * scale
    return value, numerator, np.where(has_denominator, denominator, np.nan)


def _long_form(wide: pd.DataFrame, chosen: list[kpis.Kpi], key_columns: list[str]) -> pd.DataFrame:
    """Melt the n_i/d_i measure pairs into one row per key × KPI (rows without a value dropped)."""
    count = len(wide)
    value, numerator, denominator = (a.reshape(-1) for a in _parts(wide, chosen))
    kept = ~np.isnan(value)  # one take of the key columns, of the kept rows only (text columns copy slowly)
    keys = wide[key_columns].take(np.tile(np.arange(count), len(chosen))[kept]).reset_index(drop=True)
    keys["kpi"] = np.repeat([k.id for k in chosen], count)[kept]
    keys["value"], keys["numerator"], keys["denominator"] = value[kept], numerator[kept], denominator[kept]
    return keys


def arrow_sorted_codes(column: pd.Series) -> tuple[np.ndarray, list] | None:
    """For an Arrow text column without missing values, what `pd.factorize(column, sort=True)` gives — the codes
    and the sorted distinct values — from one Arrow dictionary encoding and a sort of its few distinct values
    (pandas' own factorising of Arrow strings costs a millisecond or more per column of a few thousand rows);
    Arrow sorts UTF-8 bytewise, which is the code point order Python sorts text in. None for any other column."""
    if not (len(column) and isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"
            and not column.hasnans):
        return None
    array = pa.array(column)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    order = np.asarray(pc.array_sort_indices(encoded.dictionary), dtype="int64")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[np.asarray(encoded.indices, dtype="int64")], encoded.dictionary.take(pa.array(order)).to_pylist()


def factorize_sorted(column: pd.Series) -> tuple[np.ndarray, list]:
    """`pd.factorize(column, sort=True)`: the codes (−1 for a missing value) and the sorted distinct values
    (`arrow_sorted_codes` for an Arrow text column without missing values)."""
    coded = arrow_sorted_codes(column)
    if coded is not None:
        return coded
    codes, uniques = pd.factorize(column, sort=True)
    return codes, list(uniques)


def _sort_codes(frame: pd.DataFrame, columns: list[str]) -> list[np.ndarray]:
    """Per column, integer codes numbered as the values sort, missing values last."""
    out = []
    for column in columns:
        codes, uniques = factorize_sorted(frame[column])
        out.append(np.where(codes < 0, len(uniques), codes))
    return out


def _empty_frame(columns: list[str], grain: str | None) -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    for c in ("value", "numerator", "denominator"):
        empty[c] = empty[c].astype("float64")
    if grain is not None:
        empty["period"] = empty["period"].astype("datetime64[ns]")
    return empty


def kpi_frame(
    con: duckdb.DuckDBPyConnection,
    kpi_ids: Iterable[str],
    filters: Filters,
    *,
    grain: str | None,
    by: tuple[str, ...] = (),
) -> pd.DataFrame:
    """KPI values per period and split.

    Returns one row per [period ×] split values × KPI with columns
    ``period`` (Timestamp, first day of the week/month/quarter/year; omitted when grain is None),
    the split columns (``engagement`` also brings ``provider`` and ``account``),
    ``kpi``, ``value``, ``numerator``, ``denominator`` (NaN for KPIs without one, e.g. contacts).

    Interaction KPIs read ``rollup_daily`` (date column ``day``), scorecard KPIs read
    ``performance`` (``period``). Groups where a KPI has no data (denominator 0/NULL) are
    left out rather than reported as zero; scorecard KPIs return no rows when split by an
    interaction-only dimension (channel, contact_reason, customer_segment) —
    ``available_kpis(..., by=...)`` explains both.
    """
    by = tuple(by)
    _check(grain, by)
    chosen = [kpis.kpi(kpi_id) for kpi_id in kpi_ids]
    read = []
    for source in (INTERACTIONS, PERFORMANCE):
        of_source = [k for k in chosen if k.source == source]
        if not of_source or (source == PERFORMANCE and set(by) & set(INTERACTION_ONLY_SPLITS)):
            continue
        read.append(of_source)
    # the sources' statements are independent: side by side, each on its own cursor
    wides = query.frames(con, [_source_statement(source[0].source, source, filters, grain, by) for source in read])
    key_columns = (["period"] if grain is not None else []) + _output_columns(by)
    columns = key_columns + ["kpi", "value", "numerator", "denominator"]
    if len({k.id for k in chosen}) != len(chosen):
        return _sorted_long(wides, read, chosen, key_columns, columns, grain)
    # Each source's rows come sorted by period and split values (missing last: the statement's order by), and
    # every KPI's rows are taken in that order: the rows, order and types of concatenating all KPIs' rows and
    # sorting them stably by the KPI's place in `kpi_ids`, period and split values, at a fraction of the cost
    # (each text key column is copied once, by one Arrow take).
    rows_of: dict[str, tuple[int, np.ndarray]] = {}
    parts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    keys, offset = [], 0
    for of_source, wide in zip(read, wides):
        value, numerator, denominator = _parts(wide, of_source)
        kept = ~np.isnan(value)
        if not kept.any():
            continue
        for i, k in enumerate(of_source):
            rows = np.flatnonzero(kept[i])
            rows_of[k.id] = (offset, rows)
            parts[k.id] = (value[i, rows], numerator[i, rows], denominator[i, rows])
        keys.append(wide)
        offset += len(wide)
    if not keys:
        return _empty_frame(columns, grain)
    ids = [k.id for k in chosen if k.id in rows_of]
    taken = np.concatenate([rows_of[i][0] + rows_of[i][1] for i in ids])
    out: dict[str, object] = {c: _taken(keys, c, taken) for c in key_columns}  # their types kept as they are
    if grain is not None:
        out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
    out["kpi"] = np.repeat(ids, [rows_of[i][1].size for i in ids])
    for at, name in enumerate(("value", "numerator", "denominator")):
        out[name] = np.concatenate([parts[i][at] for i in ids])
    # one frame at the end: a column added to a frame costs more than its numbers
    return pd.DataFrame(out, index=pd.RangeIndex(taken.size), columns=columns)


def _taken(frames: list[pd.DataFrame], column: str, rows: np.ndarray) -> pd.Series:
    """The `rows` (positions in the frames' rows one after another) of `column`, as a Series with a fresh range
    index: what `pd.concat(frames).take(rows)[column]` holds, without taking the other columns."""
    series = pd.concat([f[column] for f in frames], ignore_index=True) if len(frames) > 1 else frames[0][column]
    return series.take(rows).reset_index(drop=True)


def _sorted_long(wides: list[pd.DataFrame], read: list[list[kpis.Kpi]], chosen: list[kpis.Kpi],
                 key_columns: list[str], columns: list[str], grain: str | None) -> pd.DataFrame:
    """`kpi_frame`'s result by melting every KPI's rows and sorting them all (KPIs asked for twice)."""
    frames = [f for f in (_long_form(wide, of_source, key_columns) for of_source, wide in zip(read, wides))
              if not f.empty]
    if not frames:
        return _empty_frame(columns, grain)
    frame = pd.concat(frames, ignore_index=True)[columns]
    if grain is not None:
        frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
    # Sorted by the KPI's place in `kpi_ids`, then period and split values (missing values last), stably:
    # np.lexsort over integer codes numbered as the values sort — the order a stable multi-column
    # sort_values gives, without its per-column categorical encoding of text.
    order = {k.id: i for i, k in enumerate(chosen)}
    kpi_codes, kpi_names = pd.factorize(frame["kpi"])
    sort_codes = [np.array([order[name] for name in kpi_names], dtype="int64")[kpi_codes]]
    sort_codes += _sort_codes(frame, key_columns)
    return frame.take(np.lexsort(sort_codes[::-1])).reset_index(drop=True)


# `sum(col)` / `count(col)`: a registry aggregate over one column, which a single row can decide.
_ONE_COLUMN = re.compile(r"\s*(sum|count)\(\s*(\w+)\s*\)\s*")


def _row_test(k: kpis.Kpi) -> str | None:
    """A condition on one source row that holds somewhere within the filters exactly when the KPI has a value
    there (the totals `kpi_frame` would report: denominator neither 0 nor NULL, numerator not NULL), or None
    when the KPI's aggregates are not of a shape that one row decides.

    Scorecard KPIs are ``sum(col) / count(col)``: a value exactly when some row has ``col``. Interaction KPIs
    divide by a rollup count, never negative, whose row also sums the numerator's values whenever it is
    positive (analytics/sql/rollups/rollup_daily.sql): a value exactly when some row's count is positive.
    A KPI without a denominator (a volume) has a value when some row has its column."""
    part = k.numerator if k.denominator is None else k.denominator
    match = _ONE_COLUMN.fullmatch(part)
    if match is None:
        return None
    function, name = match.groups()
    column = query.column(name)
    if k.denominator is None:
        return f"{column} is not null" if function == "sum" else None
    if function == "count":
        return f"{column} is not null" if k.numerator == f"sum({name})" else None
    return f"{column} > 0" if k.source == INTERACTIONS else None


# Rows of the first pass of `_present`: enough that a KPI with data nearly always shows it there.
_PROBE_ROWS = 2048


def _present(
    con: duckdb.DuckDBPyConnection, source: str, chosen: list[kpis.Kpi], filters: Filters
) -> tuple[bool, bool, set[str], set[str]]:
    """Whether the source has rows, whether any match the filters, which of `chosen` have a value within the
    filters, and which of `chosen` that was decided for (those `_row_test` covers).

    The tests run on the first matching rows first (one short read of a few thousand rows); only a KPI those
    rows leave open is tested on all the rows, stopping at its first hit. Summing every KPI's parts instead
    reads every matching row of every column: the cost of `kpi_frame`, not of a yes/no."""
    src = query.source_for(filters, source, grain=None)
    tests = {k.id: test for k in chosen if (test := _row_test(k)) is not None}
    first = query.render("select count(*){tests} from (select * from {relation} where {predicate} limit {rows})",
                         tests=Sql("".join(f", coalesce(bool_or({test}), false)" for test in tests.values())),
                         relation=src.relation, predicate=src.predicate, rows=Sql(str(_PROBE_ROWS)))
    matched, *answers = query.one(con, first, src.params)
    if not matched:
        loaded = query.value(con, query.render("select exists (select 1 from {relation})", relation=src.relation))
        return bool(loaded), False, set(), set(tests)
    present = {kpi_id for kpi_id, answer in zip(tests, answers) if answer}
    open_ids = [kpi_id for kpi_id in tests if kpi_id not in present] if matched == _PROBE_ROWS else []
    if open_ids:
        rest = query.render("select {tests}", tests=Sql(", ".join(
            query.render("exists (select 1 from {relation} where ({predicate}) and {test})", relation=src.relation,
                         predicate=src.predicate, test=Sql(tests[kpi_id])) for kpi_id in open_ids)))
        present |= {kpi_id for kpi_id, answer in zip(open_ids, query.one(con, rest, src.params)) if answer}
    return True, True, present, set(tests)


def available_kpis(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Which KPIs the loaded data (within the filters) supports, and why not when it does not.

    Returns one row per registry KPI with columns ``kpi``, ``label``, ``source``
    (``interactions`` | ``performance``), ``available`` (bool), ``reason`` (empty when available).
    A KPI is unavailable when its denominator is 0/NULL everywhere — the fields it needs
    are missing — never reported as zero. Pass the split you intend to use as ``by`` to
    learn that scorecard KPIs have no channel/reason/segment split.
    """
    by = tuple(by)
    _check(None, by)
    present: set[str] = set()
    counts = {}
    for source in (INTERACTIONS, PERFORMANCE):
        of_source = [k for k in kpis.KPIS if k.source == source]
        loaded, matching, found, probed = _present(con, source, of_source, filters)
        counts[source] = (loaded, matching)
        present |= found
        unprobed = [k.id for k in of_source if k.id not in probed]
        if unprobed and matching:  # a KPI whose parts no single-row test decides: its totals, as kpi_frame sums them
            present |= set(kpi_frame(con, unprobed, filters, grain=None)["kpi"])
    rows = []
    for k in kpis.KPIS:
        loaded, matching = counts[k.source]
        split_gap = [s for s in by if s in INTERACTION_ONLY_SPLITS] if k.source == PERFORMANCE else []
        if loaded == 0:
            reason = f"no {_SOURCE_NOUNS[k.source]} loaded"
        elif matching == 0:
            reason = f"no {_SOURCE_NOUNS[k.source]} match the filters"
        elif k.id not in present:
            nouns = " or ".join(field(k.source, f).noun or f"{f} values" for f in k.requires)
            reason = f"no {nouns} in the loaded data" + ("" if filters.is_empty() else " (within the filters)")
        elif split_gap:
            reason = f"scorecard KPIs cannot be split by {', '.join(split_gap)} (performance rows have no such column)"
        else:
            reason = ""
        rows.append({"kpi": k.id, "label": k.label, "source": k.source, "available": reason == "",
                     "reason": reason})
    return pd.DataFrame(rows, columns=["kpi", "label", "source", "available", "reason"])


# Periods of one grain in a year, to find "the same period a year earlier" (52 weeks keeps Mondays).
PERIODS_PER_YEAR = {"week": 52, "month": 12, "quarter": 4, "year": 1}
_EPOCH_MONDAY = pd.Timestamp("1970-01-05")


def period_ordinal(periods: pd.Series, grain: str) -> pd.Series:
    """Consecutive integers for consecutive periods of `grain` (period starts as Timestamps)."""
    _check(grain, ())
    fast = _ordinal_of_datetimes(periods, grain)
    if fast is not None:
        return fast
    periods = pd.to_datetime(periods)
    if grain == "week":
        return ((periods - _EPOCH_MONDAY).dt.days // 7).astype("int64")
    if grain == "year":
        return periods.dt.year.astype("int64")
    months = periods.dt.year.astype("int64") * 12 + periods.dt.month.astype("int64") - 1
    return months // 3 if grain == "quarter" else months


_NS_PER_DAY = 86_400_000_000_000


def _ordinal_of_datetimes(periods: pd.Series, grain: str) -> pd.Series | None:
    """`period_ordinal` for a Series of naive datetime64 values without NaT, on the integers themselves: the same
    numbers as the pandas date accessors give (whole days and months counted down, as they floor), without a
    Series per step. None for anything else (the accessors' route)."""
    if not (isinstance(periods, pd.Series) and periods.dtype.kind == "M" and getattr(periods.dtype, "tz", None) is None):
        return None
    values = periods.to_numpy()
    if np.isnat(values).any():
        return None
    if grain == "week":
        ns = values.astype("datetime64[ns]").view("int64") - _EPOCH_MONDAY.value
        ordinal = ns // (7 * _NS_PER_DAY)
    elif grain == "year":
        ordinal = values.astype("datetime64[Y]").astype("int64") + 1970
    else:
        months = values.astype("datetime64[M]").astype("int64") + 1970 * 12  # year * 12 + month - 1
        ordinal = months // 3 if grain == "quarter" else months
    return pd.Series(ordinal.astype("int64"), index=periods.index, name=periods.name)


def shift_period(period: pd.Timestamp, grain: str, n: int) -> pd.Timestamp:
    """The start of the period `n` periods of `grain` after (negative: before) `period`."""
    _check(grain, ())
    if grain == "week":
        return period + pd.Timedelta(days=7 * n)
    months = {"month": 1, "quarter": 3, "year": 12}[grain] * n
    return period + pd.DateOffset(months=months)


def period_end(period: pd.Timestamp, grain: str) -> pd.Timestamp:
    """The last day of the period starting at `period`."""
    return shift_period(period, grain, 1) - pd.Timedelta(days=1)


_PANDAS_PERIOD = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


def period_start(day, grain: str) -> pd.Timestamp:
    """The start of the `grain` period containing `day` (weeks start on Monday, as date_trunc)."""
    _check(grain, ())
    return pd.Timestamp(day).to_period(_PANDAS_PERIOD[grain]).start_time.normalize()
