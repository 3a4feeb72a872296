"""The values the shared filter panel offers, read from the loaded data."""
from __future__ import annotations

import duckdb

from analytics import query
from analytics.query import Sql

# Filters attribute → (column, tables that carry it). Providers and accounts come from every
# dataset so a scorecard-only engagement can still be picked.
_SOURCES = {
    "providers": ("provider", ("rollup_monthly", "performance", "engagements")),
    "accounts": ("account", ("rollup_monthly", "performance", "engagements")),
    "channels": ("channel", ("rollup_monthly",)),
    "reasons": ("contact_reason", ("rollup_monthly",)),
    "segments": ("customer_segment", ("rollup_monthly",)),
    "models": ("relationship_model", ("engagements",)),
}


def _distinct(con: duckdb.DuckDBPyConnection, column: str, tables: tuple[str, ...]) -> list[str]:
    col = query.column(column)
    union = Sql(" union ".join(f"select {col} as v from {query.table(t)} where {col} is not null" for t in tables))
    return [v for (v,) in query.rows(con, query.render("select distinct v from ({union}) order by v", union=union))]


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Choices for each filter, sorted.

    Returns a dict with keys ``providers``, ``accounts``, ``engagements`` ("provider · account"),
    ``channels``, ``reasons``, ``segments``, ``models`` (lists of strings) and ``dates``
    (``[first_day, last_day]`` of interactions and scorecards together, or ``[]`` when empty).
    """
    options: dict[str, list] = {name: _distinct(con, column, tables)
                                for name, (column, tables) in _SOURCES.items()}
    pairs = query.rows(
        con,
        """
        select distinct engagement_label(provider, account) as engagement from (
            select provider, account from rollup_monthly
            union select provider, account from performance
            union select provider, account from engagements
        ) where provider is not null and account is not null
        order by engagement
        """
    )
    options["engagements"] = [p for (p,) in pairs]
    first, last = query.one(
        con,
        """
        select min(d), max(d) from (
            select min(day) as d from rollup_daily union all select max(day) from rollup_daily
            union all select min(period) from performance
            union all select cast(max(period) + interval 1 month - interval 1 day as date) from performance
        )
        """
    )
    options["dates"] = [first, last] if first is not None else []
    return options
