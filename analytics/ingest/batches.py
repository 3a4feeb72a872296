"""The batch register: list loaded files, their rejected rows, and undo one."""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics import db, rollups
from analytics.contracts import KINDS
from analytics.ingest.errors import IngestError


def list_batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per loaded batch, newest first: batch_id, file_name, source_name, kind, rows_read,
    rows_loaded, rows_rejected, rows_duplicate, loaded_at, sha256, values_rejected, rows_collapsed,
    status (loaded | empty), message."""
    return con.execute(
        "select batch_id, file_name, source_name, kind, rows_read, rows_loaded, rows_rejected, rows_duplicate,"
        " loaded_at, sha256, coalesce(values_rejected, 0) as values_rejected,"
        " coalesce(rows_collapsed, 0) as rows_collapsed, coalesce(status, 'loaded') as status, message"
        " from batches order by batch_id desc"
    ).df()


def rejected_rows(con: duckdb.DuckDBPyConnection, batch_id: int) -> pd.DataFrame:
    """The rejects of one batch: file_name, line (1 = header), column, value, reason, scope
    ('row': the row was not loaded; 'value': only this value was set empty)."""
    return con.execute(
        'select file_name, line, "column", value, reason, coalesce(scope, \'row\') as scope from rejects '
        'where batch_id = ? order by line, "column"',
        [batch_id],
    ).df()


def drop_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Delete a batch's rows, rejects, rollup rows and record in one transaction; returns rows removed."""
    with db.write_transaction(con) as cur:
        found = cur.execute("select kind from batches where batch_id = ?", [batch_id]).fetchone()
        if not found:
            raise IngestError(f"there is no batch {batch_id}; `python -m analytics batches` lists the loaded ones")
        kind = found[0]
        if kind not in KINDS:
            raise IngestError(f"batch {batch_id} has an unknown kind {kind!r}")
        (removed,) = cur.execute(f"select count(*) from {db.quote_ident(kind)} where batch_id = ?",
                                 [batch_id]).fetchone()
        if kind == "interactions":
            cur.execute("create or replace temp table rp_touched_drop as select customer_id, occurred_at "
                        "from interactions where batch_id = ? and customer_id is not null", [batch_id])
        cur.execute(f"delete from {db.quote_ident(kind)} where batch_id = ?", [batch_id])
        if kind == "interactions":
            # contacts of other batches that counted this batch's contacts as earlier ones are no longer repeats
            rollups.refresh_repeats(cur, "rp_touched_drop", skip_batch=batch_id)
            cur.execute("drop table rp_touched_drop")
        cur.execute("delete from rejects where batch_id = ?", [batch_id])
        rollups.drop_batch(cur, batch_id)
        cur.execute("delete from batches where batch_id = ?", [batch_id])
    return int(removed)
