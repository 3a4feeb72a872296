"""A batch's rejected rows, a page at a time.

A batch can hold a million rejects; the Data page must not load them all on every rerun.
`reject_count` and `rejects_page` read only what one screen shows; `rejects_csv` builds the
whole CSV and is called only when the user asks for the download.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics import query
from analytics.export import csv_bytes

PAGE_SIZE = 50
COLUMNS = ["line", "column", "value", "reason", "scope"]
# 'row': the row was not loaded; 'value': only this value was set empty and the row loaded
_SCOPE = "coalesce(scope, 'row') as scope"


def reject_count(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """How many reject records (one per rejected row or value × reason) batch `batch_id` has."""
    (count,) = query.one(con, "select count(*) from rejects where batch_id = ?", [batch_id])
    return int(count)


def rejects_page(con: duckdb.DuckDBPyConnection, batch_id: int, *, page: int = 1,
                 page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """Page `page` (from 1) of a batch's rejects in file order: line (1 = header), column, value, reason,
    scope ('row' or 'value')."""
    limit = max(int(page_size), 1)
    offset = (max(int(page), 1) - 1) * limit
    return query.frame(
        con,
        f'select line, "column", value, reason, {_SCOPE} from rejects where batch_id = ?'
        ' order by line, "column", reason limit ? offset ?',
        [batch_id, limit, offset],
    )


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    """Pages needed for `total` rows (at least 1, so an empty batch still has a page to show)."""
    return max((int(total) + page_size - 1) // page_size, 1)


def rejects_csv(con: duckdb.DuckDBPyConnection, batch_id: int) -> bytes:
    """Every reject of the batch as CSV (file_name, line, column, value, reason, scope), formulas neutralised."""
    frame = query.frame(
        con,
        f'select file_name, line, "column", value, reason, {_SCOPE} from rejects where batch_id = ?'
        ' order by line, "column", reason',
        [batch_id],
    )
    return csv_bytes(frame)
