"""CSV exports that are safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab / carriage return) is read by Excel and
LibreOffice as a formula — a CSV-injection risk when the text came from an upload —
so such text cells get a leading apostrophe.
"""
from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as UTF-8 CSV bytes, formulas neutralised, no index."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8")
