"""Time a filter change on every page through the real Streamlit runtime (AppTest).

    python bench/pages.py [--db bench/out/bench.duckdb] [--runs 5]

Uses the database bench/queries.py builds (10 M interactions by default). For each
page: one cold run (nothing cached), then `--runs` filter changes — the provider
filter alternates between two providers, so every change is a real cache miss the
first time and the p50 shows what a user waits for. Also prints the process's peak
RSS (AppTest runs the app in this process, so that is the app's memory).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview", "trends", "health", "insight", "premium", "qbr")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "bench/out/bench.duckdb"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not Path(args.db).exists():
        sys.exit(f"{args.db} does not exist: run bench/queries.py first (it builds the 10 M database)")

    with duckdb.connect(args.db, read_only=True) as con:
        providers = [p for (p,) in con.execute(
            "select distinct provider from interactions order by 1 limit 40").fetchall()]
        n = con.execute("select count(*) from interactions").fetchone()[0]
    os.environ["RAPPORT_DB"] = args.db
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    print(f"database: {n:,} interactions; {args.runs} filter changes per page\n")
    print(f"{'page':10} {'cold run':>10} {'change p50':>11} {'change max':>11}")
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        at.switch_page(f"pages/{page}.py")
        start = time.perf_counter()
        at.run()
        cold = time.perf_counter() - start
        if at.exception:
            print(f"{page:10} failed: {at.exception[0].value}")
            continue
        times = []
        for i in range(args.runs):
            # alternate over providers so each change asks for data not computed yet
            at.multiselect(key="provider").set_value([providers[(i + 1) % len(providers)]])
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        print(f"{page:10} {cold * 1000:8.0f}ms {statistics.median(times) * 1000:9.0f}ms {max(times) * 1000:9.0f}ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the app process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
