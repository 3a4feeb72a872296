"""Findings: plain-language statements computed from the analyses, ready to read out in a QBR.

Every statement's numbers are formatted from the data; a statement is left out when the
data cannot support it (too few contacts or engagements, a KPI with no data, too short a
history) and whenever its 95 % interval includes no change — a finding never overstates.
Each finding carries its interval (``ci_low``/``ci_high``, in the unit of ``value``) or its n.
Each finder below returns zero or more `Finding`s with an interest score; `findings` keeps the
most interesting.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, query, stats
from analytics.contracts import PERFORMANCE
from analytics.db import LABEL_MACRO
from analytics.claims import PREMIUM_CLAIMS, claim_check
from analytics.filters import Filters
from analytics.formatting import format_band_value, format_delta
from analytics.periods import format_period
from analytics.health import health_overview, latest_health
from analytics.insight import channel_mix, reason_movers_by_window, seasonality, window_label
from analytics.premium import PARTNERSHIP, TRANSACTIONAL, relationship_year_values, trajectory_parts
from analytics.query import Sql
from analytics.reconcile import flagged_gaps
from analytics.thresholds import (MIN_CONTACTS, MIN_DIP_POINTS, MIN_FLAGGED_MONTHS, MIN_HEALTH_QUARTERS,
                                 MIN_QUARTERS, MIN_REASON_CHANGE_PCT, MIN_REASON_CONTACTS, MIN_SEASON_INDEX,
                                 MIN_SEASON_YEARS, MIN_SHARE_SHIFT, MIN_UNITS, SPIKE_POINTS)

COLUMNS = ["kind", "headline", "kpi", "value", "period", "severity", "ci_low", "ci_high", "n"]
SEVERITIES = ("info", "good", "warning")
MAX_NAMED = 3                 # engagements named in the at-risk headline (lowest scores first)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Finding:
    kind: str
    headline: str
    kpi: str | None
    value: float
    period: str
    severity: str
    interest: float
    ci_low: float = float("nan")    # the 95 % interval of `value` (NaN when the finding states an n instead)
    ci_high: float = float("nan")
    n: int | None = None            # contacts, responses or engagements behind the figure


def _quarter(period: pd.Timestamp) -> str:
    return format_period(period, "quarter")


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"


def _ci(low: float, high: float) -> str:
    return f"{low:.1f}–{high:.1f} %" if low >= 0 else f"{low:.1f} to {high:.1f} %"


def _severity_of(low: float, high: float) -> str:
    return "good" if low > 0 else "warning" if high < 0 else "info"


def channel_shift(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Finding]:
    """The channel whose share of contacts moved most between the first and last quarter."""
    mix = channel_mix(con, filters, grain="quarter")
    periods, channels = mix["period"].to_numpy(), mix["channel"].to_numpy(dtype=object)
    contacts, share = mix["contacts"].to_numpy(), mix["share"].to_numpy()
    # plain arrays and dicts: the frame has one row per quarter × channel, and pivot tables cost more than
    # the query on these few rows
    quarter_of, index = np.unique(periods, return_inverse=True)
    totals = np.zeros(len(quarter_of), dtype="int64")
    np.add.at(totals, index, contacts)
    counted = np.flatnonzero(totals >= MIN_CONTACTS)
    if len(counted) < MIN_QUARTERS:
        return []
    first_i, last_i = counted[0], counted[-1]
    first, last = pd.Timestamp(quarter_of[first_i]), pd.Timestamp(quarter_of[last_i])
    shares: dict[str, list] = {}  # channel → [share first, share last, contacts first, contacts last]
    for i in np.flatnonzero((index == first_i) | (index == last_i)):
        side = 1 if index[i] == last_i else 0
        entry = shares.setdefault(channels[i], [0.0, 0.0, 0, 0])
        entry[side], entry[2 + side] = share[i], contacts[i]
    ordered = sorted(shares)
    changes = [shares[c][1] - shares[c][0] for c in ordered]
    channel = ordered[int(np.argmax(np.abs(changes)))]
    first_share, last_share, first_count, last_count = shares[channel]
    change = last_share - first_share
    if abs(change) < MIN_SHARE_SHIFT:
        return []
    low, high = stats.newcombe_difference(last_count, totals[last_i], first_count, totals[first_i])
    if float(low) <= 0 <= float(high):
        return []  # the interval of the change in share includes no change
    verb = "rose" if change > 0 else "fell"
    span = f"{_quarter(first)}–{_quarter(last)}"
    headline = (f"{channel.capitalize()} {verb} from {_pct(first_share)} to "
                f"{_pct(last_share)} of contacts between {_quarter(first)} and {_quarter(last)} "
                f"({change * 100:+.1f} points, 95 % CI {float(low) * 100:+.1f} to {float(high) * 100:+.1f}; "
                f"{int(totals[first_i]):,} and {int(totals[last_i]):,} contacts)")
    return [Finding("channel_shift", headline, "contacts", float(last_share), span, "info",
                    1.0 + abs(change) / 0.10, float(first_share) + float(low), float(first_share) + float(high),
                    int(totals[last_i]))]


def reason_shift(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Finding]:
    """The contact reasons that rose and fell most vs a year earlier, over the last 6 or 12 full months
    (whichever shows the larger relative change: a step change longer ago than 6 months only shows
    over 12)."""
    best: dict[str, dict] = {}
    for movers in reason_movers_by_window(con, filters, windows=(6, 12), top=3).values():
        # a move counts only when the reason's *share* moved the same way (its interval excludes no
        # change): counts alone move whenever the portfolio shrinks or grows
        # the records as to_dict("records") gives them (Python scalars, Timestamps), column by column: cheaper
        rows = [dict(zip(movers.columns, values)) for values in zip(*(movers[c].tolist() for c in movers.columns))]
        counted = [row for row in rows
                   if row["prior_contacts"] >= MIN_REASON_CONTACTS and abs(row["change_pct"]) >= MIN_REASON_CHANGE_PCT
                   and (row["share_ci_low"] > 0 or row["share_ci_high"] < 0)
                   and np.sign(row["share_change"]) == np.sign(row["change"])]
        for direction in sorted({row["direction"] for row in counted}):
            top = max((row for row in counted if row["direction"] == direction), key=lambda r: abs(r["change_pct"]))
            if direction not in best or abs(top["change_pct"]) > abs(best[direction]["change_pct"]):
                best[direction] = top
    out = []
    for direction, row in best.items():
        verb = "rose" if direction == "rising" else "fell"
        window = window_label(row["recent_start"], row["recent_end"])
        headline = (f"'{row['contact_reason']}' contacts {verb} {abs(row['change_pct']):.0f} % "
                    f"({row['prior_contacts']:,} → {row['recent_contacts']:,}) in {window} vs a year earlier; "
                    f"its share of contacts moved {row['prior_share'] * 100:.1f} % → {row['recent_share'] * 100:.1f} % "
                    f"({row['share_change']:+.1f} points, 95 % CI {row['share_ci_low']:+.1f} to "
                    f"{row['share_ci_high']:+.1f})")
        out.append(Finding("reason_shift", headline, "contacts", float(row["change_pct"]), window,
                           "warning" if direction == "rising" else "info",
                           1.0 + min(abs(row["change_pct"]) / 50.0, 3.0), float(row["share_ci_low"]),
                           float(row["share_ci_high"]), int(row["prior_contacts"] + row["recent_contacts"])))
    return out


_PREMIUM_WORDING = {
    # kpi → (better, worse, scope): how a positive / negative premium reads
    "quality_score": ("higher on quality score", "lower on quality score", "after year two"),
    "innovations": ("more innovations a month", "fewer innovations a month", "across all relationship years"),
    "cost_per_resolution": ("lower cost per resolution", "higher cost per resolution", "after year two"),
    "vendor_cost_per_resolution": ("lower scorecard cost per resolution", "higher scorecard cost per resolution",
                                   "after year two"),
}


def _too_few_engagements(filters: Filters, per_model: int) -> bool:
    """True when the filters pick fewer engagements than two models of `per_model` each need: every
    model comparison is then insufficient, so it is not worth computing (a QBR's single engagement)."""
    return bool(filters.engagements) and len(filters.engagements) < 2 * per_model


def compares_models(filters: Filters) -> bool:
    """False when the filters pick too few engagements for any model comparison (a QBR's single
    engagement): the claim check and the trajectory are then not worth computing."""
    return not _too_few_engagements(filters, MIN_UNITS)


def partnership_premiums(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                         claims: pd.DataFrame | None = None) -> list[Finding]:
    """The published-claim premiums (quality, innovations, cost) wherever enough engagements back them.

    `claims`: `claim_check(con, filters)` when the caller already has it (the Premium page shows it)."""
    if _too_few_engagements(filters, MIN_UNITS):
        return []
    checked = claim_check(con, filters) if claims is None else claims
    # each claim's figures as plain values (a frame row looked up with .loc costs more than the few figures)
    columns = ("verdict", "ci_low", "ci_high", "kpi", "measured", "n_partnership", "n_transactional")
    values, at = {c: checked[c].tolist() for c in columns}, {c: i for i, c in enumerate(checked["claim"].tolist())}
    out = []
    for claim in PREMIUM_CLAIMS:
        row = {c: values[c][at[claim.claim]] for c in columns}
        if row["verdict"] == "insufficient data" or not np.isfinite(row["ci_low"]) \
                or row["ci_low"] <= 0 <= row["ci_high"]:
            continue  # too few engagements, or the interval includes no difference
        better, worse, scope = _PREMIUM_WORDING[row["kpi"]]
        measured = float(row["measured"])
        verb = "scored" if row["kpi"] == "quality_score" else "showed"
        headline = (f"Partnerships {verb} {abs(measured):.1f} % {better if measured >= 0 else worse} than "
                    f"transactional deals {scope} (95 % CI {_ci(row['ci_low'], row['ci_high'])}, "
                    f"{row['n_partnership']} vs {row['n_transactional']} engagements)")
        severity = _severity_of(row["ci_low"], row["ci_high"])
        out.append(Finding("partnership_premium", headline, row["kpi"], measured,
                           f"relationship years {claim.from_year}+", severity,
                           1.5 + min(abs(measured) / 20.0, 1.5) + (0.5 if severity != "info" else 0.0),
                           float(row["ci_low"]), float(row["ci_high"]),
                           int(row["n_partnership"] + row["n_transactional"])))
    return out


def quality_trajectory(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                       values: pd.DataFrame | None = None) -> list[Finding]:
    """Transactional deals plateauing after year three while partnerships do better.

    `values`: `relationship_year_values(con, "quality_score", filters)` when the caller already has it."""
    if _too_few_engagements(filters, MIN_UNITS):
        return []
    # `trajectory`'s rows as the records it builds its frame from, by model: the same figures, without a frame
    # and its row lookups (they cost more than the slopes on an Overview change)
    values = relationship_year_values(con, "quality_score", filters) if values is None else values
    rows, _ = trajectory_parts(values, kpis.kpi("quality_score"), after_year=3, plateau_margin_pct=2.0)
    traj = {row["relationship_model"]: row for row in rows}
    if not {PARTNERSHIP, TRANSACTIONAL} <= set(traj) or min(row["units"] for row in rows) < MIN_UNITS:
        return []
    t, p = traj[TRANSACTIONAL], traj[PARTNERSHIP]
    regressing = t["ci_high"] < 0
    # said only when shown: a plateau by equivalence (90 % interval inside ±2 %/yr) or a regression
    # (95 % interval below 0), while partnerships improve (95 % interval above 0)
    if not (t["plateau"] or regressing) or not p["improving"]:
        return []
    verb = "regressed" if regressing else "plateaued"
    headline = (f"Transactional deals {verb} after year three: quality score {t['slope_pct_per_year']:+.1f} %/yr "
                f"(90 % CI {t['ci90_low']:+.1f} to {t['ci90_high']:+.1f}) vs {p['slope_pct_per_year']:+.1f} %/yr "
                f"for partnerships (95 % CI {p['ci_low']:+.1f} to {p['ci_high']:+.1f}; "
                f"{int(t['n_engagements'])} vs {int(p['n_engagements'])} engagements)")
    return [Finding("trajectory", headline, "quality_score", float(t["slope_pct_per_year"]),
                    "relationship years 4+", "warning", 2.5, float(t["ci90_low"]), float(t["ci90_high"]),
                    int(t["n_engagements"] + p["n_engagements"]))]


def at_risk_engagements(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                        health: pd.DataFrame | None = None, latest: pd.DataFrame | None = None) -> list[Finding]:
    """Engagements whose health in the latest quarter is in the 'at risk' band.

    `health`: the quarterly `health_scores(con, filters)` frame (default weights) when the caller
    already has it — a page showing the health table too computes the scores once; `latest`:
    `latest_health(health)`, likewise (the Overview's health table is that frame)."""
    if latest is not None:
        overview = latest
    else:
        overview = health_overview(con, filters, grain="quarter") if health is None else latest_health(health)
    if overview.empty:
        return []
    latest = overview["period"].max()
    # the rows as arrays: the latest period's engagements in the 'at risk' band with enough history, lowest
    # score first (the sort `sort_values("score")` makes: quicksort of the scores, missing ones last)
    candidate = np.flatnonzero(
        (overview["period"] == latest).to_numpy(dtype=bool, na_value=False)
        & (overview["band"].to_numpy(dtype=object) == "at risk")
        & (np.fromiter(map(len, overview["history"].tolist()), dtype="int64", count=len(overview))
           >= MIN_HEALTH_QUARTERS))
    score = overview["score"].to_numpy("float64")[candidate]
    known = ~np.isnan(score)
    below = np.concatenate([candidate[known][score[known].argsort(kind="quicksort")], candidate[~known]])
    # "at risk" only when the whole score interval is below 50; the others are borderline
    risky = below[overview["score_high"].to_numpy("float64")[below] < 50]
    borderline = len(below) - len(risky)
    if not len(risky):
        return []
    shown = [f"{e} ({format_band_value(s)} on {n} KPIs)"
             for e, s, n in zip(*(overview[c].take(risky).tolist() for c in ("engagement", "score", "n_kpis")))
             ][:MAX_NAMED]
    names = ", ".join(shown) + (f" and {len(risky) - len(shown)} more" if len(risky) > len(shown) else "")
    count = len(risky)
    noun = "engagement is" if count == 1 else "engagements are"
    headline = f"{count} {noun} at risk in {_quarter(latest)} (health score below 50): {names}"
    if borderline:
        headline += f"; {borderline} more borderline (below 50, but the score's interval reaches 50)"
    return [Finding("at_risk", headline, None, float(count), _quarter(latest), "warning", 3.0 + 0.2 * count,
                    n=int(count))]


def vendor_gaps(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Finding]:
    """The engagement and KPI whose vendor-reported figure most often missed the recomputed one."""
    flagged = flagged_gaps(con, filters)
    if flagged.empty:
        return []
    summary = flagged.groupby(["engagement", "kpi"]).agg(
        months=("period", "size"), gap=("gap", "mean"), first=("period", "min"), last=("period", "max"))
    summary = summary[summary["months"] >= MIN_FLAGGED_MONTHS]
    if summary.empty:
        return []
    (engagement, kpi_id), row = next(summary.sort_values(["months", "gap"], ascending=False).iterrows())
    k = kpis.kpi(kpi_id)
    size = format_delta(k, abs(row["gap"])).lstrip("+")  # "8.2 pp" for rates, "12 s" for durations
    verb = "exceeded" if row["gap"] > 0 else "fell short of"
    window = window_label(row["first"], row["last"])
    headline = (f"Vendor-reported {k.label.lower()} for {engagement} {verb} the figure recomputed from "
                f"interactions by {size} on average in {int(row['months'])} months ({window})")
    return [Finding("vendor_gap", headline, kpi_id, float(row["gap"]), window, "warning",
                    2.0 + min(row["months"] / 6.0, 1.5), n=int(row["months"]))]


def busiest_month(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Finding]:
    """The month of the year with the most contacts relative to the average month, over complete years."""
    season = seasonality(con, filters, kpi_id="contacts")
    year, month_of, value, index = (season[c].to_numpy() for c in ("year", "month", "value", "index"))
    known, months_known = np.unique(year, return_counts=True)
    years = known[months_known == 12]  # complete years, in order
    complete = np.isin(year, years)
    if len(years) < MIN_SEASON_YEARS or value[complete].sum() < MIN_CONTACTS * len(years):
        return []
    year, month_of, index = year[complete], month_of[complete], index[complete]
    profile = {m: _compensated_mean(index[month_of == m]) for m in np.unique(month_of).tolist()}
    month = _first_max(profile)
    if profile[month] < MIN_SEASON_INDEX:
        return []
    span = f"{years[0]}–{years[-1]}"
    times_busiest = sum(_first_max(dict(zip(month_of[year == y].tolist(), index[year == y].tolist()))) == month
                        for y in years)
    headline = (f"{MONTHS[month - 1]} is the busiest month: contacts run {(profile[month] - 1) * 100:.0f} % above "
                f"the average month ({span}; the busiest in {times_busiest} of {len(years)} years)")
    return [Finding("seasonality", headline, "contacts", float(profile[month]), span, "info",
                    1.0 + min(profile[month] - 1.0, 1.0), n=int(value[complete].sum()))]


def _compensated_mean(values: np.ndarray) -> float:
    """The mean of the values that are not NaN with the compensated (Kahan) sum that pandas' groupby mean
    uses on unsorted groups: the same figure as ``groupby(...).mean()``."""
    total = compensation = 0.0
    count = 0
    for v in values.tolist():
        if v != v:
            continue
        count += 1
        y = v - compensation
        t = total + y
        compensation = t - total - y
        if compensation != compensation:  # an infinite value: the sum stays infinite, not NaN
            compensation = 0.0
        total = t
    return total / count if count else float("nan")


def _first_max(values: dict) -> object:
    """The key of the largest value that is not NaN, the first one on a tie (pandas' idxmax)."""
    best = None
    for key, v in values.items():
        if v == v and (best is None or v > values[best]):
            best = key
    return best


def _mean(values: np.ndarray) -> float:
    """The mean of the values that are not NaN (NaN when none is), summed as pandas' Series.mean sums them."""
    missing = np.isnan(values)
    count = len(values) - int(missing.sum())
    return float(np.where(missing, 0.0, values).sum() / count) if count else float("nan")


def _attrition_and_quality(con: duckdb.DuckDBPyConnection, filters: Filters
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Agent attrition and quality score per engagement and month (rows with either), sorted by engagement
    and month: (engagement labels, months as datetime64, attrition, quality), NaN where a KPI has no
    value. Each value is the registry's numerator / denominator, as `kpi_frame` computes it."""
    chosen = [kpis.kpi("agent_attrition"), kpis.kpi("quality_score")]
    src = query.source_for(filters, PERFORMANCE, grain="month")
    parts = ", ".join(f"cast({query.measure(k, 'numerator')} as double) as n_{i}, "
                      f"cast({query.measure(k, 'denominator')} as double) as d_{i}" for i, k in enumerate(chosen))
    values = ", ".join(f"case when d_{i} <> 0 then n_{i} / d_{i} * {float(k.scale)!r} end as v_{i}"
                       for i, k in enumerate(chosen))
    sql = query.render(
        "with monthly as (select provider, account, cast(date_trunc('month', {date}) as date) as period, {parts}"
        " from {relation} where {predicate} group by all),"
        " valued as (select {label}(provider, account) as engagement, period, {values} from monthly)"
        " select * from valued where v_0 is not null or v_1 is not null order by engagement, period",
        date=query.column(src.date_column), parts=Sql(parts), relation=src.relation, predicate=src.predicate,
        label=Sql(LABEL_MACRO), values=Sql(values))
    wide = query.frame(con, sql, src.params)
    return (wide["engagement"].to_numpy(dtype=object),
            pd.to_datetime(wide["period"]).to_numpy(dtype="datetime64[ns]"),
            wide["v_0"].to_numpy(dtype="float64", na_value=np.nan),
            wide["v_1"].to_numpy(dtype="float64", na_value=np.nan))


def attrition_dips(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Finding]:
    """Attrition spikes followed by a quality dip: the largest one, and how often it happened."""
    engagements, periods, attrition, quality = _attrition_and_quality(con, filters)
    if not len(engagements) or np.isnan(attrition).all() or np.isnan(quality).all():
        return []
    # Spike starts for every engagement at once (a month at or above the engagement's median + 15
    # points whose previous month was not); only the few starts are then looked at one by one.
    # The rows come sorted by engagement and month, so each engagement's rows are one slice.
    ends = np.flatnonzero(np.append(engagements[1:] != engagements[:-1], True)) + 1
    starts = np.append(0, ends[:-1])
    median = np.full(len(engagements), np.nan)
    for start, end in zip(starts, ends):
        if not np.isnan(attrition[start:end]).all():
            median[start:end] = np.nanmedian(attrition[start:end])
    spiking = attrition >= median + SPIKE_POINTS
    previous = np.append(False, spiking[:-1])
    previous[starts] = False
    events = []
    for i in np.flatnonzero(spiking & ~previous):
        end = ends[np.searchsorted(ends, i, side="right")]
        start = starts[np.searchsorted(starts, i, side="right") - 1]
        when, month = periods[start:end], pd.Timestamp(periods[i])
        before = quality[start:end][(when < month) & (when >= (month - pd.DateOffset(months=3)).to_datetime64())]
        after = quality[start:end][(when > month) & (when <= (month + pd.DateOffset(months=5)).to_datetime64())]
        if len(before) >= 2 and len(after) >= 3:
            events.append((engagements[i], month, float(attrition[i]), float(_mean(before) - _mean(after))))
    if not events:
        return []
    dips = [e for e in events if e[3] >= MIN_DIP_POINTS]
    if not dips:
        return []
    engagement, start, peak, dip = max(dips, key=lambda e: e[3])
    attrition_kpi = kpis.kpi("agent_attrition")
    headline = (f"Quality fell after {len(dips)} of {len(events)} agent-attrition spikes; the largest at {engagement}: "
                f"attrition reached {kpis.format_value(attrition_kpi, peak)} in {format_period(start, 'month')} "
                f"and quality score "
                f"dropped {dip:.1f} pts over the next 5 months")
    return [Finding("attrition_quality", headline, "quality_score", -dip, format_period(start, "month"), "warning",
                    2.0 + min(dip / 10.0, 1.0), n=len(events))]


FINDER_THREADS = 2  # measured: 706 ms serial, 559 ms with 2, 646 ms with 4 (10 M rows, 2 cores)
FINDERS = (channel_shift, reason_shift, partnership_premiums, quality_trajectory, at_risk_engagements,
           vendor_gaps, busiest_month, attrition_dips)
# The finders that read only the data within the filters (the others can reuse what a page already computed).
DATA_FINDERS = (channel_shift, reason_shift, vendor_gaps, busiest_month, attrition_dips)


def _run_side_by_side(con: duckdb.DuckDBPyConnection, filters: Filters, finders: list) -> list[list[Finding]]:
    """Each finder's findings, in the order given. The finders are independent: they run side by side, each on
    its own cursor (a DuckDB connection must not be shared across threads); DuckDB releases the GIL while it
    works."""
    def run(finder) -> list[Finding]:
        with con.cursor() as cur:
            return finder(cur, filters)

    with ThreadPoolExecutor(max_workers=FINDER_THREADS) as pool:
        return list(pool.map(run, finders))


def _reads_nothing(finder, inputs: dict, filters: Filters) -> bool:
    """Whether `finder`, handed `inputs`, runs no statement: it has every input it would otherwise read, or
    the filters pick too few engagements for it to read anything."""
    if finder in DATA_FINDERS:
        return False
    if finder in (partnership_premiums, quality_trajectory) and _too_few_engagements(filters, MIN_UNITS):
        return True
    if finder is at_risk_engagements:
        return inputs.get("latest") is not None or inputs.get("health") is not None
    return all(v is not None for v in inputs.values())


def data_findings(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, list[Finding]]:
    """What the finders that read only the data within the filters find (channel shift, reason shift, vendor
    gaps, the busiest month, attrition dips): per finder name, its findings. `findings(..., data=...)` takes
    it, so a page can start these reads before the analyses the other finders reuse are ready."""
    return dict(zip((f.__name__ for f in DATA_FINDERS), _run_side_by_side(con, filters, list(DATA_FINDERS))))


def findings(con: duckdb.DuckDBPyConnection, filters: Filters, *, limit: int = 8,
             health: pd.DataFrame | None = None, health_latest: pd.DataFrame | None = None,
             claims: pd.DataFrame | None = None, quality_values: pd.DataFrame | None = None,
             data: dict[str, list[Finding]] | None = None) -> pd.DataFrame:
    """The most interesting statements the data supports, most interesting first.

    `health`: optionally the quarterly `health_scores(con, filters)` frame with default weights,
    already computed by the caller (the same findings, without scoring health a second time), and
    `health_latest`: `latest_health` of it (the Overview's health table);
    `claims`: `claim_check(con, filters)` and `quality_values`: `relationship_year_values(con,
    "quality_score", filters)`, likewise (the Premium page reads both for the same filters);
    `data`: `data_findings(con, filters)`, likewise.

    Returns at most `limit` rows with columns ``kind`` (channel_shift, reason_shift,
    partnership_premium, trajectory, at_risk, vendor_gap, seasonality, attrition_quality),
    ``headline`` (a sentence with its numbers), ``kpi`` (registry id or None), ``value`` (the
    headline's key figure: a share, % change, premium %, slope %/yr, count, gap or index),
    ``period`` (text: the quarters, months or relationship years it covers), ``severity``
    (info | good | warning), ``ci_low``/``ci_high`` (95 % interval of the figure the finding rests on,
    NaN when it states a count instead) and ``n`` (contacts, engagements, months or events behind it).
    An empty frame when nothing is supported.
    """
    given = {at_risk_engagements: {"health": health, "latest": health_latest},
             partnership_premiums: {"claims": claims}, quality_trajectory: {"values": quality_values}}
    known = data or {}
    wanted = [f for f in FINDERS if f.__name__ not in known]
    calls = [partial(f, **{k: v for k, v in given.get(f, {}).items() if v is not None}) for f in wanted]
    if all(_reads_nothing(f, given.get(f, {}), filters) for f in wanted):
        # every finder left works on what the caller gave it (the Overview's case): pure Python, so threads
        # would only add their start-up and take turns on the GIL
        computed = dict(zip(wanted, [call(con, filters) for call in calls]))
    else:
        computed = dict(zip(wanted, _run_side_by_side(con, filters, calls)))
    found = [f for finder in FINDERS for f in (known[finder.__name__] if finder.__name__ in known
                                                   else computed[finder])]
    return _findings_frame(found, limit)


_TEXT_COLUMNS = ("kind", "headline", "kpi", "period", "severity")


def _findings_frame(found: list[Finding], limit: int) -> pd.DataFrame:
    """The `limit` most interesting of `found` (a stable sort, most interesting first) as `findings`' frame.
    Column by column from typed arrays: the same frame as building it from the records, sorting, cutting and
    converting the types, at a fifth of the cost (pandas' steps cost milliseconds each on a handful of rows).
    A text column without any text (no findings, or no KPI named) takes the records' route, whose types
    pandas infers there."""
    interest = np.array([f.interest for f in found], dtype="float64")
    top = [found[i] for i in np.argsort(-interest, kind="stable")[:limit]] \
        if limit >= 0 and not np.isnan(interest).any() else None
    if top is None or not all(any(isinstance(getattr(f, c), str) for f in top) for c in _TEXT_COLUMNS):
        frame = pd.DataFrame([asdict(f) for f in found], columns=[*COLUMNS, "interest"])
        frame = frame.sort_values("interest", ascending=False, kind="stable").head(limit)
        return frame[COLUMNS].astype({"value": "float64", "ci_low": "float64", "ci_high": "float64",
                                      "n": "Int64"}).reset_index(drop=True)
    columns: dict[str, object] = {}
    for c in COLUMNS:
        values = [getattr(f, c) for f in top]
        columns[c] = (pd.array(values, dtype="str") if c in _TEXT_COLUMNS else
                      pd.array(values, dtype="Int64") if c == "n" else np.array(values, dtype="float64"))
    return pd.DataFrame(columns, columns=COLUMNS)
