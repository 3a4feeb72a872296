"""The dated relationship-model history: an engagement can move from transactional to partnership.

The register (``engagements``) keeps one model per engagement — the model in force *today*.
``engagement_models`` keeps the dated history: one row per (provider, account, effective_from)
with the model in force from that day until the engagement's next row. An engagement without
history rows has the register's model for its whole life.

Recording the first change of an engagement first writes the seed row — the register's model
from the contract start — so the history is complete, then the change; the register's model is
then set to the model in force on the latest date, so filters and other pages see today's model.
The premium (premium.relationship_year_frames) attributes every month or day to the model in
force on that date.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analytics import db, query
from analytics.contracts import RELATIONSHIP_MODELS
from analytics.errors import RapportError


class ModelHistoryError(RapportError, ValueError):
    """A model change that cannot be recorded; the message names the fix."""


def model_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The effective model history of every engagement in the register.

    Returns one row per engagement × period under one model, columns ``provider``, ``account``,
    ``relationship_model``, ``effective_from`` (date; the contract start for the first row) and
    ``effective_to`` (date of the next change, NaT for the current model), ordered by provider,
    account, effective_from.
    """
    return query.frame(con,
        """
        with history as (
            select provider, account, relationship_model, effective_from from engagement_models
            union all
            select e.provider, e.account, e.relationship_model, e.contract_start from engagements e
            where e.relationship_model is not null and e.contract_start is not null
              and not exists (select 1 from engagement_models m
                              where m.provider = e.provider and m.account = e.account)
        )
        select provider, account, relationship_model, effective_from,
               lead(effective_from) over (partition by provider, account order by effective_from) as effective_to
        from history order by provider, account, effective_from
        """
    )


def record_model_change(con: duckdb.DuckDBPyConnection, provider: str, account: str, relationship_model: str,
                        effective_from: date) -> None:
    """Record that (provider, account) runs under `relationship_model` from `effective_from`.

    Raises ModelHistoryError (nothing written) when the engagement is not in the register, the
    model is unknown, or the date is before the contract start."""
    model = str(relationship_model).strip().lower()
    if model not in RELATIONSHIP_MODELS:
        raise ModelHistoryError(f"relationship model {relationship_model!r} is not one of "
                                f"{', '.join(RELATIONSHIP_MODELS)}; use one of those")
    when = pd.Timestamp(effective_from).date()
    with db.write_transaction(con) as cur:
        row = query.one(cur, "select relationship_model, contract_start from engagements where provider = ? and"
                             " account = ? limit 1", [provider, account])
        if row is None:
            raise ModelHistoryError(f"{provider} · {account} is not in the engagement register; add it on the "
                                    "Data page (or load an engagements file) before recording a model change")
        current, start = row
        if start is not None and when < start:
            raise ModelHistoryError(f"the model change date {when} is before the contract start {start} of "
                                    f"{provider} · {account}; use a date on or after the contract start")
        has_history = query.one(cur, "select count(*) from engagement_models where provider = ? and account = ?",
                                     [provider, account])[0] > 0
        if not has_history and current in RELATIONSHIP_MODELS and start is not None and when > start:
            query.run(cur, "insert into engagement_models values (?, ?, ?, ?)", [provider, account, current, start])
        query.run(cur, "insert into engagement_models values (?, ?, ?, ?) on conflict do update set"
                       " relationship_model = excluded.relationship_model", [provider, account, model, when])
        latest = query.one(cur, "select relationship_model from engagement_models where provider = ? and account = ?"
                                " order by effective_from desc limit 1", [provider, account])[0]
        query.run(cur, "update engagements set relationship_model = ? where provider = ? and account = ?",
                       [latest, provider, account])


def clear_model_history(con: duckdb.DuckDBPyConnection, provider: str, account: str) -> None:
    """Forget an engagement's dated history: the register's model then holds for its whole life."""
    with db.write_transaction(con) as cur:
        query.run(cur, "delete from engagement_models where provider = ? and account = ?", [provider, account])


def apply_model_changes(con: duckdb.DuckDBPyConnection, changes: pd.DataFrame) -> list[str]:
    """Record every row of `changes` (columns ``provider``, ``account``, ``relationship_model``,
    ``effective_from``) — the hook for an engagements file with an ``effective_from`` column or the
    Data page's history editor. All rows are checked first; returns one message per bad row
    ("row 3, column effective_from: …") and records nothing when there is any."""
    errors: list[str] = []
    checked: list[tuple[str, str, str, date]] = []
    for column in ("provider", "account", "relationship_model", "effective_from"):
        if column not in changes.columns:
            return [f"the model history needs the column {column}; add it (one row per change)"]
    register = {(p, a): s for p, a, s in query.rows(con,
        "select provider, account, min(contract_start) from engagements group by all")}
    for number, row in enumerate(changes.itertuples(index=False), start=1):
        provider, account = str(row.provider).strip(), str(row.account).strip()
        model = str(row.relationship_model).strip().lower()
        when = pd.to_datetime(row.effective_from, errors="coerce")
        if (provider, account) not in register:
            errors.append(f"row {number}: {provider} · {account} is not in the engagement register; add it first")
        elif model not in RELATIONSHIP_MODELS:
            errors.append(f"row {number}, column relationship_model: {model or '(empty)'} is not one of "
                          f"{', '.join(RELATIONSHIP_MODELS)}")
        elif pd.isna(when):
            errors.append(f"row {number}, column effective_from: {row.effective_from!s} is not a date "
                          "(use YYYY-MM-DD)")
        elif register[(provider, account)] is not None and when.date() < register[(provider, account)]:
            errors.append(f"row {number}, column effective_from: {when.date()} is before the contract start "
                          f"{register[(provider, account)]}")
        else:
            checked.append((provider, account, model, when.date()))
    if errors:
        return errors
    for provider, account, model, when in sorted(checked, key=lambda c: c[3]):
        record_model_change(con, provider, account, model, when)
    return []
