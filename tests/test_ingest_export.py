"""CSV exports neutralise spreadsheet formulas."""
from __future__ import annotations

import pandas as pd

from analytics.export import csv_bytes, neutralise_formulas


def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe():
    frame = pd.DataFrame({"text": ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "\ry", "plain", None],
                          "number": [-1, 2, 3, 4, 5, 6, 7, 8]})
    out = neutralise_formulas(frame)
    assert list(out["text"][:7]) == ["'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx", "'\ry", "plain"]
    assert pd.isna(out["text"][7]) and list(out["number"]) == list(frame["number"])
    assert list(frame["text"])[0] == "=1+1"


def test_csv_bytes_are_utf8_without_an_index():
    data = csv_bytes(pd.DataFrame({"name": ["Zürich", "=cmd"]}))
    assert data.decode("utf-8").splitlines() == ["name", "Zürich", "'=cmd"]
