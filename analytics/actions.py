"""The QBR agenda: notes and agreed actions per engagement, stored in DuckDB (`qbr_actions`).

An item is raised in a quarter (`raised_quarter`, a '2025-Q3' label). An action stays on the
agenda of every later quarter until it is done; the quarter in which it was marked done is
recorded (`closed_quarter`) so it still shows there — where it was closed — and not after.
A note belongs to the quarter it was raised in only.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analytics import db, query

KINDS = ("action", "note")
STATUSES = ("open", "in progress", "done")
# The columns an agenda frame carries, in order (the page edits all but action_id and raised_quarter).
AGENDA_COLUMNS = ["action_id", "kind", "text", "owner", "due", "status", "raised_quarter"]


def _text(value) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def agenda(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str) -> pd.DataFrame:
    """The agenda of one engagement's QBR for `quarter`.

    Items raised in `quarter`, plus actions raised earlier that were not done before it
    (open, in progress, or closed in this very quarter). Ordered: carried-forward items first
    (oldest first), then this quarter's, each by id.

    Returns columns ``action_id`` (int), ``kind`` (action | note), ``text``, ``owner``,
    ``due`` (datetime64, NaT when none), ``status`` (open | in progress | done), ``raised_quarter``.
    """
    frame = query.frame(con,
        """
        select action_id, kind, text, owner, due, status, raised_quarter
        from qbr_actions
        where provider = $provider and account = $account
          and (raised_quarter = $quarter
               or (kind = 'action' and raised_quarter < $quarter
                   and (closed_quarter is null or closed_quarter >= $quarter)))
        order by raised_quarter, action_id
        """,
        {"provider": provider, "account": account, "quarter": quarter},
    )
    # explicit dtypes, also for an empty agenda (the page's editor checks them against its column types)
    frame["action_id"] = frame["action_id"].astype("int64")
    frame["due"] = pd.to_datetime(frame["due"]).astype("datetime64[ns]")
    for column in ("kind", "text", "owner", "status", "raised_quarter"):
        frame[column] = frame[column].astype("string")
    return frame[AGENDA_COLUMNS].reset_index(drop=True)


def _due(value) -> tuple[date | None, bool]:
    text = _text(value)
    if not text:
        return None, True
    if isinstance(value, date):
        return value, True
    parsed = pd.to_datetime(text, errors="coerce")
    return (None, False) if pd.isna(parsed) else (parsed.date(), True)


def _validate(frame: pd.DataFrame) -> tuple[list[str], list[dict]]:
    errors: list[str] = []
    rows: list[dict] = []
    for number, (_, record) in enumerate(frame.iterrows(), start=1):
        kind = _text(record.get("kind")).lower() or "action"
        text = _text(record.get("text"))
        status = _text(record.get("status")).lower() or "open"
        due, due_ok = _due(record.get("due"))
        if not text:
            if not _text(record.get("owner")) and due is None and pd.isna(record.get("action_id")):
                continue  # an empty new row the editor added: nothing to save
            errors.append(f"Agenda row {number}, column Text: the text is empty; write what was noted or agreed, "
                          "or delete the row.")
        if kind not in KINDS:
            errors.append(f"Agenda row {number}, column Kind: {kind!r} is not one of {', '.join(KINDS)}.")
        if status not in STATUSES:
            errors.append(f"Agenda row {number}, column Status: {status!r} is not one of {', '.join(STATUSES)}.")
        if not due_ok:
            errors.append(f"Agenda row {number}, column Due: {_text(record.get('due'))!r} is not a date; "
                          "use a date such as 2025-10-15, or leave it blank.")
        raw_id = record.get("action_id")
        rows.append({"action_id": None if raw_id is None or pd.isna(raw_id) else int(raw_id), "kind": kind,
                     "text": text, "owner": _text(record.get("owner")) or None, "due": due, "status": status})
    return errors, rows


def save_agenda(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                frame: pd.DataFrame) -> list[str]:
    """Replace the agenda shown for `quarter` with `frame` (as edited); returns error messages.

    Rows with an ``action_id`` update that item, rows without one are new (raised in `quarter`),
    and items on the quarter's agenda that are missing from `frame` are deleted. An action
    marked done gets `quarter` as its closed quarter; one reopened loses it. Nothing is
    written when any row is invalid.
    """
    errors, rows = _validate(frame)
    if errors:
        return errors
    shown = set(agenda(con, provider, account, quarter)["action_id"])
    kept = {r["action_id"] for r in rows if r["action_id"] is not None}
    unknown = kept - shown
    if unknown:
        return [f"Agenda item {min(unknown)} is not on this quarter's agenda (it may have been deleted in another "
                "session); reload the page and edit again."]
    with db.write_transaction(con) as cur:
        for gone in sorted(shown - kept):
            query.run(cur, "delete from qbr_actions where action_id = ?", [gone])
        for row in rows:
            closed = quarter if row["status"] == "done" else None
            if row["action_id"] is None:
                (next_id,) = query.one(cur, "select coalesce(max(action_id), 0) + 1 from qbr_actions")
                query.run(cur,
                    "insert into qbr_actions (action_id, provider, account, kind, text, owner, due, status,"
                    " raised_quarter, closed_quarter) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [next_id, provider, account, row["kind"], row["text"], row["owner"], row["due"],
                     row["status"], quarter, closed])
            else:
                # keep an earlier closed quarter when an already-done item is saved again
                query.run(cur,
                    "update qbr_actions set kind = ?, text = ?, owner = ?, due = ?, status = ?,"
                    " closed_quarter = case when ? = 'done' then coalesce(closed_quarter, ?) else null end,"
                    " updated_at = current_timestamp where action_id = ?",
                    [row["kind"], row["text"], row["owner"], row["due"], row["status"], row["status"], closed,
                     row["action_id"]])
    return []


def open_actions(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str) -> pd.DataFrame:
    """The agenda's actions that are not done (what the deck's agenda slide lists first); `agenda` columns."""
    items = agenda(con, provider, account, quarter)
    return items[(items["kind"] == "action") & (items["status"] != "done")].reset_index(drop=True)
