"""Time every analysis on a large database against the naive pandas equivalent.

    python bench/queries.py [--interactions 10000000] [--engagements 24] [--db bench/out/bench.duckdb] [--runs 7]
                            [--no-pandas] [--only health,findings]

Builds the database with the sample generator when it does not exist yet, then for
each analysis prints the p50 of `--runs` timed calls (after one warm-up) and the p50
of a naive pandas computation of the same figure over the raw rows, measured in the
same process, and their ratio. `--no-pandas` skips the naive side (it loads all raw rows
into memory first). Every analysis is also printed as a multiple of a fixed calibration
workload measured next to it ("× cal", the same one bench/pages.py uses), so runs on a
busy machine compare. Figures go into docs/BENCHMARKS.md by hand.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import db, health, insight, premium, claims, findings, sample, trends  # noqa: E402
from analytics.filters import Filters  # noqa: E402


def _calibration_module():
    """bench/pages.py by path (the name `pages` is the app's page folder)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_pages", Path(__file__).resolve().parent / "pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


calibration = _calibration_module().calibration  # the same fixed workload bench/pages.py measures


CPU_P50: list[float] = []  # the process CPU ms (all threads) of the last p50() call's median run


def p50(fn, runs: int) -> float:
    """Median wall ms of `runs` calls after a warm-up; the median CPU ms goes to CPU_P50[0]."""
    fn()  # warm-up: first call compiles plans and fills DuckDB's caches
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU_P50[:] = [statistics.median(cpu) * 1000]
    return statistics.median(times) * 1000


def naive_frames(con) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = con.execute(
        "select occurred_at, provider, account, channel, contact_reason, customer_segment, customer_id,"
        " handle_seconds, resolved_first_contact, csat, csat_scale, cost from interactions"
    ).df()
    engagements = con.execute("select provider, account, relationship_model, contract_start from engagements").df()
    return raw, engagements


def naive_trend(raw: pd.DataFrame) -> pd.DataFrame:
    month = raw["occurred_at"].dt.to_period("M")
    return raw.assign(month=month).groupby("month")["resolved_first_contact"].mean().to_frame("fcr")


def naive_channel_mix(raw: pd.DataFrame) -> pd.DataFrame:
    quarter = raw["occurred_at"].dt.to_period("Q")
    counts = raw.assign(quarter=quarter).groupby(["quarter", "channel"]).size()
    return (counts / counts.groupby(level=0).transform("sum")).to_frame("share")


def naive_health(raw: pd.DataFrame) -> pd.DataFrame:
    quarter = raw["occurred_at"].dt.to_period("Q")
    grouped = raw.assign(quarter=quarter, sat=raw["csat"] >= 0.8 * raw["csat_scale"]).groupby(
        ["provider", "account", "quarter"])
    frame = grouped.agg(fcr=("resolved_first_contact", "mean"), aht=("handle_seconds", "mean"),
                        csat=("sat", "mean"), cost=("cost", "mean"))
    return ((frame["fcr"] - 0.55) / 0.30).clip(0, 1).to_frame("score")


def naive_premium(raw: pd.DataFrame, engagements: pd.DataFrame) -> pd.DataFrame:
    joined = raw[["occurred_at", "provider", "account", "resolved_first_contact"]].merge(
        engagements, on=["provider", "account"])
    months = (joined["occurred_at"].dt.year - joined["contract_start"].dt.year) * 12 + (
        joined["occurred_at"].dt.month - joined["contract_start"].dt.month)
    joined["relationship_year"] = months // 12 + 1
    per_engagement = joined.groupby(["provider", "account", "relationship_model", "relationship_year"])[
        "resolved_first_contact"].mean()
    return per_engagement.groupby(["relationship_model", "relationship_year"]).mean().unstack(0)


def naive_reason_movers(raw: pd.DataFrame) -> pd.DataFrame:
    last = raw["occurred_at"].max()
    recent = raw[raw["occurred_at"] > last - pd.DateOffset(months=6)]
    prior = raw[(raw["occurred_at"] > last - pd.DateOffset(months=18)) &
                (raw["occurred_at"] <= last - pd.DateOffset(months=12))]
    return pd.DataFrame({"recent": recent.groupby("contact_reason").size(),
                         "prior": prior.groupby("contact_reason").size()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--engagements", type=int, default=24, help="portfolio breadth (sample --engagements)")
    parser.add_argument("--db", default="bench/out/bench.duckdb")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-pandas", action="store_true", help="skip the naive pandas side")
    parser.add_argument("--only", default="", help="comma-separated words: time only analyses whose name has one")
    args = parser.parse_args()

    path = Path(args.db)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        with db.connect(path) as con:
            sample.generate(con, interactions=args.interactions, engagements=args.engagements)
        print(f"built {path} with {args.interactions:,} interactions, {args.engagements} engagements "
              f"in {time.perf_counter() - start:.0f} s")

    con = db.connect(path)
    n = con.execute("select count(*) from interactions").fetchone()[0]
    rollup_rows = con.execute("select count(*) from rollup_daily").fetchone()[0]
    monthly_rows = con.execute("select count(*) from rollup_monthly").fetchone()[0]
    engagement_rows = con.execute("select count(*) from engagements").fetchone()[0]
    performance_rows = con.execute("select count(*) from performance").fetchone()[0]
    print(f"database: {n:,} interactions, {engagement_rows} engagements; rollup_daily {rollup_rows:,} rows, "
          f"rollup_monthly {monthly_rows:,}, performance {performance_rows:,}")

    everything = Filters()
    one_provider = Filters(providers=(con.execute("select min(provider) from interactions").fetchone()[0],))
    analyses = {
        "trend fcr by month": (lambda: trends.kpi_trend(con, "fcr", everything, grain="month"), naive_trend),
        "trend fcr, one provider": (lambda: trends.kpi_trend(con, "fcr", one_provider, grain="month"), None),
        "health scores, one provider": (lambda: health.health_scores(con, one_provider), None),
        "claim check, one provider": (lambda: claims.claim_check(con, one_provider), None),
        "findings, one provider": (lambda: findings.findings(con, one_provider), None),
        "kpi tiles (6 KPIs)": (lambda: trends.kpi_tiles(
            con, ("contacts", "aht_seconds", "fcr", "csat_pct", "cost_per_contact", "quality_score"), everything),
            None),
        "channel mix by quarter": (lambda: insight.channel_mix(con, everything), naive_channel_mix),
        "reason movers": (lambda: insight.reason_movers(con, everything), naive_reason_movers),
        "seasonality": (lambda: insight.seasonality(con, everything), None),
        "health scores by quarter": (lambda: health.health_scores(con, everything), naive_health),
        "premium fcr by relationship year": (
            lambda: premium.premium_by_relationship_year(con, "fcr", everything), "premium"),
        "claim check": (lambda: claims.claim_check(con, everything), None),
        "findings": (lambda: findings.findings(con, everything), None),
        "repeat contacts (raw rows)": (lambda: insight.repeat_contacts(con, everything), None),
    }

    words = [w.strip() for w in args.only.split(",") if w.strip()]
    if words:
        analyses = {k: v for k, v in analyses.items() if any(w in k for w in words)}
    raw, engagements = (None, None) if args.no_pandas else naive_frames(con)
    print(f"\n{'analysis':38} {'duckdb p50':>11} {'cpu':>8} {'× cal':>6} {'pandas p50':>11} {'ratio':>7}")
    for name, (fn, naive) in analyses.items():
        ours = p50(fn, args.runs)
        cpu = CPU_P50[0]
        cal = statistics.median(calibration() for _ in range(3)) * 1000
        if naive is None or args.no_pandas:
            print(f"{name:38} {ours:9.1f}ms {cpu:6.0f}ms {ours / cal:6.1f} {'—':>11} {'—':>7}")
            continue
        naive_fn = (lambda: naive_premium(raw, engagements)) if naive == "premium" else (lambda: naive(raw))
        theirs = p50(naive_fn, max(3, args.runs // 2))
        print(f"{name:38} {ours:9.1f}ms {cpu:6.0f}ms {ours / cal:6.1f} {theirs:9.1f}ms {theirs / ours:6.1f}×")
    print(f"\ncalibration workload (bench/pages.py): {cal:.1f} ms at the end of the run")


if __name__ == "__main__":
    main()
