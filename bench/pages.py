"""Time a filter change on every page through the real Streamlit runtime (AppTest).

    python bench/pages.py [--db bench/out/bench.duckdb ...] [--runs 5] [--pages overview,qbr]
    python bench/pages.py --db bench/out/bench10m_200.duckdb --profile overview
    python bench/pages.py --db bench/out/bench10m_200.duckdb --journey --runs 3

Uses the databases bench/queries.py (or `python -m analytics sample --interactions N
--engagements M --db PATH`) builds; `--db` may be given several times and every database is
measured in the same run. For each database and page: the analysis caches are cleared, one
cold run, then `--runs` filter changes — the provider filter moves to a provider not yet seen,
so every change is a real cache miss and the p50 shows what a user waits for.

Each filter change is split into where its time went, exclusive of nested calls:
  analyses  calls through ui.cached.analysis (cache lookup + the analysis on a miss)
  build     the Altair chart builders (charts.*.build_*)
  draw      st.altair_chart / st.vega_lite_chart (Altair's to_dict, validation, serialising)
  rest      everything else: Streamlit, widgets, tables, formatting
and `--detail` prints each analysis's own time.

Noisy machine: a fixed calibration workload (DuckDB and pandas, same work every time) is
measured before every page, and each p50 is also printed as a multiple of it ("× cal"), so runs
made at different loads compare. Also prints the rollup row counts of every database and the
process's peak RSS (AppTest runs the app in this process, so that is the app's memory).
`--profile PAGE` runs cProfile on one filter change of that page and prints the top functions.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import resource
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview", "trends", "health", "insight", "premium", "qbr")
CATEGORIES = ("analyses", "build", "draw")


class Ledger:
    """Exclusive wall time per category: a nested timed call pauses its caller's clock."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, float] = defaultdict(float)  # inclusive time per analysis name
        self.stack: list[list] = []

    def reset(self) -> None:
        self.totals.clear()
        self.calls.clear()
        self.stack.clear()

    def wrap(self, category: str, fn, name_of=None):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            now = time.perf_counter()
            if self.stack:
                self.totals[self.stack[-1][0]] += now - self.stack[-1][1]
            self.stack.append([category, now])
            try:
                return fn(*args, **kwargs)
            finally:
                end = time.perf_counter()
                cat, start = self.stack.pop()
                self.totals[cat] += end - start
                if name_of is not None:
                    self.calls[name_of(*args, **kwargs)] += end - now
                if self.stack:
                    self.stack[-1][1] = end
        return timed


def instrument(ledger: Ledger) -> None:
    """Wrap the analysis door, the chart builders and the chart drawing calls of this process.

    Page scripts import these names afresh on every run, so patching the modules' attributes
    reaches them; modules that bound a builder at import (reports.qbr_build) are patched too.
    """
    import importlib

    import streamlit
    import ui.cached

    ui.cached.analysis = ledger.wrap(
        "analyses", ui.cached.analysis,
        name_of=lambda fn, *a, **k: f"{fn.__module__.removeprefix('analytics.')}.{fn.__qualname__}")
    builders = {}
    for name in ("charts.health", "charts.insight", "charts.premium", "charts.trends", "charts.qbr"):
        module = importlib.import_module(name)
        for attr, value in list(vars(module).items()):
            if attr.startswith("build_") and callable(value):
                wrapped = ledger.wrap("build", value)
                builders[value] = wrapped
                setattr(module, attr, wrapped)
    for name in ("reports.qbr_build", "reports.qbr"):
        module = importlib.import_module(name)
        for attr, value in list(vars(module).items()):
            if callable(value) and value in builders:
                setattr(module, attr, builders[value])
    streamlit.altair_chart = ledger.wrap("draw", streamlit.altair_chart)
    streamlit.vega_lite_chart = ledger.wrap("draw", streamlit.vega_lite_chart)


_CAL_CON = None
_CAL_FRAME = None


def calibration() -> float:
    """Wall seconds of a fixed workload close to a page's mix: a DuckDB group-by and a pandas group-by.
    On a loaded machine it slows down with the load as the pages do, so page ÷ calibration compares runs."""
    global _CAL_CON, _CAL_FRAME
    if _CAL_CON is None:
        _CAL_CON = duckdb.connect()
        _CAL_CON.execute("create table t as select i % 997 as g, i * 0.5 as v from range(2000000) r(i)")
        rng = np.random.default_rng(1)
        _CAL_FRAME = pd.DataFrame({"g": rng.integers(0, 500, 300_000), "v": rng.random(300_000)})
    start = time.perf_counter()
    _CAL_CON.execute("select g, sum(v), avg(v) from t group by g").fetchall()
    _CAL_FRAME.groupby("g")["v"].agg(["mean", "std", "count"])
    return time.perf_counter() - start


def database_facts(path: str) -> dict[str, int]:
    with duckdb.connect(path, read_only=True) as con:
        facts = {table: con.execute(f"select count(*) from {table}").fetchone()[0]
                 for table in ("interactions", "engagements", "performance", "rollup_daily", "rollup_monthly")}
        facts["providers"] = con.execute("select count(distinct provider) from engagements").fetchone()[0]
    return facts


def providers_of(path: str) -> list[str]:
    with duckdb.connect(path, read_only=True) as con:
        return [p for (p,) in con.execute("select distinct provider from interactions order by 1").fetchall()]


def open_page(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page(f"pages/{page}.py")
    return at


def timed_run(at, ledger: Ledger) -> tuple[float, dict[str, float]]:
    """Wall seconds of one script run, and its parts (plus "cpu": the process's CPU seconds, all threads)."""
    ledger.reset()
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    total = time.perf_counter() - start
    parts = {c: ledger.totals.get(c, 0.0) for c in CATEGORIES}
    parts["rest"] = max(total - sum(parts.values()), 0.0)
    parts["cpu"] = time.process_time() - cpu
    return total, parts


def measure_page(page: str, providers: list[str], runs: int, ledger: Ledger, detail: bool) -> dict | None:
    import streamlit as st

    st.cache_data.clear()  # every page starts from nothing: no analysis another page already computed
    at = open_page(page)
    cold, _ = timed_run(at, ledger)
    if at.exception:
        print(f"{page:10} failed: {at.exception[0].value}")
        return None
    totals, parts, names = [], defaultdict(list), defaultdict(list)
    cal = []
    for i in range(runs):
        cal.append(calibration())
        # move to a provider not asked for yet on this page: a real cache miss
        at.multiselect(key="provider").set_value([providers[(i + 1) % len(providers)]])
        total, split = timed_run(at, ledger)
        if at.exception:
            print(f"{page:10} failed on change {i + 1}: {at.exception[0].value}")
            return None
        totals.append(total)
        for c, v in split.items():
            parts[c].append(v)
        for n, v in ledger.calls.items():
            names[n].append(v)
    result = {"cold": cold, "p50": statistics.median(totals), "max": max(totals),
              "cal": statistics.median(cal), **{c: statistics.median(v) for c, v in parts.items()}}
    result["names"] = {n: statistics.median(v + [0.0] * (runs - len(v))) for n, v in names.items()}
    return result


JOURNEY = ("overview", "health", "premium", "qbr")


def measure_journey(providers: list[str], runs: int, ledger: Ledger) -> dict[str, list[tuple[float, float]]]:
    """What a user waits for when moving through the pages with one set of filters: the provider filter
    changes on the Overview (a cache miss), then Health, Premium and the QBR open with the same filters,
    reusing what the pages before them computed (shared cache entries). Per page: (wall, CPU) seconds."""
    import streamlit as st

    st.cache_data.clear()
    at = open_page(JOURNEY[0])
    at.run()
    times: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for i in range(runs):
        at.switch_page(f"pages/{JOURNEY[0]}.py")
        at.run()
        at.multiselect(key="provider").set_value([providers[(i + 1) % len(providers)]])
        for page in JOURNEY:
            if page != JOURNEY[0]:
                at.switch_page(f"pages/{page}.py")
            total, split = timed_run(at, ledger)
            if at.exception:
                print(f"journey: {page} failed: {at.exception[0].value}")
                return times
            times[page].append((total, split["cpu"]))
    return times


def profile_page(page: str, providers: list[str], top: int) -> None:
    import streamlit as st

    st.cache_data.clear()
    at = open_page(page)
    at.run()
    at.multiselect(key="provider").set_value([providers[1 % len(providers)]])
    # AppTest runs the script in its own thread (and findings uses a thread pool): profile every
    # thread started during the run, each with its own profiler, and merge them.
    profilers: list[cProfile.Profile] = []
    thread_run = threading.Thread.run

    def profiled_run(self) -> None:
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()
        try:
            thread_run(self)
        finally:
            profiler.disable()

    threading.Thread.run = profiled_run
    try:
        at.run()
    finally:
        threading.Thread.run = thread_run
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profilers[0], stream=out)
        for profiler in profilers[1:]:
            stats.add(profiler)
        stats.sort_stats(order).print_stats(top)
        print(out.getvalue())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", help="a benchmark database; repeat for several")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to measure")
    parser.add_argument("--detail", action="store_true", help="print each analysis's own p50 per page")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile one filter change of PAGE instead")
    parser.add_argument("--top", type=int, default=35, help="functions printed by --profile")
    parser.add_argument("--journey", action="store_true",
                        help="instead: change the provider on the Overview, then open Health, Premium and the QBR "
                             "with the same filters (what sharing cache entries across pages saves)")
    args = parser.parse_args()
    # absolute: the run moves into the repository (the app's pages are found from there)
    paths = [str(Path(p).resolve()) for p in args.db or [ROOT / "bench/out/bench.duckdb"]]
    for path in paths:
        if not Path(path).exists():
            sys.exit(f"{path} does not exist: build it with bench/queries.py or "
                     "`python -m analytics sample --interactions N --engagements M --db PATH`")
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        sys.exit(f"unknown page(s) {', '.join(unknown)}: choose from {', '.join(PAGES)}")

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    ledger = Ledger()
    instrument(ledger)

    if args.profile:
        os.environ["RAPPORT_DB"] = paths[0]
        profile_page(args.profile, providers_of(paths[0]), args.top)
        return

    if args.journey:
        for path in paths:
            os.environ["RAPPORT_DB"] = path
            times = measure_journey(providers_of(path), args.runs, ledger)
            print(f"\n== {Path(path).stem}: journey Overview (filter change) → Health → Premium → QBR, "
                  f"{args.runs} rounds; p50 wall ms · CPU ms")
            for page, pairs in times.items():
                print(f"{page:10} {ms(statistics.median(w for w, _ in pairs)):>7} · "
                      f"{ms(statistics.median(c for _, c in pairs)):>7}")
        return

    summary: dict[str, dict[str, dict]] = {}
    for path in paths:
        facts = database_facts(path)
        os.environ["RAPPORT_DB"] = path
        providers = providers_of(path)
        name = Path(path).stem
        print(f"\n== {name}: {facts['interactions']:,} interactions, {facts['engagements']} engagements of "
              f"{facts['providers']} providers; rollup_daily {facts['rollup_daily']:,} rows, rollup_monthly "
              f"{facts['rollup_monthly']:,}, performance {facts['performance']:,}; {args.runs} filter changes "
              "per page")
        print(f"{'page':10} {'cold':>7} {'p50':>7} {'max':>7} {'× cal':>6} {'cpu':>6} | {'analyses':>8} "
              f"{'build':>6} {'draw':>6} {'rest':>6}   (ms; cpu = process CPU of the change; breakdown = p50 of "
              "each part)")
        summary[name] = {}
        for page in pages:
            r = measure_page(page, providers, args.runs, ledger, args.detail)
            if r is None:
                continue
            summary[name][page] = r
            print(f"{page:10} {ms(r['cold']):>7} {ms(r['p50']):>7} {ms(r['max']):>7} "
                  f"{r['p50'] / r['cal']:6.1f} {ms(r['cpu']):>6} | "
                  f"{ms(r['analyses']):>8} {ms(r['build']):>6} {ms(r['draw']):>6} {ms(r['rest']):>6}"
                  f"   cal {ms(r['cal'])}")
            if args.detail:
                for n, v in sorted(r["names"].items(), key=lambda kv: -kv[1]):
                    if v >= 0.002:
                        print(f"{'':12}{n:48} {ms(v):>6}")

    if len(summary) > 1:
        print("\nfilter change p50, ms (× calibration in brackets)")
        print(f"{'page':10} " + " ".join(f"{n:>22}" for n in summary))
        for page in pages:
            cells = []
            for n in summary:
                r = summary[n].get(page)
                cells.append(f"{ms(r['p50'])} ({r['p50'] / r['cal']:.1f}×)" if r else "failed")
            print(f"{page:10} " + " ".join(f"{c:>22}" for c in cells))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the app process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
