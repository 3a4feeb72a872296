"""Time Rapport's ingest against raw DuckDB and pandas on platform-style interaction exports.

    python bench/ingest.py [--rows 1000000 10000000] [--out bench/out] [--formats]

For each size it writes (once, then reuses) a CSV export with the headers a contact-center
platform gives (`Interaction ID`, `Call Start`, `Vendor`, `Media Type`, `Handle Time` …,
13 columns, timestamps with `T`, durations as `mm:ss`, yes/no as `Y`/`N`), then times three
separate processes on it, each under `/usr/bin/time -v` so the peak RSS is the process's own:

* raw DuckDB: `create table t as select * from read_csv(path)` into a fresh database file —
  the baseline: what the engine does with no validation at all;
* Rapport: `python -m analytics ingest FILE --db fresh.duckdb` — sniffing, parsing, validation,
  rejects, dedup, repeat flags and rollups, one transaction;
* pandas: `pandas.read_csv(path)` — a reference for what a Python-side loader would cost.

Prints seconds, rows/s, MB/s, peak RSS and the ratio of each throughput to raw DuckDB's, so
figures from this noisy machine are read against a baseline measured in the same run. It also prints
each process's CPU seconds (user + system) and the ratio on CPU: when eight engineers share the two
cores, wall time mostly measures waiting, and CPU time is the steadier figure of the two.

With --formats, the same export is also loaded by Rapport as gzip-compressed CSV and as Parquet
(written once by DuckDB), through the same CLI path.
"""
from __future__ import annotations

import argparse
import gzip
import json
import shutil
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

_EXPORT_SQL = """
copy (
    select
        'INT-' || lpad(cast(i as varchar), 9, '0')                                   as "Interaction ID",
        strftime(timestamp '2024-01-01' + to_seconds(cast((i * 2654435761) % 31536000 as bigint)),
                 '%Y-%m-%dT%H:%M:%S')                                               as "Call Start",
        'Provider ' || chr(65 + cast(i % 8 as integer))                             as "Vendor",
        'Program ' || cast(i % 24 as varchar)                                       as "Client",
        ['Voice', 'Live Chat', 'E-mail', 'WhatsApp'][1 + cast(i % 4 as integer)]    as "Media Type",
        'Reason ' || cast((i * 7) % 40 as varchar)                                  as "Wrap-up Code",
        'C' || cast((i * 48271) % 2000000 as varchar)                               as "Customer ID",
        ['Consumer', 'Business', 'Premium'][1 + cast(i % 3 as integer)]             as "Segment",
        'agent' || cast(i % 900 as varchar)                                         as "Agent Name",
        printf('%d:%02d', cast(120 + (i * 37) % 600 as integer) // 60,
               cast(120 + (i * 37) % 600 as integer) % 60)                          as "Handle Time",
        cast((i * 13) % 180 as varchar)                                             as "Speed of Answer",
        case when i % 5 = 0 then 'N' else 'Y' end                                   as "Resolved",
        case when i % 3 = 0 then '' else cast(1 + (i * 11) % 5 as varchar) end      as "CSAT"
    from range(?) t(i)
) to '{path}' (header, delimiter ',')
"""


def export(path: Path, rows: int) -> None:
    """Write the platform-style export of `rows` rows (DuckDB writes it, in seconds)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with duckdb.connect() as con:
        con.execute(_EXPORT_SQL.replace("{path}", str(tmp).replace("'", "''")), [rows])
    tmp.rename(path)


def export_formats(csv_path: Path) -> tuple[Path, Path]:
    """The export as gzip (level 1, as exporters usually write it) and as Parquet, written once."""
    gz, parquet = csv_path.with_suffix(".csv.gz"), csv_path.with_suffix(".parquet")
    if not gz.exists():
        with csv_path.open("rb") as src, gzip.open(gz.with_suffix(".tmp"), "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        gz.with_suffix(".tmp").rename(gz)
    if not parquet.exists():
        with duckdb.connect() as con:
            tmp = str(parquet.with_suffix(".tmp")).replace("'", "''")
            con.execute(f"copy (select * from read_csv(?, all_varchar = true)) to '{tmp}' (format parquet)",
                        [str(csv_path)])
        parquet.with_suffix(".tmp").rename(parquet)
    return gz, parquet


CPU = {}  # command tuple -> CPU seconds (user + system) of its last run


def timed(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one process run under /usr/bin/time -v; CPU seconds in CPU."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    CPU[tuple(command)] = sum(float(re.search(rf"{what} time \(seconds\): ([\d.]+)", result.stderr).group(1))
                              for what in ("User", "System"))
    return wall, peak_kb / 1024, result.stdout


def rapport(path: Path, out: Path, label: str) -> dict:
    """Rapport's full ingest of `path` by the CLI into a fresh database."""
    rapport_db = out / "rapport.duckdb"
    for leftover in (rapport_db, rapport_db.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    command = [PYTHON, "-m", "analytics", "ingest", str(path), "--db", str(rapport_db), "--json"]
    wall, peak, stdout = timed(command)  # no size limit: the CLI streams any size by default
    report = json.loads(stdout)
    report = report[0] if isinstance(report, list) else report
    if report.get("status") != "loaded":
        raise SystemExit(f"Rapport's ingest did not load {path.name}: {report}")
    rapport_db.unlink(missing_ok=True)
    shutil.rmtree(str(rapport_db) + ".tmp", ignore_errors=True)
    return {"engine": label, "seconds": wall, "peak_mb": peak, "rows": report["rows_loaded"],
            "cpu": CPU[tuple(command)]}


def run_size(rows: int, out: Path, formats: bool = False) -> list[dict]:
    csv_path = out / f"interactions_{rows}.csv"
    export(csv_path, rows)
    size_mb = csv_path.stat().st_size / 1024 / 1024
    results = []

    raw_db = out / "raw.duckdb"
    raw_db.unlink(missing_ok=True)
    raw_code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                "con.execute('set enable_progress_bar = false'); "
                "con.execute('create table t as select * from read_csv(?)', [sys.argv[2]]); "
                "print(con.execute('select count(*) from t').fetchone()[0])")
    command = [PYTHON, "-c", raw_code, str(raw_db), str(csv_path)]
    wall, peak, stdout = timed(command)
    results.append({"engine": "raw DuckDB read_csv", "seconds": wall, "peak_mb": peak, "rows": int(stdout),
                    "cpu": CPU[tuple(command)]})
    raw_db.unlink(missing_ok=True)

    results.append(rapport(csv_path, out, "Rapport ingest (CLI)"))
    if formats:
        gz, parquet = export_formats(csv_path)
        results.append(rapport(gz, out, "Rapport, gzip CSV"))
        results.append(rapport(parquet, out, "Rapport, Parquet"))

    pandas_code = "import pandas, sys; print(len(pandas.read_csv(sys.argv[1])))"
    command = [PYTHON, "-c", pandas_code, str(csv_path)]
    wall, peak, stdout = timed(command)
    results.append({"engine": "pandas read_csv", "seconds": wall, "peak_mb": peak, "rows": int(stdout),
                    "cpu": CPU[tuple(command)]})

    base = results[0]["rows"] / results[0]["seconds"]
    base_cpu = results[0]["rows"] / results[0]["cpu"]
    print(f"\n{rows:,} rows, {size_mb:,.0f} MB ({csv_path.name})")
    print(f"{'engine':24} {'seconds':>8} {'rows/s':>12} {'MB/s':>7} {'peak RSS':>10} {'× raw':>6} "
          f"{'CPU s':>7} {'× raw CPU':>9}")
    for r in results:
        rate = r["rows"] / r["seconds"]
        print(f"{r['engine']:24} {r['seconds']:8.1f} {rate:12,.0f} {size_mb / r['seconds']:7.1f} "
              f"{r['peak_mb']:8,.0f} MB {rate / base:6.2f} {r['cpu']:7.1f} {r['rows'] / r['cpu'] / base_cpu:9.2f}")
        r.update(size_mb=size_mb, rows_per_s=rate, ratio_to_raw=rate / base,
                 cpu_ratio_to_raw=r["rows"] / r["cpu"] / base_cpu)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--out", default=str(ROOT / "bench/out"))
    parser.add_argument("--formats", action="store_true", help="also load the export as gzip CSV and as Parquet")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for rows in args.rows:
        run_size(rows, out, args.formats)


if __name__ == "__main__":
    main()
