"""The engagement register: one row per provider × account, edited on the Data page."""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics import db
from analytics.contracts import RELATIONSHIP_MODELS

REGISTER_COLUMNS = ["provider", "account", "relationship_model", "contract_start", "contract_end",
                    "pricing_model", "notes"]


def engagement_register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """provider, account, relationship_model, contract_start, contract_end, pricing_model, notes —
    one row per engagement, by provider then account."""
    return con.execute(
        "select provider, account, relationship_model, contract_start, contract_end, pricing_model, notes"
        " from engagements order by provider, account"
    ).df()


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def _date(value):
    """(date or None, ok)."""
    if _text(value) == "":
        return None, True
    parsed = pd.to_datetime(value, errors="coerce")
    return (None, False) if pd.isna(parsed) else (parsed.date(), True)


def _validate(frame: pd.DataFrame) -> tuple[list[str], list[list]]:
    errors: list[str] = []
    rows: list[list] = []
    absent = [c for c in REGISTER_COLUMNS[:4] if c not in frame.columns]
    if absent:
        return [f"the register needs the columns {', '.join(absent)}"], []
    seen: dict[tuple[str, str], int] = {}
    for number, (_, record) in enumerate(frame.iterrows(), start=1):
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
    """Validate `frame` and replace the register with it; returns error messages (nothing written if any)."""
    errors, rows = _validate(frame)
    if errors:
        return errors
    with db.write_transaction(con) as cur:
        cur.execute("delete from engagements")
        if rows:
            cur.executemany(
                "insert into engagements (batch_id, provider, account, relationship_model, contract_start,"
                " contract_end, pricing_model, notes) values (null, ?, ?, ?, ?, ?, ?, ?)", rows)
    return []
