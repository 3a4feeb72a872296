"""Rollups built on Spark: the portable definition, the generated job, and the contract it writes.

The heavy part of Rapport — aggregating raw interactions into ``rollup_daily`` and
``rollup_monthly`` — can run on a customer's Spark cluster instead of embedded DuckDB.
``definition`` turns the portable DuckDB SQL (``analytics/sql/rollups/repeat_flags.sql`` and
``rollup_daily.sql``) into Spark SQL with sqlglot and derives the contract's columns from the
DuckDB rollup table; ``job`` writes the self-contained PySpark script users submit;
``contract`` validates the directory that script writes and imports it. See docs/SCALE.md.
"""
from __future__ import annotations

CONTRACT_VERSION = "rapport-rollups/1"
