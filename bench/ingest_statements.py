"""Where one ingest's time goes: every SQL statement of a load, timed, in one process.

    python bench/ingest_statements.py [--rows 1000000] [--top 20] [--repo PATH] [--out bench/out]

Loads the platform-style export of `--rows` rows (bench/ingest.py writes it once, then reuses it)
into a fresh database file through `analytics.ingest.ingest_file`, with the connection wrapped so
that each statement's wall and CPU seconds are recorded (CPU is the process's, so it counts
DuckDB's threads too). Prints the load's totals and the costliest statements, first line of each.
`--repo` runs another checkout's `analytics` on the same file, for a before/after in the same
minutes on the same machine.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class _Timed:
    """A DuckDB connection or cursor whose execute calls are timed into `log`."""

    def __init__(self, inner, log: list) -> None:
        self._inner, self._log = inner, log

    def execute(self, sql, *args, **kwargs):
        import duckdb

        wall, cpu = time.perf_counter(), time.process_time()
        result = self._inner.execute(sql, *args, **kwargs)
        self._log.append((time.perf_counter() - wall, time.process_time() - cpu, " ".join(str(sql).split())))
        return _Timed(result, self._log) if isinstance(result, duckdb.DuckDBPyConnection) else result

    def cursor(self):
        return _Timed(self._inner.cursor(), self._log)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._inner.close()

    def __getattr__(self, name):
        return getattr(self._inner, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--repo", default=str(ROOT), help="the checkout whose analytics package loads the file")
    parser.add_argument("--out", default=str(ROOT / "bench/out"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from ingest import export  # noqa: E402 — bench/ingest.py writes the export

    out = Path(args.out)
    csv_path = out / f"interactions_{args.rows}.csv"
    export(csv_path, args.rows)
    sys.path.insert(0, str(Path(args.repo).resolve()))
    from analytics import db  # noqa: E402
    from analytics.ingest import ingest_file  # noqa: E402

    target = out / "statements.duckdb"
    for leftover in (target, target.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    log: list[tuple[float, float, str]] = []
    wall, cpu = time.perf_counter(), time.process_time()
    con = db.connect(str(target))
    result = ingest_file(_Timed(con, log), csv_path)
    loaded = time.perf_counter() - wall, time.process_time() - cpu
    con.close()
    closed = time.perf_counter() - wall
    target.unlink(missing_ok=True)
    print(f"{result.status}: {result.rows_loaded:,} rows from {csv_path.name} ({args.repo})")
    print(f"load {loaded[0]:.2f} s wall, {loaded[1]:.2f} s CPU; with the checkpoint at close {closed:.2f} s wall; "
          f"{len(log)} statements, {sum(w for w, _, _ in log):.2f} s wall of them")
    print(f"{'wall s':>7} {'CPU s':>7}  statement")
    for w, c, sql in sorted(log, reverse=True)[:args.top]:
        print(f"{w:7.2f} {c:7.2f}  {sql[:110]}")


if __name__ == "__main__":
    main()
