"""The floor of Rapport's ingest design: what its unavoidable steps cost, against raw DuckDB, in one process.

    python bench/ingest_floor.py [--rows 10000000] [--out bench/out]

A load reads every value as text, parses it with the ingest's SQL macros into a temporary table,
then inserts that table into the database. This times those steps alone — no checks, rejects, dedup,
repeat flags, rollups or line numbers — on the platform-style export (bench/ingest.py writes it once),
into a fresh database file with the ingest's memory limit and read buffer, beside raw DuckDB's typed
`read_csv` into a table. Their sum over raw DuckDB's time is the best ratio the design can reach.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import duckdb  # noqa: E402

from analytics import db  # noqa: E402
from analytics.ingest import parse  # noqa: E402
from analytics.ingest.load import _read_buffer  # noqa: E402
from ingest import export  # noqa: E402

# the bench export's 13 columns, parsed as the ingest reads them (see bench/ingest.py's headers)
PARSED = ["rp_name(rp_null(c0))", "rp_ts(rp_null(c1), false, 'UTC')", "rp_name(rp_null(c2))", "rp_name(rp_null(c3))",
          "rp_channel(rp_null(c4))", "rp_null(c5)", "rp_name(rp_null(c6))", "rp_null(c7)", "rp_name(rp_null(c8))",
          "rp_dur(rp_null(c9))", "rp_dur(rp_null(c10))", "rp_bool(rp_null(c11))", "rp_num(rp_null(c12))"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--out", default=str(ROOT / "bench/out"))
    args = parser.parse_args()
    out = Path(args.out)
    csv_path = out / f"interactions_{args.rows}.csv"
    export(csv_path, args.rows)
    target = out / "floor.duckdb"
    for leftover in (target, target.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    con.execute(f"set memory_limit = '{db.memory_limit_bytes()}B'")
    con.execute(";\n".join(parse.MACROS))
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(PARSED))) + "}"
    # as the ingest reads (stage_direct.sql): with DuckDB's default max_line_size a 256 MiB buffer is parsed on one
    # thread
    text = (f"read_csv(?, header = false, skip = 1, delim = ',', quote = '\"', escape = '\"', columns = {columns}, "
            f"auto_detect = false, max_line_size = 33554432, buffer_size = {_read_buffer()})")
    rows = []

    def timed(label: str, sql: str, params: list | None = None) -> float:
        wall, cpu = time.perf_counter(), time.process_time()
        con.execute(sql, params or [])
        rows.append((label, time.perf_counter() - wall, time.process_time() - cpu))
        return rows[-1][1]

    raw = timed("raw DuckDB: typed read_csv into a table", "create table raw as select * from read_csv(?)",
                [str(csv_path)])
    con.execute("drop table raw")
    con.execute("checkpoint")
    timed("every column read as text into a temporary table", f"create temp table txt as select * from {text}",
          [str(csv_path)])
    con.execute("drop table txt")
    parse_s = timed("read and parsed by the macros into a temporary table",
                    "create temp table parsed as select " + ", ".join(f"{e} as p{i}" for i, e in enumerate(PARSED))
                    + f" from {text}", [str(csv_path)])
    insert_s = timed("those parsed rows inserted into a stored table", "create table stored as select * from parsed")
    con.execute("drop table stored")
    con.execute("drop table parsed")
    con.execute("checkpoint")
    # the same read and parse with no temporary table between: the rows straight into the stored table (this design
    # without its checked copy — which keeps nothing for the checks, rejects and dedup that follow)
    straight = timed("read, parsed and inserted straight into a stored table",
                     "create table stored as select " + ", ".join(f"{e} as p{i}" for i, e in enumerate(PARSED))
                     + f" from {text}", [str(csv_path)])
    con.execute("drop table stored")
    con.execute("checkpoint")
    # Another design's ceiling: DuckDB casts the timestamp and the two numbers as it reads (raw DuckDB's own typed
    # read; a value it cannot cast would drop its row to the rejects table), the text columns take the macros, and
    # the rows go straight into the stored table, with no temporary table between
    typed = dict(enumerate(["VARCHAR", "TIMESTAMP"] + ["VARCHAR"] * 8 + ["DOUBLE", "VARCHAR", "DOUBLE"]))
    typed_columns = "{" + ", ".join(f"'c{i}': '{t}'" for i, t in typed.items()) + "}"
    typed_read = (f"read_csv(?, header = false, skip = 1, delim = ',', quote = '\"', escape = '\"', "
                  f"columns = {typed_columns}, auto_detect = false, timestampformat = '%Y-%m-%dT%H:%M:%S', "
                  f"ignore_errors = true, store_rejects = true, buffer_size = {_read_buffer()})")
    one_pass = timed("typed read, macros on the text only, inserted straight",
                     "create table stored as select "
                     + ", ".join(f"{f'c{i}' if typed[i] != 'VARCHAR' else e} as p{i}" for i, e in enumerate(PARSED))
                     + f" from {typed_read}", [str(csv_path)])
    con.close()
    target.unlink(missing_ok=True)
    print(f"{args.rows:,} rows ({csv_path.name}), memory_limit {db.memory_limit_bytes() >> 20} MiB")
    print(f"{'step':56} {'wall s':>7} {'CPU s':>7}")
    for label, wall, cpu in rows:
        print(f"{label:56} {wall:7.2f} {cpu:7.2f}")
    print(f"parse + insert: {parse_s + insert_s:.2f} s = {raw / (parse_s + insert_s):.2f}x raw DuckDB's throughput, "
          "before any check, reject, dedup, repeat flag, rollup or line number")
    print(f"parsed straight into the table: {straight:.2f} s = {raw / straight:.2f}x raw DuckDB's throughput, with the "
          "same omissions")
    print(f"one typed pass: {one_pass:.2f} s = {raw / one_pass:.2f}x raw DuckDB's throughput, with the same omissions "
          "(and no way left to word a reject: the values are not kept)")


if __name__ == "__main__":
    main()
