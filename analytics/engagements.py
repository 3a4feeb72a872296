"""The engagement register: one row per provider × account, edited on the Data page.

Every save keeps the register as it was in `register_history` (the last KEEP_VERSIONS
versions), so a save that removed rows by mistake can be undone. Engagements that have data
but no register row are listed by `unregistered_engagements` (their model is unknown) so the
Data page can ask the user to classify them.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import db, query
from analytics.contracts import RELATIONSHIP_MODELS

REGISTER_COLUMNS = ["provider", "account", "relationship_model", "contract_start", "contract_end",
                    "pricing_model", "notes"]
_HISTORY_COLUMNS = ", ".join(REGISTER_COLUMNS)
KEEP_VERSIONS = 20


def engagement_register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """provider, account, relationship_model, contract_start, contract_end, pricing_model, notes —
    one row per engagement, by provider then account."""
    return query.frame(con,
        "select provider, account, relationship_model, contract_start, contract_end, pricing_model, notes"
        " from engagements order by provider, account"
    )


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def _date(value):
    """(date or None, ok)."""
    if _text(value) == "":
        return None, True
    parsed = pd.to_datetime(value, errors="coerce")
    return (None, False) if pd.isna(parsed) else (parsed.date(), True)


def _validate(frame: pd.DataFrame, numbers: list[int] | None = None) -> tuple[list[str], list[list]]:
    """(errors naming row and column, rows to insert); `numbers` are the row numbers the user sees."""
    errors: list[str] = []
    rows: list[list] = []
    absent = [c for c in REGISTER_COLUMNS[:4] if c not in frame.columns]
    if absent:
        return [f"the register needs the columns {', '.join(absent)}"], []
    seen: dict[tuple[str, str], int] = {}
    for index, (_, record) in enumerate(frame.iterrows()):
        number = numbers[index] if numbers else index + 1
        provider, account = _text(record.get("provider")), _text(record.get("account"))
        model = _text(record.get("relationship_model")).lower()
        if not provider:
            errors.append(f"row {number}, column provider: the provider is empty")
        if not account:
            errors.append(f"row {number}, column account: the account is empty")
        if provider and account:
            if (provider, account) in seen:
                errors.append(f"row {number}: {provider} · {account} is already on row {seen[(provider, account)]}")
            seen.setdefault((provider, account), number)
        if model not in RELATIONSHIP_MODELS:
            errors.append(f"row {number}, column relationship_model: {model or '(empty)'!s} is not one of "
                          f"{', '.join(RELATIONSHIP_MODELS)}")
        start, start_ok = _date(record.get("contract_start"))
        end, end_ok = _date(record.get("contract_end"))
        if not start_ok or start is None:
            errors.append(f"row {number}, column contract_start: "
                          f"{_text(record.get('contract_start')) or '(empty)'} is not a date")
        if not end_ok:
            errors.append(f"row {number}, column contract_end: {_text(record.get('contract_end'))} is not a date")
        if start and end and end < start:
            errors.append(f"row {number}, column contract_end: {end} is before the contract start {start}")
        rows.append([provider, account, model, start, end, _text(record.get("pricing_model")) or None,
                     _text(record.get("notes")) or None])
    return errors, rows


def save_engagement_register(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[str]:
    """Validate `frame` and replace the register with it; returns error messages (nothing written if any).

    The register as it was is kept as a version: `undo_last_register_change` puts it back.
    """
    errors, rows = _validate(frame)
    if errors:
        return errors
    with db.write_transaction(con) as cur:
        _snapshot(cur)
        query.run(cur, "delete from engagements")
        if rows:
            query.run_many(cur,
                "insert into engagements (batch_id, provider, account, relationship_model, contract_start,"
                " contract_end, pricing_model, notes) values (null, ?, ?, ?, ?, ?, ?, ?)", rows)
    return []


# ---- engagements seen in the data but missing from the register ----------------------------------

_UNREGISTERED_SQL = query.load("marts/unregistered_engagements")


def unregistered_engagements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Engagements with data but no register row, so their relationship model is unknown.

    One row per (provider, account): provider, account, seen_in ('interactions', 'scorecards' or
    'interactions and scorecards'), first_seen (the first month with contacts or a scorecard, as its
    first day — read from rollup_monthly, so it stays fast on millions of contacts),
    contacts (interactions, null when none), scorecard_months (null when none).
    """
    return query.frame(con, _UNREGISTERED_SQL)


def classify_engagements(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> tuple[list[str], int]:
    """Add the rows of `frame` that have a relationship model to the register (the others stay unknown).

    `frame` has provider, account, relationship_model, contract_start (and optionally
    contract_end, pricing_model, notes). Returns (errors naming row and column, rows added);
    nothing is written when there is an error. The register before the change is kept (undo).
    """
    chosen = frame[frame["relationship_model"].map(lambda v: _text(v) != "")] if len(frame) else frame
    if chosen.empty:
        return [], 0
    positions = [i + 1 for i in range(len(frame)) if _text(frame["relationship_model"].iloc[i]) != ""]
    errors, rows = _validate(chosen.reset_index(drop=True), positions)
    if errors:
        return errors, 0
    current = engagement_register(con)
    existing = set(zip(current["provider"], current["account"]))
    clashes = [f"{p} · {a} is already in the register" for p, a, *_ in rows if (p, a) in existing]
    if clashes:
        return clashes, 0
    with db.write_transaction(con) as cur:
        _snapshot(cur)
        query.run_many(cur,
            "insert into engagements (batch_id, provider, account, relationship_model, contract_start,"
            " contract_end, pricing_model, notes) values (null, ?, ?, ?, ?, ?, ?, ?)", rows)
    return [], len(rows)


# ---- what a save would change, and undo ----------------------------------------------------------

@dataclass(frozen=True)
class RegisterChange:
    """What saving an edited register would do: engagements removed (labels), added, and whether it empties it."""

    removed: tuple[str, ...]
    added: int
    empties: bool

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.removed) or self.empties


def register_change(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> RegisterChange:
    """Compare `frame` (the edited register) with the stored one, by (provider, account)."""
    current = engagement_register(con)
    before = {(str(p), str(a)) for p, a in zip(current["provider"], current["account"])}
    after = {(_text(p), _text(a)) for p, a in zip(frame.get("provider", []), frame.get("account", []))}
    removed = tuple(f"{p} · {a}" for p, a in sorted(before - after))
    return RegisterChange(removed=removed, added=len(after - before), empties=bool(before) and frame.empty)


def _snapshot(cur: duckdb.DuckDBPyConnection) -> None:
    """Keep the register as it is now as a new version (inside the caller's write transaction)."""
    (version,) = query.one(cur, "select coalesce(max(version), 0) + 1 from register_history")
    query.run(cur, f"insert into register_history (version, batch_id, {_HISTORY_COLUMNS}, updated_at)"
                   f" select ?, batch_id, {_HISTORY_COLUMNS}, updated_at from engagements", [version])
    if query.one(cur, "select count(*) from engagements")[0] == 0:
        # an empty register is a version too: record it with a marker row so undo can restore "empty"
        query.run(cur, "insert into register_history (version, provider, account) values (?, null, null)", [version])
    query.run(cur, "delete from register_history where version <= ?", [version - KEEP_VERSIONS])


def register_versions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Saved earlier versions, newest first: version, saved_at, engagements."""
    return query.frame(con,
        "select version, min(saved_at) as saved_at, count(provider) as engagements from register_history"
        " group by version order by version desc"
    )


def undo_last_register_change(con: duckdb.DuckDBPyConnection) -> int | None:
    """Put back the register as it was before the last save; returns its engagement count, None if no history."""
    with db.write_transaction(con) as cur:
        (version,) = query.one(cur, "select max(version) from register_history")
        if version is None:
            return None
        query.run(cur, "delete from engagements")
        query.run(cur, f"insert into engagements (batch_id, {_HISTORY_COLUMNS}, updated_at)"
                       f" select batch_id, {_HISTORY_COLUMNS}, updated_at from register_history"
                       " where version = ? and provider is not null", [version])
        query.run(cur, "delete from register_history where version = ?", [version])
        (count,) = query.one(cur, "select count(*) from engagements")
    return int(count)
