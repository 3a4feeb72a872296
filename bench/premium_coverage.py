"""Coverage of the premium's intervals on simulated portfolios with a known premium.

    .venv/bin/python bench/premium_coverage.py [--portfolios 1500] [--seed 20261204]

For 3, 4, 6 and 12 engagements per side it simulates portfolios whose true premium is known and
prints how often each interval contains it (nominal: 95 %):

* ``bootstrap`` — the old method: 95 % percentile bootstrap of the ratio of means, resampling
  engagements within each side (2,000 resamples);
* ``welch`` — the shipped method (`analytics.premium.premium_estimate`): Welch t on the log ratio
  of means, and the Welch difference-of-means interval for the absolute difference;
* with shared providers (a pool of 3 × n providers serves both sides; engagements of one provider
  share a provider effect):
  ``naive`` treats every engagement as independent, ``clustered`` is the shipped method over
  provider/account clusters (`analytics.premium.unit_values`); ``estimated`` is the share of
  portfolios with at least 4 clusters a side — the others are "too few to estimate".

Engagement values are log-normal around each side's level (between-engagement SD 8 % for
partnerships, 15 % for transactional deals: unequal variances on purpose); the partnership level is
12 % higher, so the true premium of the means is +11.1 % (printed on the first line).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import kpis  # noqa: E402
from analytics.premium import MIN_UNITS, percentile_ci, premium_estimate, unit_values  # noqa: E402

SIZES = (3, 4, 6, 12)
LEVEL_T = 75.0
TRUE_PREMIUM = 0.12
SD_P, SD_T = 0.08, 0.15
SD_PROVIDER = 0.08
N_BOOT = 2000
K = kpis.kpi("quality_score")


def _truth() -> tuple[float, float]:
    """(true premium %, true difference) of the population means of the two log-normal sides."""
    level_p = LEVEL_T * (1 + TRUE_PREMIUM)
    mean_p = level_p * np.exp(SD_P ** 2 / 2)
    mean_t = LEVEL_T * np.exp(SD_T ** 2 / 2)
    return 100.0 * (mean_p / mean_t - 1.0), mean_p - mean_t


def _bootstrap(p: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """The old interval: percentile bootstrap of 100·(mean P / mean T − 1)."""
    bp = p[rng.integers(0, p.size, size=(N_BOOT, p.size))].mean(axis=1)
    bt = t[rng.integers(0, t.size, size=(N_BOOT, t.size))].mean(axis=1)
    return percentile_ci(100.0 * (bp / bt - 1.0))


def simulate(n: int, portfolios: int, seed: int, *, shared_providers: bool = False,
             with_bootstrap: bool = True) -> dict:
    """Coverage of each interval over `portfolios` simulated portfolios of `n` engagements a side.

    Returns a dict of coverage fractions: ``bootstrap`` (old method, independent engagements),
    ``welch`` and ``welch_diff`` (shipped relative and absolute intervals, independent
    engagements); with `shared_providers`: ``naive``, ``clustered`` and ``estimated``."""
    rng = np.random.default_rng([seed, n, int(shared_providers)])
    true_pct, true_diff = _truth()
    level_p = LEVEL_T * (1 + TRUE_PREMIUM)
    hits = {"bootstrap": 0, "welch": 0, "welch_diff": 0, "naive": 0, "clustered": 0, "estimated": 0}
    for _ in range(portfolios):
        if not shared_providers:
            p = level_p * np.exp(rng.normal(0, SD_P, n))
            t = LEVEL_T * np.exp(rng.normal(0, SD_T, n))
            est = premium_estimate(p, t, K)
            hits["welch"] += est["ci_low"] <= true_pct <= est["ci_high"]
            hits["welch_diff"] += est["diff_ci_low"] <= true_diff <= est["diff_ci_high"]
            if with_bootstrap:
                low, high = _bootstrap(p, t, rng)
                hits["bootstrap"] += low <= true_pct <= high
            continue
        # a pool of providers shared by both sides; each engagement draws one
        pool = 3 * n
        effects = rng.normal(0, SD_PROVIDER, pool)
        prov_p, prov_t = rng.integers(0, pool, n), rng.integers(0, pool, n)
        p = level_p * np.exp(effects[prov_p] + rng.normal(0, SD_P, n))
        t = LEVEL_T * np.exp(effects[prov_t] + rng.normal(0, SD_T, n))
        naive = premium_estimate(p, t, K)
        hits["naive"] += naive["ci_low"] <= true_pct <= naive["ci_high"]
        values = pd.DataFrame({
            "engagement": [f"p{i}" for i in range(n)] + [f"t{i}" for i in range(n)],
            "provider": [f"v{j}" for j in prov_p] + [f"v{j}" for j in prov_t],
            "account": [f"p{i}" for i in range(n)] + [f"t{i}" for i in range(n)],
            "relationship_model": ["partnership"] * n + ["transactional"] * n,
            "relationship_year": 1, "value": np.concatenate([p, t])})
        units = unit_values(values)
        up = units.loc[units["relationship_model"] == "partnership", "value"].to_numpy()
        ut = units.loc[units["relationship_model"] == "transactional", "value"].to_numpy()
        if up.size >= MIN_UNITS and ut.size >= MIN_UNITS:
            hits["estimated"] += 1
            est = premium_estimate(up, ut, K)
            hits["clustered"] += est["ci_low"] <= true_pct <= est["ci_high"]
    out = {k: v / portfolios for k, v in hits.items() if k not in ("clustered",)}
    out["clustered"] = hits["clustered"] / hits["estimated"] if hits["estimated"] else float("nan")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    true_pct, true_diff = _truth()
    print(f"true premium {true_pct:+.2f} %, true difference {true_diff:+.2f} points; "
          f"{args.portfolios} portfolios per size, seed {args.seed}\n")
    print("independent engagements                 | shared providers (SD 8 % provider effect)")
    print("per side  bootstrap  welch  welch diff   | naive welch  clustered welch  estimated")
    started = time.perf_counter()
    for n in SIZES:
        a = simulate(n, args.portfolios, args.seed)
        b = simulate(n, args.portfolios, args.seed, shared_providers=True)
        print(f"{n:>8}  {a['bootstrap']:>9.1%}  {a['welch']:>5.1%}  {a['welch_diff']:>10.1%}   | "
              f"{b['naive']:>11.1%}  {b['clustered']:>15.1%}  {b['estimated']:>9.1%}")
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
