"""Rapport's one CSV writer (`analytics.export.csv_bytes`): hostile cell text can neither run as a formula
nor break a row apart, and everything else comes back exactly."""
from __future__ import annotations

import csv
import io
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.export import csv_bytes

FORMULA = "=+-@\t\r"
HOSTILE = st.text(
    alphabet=st.one_of(st.sampled_from(list("=+-@\t\r\n\"',;| aZ0é'")), st.characters(codec="utf-8",
                                                                                  exclude_categories=("Cs",))),
    max_size=24)


def expected_cell(value: str) -> str:
    """The neutralised text, computed character by character (independently of export.py's regex)."""
    out, at_line_start, i = [], True, 0
    while i < len(value):
        char = value[i]
        if at_line_start and char in FORMULA:
            out.append("'")
        out.append(char)
        if char == "\r" and value[i + 1:i + 2] == "\n":
            out.append("\n")
            i += 1
        at_line_start = char in "\r\n"
        i += 1
    return "".join(out)


def read_back(data: bytes) -> list[list[str]]:
    """What a spreadsheet-like reader sees: Python's csv module over the decoded text."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def lines_of(cell: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", cell)


@settings(max_examples=60)  # deadline and health checks: the suite profile (tests/conftest.py)
@given(cells=st.lists(st.tuples(HOSTILE, HOSTILE), min_size=1, max_size=6), header=HOSTILE)
def test_no_cell_line_starts_with_a_formula_and_the_rest_round_trips(cells, header):
    frame = pd.DataFrame([(a, b, n) for n, (a, b) in enumerate(cells)], columns=[header or "h", "second", "n"])
    rows = read_back(csv_bytes(frame))
    assert len(rows) == len(cells) + 1, "a value split a record"
    assert all(len(row) == 3 for row in rows), "a value split a field"
    assert rows[0] == [expected_cell(header or "h"), "second", "n"]
    for n, ((a, b), row) in enumerate(zip(cells, rows[1:])):
        assert row == [expected_cell(a), expected_cell(b), str(n)]
        for cell in row[:2]:
            for line in lines_of(cell):
                assert not line or line[0] not in FORMULA, f"formula at a line start in {cell!r}"


def test_a_bare_carriage_return_is_quoted_and_the_formula_after_it_neutralised():
    frame = pd.DataFrame({"provider": ["Acme\r=cmd|' /C calc'!A0", "plain"]})
    text = csv_bytes(frame).decode("utf-8")
    assert text == "provider\r\n\"Acme\r'=cmd|' /C calc'!A0\"\r\nplain\r\n"


def test_line_feeds_and_crlf_inside_values_are_quoted_and_neutralised_after_the_break():
    frame = pd.DataFrame({"note": ["one\n+two", "a\r\n@b", "=start\n-end"]})
    assert read_back(csv_bytes(frame))[1:] == [["one\n'+two"], ["a\r\n'@b"], ["'=start\n'-end"]]


def test_numbers_are_untouched_and_negative_numbers_stay_numbers():
    frame = pd.DataFrame({"value": [-1.5, 2.0], "count": [-3, 4], "label": ["-3", "ok"]})
    assert read_back(csv_bytes(frame)) == [["value", "count", "label"], ["-1.5", "-3", "'-3"], ["2.0", "4", "ok"]]
