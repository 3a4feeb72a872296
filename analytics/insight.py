"""Longitudinal customer insight: what only years of interaction data show.

Channel-mix shift, rising and falling contact reasons, growing and shrinking segments
and the seasonal profile read the rollups (monthly when whole months answer); repeat contacts need the raw rows
(the window of `days` is a parameter, so it cannot be pre-aggregated).
"""
from __future__ import annotations

import calendar

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, query, stats
from analytics.contracts import INTERACTIONS
from analytics.db import RollupsOnlyError, rollups_imported
from analytics.filters import Filters
from analytics.kpi_frames import GRAINS, kpi_frame, period_ordinal
from analytics.periods import format_month_range
from analytics.query import Sql
from analytics.thresholds import REPEAT_DAYS


NOT_RECORDED = "Not recorded"  # label for contacts without a channel / segment


def _check_grain(grain: str) -> None:
    if grain not in GRAINS:
        raise ValueError(f"Unknown grain {grain!r}; use one of: {', '.join(GRAINS)}")


def _period_shares(con: duckdb.DuckDBPyConnection, filters: Filters, column: str, grain: str) -> pd.DataFrame:
    """Contacts per period × value of `column` (an allow-listed rollup column) and its share of the period."""
    _check_grain(grain)
    src = query.source_for(filters, INTERACTIONS, grain=grain)
    params = {**src.params, "grain": grain, "not_recorded": NOT_RECORDED}
    # contacts per day (per month on the monthly rollup) × value first, then per period: the period's expression
    # is computed over those few rows, not per rollup row; each period's total and the shares on arrays (the
    # rows come ordered by period), not in a window over the result
    sql = query.render(
        """
        with daily as (
            select day, {col}, sum(contacts) as contacts from {relation} where {predicate} group by all
        )
        select cast(date_trunc($grain, day) as date) as period,
               coalesce({col}, $not_recorded) as {col},
               sum(contacts) as contacts
        from daily
        group by all
        order by period, contacts desc, {col}
        """,
        col=query.column(column), relation=src.relation, predicate=src.predicate)
    # plain rows into arrays, one frame built at the end (the text column as DuckDB's frame gives it: str, object
    # when there are no rows)
    rows = query.rows(con, sql, params)
    period = np.array([r[0] for r in rows], dtype="datetime64[D]").astype("datetime64[ns]")
    contacts = np.array([r[2] for r in rows], dtype="int64")
    starts, ends = _runs(period)
    totals = np.repeat(np.add.reduceat(contacts, starts), ends - starts) if len(starts) else contacts
    values = (pd.array([r[1] for r in rows], dtype=pd.StringDtype(na_value=np.nan)) if rows
              else np.array([], dtype=object))
    return pd.DataFrame({"period": period, column: values, "contacts": contacts,
                         "share": (contacts / totals).astype("float64")})


def channel_mix(con: duckdb.DuckDBPyConnection, filters: Filters, *, grain: str = "quarter") -> pd.DataFrame:
    """Each channel's share of contacts per period.

    Returns one row per period × channel with columns ``period`` (Timestamp, period start),
    ``channel`` (``Not recorded`` for contacts without one), ``contacts`` and ``share``
    (fraction of the period's contacts; shares sum to 1 per period).
    """
    return _period_shares(con, filters, "channel", grain)


def segment_trends(con: duckdb.DuckDBPyConnection, filters: Filters, *, grain: str = "year") -> pd.DataFrame:
    """Customer segments growing or shrinking as a share of contacts.

    Returns one row per period × segment with columns ``period``, ``customer_segment``,
    ``contacts``, ``share`` (fraction of the period's contacts) and ``share_change``: the
    change in share since the previous period in percentage points (share 0.20 → 0.25 is
    +5.0); a segment absent in a previous period that has data counts share 0 there;
    NaN for the first period and after a period with no contacts at all.
    """
    frame = _period_shares(con, filters, "customer_segment", grain)
    if frame.empty:
        frame["share_change"] = pd.Series(dtype="float64")
        return frame
    # each row's share minus its segment's share in the previous period (0 when the segment was absent
    # there), on plain arrays and a dict: the frame has a row per period × segment
    ordinal = period_ordinal(frame["period"], grain).to_numpy()
    segment = frame["customer_segment"].to_numpy(dtype=object)
    share = frame["share"].to_numpy(dtype="float64")
    shares = dict(zip(zip(ordinal.tolist(), segment.tolist()), share.tolist()))
    periods = set(ordinal.tolist())
    frame["share_change"] = np.array(
        [(s - shares.get((o - 1, g), 0.0)) * 100.0 if o - 1 in periods else np.nan
         for o, g, s in zip(ordinal.tolist(), segment.tolist(), share.tolist())], dtype="float64")
    return frame[["period", "customer_segment", "contacts", "share", "share_change"]]


def _data_span(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(month of the first day, last day) of interaction data within the filters, or None when there is none.

    When whole months answer (`query.relation_for`), the monthly rollup gives the first and last month and
    the daily rollup is read only from that last month on, for its last day (a scan of a month, not of
    the whole history); else the daily rollup gives both."""
    daily = query.source_for(filters, INTERACTIONS, grain="day")  # day grain: the first and last *day*
    if query.relation_for(INTERACTIONS, "month", filters) == daily.relation_name:
        first, last = query.one(con, query.render("select min(day), max(day) from {relation} where {predicate}",
                                                  relation=daily.relation, predicate=daily.predicate), daily.params)
    else:
        monthly = query.source_for(filters, INTERACTIONS, grain="month")
        first, last = query.one(con, query.render(
            "with months as (select min(day) as first_month, max(day) as last_month from {monthly}"
            " where {monthly_predicate})"
            " select (select first_month from months), max(day) from {daily}"
            " where {daily_predicate} and day >= (select last_month from months)",
            monthly=monthly.relation, monthly_predicate=monthly.predicate, daily=daily.relation,
            daily_predicate=daily.predicate), {**monthly.params, **daily.params})
    if last is None:
        return None
    return pd.Timestamp(first).replace(day=1), pd.Timestamp(last)


def _window(span: tuple[pd.Timestamp, pd.Timestamp] | None, window_months: int
            ) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp] | None:
    if window_months < 1 or window_months > 12:
        raise ValueError(f"window_months must be between 1 and 12, got {window_months}")
    if span is None:
        return None
    first_month, last = span
    # month arithmetic on (year, month) numbers: the figures pd.DateOffset / MonthEnd give, without their cost
    # (≈ 0.5 ms a window); a time of day on `last` stays on recent_end and prior_end as it did with the offsets
    recent_end = (last if last.day == calendar.monthrange(last.year, last.month)[1]
                  else last.replace(day=1) - pd.Timedelta(days=1))
    start = recent_end.year * 12 + recent_end.month - 1 - (window_months - 1)
    recent_start = pd.Timestamp(start // 12, start % 12 + 1, 1)
    prior_start = pd.Timestamp(start // 12 - 1, start % 12 + 1, 1)
    prior_year = recent_end.year - 1
    prior_end = recent_end.replace(year=prior_year, day=calendar.monthrange(prior_year, recent_end.month)[1])
    if first_month > prior_start:
        return None
    return recent_start, recent_end, prior_start, prior_end


def movers_window(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, window_months: int = 6
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp] | None:
    """(recent_start, recent_end, prior_start, prior_end) as inclusive first/last days, or None.

    Recent = the last `window_months` full months of interaction data within the filters (the
    latest month counts as full when the data reaches its last day, or when the filter's end
    date cuts it there); prior = the same months a year earlier. None when the data does not
    reach back to the prior window's first month.
    """
    _window(None, window_months)  # refuse a bad window before reading
    return _window(_data_span(con, filters), window_months)


def window_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """'Jul–Dec 2025' or 'Nov 2024–Apr 2025'."""
    return format_month_range(start, end)


MOVERS_COLUMNS = ["contact_reason", "recent_contacts", "prior_contacts", "change", "change_pct", "direction",
                  "recent_start", "recent_end", "prior_start", "prior_end", "recent_share", "prior_share",
                  "share_change", "share_ci_low", "share_ci_high"]


def reason_movers(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, window_months: int = 6, top: int = 5
) -> pd.DataFrame:
    """Contact reasons rising and falling most: the last `window_months` full months vs a year earlier.

    Windows are chosen by `movers_window`; contacts without a reason are left out. The `top`
    reasons with the largest increase in contacts (direction ``rising``) and the `top` with the
    largest decrease (``falling``) are returned, rising first, each ordered by the size of the
    change. Empty when the history is shorter than window + a year.

    Counts alone mislead when the portfolio shrinks or grows (a reason can "fall 81 %" while its share
    of contacts barely moves, because contracts ended), so each reason also carries its share of the
    window's contacts with a reason, the change in share in points and that change's 95 % interval
    (Newcombe's method from two Wilson intervals).

    Returns columns ``contact_reason``, ``recent_contacts``, ``prior_contacts``, ``change``
    (recent − prior contacts), ``change_pct`` (100·change/prior; NaN when prior is 0),
    ``direction``, ``recent_start``, ``recent_end``, ``prior_start``, ``prior_end``
    (Timestamps, inclusive first and last days of the windows), ``recent_share``, ``prior_share``
    (fractions), ``share_change`` (points), ``share_ci_low``, ``share_ci_high`` (points).
    """
    return reason_movers_by_window(con, filters, windows=(window_months,), top=top)[window_months]


def reason_movers_by_window(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, windows: tuple[int, ...] = (6, 12), top: int = 5
) -> dict[int, pd.DataFrame]:
    """`reason_movers` for several window lengths at once: {window_months: that window's frame}.

    The data's span is read once and every window's contacts are summed in one statement (the findings
    compare 6 and 12 months)."""
    for window_months in windows:
        _window(None, window_months)
    span, months = _span_and_reason_months(con, filters)
    chosen = {w: _window(span, w) for w in dict.fromkeys(windows)}
    read = [w for w, window in chosen.items() if window is not None]
    reasons, dtype, counts = _reason_counts(months, [chosen[w] for w in read]) if read else (None, None, None)
    out = {}
    for w, window in chosen.items():
        if window is None:
            out[w] = pd.DataFrame({c: pd.Series(dtype="float64" if c.endswith("pct") else "object")
                                   for c in MOVERS_COLUMNS})
        else:
            i = read.index(w)
            out[w] = _movers(reasons, dtype, counts[f"recent_{i}"], counts[f"prior_{i}"], window, top)
    return out


def _span_and_reason_months(con: duckdb.DuckDBPyConnection, filters: Filters
                            ) -> tuple[tuple[pd.Timestamp, pd.Timestamp] | None, pd.DataFrame]:
    """`_data_span` and the contacts per reason × month within the filters, from one statement: the months are
    counted once (every reason, the rows without one too: their first and last month are the span's), and the
    daily rollup is read from the last month on for the last day. Returns (span, frame of contact_reason, month
    (datetime64), contacts (int64) for the rows with a reason)."""
    monthly = query.source_for(filters, INTERACTIONS, grain="month")
    daily = query.source_for(filters, INTERACTIONS, grain="day")
    month = (Sql("day") if monthly.relation_name == "rollup_monthly"
             else Sql("cast(date_trunc('month', day) as date)"))
    sql = query.render(
        "with counted as (select contact_reason, {month} as month, sum(contacts) as contacts"
        " from {monthly} where {monthly_predicate} group by all),"
        " span as (select (select min(month) from counted) as first_month, max(day) as last_day from {daily}"
        " where {daily_predicate} and day >= (select max(month) from counted))"
        " select s.first_month, s.last_day, c.contact_reason, c.month, c.contacts"
        " from span s left join counted c on c.contact_reason is not null",
        month=month, monthly=monthly.relation, monthly_predicate=monthly.predicate, daily=daily.relation,
        daily_predicate=daily.predicate)
    # plain rows: a few per reason × month, and a frame would cost more than the statement on small data
    rows = query.rows(con, sql, {**monthly.params, **daily.params})
    first, last = rows[0][0], rows[0][1]
    span = None if last is None else (pd.Timestamp(first).replace(day=1), pd.Timestamp(last))
    counted = [r for r in rows if r[2] is not None]
    return span, (np.array([r[2] for r in counted], dtype=object),
                  np.array([r[3] for r in counted], dtype="datetime64[D]"),
                  np.array([r[4] for r in counted], dtype="int64"))


def _reason_counts(months: tuple[np.ndarray, np.ndarray, np.ndarray], windows: list[tuple]
                   ) -> tuple[np.ndarray, object, dict[str, np.ndarray]]:
    """Contacts per reason in each window's recent and prior months, summed from the reason × month counts (the
    windows are whole months): (the reasons with contacts in some window, the text dtype of their column, the
    counts as recent_<i>, prior_<i> int64 arrays, one pair per window in `windows`' order)."""
    reason, month, contacts = months
    reasons, at = np.unique(reason, return_inverse=True)
    columns = {}
    present = np.zeros(len(reasons), dtype=bool)  # reasons with contacts in some window (the others are left out)
    for i, (recent_start, recent_end, prior_start, prior_end) in enumerate(windows):
        for side, start, end in (("recent", recent_start, recent_end), ("prior", prior_start, prior_end)):
            inside = (month >= np.datetime64(start.date(), "D")) & (month <= np.datetime64(end.date(), "D"))
            summed = np.zeros(len(reasons), dtype="int64")
            np.add.at(summed, at[inside], contacts[inside])
            present[at[inside]] = True
            columns[f"{side}_{i}"] = summed
    # text as DuckDB returns it to a frame: str, or object when no reason has contacts in the windows (no rows)
    dtype = pd.StringDtype(na_value=np.nan) if present.any() else np.dtype(object)
    return reasons[present], dtype, {name: summed[present] for name, summed in columns.items()}


def _movers(reasons: np.ndarray, dtype, recent: np.ndarray, prior: np.ndarray, window: tuple, top: int
            ) -> pd.DataFrame:
    """One window's movers from its two count arrays, on numpy arrays (the frame is built once)."""
    kept = (recent != 0) | (prior != 0)  # reasons with contacts in this window (the others are another's)
    recent, prior = recent[kept], prior[kept]
    reasons = reasons[kept]
    change = recent - prior
    prior_float = prior.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        change_pct = 100.0 * change / np.where(prior_float > 0, prior_float, np.nan)
    recent_total, prior_total = float(recent.sum()), float(prior.sum())
    recent_share = recent / recent_total if recent_total else np.full(len(recent), np.nan)
    prior_share = prior / prior_total if prior_total else np.full(len(prior), np.nan)
    share_change = 100.0 * (recent_share - prior_share)
    low, high = stats.newcombe_difference(recent, recent_total, prior, prior_total)
    rising = sorted(np.flatnonzero(change > 0), key=lambda i: (-change[i], reasons[i]))[:top]
    falling = sorted(np.flatnonzero(change < 0), key=lambda i: (change[i], reasons[i]))[:top]
    rows = np.array(rising + falling, dtype="int64")
    recent_start, recent_end, prior_start, prior_end = (np.full(len(rows), np.datetime64(t, "ns")) for t in window)
    return pd.DataFrame({
        "contact_reason": pd.array(reasons[rows], dtype=dtype) if len(rows) else pd.Series([], dtype=dtype),
        "recent_contacts": recent[rows], "prior_contacts": prior[rows], "change": change[rows],
        "change_pct": change_pct[rows],
        "direction": pd.array(["rising"] * len(rising) + ["falling"] * len(falling), dtype="str"),
        "recent_start": recent_start, "recent_end": recent_end, "prior_start": prior_start, "prior_end": prior_end,
        "recent_share": recent_share[rows], "prior_share": prior_share[rows], "share_change": share_change[rows],
        "share_ci_low": 100.0 * low[rows], "share_ci_high": 100.0 * high[rows],
    })


def seasonality(con: duckdb.DuckDBPyConnection, filters: Filters, *, kpi_id: str = "contacts") -> pd.DataFrame:
    """Month-of-year profile per calendar year.

    `value` is the KPI per month (for ``contacts``: contacts in the month; for other KPIs the
    month's sum(numerator)/sum(denominator)); `index` = value / the mean of that year's monthly
    values (months with data only, so a partial year is indexed against its own months).

    Returns one row per year × month with data, columns ``year``, ``month`` (1–12), ``value``, ``index``.
    """
    k = kpis.kpi(kpi_id)
    src = query.source_for(filters, k.source, grain="month")
    # the KPI per month as `kpi_frame` computes it (numerator / denominator, scaled; months without a
    # value left out), on arrays: the frame is a year's months at most a few dozen times
    # the monthly rollup's day is its month's first day already (no date_trunc per row there)
    month = (Sql("day") if src.relation_name == "rollup_monthly"
             else Sql(f"cast(date_trunc('month', {query.column(src.date_column)}) as date)"))
    sql = query.render(
        "select {month} as period, cast({numerator} as double) as n,"
        " cast({denominator} as double) as d from {relation} where {predicate} group by all order by period",
        month=month, numerator=query.measure(k, "numerator"),
        denominator=query.measure(k, "denominator"), relation=src.relation, predicate=src.predicate)
    # plain rows into arrays (a NULL sum becomes NaN): a frame would cost more than these few dozen rows
    monthly = query.rows(con, sql, src.params)
    numerator = np.array([r[1] for r in monthly], dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        if k.denominator is None:
            value = numerator * k.scale
        else:
            denominator = np.array([r[2] for r in monthly], dtype="float64")
            value = np.where(denominator != 0, numerator / denominator, np.nan) * k.scale
    kept = ~np.isnan(value)
    months = np.array([r[0] for r in monthly], dtype="datetime64[D]").astype("datetime64[M]")[kept]
    years = months.astype("datetime64[Y]")
    year = years.astype("int64") + 1970
    value = value[kept]
    mean = _year_means(year, value)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = value / np.where(mean != 0, mean, np.nan)
    return pd.DataFrame({"year": year, "month": (months - years).astype("int64") + 1, "value": value, "index": index})


def _year_means(year: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Each row's mean of its year's values (`year` sorted, no NaN): each year's sum (``np.add.reduceat``) over
    its count, the figures ``groupby("year")["value"].transform("mean")`` gives on sorted groups."""
    starts, ends = _runs(year)
    if not len(starts):
        return np.empty(0)
    sizes = ends - starts
    return np.repeat(np.add.reduceat(value, starts) / sizes.astype("float64"), sizes)


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the runs of equal values in sorted `keys` (ends exclusive)."""
    ends = np.flatnonzero(np.append(keys[1:] != keys[:-1], True)) + 1 if len(keys) else np.empty(0, "int64")
    return np.append(0, ends[:-1]).astype("int64") if len(keys) else np.empty(0, "int64"), ends


def repeat_contacts(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, days: int = 7, grain: str = "month"
) -> pd.DataFrame:
    """Contacts from a customer who was already in touch within the previous `days` days.

    With the ingest's own window (`REPEAT_DAYS`, 7) the answer comes from the rollup's
    ``is_repeat`` counts; any other window reads raw interactions. A
    contact is a repeat when the same customer id had a strictly earlier contact at most `days`
    days before it — on any channel, reason or program, and also before the filter's start
    date — the definition ingest uses for the ``repeat_rate`` KPI (7 days), so with the default
    both agree. Every filter selects the contacts counted. Contacts without a customer id are
    left out. On a database of rollups imported from Spark any other window raises
    ``RollupsOnlyError`` (there are no raw rows to look back through).

    Returns one row per period with columns ``period`` (Timestamp), ``contacts`` (with a
    customer id), ``repeat_contacts`` and ``repeat_rate``; an empty frame with these columns
    when there are no customer ids.
    """
    _check_grain(grain)
    if days < 0:
        raise ValueError(f"days must be zero or more, got {days}")
    if days == REPEAT_DAYS:
        frame = kpi_frame(con, ["repeat_rate"], filters, grain=grain)
        frame = frame.rename(columns={"denominator": "contacts", "numerator": "repeat_contacts",
                                      "value": "repeat_rate"})
    elif rollups_imported(con):
        raise RollupsOnlyError(
            f"A {days}-day repeat window needs raw interactions, but this database holds rollups imported from "
            f"Spark, which carry the {REPEAT_DAYS}-day repeat flag only; use {REPEAT_DAYS} days, or load the raw "
            "interactions into a database of their own.")
    else:
        frame = _repeat_contacts_raw(con, filters, days=days, grain=grain)
    frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
    frame["contacts"] = frame["contacts"].astype("int64")
    frame["repeat_contacts"] = frame["repeat_contacts"].astype("int64")
    frame["repeat_rate"] = (frame["repeat_contacts"] / frame["contacts"]).astype("float64")
    return frame[["period", "contacts", "repeat_contacts", "repeat_rate"]].reset_index(drop=True)


def _repeat_contacts_raw(con: duckdb.DuckDBPyConnection, filters: Filters, *, days: int, grain: str) -> pd.DataFrame:
    src = query.source_for(filters, INTERACTIONS, grain=grain, raw=True)
    lookback = None if filters.start is None else pd.Timestamp(filters.start) - pd.Timedelta(days=days)
    params = {**src.params, "grain": grain, "days": days, "lookback_start": lookback}
    return query.frame(con, query.render(query.load("marts/repeat_contacts"), predicate=src.predicate), params)
