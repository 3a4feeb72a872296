"""Bring one real database back to a recorded state, for property tests that run an ingest per example.

Creating a database per example costs more than the ingest it hosts; restoring a recorded state costs a few
milliseconds. Every table db.connect creates is recorded and restored whole, so an example starts from exactly
the rows it would find in a fresh database (or after the same setup load): examples stay independent, and
hypothesis can replay and shrink a failure.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import duckdb

from analytics import db
from analytics.db import quote_ident

_SCHEMAS = itertools.count(1)


def record(con: duckdb.DuckDBPyConnection) -> Callable[[], None]:
    """Copy every table's rows now (into a schema of their own); the function returned puts exactly those rows
    back in every table."""
    tables = [t for (t,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' and not temporary").fetchall()]
    schema = f"recorded_{next(_SCHEMAS)}"
    con.execute(f"create schema {schema}")
    for table in tables:
        con.execute(f"create table {schema}.{quote_ident(table)} as select * from main.{quote_ident(table)}")

    def restore() -> None:
        for table in tables:
            con.execute(f"delete from main.{quote_ident(table)}")
            con.execute(f"insert into main.{quote_ident(table)} select * from {schema}.{quote_ident(table)}")
    return restore


def emptied_database() -> Iterator[Callable[[], duckdb.DuckDBPyConnection]]:
    """A module fixture's body: one new database, and a function that brings it back to its empty state and
    returns it (call it at the start of each example)."""
    con = db.connect(":memory:")
    restore = record(con)

    def emptied() -> duckdb.DuckDBPyConnection:
        restore()
        return con
    try:
        yield emptied
    finally:
        con.close()
