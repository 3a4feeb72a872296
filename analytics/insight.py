"""Longitudinal customer insight: what only years of interaction data show.

Channel-mix shift, rising and falling contact reasons, growing and shrinking segments
and the seasonal profile read the rollups (monthly when whole months answer); repeat contacts need the raw rows
(the window of `days` is a parameter, so it cannot be pre-aggregated).
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, query, stats
from analytics.contracts import INTERACTIONS
from analytics.db import RollupsOnlyError, rollups_imported
from analytics.filters import Filters
from analytics.kpi_frames import GRAINS, kpi_frame, period_ordinal
from analytics.periods import format_month_range
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
    sql = query.render(
        """
        with counted as (
            select cast(date_trunc($grain, day) as date) as period,
                   coalesce({col}, $not_recorded) as {col},
                   sum(contacts) as contacts
            from {relation} where {predicate}
            group by all
        )
        select period, {col}, contacts,
               contacts / sum(contacts) over (partition by period) as share
        from counted
        order by period, contacts desc, {col}
        """,
        col=query.column(column), relation=src.relation, predicate=src.predicate)
    frame = query.frame(con, sql, params)
    frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
    frame["contacts"] = frame["contacts"].astype("int64")
    frame["share"] = frame["share"].astype("float64")
    return frame.reset_index(drop=True)


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
    frame["_ord"] = period_ordinal(frame["period"], grain)
    grid = frame.pivot_table(index="_ord", columns="customer_segment", values="share", fill_value=0.0)
    previous = grid.reindex(grid.index - 1)
    previous.index = grid.index
    change = (grid - previous) * 100.0  # NaN where the previous period has no data
    changes = change.stack(future_stack=True).rename("share_change").reset_index()
    frame = frame.merge(changes, on=["_ord", "customer_segment"], how="left")
    return frame.drop(columns="_ord")[["period", "customer_segment", "contacts", "share", "share_change"]]


def movers_window(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, window_months: int = 6
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp] | None:
    """(recent_start, recent_end, prior_start, prior_end) as inclusive first/last days, or None.

    Recent = the last `window_months` full months of interaction data within the filters (the
    latest month counts as full when the data reaches its last day, or when the filter's end
    date cuts it there); prior = the same months a year earlier. None when the data does not
    reach back to the prior window's first month.
    """
    if window_months < 1 or window_months > 12:
        raise ValueError(f"window_months must be between 1 and 12, got {window_months}")
    src = query.source_for(filters, INTERACTIONS, grain="day")  # day grain: the first and last *day*
    first, last = query.one(con, query.render("select min(day), max(day) from {relation} where {predicate}",
                                              relation=src.relation, predicate=src.predicate), src.params)
    if last is None:
        return None
    last = pd.Timestamp(last)
    month_end = last + pd.offsets.MonthEnd(0)
    recent_end = month_end if last == month_end else last.replace(day=1) - pd.Timedelta(days=1)
    recent_start = (recent_end.replace(day=1) - pd.DateOffset(months=window_months - 1)).normalize()
    prior_start = recent_start - pd.DateOffset(years=1)
    prior_end = recent_end.replace(day=1) - pd.DateOffset(years=1) + pd.offsets.MonthEnd(0)
    if pd.Timestamp(first).replace(day=1) > prior_start:
        return None
    return recent_start, recent_end, prior_start, prior_end


def window_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """'Jul–Dec 2025' or 'Nov 2024–Apr 2025'."""
    return format_month_range(start, end)


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
    columns = ["contact_reason", "recent_contacts", "prior_contacts", "change", "change_pct", "direction",
               "recent_start", "recent_end", "prior_start", "prior_end", "recent_share", "prior_share",
               "share_change", "share_ci_low", "share_ci_high"]
    window = movers_window(con, filters, window_months=window_months)
    if window is None:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c.endswith("pct") else "object") for c in columns})
    recent_start, recent_end, prior_start, prior_end = window
    src = query.source_for(filters, INTERACTIONS, grain="month")
    params = {**src.params, "recent_start": recent_start.date(), "recent_end": recent_end.date(),
              "prior_start": prior_start.date(), "prior_end": prior_end.date()}
    sql = query.render(
        """
        select contact_reason,
               coalesce(sum(contacts) filter (where day between $recent_start and $recent_end), 0) as recent_contacts,
               coalesce(sum(contacts) filter (where day between $prior_start and $prior_end), 0) as prior_contacts
        from {relation}
        where {predicate} and contact_reason is not null
          and (day between $recent_start and $recent_end or day between $prior_start and $prior_end)
        group by contact_reason
        """,
        relation=src.relation, predicate=src.predicate)
    frame = query.frame(con, sql, params)
    frame[["recent_contacts", "prior_contacts"]] = frame[["recent_contacts", "prior_contacts"]].astype("int64")
    frame["change"] = frame["recent_contacts"] - frame["prior_contacts"]
    prior = frame["prior_contacts"].astype("float64")
    frame["change_pct"] = 100.0 * frame["change"] / prior.where(prior > 0)
    recent_total, prior_total = float(frame["recent_contacts"].sum()), float(frame["prior_contacts"].sum())
    frame["recent_share"] = frame["recent_contacts"] / recent_total if recent_total else np.nan
    frame["prior_share"] = frame["prior_contacts"] / prior_total if prior_total else np.nan
    frame["share_change"] = 100.0 * (frame["recent_share"] - frame["prior_share"])
    low, high = stats.newcombe_difference(frame["recent_contacts"], recent_total, frame["prior_contacts"],
                                          prior_total)
    frame["share_ci_low"], frame["share_ci_high"] = 100.0 * low, 100.0 * high
    rising = frame[frame["change"] > 0].sort_values(["change", "contact_reason"], ascending=[False, True]).head(top)
    falling = frame[frame["change"] < 0].sort_values(["change", "contact_reason"]).head(top)
    rising = rising.assign(direction="rising")
    falling = falling.assign(direction="falling")
    movers = pd.concat([rising, falling], ignore_index=True)
    for name, value in zip(("recent_start", "recent_end", "prior_start", "prior_end"), window):
        movers[name] = pd.Series([value] * len(movers), dtype="datetime64[ns]")
    return movers[columns].astype({c: "float64" for c in columns[10:]})


def seasonality(con: duckdb.DuckDBPyConnection, filters: Filters, *, kpi_id: str = "contacts") -> pd.DataFrame:
    """Month-of-year profile per calendar year.

    `value` is the KPI per month (for ``contacts``: contacts in the month; for other KPIs the
    month's sum(numerator)/sum(denominator)); `index` = value / the mean of that year's monthly
    values (months with data only, so a partial year is indexed against its own months).

    Returns one row per year × month with data, columns ``year``, ``month`` (1–12), ``value``, ``index``.
    """
    k = kpis.kpi(kpi_id)
    frame = kpi_frame(con, [k.id], filters, grain="month")
    out = pd.DataFrame({
        "year": frame["period"].dt.year.astype("int64"),
        "month": frame["period"].dt.month.astype("int64"),
        "value": frame["value"].astype("float64"),
    })
    mean = out.groupby("year")["value"].transform("mean")
    out["index"] = out["value"] / mean.where(mean != 0)
    return out.sort_values(["year", "month"]).reset_index(drop=True)


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
