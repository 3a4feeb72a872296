"""One way to name a period: ``Q3 2025``, ``Jul 2025``, ``2025``, ``week of 7 Jul 2025`` — and the quarter key ``2025-Q3``.

People read a quarter as **"Q3 2025"**: pages, tables, chart axes, findings, the QBR report and
deck, and CSV exports all name periods through `format_period` (and `quarter_text` for a key).
Machines use the **quarter key "2025-Q3"**: it sorts as text, so it is what the QBR's URL
parameter (`quarter=2025-Q3`), the stored agenda quarters (`qbr_actions.raised_quarter`) and
file names carry. `quarter_key`, `quarter_bounds` and `quarter_keys` are the only code that writes
or reads a key; nothing else spells a quarter.

Charts label their time axes inside Vega, where Python cannot run: `VEGA_QUARTER_LABEL` is the
same "Q3 2025" written as a Vega expression, kept here next to the Python spelling.

No Streamlit, no Altair, no DuckDB: shared by the pages, the CLI, the reports and the analyses.
"""
from __future__ import annotations

import re
from datetime import date

import pandas as pd

MISSING = "—"
GRAIN_NAMES = ("day", "week", "month", "quarter", "year")
_QUARTER_KEY = re.compile(r"^(\d{4})-Q([1-4])$")
# The Vega expression of `format_period(p, "quarter")` for a chart axis: "Q3 2025".
VEGA_QUARTER_LABEL = "'Q' + quarter(datum.value) + ' ' + year(datum.value)"


def is_missing(value) -> bool:
    """True for None, NaN, NaT and pd.NA: a value shown as MISSING."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- for people

def format_period(period, grain: str = "quarter") -> str:
    """A period for people: ``Q3 2025``, ``Jul 2025``, ``2025``, ``4 Mar 2025`` (day), ``week of 7 Jul 2025``;
    ``—`` if missing. `period` is any date inside the period (usually its first day)."""
    if is_missing(period):
        return MISSING
    p = pd.Timestamp(period)
    if grain == "quarter":
        return f"Q{p.quarter} {p.year}"
    if grain == "month":
        return p.strftime("%b %Y")
    if grain == "year":
        return str(p.year)
    if grain == "day":
        return format_date(p)
    return "week of " + format_date(p)


def format_month_range(start, end) -> str:
    """Months from `start` to `end` for people: ``Jan–Jun 2025``, or ``Nov 2024–Apr 2025`` across a year."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start.year != end.year:
        return f"{format_period(start, 'month')}–{format_period(end, 'month')}"
    return f"{start:%b}–{format_period(end, 'month')}"


def format_date(value) -> str:
    """A date for people: ``4 Mar 2025`` (never ``00:00:00``); ``—`` when missing."""
    if is_missing(value):
        return MISSING
    return f"{pd.Timestamp(value).day} " + pd.Timestamp(value).strftime("%b %Y")


def format_datetime(value) -> str:
    """A moment for people: ``4 Mar 2025, 14:05``; just the date when the time is midnight; ``—`` when missing."""
    if is_missing(value):
        return MISSING
    t = pd.Timestamp(value)
    if (t.hour, t.minute, t.second) == (0, 0, 0):
        return format_date(t)
    return f"{format_date(t)}, {t:%H:%M}"


# ---------------------------------------------------------------- the quarter key

def quarter_key(day: date | pd.Timestamp) -> str:
    """The key of the quarter holding `day`: ``2025-Q3`` (sorts as text; for URLs, storage and file names)."""
    day = pd.Timestamp(day)
    return f"{day.year}-Q{day.quarter}"


def parse_quarter_key(key: str | None) -> tuple[date, date] | None:
    """``'2025-Q3'`` → (2025-07-01, 2025-09-30), the quarter's first and last day; None when `key` is not a key."""
    match = _QUARTER_KEY.match(key) if isinstance(key, str) else None
    if not match:
        return None
    start = pd.Timestamp(year=int(match.group(1)), month=3 * int(match.group(2)) - 2, day=1)
    return start.date(), (start + pd.DateOffset(months=3) - pd.Timedelta(days=1)).date()


def quarter_bounds(key: str) -> tuple[date, date]:
    """``'2025-Q3'`` → (2025-07-01, 2025-09-30); ValueError naming the expected form otherwise."""
    bounds = parse_quarter_key(key)
    if bounds is None:
        raise ValueError(f"Quarter {key!r} is not of the form 2025-Q3 (year, '-Q', quarter 1–4)")
    return bounds


def quarter_text(key: str) -> str:
    """``'2025-Q3'`` → ``'Q3 2025'``: a quarter key as people write it (ValueError for anything else)."""
    return format_period(quarter_bounds(key)[0], "quarter")


def quarter_keys(first: date | None, last: date | None) -> list[str]:
    """The keys of every quarter from the one holding `first` to the one holding `last`, newest first."""
    if first is None or last is None:
        return []
    periods = pd.period_range(pd.Timestamp(first), pd.Timestamp(last), freq="Q")
    return [f"{p.year}-Q{p.quarter}" for p in reversed(periods)]
