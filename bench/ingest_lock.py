"""How long an ingest holds the write lock, against the whole load, on a platform-style export.

    python bench/ingest_lock.py [--rows 1000000] [--repo PATH] [--out bench/out]

Every write in a Rapport process goes through `analytics.db.WRITE_LOCK`; while one load holds it, every
other session's load, delete or save waits. This wraps that lock to time each hold, then loads into a
fresh database file, in one process:

1. the export of `--rows` rows (bench/ingest.py writes it once, then reuses it) — a first load;
2. the same contacts again with CSAT filled in on the rows that had none (a later export: every third
   row is an update, the rest duplicates) — the dedup and update path against a full table.

`--repo` runs another checkout's `analytics` (e.g. a `git archive` of an older commit) on the same files,
so before/after figures come from the same run and machine. Prints seconds per load and the seconds the
lock was held, and their ratio.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import threading
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]


class TimedLock:
    """A re-entrant lock that adds up how long it was held (outermost acquire to matching release)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._since = 0.0
        self.held = 0.0

    def __enter__(self):
        self._lock.acquire()
        self._depth += 1
        if self._depth == 1:
            self._since = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.held += time.perf_counter() - self._since
        self._lock.release()

    acquire = __enter__

    def release(self) -> None:
        self.__exit__(None, None, None)


def later_export(source: Path, target: Path) -> None:
    """The same contacts with a CSAT of 4 wherever the first export had none (written once)."""
    if target.exists():
        return
    with duckdb.connect() as con:
        con.execute(f"""copy (select * replace (coalesce("CSAT", '4') as "CSAT")
                              from read_csv(?, all_varchar = true))
                        to '{str(target).replace("'", "''")}' (header, delimiter ',')""", [str(source)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repo", default=str(ROOT), help="the checkout whose analytics package is timed")
    parser.add_argument("--out", default=str(ROOT / "bench/out"))
    args = parser.parse_args()
    out = Path(args.out)
    sys.path.insert(0, str(ROOT / "bench"))
    from ingest import export  # bench/ingest.py's generator

    first = out / f"interactions_{args.rows}.csv"
    export(first, args.rows)
    second = out / f"interactions_{args.rows}_csat_later.csv"
    later_export(first, second)

    sys.path.insert(0, str(Path(args.repo).resolve()))
    db = importlib.import_module("analytics.db")
    ingest = importlib.import_module("analytics.ingest")
    print(f"analytics from {Path(db.__file__).resolve().parents[1]}")
    lock = TimedLock()
    db.WRITE_LOCK = lock
    target = out / "lock_bench.duckdb"
    target.unlink(missing_ok=True)
    con = db.connect(target)
    try:
        print(f"{'load':28} {'status':8} {'loaded':>9} {'updated':>9} {'duplicate':>9} {'seconds':>8} "
              f"{'lock held':>9} {'held %':>7}")
        for label, path in (("first export", first), ("same contacts, CSAT later", second)):
            before, start = lock.held, time.perf_counter()
            result = ingest.ingest_file(con, path)
            wall, held = time.perf_counter() - start, lock.held - before
            print(f"{label:28} {result.status:8} {result.rows_loaded:9,} {getattr(result, 'rows_updated', 0):9,} "
                  f"{result.rows_duplicate:9,} {wall:8.1f} {held:9.1f} {held / wall:7.0%}")
    finally:
        con.close()
        target.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
