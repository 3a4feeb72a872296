"""The batch register: list loaded files, their rejected rows, and undo one."""
from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from analytics import db, rollups
from analytics.contracts import KINDS
from analytics.ingest.errors import IngestError

if TYPE_CHECKING:
    import pandas as pd


def list_batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per loaded batch, newest first: batch_id, file_name, source_name, kind, rows_read,
    rows_loaded, rows_updated, rows_rejected, rows_duplicate, loaded_at, sha256, values_rejected, rows_collapsed,
    status (loaded | empty), message."""
    return con.execute(
        "select batch_id, file_name, source_name, kind, rows_read, rows_loaded,"
        " coalesce(rows_updated, 0) as rows_updated, rows_rejected, rows_duplicate,"
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
    """Delete a batch's rows, rejects, rollup rows and record in one transaction; returns rows removed.

    Interaction rows the batch *updated* (see `analytics.ingest.load._dedup`) go back to the values and the
    batch they had before, from `interaction_versions`; the rollup days of those batches are rebuilt."""
    with db.write_transaction(con) as cur:
        found = cur.execute("select kind from batches where batch_id = ?", [batch_id]).fetchone()
        if not found:
            raise IngestError(f"there is no batch {batch_id}; `python -m analytics batches` lists the loaded ones")
        kind = found[0]
        if kind == rollups.IMPORTED_KIND:
            # a Spark import: its rollup rows go, and the months it replaced are rebuilt from the raw rows
            (removed,) = cur.execute("select count(*) from rollup_daily where batch_id = ?", [batch_id]).fetchone()
            rollups.drop_batch(cur, batch_id)
            rollups.rebuild(cur)
            cur.execute("delete from batches where batch_id = ?", [batch_id])
            # the database's rollups now come from the latest import left, or from none
            (latest,) = cur.execute("select max(batch_id) from batches where kind = ?",
                                    [rollups.IMPORTED_KIND]).fetchone()
            if latest is None:
                cur.execute("delete from meta where key = ?", [db.ROLLUPS_SOURCE])
            else:
                cur.execute("insert or replace into meta values (?, ?)", [db.ROLLUPS_SOURCE, latest])
            return int(removed)
        if kind not in KINDS:
            raise IngestError(f"batch {batch_id} has an unknown kind {kind!r}")
        (removed,) = cur.execute(f"select count(*) from {db.quote_ident(kind)} where batch_id = ?",
                                 [batch_id]).fetchone()
        if kind == "interactions":
            cur.execute("create or replace temp table rp_touched_drop as select customer_id, occurred_at "
                        "from interactions where batch_id = ? and customer_id is not null", [batch_id])
            restored = _superseded_versions(cur, batch_id)
        cur.execute(f"delete from {db.quote_ident(kind)} where batch_id = ?", [batch_id])
        if kind == "interactions":
            _restore_versions(cur, restored)
            # contacts of other batches that counted this batch's contacts as earlier ones are no longer repeats
            rollups.refresh_repeats(cur, "rp_touched_drop", skip_batch=batch_id)
            cur.execute("drop table rp_touched_drop")
            for old_batch, days in restored:
                rollups.refresh_days(cur, old_batch, days)
            cur.execute("drop table rp_restore")
        cur.execute("delete from rejects where batch_id = ?", [batch_id])
        rollups.drop_batch(cur, batch_id)
        cur.execute("delete from batches where batch_id = ?", [batch_id])
    return int(removed)


def _superseded_versions(cur: duckdb.DuckDBPyConnection, batch_id: int) -> list[tuple[int, list]]:
    """Before `batch_id`'s rows are deleted: put the versions it superseded in rp_restore, and splice it out of
    longer chains (A updated by this batch, then by C: A's version now counts as superseded by C). Returns
    (batch, days) of the versions to restore."""
    # the versions whose replacement is still this batch's row come back
    cur.execute("""create or replace temp table rp_restore as
                   select v.* from interaction_versions v
                   where v.superseded_by = $b and exists (select 1 from interactions i where i.batch_id = $b
                                                          and i.interaction_id = v.replaced_by_id)""",
                {"b": batch_id})
    # this batch's own versions were superseded later: what they superseded now points at their successor
    cur.execute("""update interaction_versions v set superseded_by = n.superseded_by, replaced_by_id = n.replaced_by_id
                   from interaction_versions n
                   where v.superseded_by = $b and n.batch_id = $b and n.interaction_id = v.replaced_by_id
                     and not exists (select 1 from rp_restore r where r.replaced_by_id = v.replaced_by_id
                                     and r.batch_id = v.batch_id)""", {"b": batch_id})
    cur.execute("delete from interaction_versions where superseded_by = $b or batch_id = $b", {"b": batch_id})
    return cur.execute("select batch_id, list(distinct cast(occurred_at as date)) from rp_restore "
                       "group by batch_id").fetchall()


def _restore_versions(cur: duckdb.DuckDBPyConnection, restored: list) -> None:
    """Insert the rows in rp_restore back into interactions (after the dropped batch's rows are gone)."""
    if restored:
        cur.execute("insert into interactions by name select * exclude (superseded_by, replaced_by_id) "
                    "from rp_restore")
        cur.execute("insert into rp_touched_drop select customer_id, occurred_at from rp_restore "
                    "where customer_id is not null")
