"""CSV exports that are safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab / carriage return) is read by Excel and
LibreOffice as a formula — a CSV-injection risk when the text came from an upload —
so such text gets a leading apostrophe, at the start of the cell *and after every line
break inside it* (a reader that splits lines naively, or a cell pasted line by line,
would otherwise start a line with the formula). Every field holding a CR or LF is quoted:
the writer ends records with CRLF (RFC 4180), which makes Python's csv module quote any
field containing either character — with a bare LF terminator it leaves a lone CR
unquoted, and spreadsheets start a new row there.
"""
from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINE_TERMINATOR = "\r\n"
# A line break (CRLF, CR or LF) followed by a formula character: the apostrophe goes between them.
_AFTER_BREAK = re.compile(r"(\r\n|\r|\n)(?=[=+\-@\t\r])")


def neutralise_text(value: str) -> str:
    """`value` with an apostrophe before any formula character at its start or after a line break."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return _AFTER_BREAK.sub(lambda m: m.group(1) + "'", value)


def _neutralise(value):
    return neutralise_text(value) if isinstance(value, str) else value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot be run as spreadsheet formulas (same columns)."""
    out = frame.copy()
    # Headers can be user text too (a split pivoted into columns: one column per contact reason).
    out.columns = [_neutralise(c) for c in out.columns]
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)  # new "'=…" values are not among the categories
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(i, column.map(_neutralise).astype(column.dtype))
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """`frame` as CSV text: formulas neutralised, CRLF records, every field with CR or LF quoted, no index."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator=LINE_TERMINATOR)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as UTF-8 CSV bytes (see `csv_text`): the one CSV writer of Rapport."""
    return csv_text(frame).encode("utf-8")
