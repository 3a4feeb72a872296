"""How big the rollups are, per calendar year, against the dimensions that drive their size.

`python -m analytics.spark.sizes [--db PATH] [--sample N]` prints the table docs/SCALE.md quotes
(`--sample N` measures a fresh in-memory sample portfolio of N interactions instead of a file).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from analytics import db, query


def rollup_size_by_year(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per calendar year of rollup_daily.

    Columns: ``year``, ``contacts``, ``engagements`` (provider × account pairs), ``channels``,
    ``reasons``, ``segments``, ``daily_rows``, ``monthly_rows``, ``dimension_product``
    (engagements × channels × reasons × segments, the most rows one day can have),
    ``daily_fill`` (daily rows / (dimension product × days with contacts)) and
    ``contacts_per_daily_row``.
    """
    return query.frame(con, """
        with daily as (
            select year(day) as year, sum(contacts) as contacts,
                   count(distinct (provider, account)) as engagements,
                   count(distinct coalesce(channel, '∅')) as channels,
                   count(distinct coalesce(contact_reason, '∅')) as reasons,
                   count(distinct coalesce(customer_segment, '∅')) as segments,
                   count(distinct day) as days,
                   count(distinct (day, provider, account, channel, contact_reason, customer_segment)) as daily_rows
            from rollup_daily group by all
        ),
        monthly as (
            select year(day) as year,
                   count(distinct (day, provider, account, channel, contact_reason, customer_segment)) as monthly_rows
            from rollup_monthly group by all
        )
        select d.year, d.contacts, d.engagements, d.channels, d.reasons, d.segments, d.daily_rows, m.monthly_rows,
               d.engagements * d.channels * d.reasons * d.segments as dimension_product,
               d.daily_rows / (d.engagements * d.channels * d.reasons * d.segments * d.days) as daily_fill,
               d.contacts / d.daily_rows as contacts_per_daily_row
        from daily d join monthly m using (year)
        order by d.year
    """)


def contract_bytes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Bytes the two rollups take as the contract's Parquet (partitioned by month), written by DuckDB."""
    sizes = {}
    with tempfile.TemporaryDirectory() as folder:
        for table in ("rollup_daily", "rollup_monthly"):
            target = Path(folder) / table
            query.run(con, f"copy (select * exclude (batch_id), strftime(day, '%Y-%m') as month "
                           f"from {db.quote_ident(table)}) to $target (format parquet, partition_by (month))",
                      {"target": str(target)})
            sizes[table] = sum(p.stat().st_size for p in target.rglob("*.parquet"))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analytics.spark.sizes")
    parser.add_argument("--db", help="database file (default: $RAPPORT_DB or data/rapport.duckdb)")
    parser.add_argument("--sample", type=int, help="measure a fresh sample portfolio of this many interactions")
    args = parser.parse_args(argv)
    if args.sample:
        from analytics import sample

        con = db.connect(":memory:")
        sample.generate(con, interactions=args.sample)
    else:
        con = db.connect(args.db, read_only=True)
    try:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(rollup_size_by_year(con).to_string(index=False))
        raw = query.one(con, "select count(*) from interactions")[0]
        print(f"raw interactions: {raw:,}; contract Parquet bytes: {contract_bytes(con)}")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
