"""One way to name a period (analytics/periods.py): "Q3 2025" for people, the key "2025-Q3" for URLs and storage —
and no other module spells a quarter or a month by hand."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics import periods
from analytics.periods import (format_date, format_datetime, format_month_range, format_period, parse_quarter_key,
                               quarter_bounds, quarter_key, quarter_keys, quarter_text)

REPO = Path(__file__).resolve().parents[1]


def test_periods_have_one_name_at_each_grain():
    day = pd.Timestamp("2024-07-01")
    assert [format_period(day, g) for g in ("quarter", "month", "year", "week", "day")] == [
        "Q3 2024", "Jul 2024", "2024", "week of 1 Jul 2024", "1 Jul 2024"]
    assert format_period(None) == format_period(pd.NaT) == "—"


def test_any_day_of_a_quarter_names_that_quarter():
    for day, name in [("2025-01-01", "Q1 2025"), ("2025-03-31", "Q1 2025"), ("2025-04-01", "Q2 2025"),
                      ("2025-09-30", "Q3 2025"), ("2025-12-31 23:59", "Q4 2025")]:
        assert format_period(day, "quarter") == name, day


def test_dates_for_people_never_show_midnight_or_none():
    assert format_date(pd.Timestamp("2018-03-01 00:00:00")) == "1 Mar 2018"
    assert format_date(date(2025, 12, 4)) == "4 Dec 2025"
    assert format_datetime(pd.Timestamp("2018-03-01 00:00:00")) == "1 Mar 2018"
    assert format_datetime(pd.Timestamp("2025-12-04 14:05:31")) == "4 Dec 2025, 14:05"
    assert format_date(None) == format_datetime(None) == "—"


def test_a_month_range_names_the_year_once_within_a_year():
    assert format_month_range(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-01")) == "Jan–Jun 2025"
    assert format_month_range(date(2024, 11, 1), date(2025, 4, 1)) == "Nov 2024–Apr 2025"


@pytest.mark.parametrize("key, bounds", [
    ("2025-Q3", (date(2025, 7, 1), date(2025, 9, 30))),
    ("2024-Q1", (date(2024, 1, 1), date(2024, 3, 31))),
    ("2024-Q4", (date(2024, 10, 1), date(2024, 12, 31))),
])
def test_a_quarter_key_reads_as_its_first_and_last_day_and_as_people_write_it(key, bounds):
    assert parse_quarter_key(key) == quarter_bounds(key) == bounds
    assert quarter_key(bounds[0]) == quarter_key(bounds[1]) == key
    year, q = key.split("-Q")
    assert quarter_text(key) == f"Q{q} {year}"


@pytest.mark.parametrize("text", ["2025-Q5", "2025-Q0", "Q3 2025", "2025 Q3", "25-Q3", "2025-q3", "", None, 2025])
def test_anything_else_is_not_a_quarter_key(text):
    assert parse_quarter_key(text) is None
    with pytest.raises(ValueError, match="2025-Q3"):
        quarter_bounds(text)


def test_quarter_keys_run_newest_first_over_every_quarter_touched():
    assert quarter_keys(date(2024, 11, 15), date(2025, 4, 2)) == ["2025-Q2", "2025-Q1", "2024-Q4"]
    assert quarter_keys(date(2025, 5, 1), date(2025, 5, 2)) == ["2025-Q2"]
    assert quarter_keys(None, date(2025, 1, 1)) == []
    assert sorted(quarter_keys(date(2019, 1, 1), date(2025, 12, 31))) == quarter_keys(
        date(2019, 1, 1), date(2025, 12, 31))[::-1]  # keys sort as text in time order


def test_the_old_entry_points_give_the_same_answers():
    """analytics.qbr and reports.qbr keep their names, answering through periods."""
    from analytics import qbr
    from reports import qbr as report

    assert qbr.parse_quarter("2025-Q3") == report.parse_quarter("2025-Q3") == (date(2025, 7, 1), date(2025, 9, 30))
    assert qbr.quarter_text("2025-Q3") == "Q3 2025"
    assert report.quarter_label(date(2025, 9, 30)) == "2025-Q3"
    assert report.available_quarters(date(2024, 11, 15), date(2025, 4, 2)) == ["2025-Q2", "2025-Q1", "2024-Q4"]
    with pytest.raises(ValueError):
        qbr.parse_quarter("Q3 2025")
    assert report.parse_quarter("Q3 2025") is None


def test_the_vega_quarter_label_is_the_python_one():
    """Chart axes name quarters in Vega; evaluate the expression's pieces by hand for a date in Q3 2025."""
    pieces = re.fullmatch(r"'Q' \+ quarter\(datum\.value\) \+ ' ' \+ year\(datum\.value\)",
                          periods.VEGA_QUARTER_LABEL)
    assert pieces, periods.VEGA_QUARTER_LABEL
    day = pd.Timestamp("2025-08-15")
    assert "Q" + str(day.quarter) + " " + str(day.year) == format_period(day, "quarter")


# Spellings of a quarter or month built by hand: an f-string "Q{…}" or "-Q{…}", a strftime month pattern, a
# pandas `.quarter` in an f-string, a Vega quarter() label.
HAND_MADE = re.compile(r"""Q\{|\.quarter\}|%b|%B|quarter\(datum""")
ALLOWED = {
    "analytics/periods.py": "the one place",
    "analytics/ingest/parse.py": "month-name patterns for *reading* uploaded dates (Jan-24, 01 Mar 2024)",
}


def test_no_module_spells_a_quarter_or_a_month_by_hand():
    found = []
    for folder in ("analytics", "ui", "pages", "reports", "charts"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix not in {".py", ".sql", ".html"}:
                continue
            relative = path.relative_to(REPO).as_posix()
            if relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if HAND_MADE.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == [], "format periods with analytics.periods:\n" + "\n".join(found)
