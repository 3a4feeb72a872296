"""The sample portfolio: a seeded, realistic outsourced-CX portfolio with planted effects.

``generate`` writes three batches exactly as ingest would (``sample:engagements.csv``,
``sample:performance.csv``, ``sample:interactions.csv``): 24 engagements of 10 providers,
their monthly scorecards and the individual contacts, 2020-01-01 … 2025-12-31. The
effects the dashboard must find (relationship-year trajectories, channel shift,
seasonality, a rising contact reason, attrition spikes, an inflated vendor FCR) and their
exact parameters are documented in docs/SAMPLE.md.

How it is built: one table of *cells* (engagement × month) holds every modelled figure
(volume weight, maturity, scorecard values). Interactions are allotted to cells with one
multinomial draw, then generated a few calendar months at a time with numpy as numeric
codes; DuckDB turns the codes into names and computes ``is_repeat``
(sql/sample/interactions.sql). The scorecards come from the cells plus the measured
interactions (sql/sample/performance.sql). One ``numpy`` generator seeded with ``seed``
drives everything, so the same seed and size always give identical data.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from analytics import db, query, rollups
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE

DEFAULT_INTERACTIONS = 300_000
WINDOW_START = date(2020, 1, 1)
WINDOW_END = date(2025, 12, 31)          # inclusive; every generated date is on or before it
CHUNK_ROWS = 1_000_000                   # interactions generated per numpy pass (whole months)
SOURCE_NAME = "sample"
FILE_NAMES = {kind: f"sample:{kind}.csv" for kind in (ENGAGEMENTS, PERFORMANCE, INTERACTIONS)}

Progress = Callable[[float, str], None]

_INTERACTIONS_SQL = query.load("sample/interactions")
_PERFORMANCE_SQL = query.load("sample/performance")


@dataclass(frozen=True)
class SampleEngagement:
    provider: str
    account: str
    relationship_model: str
    contract_start: date
    vertical: str
    size: float          # relative contact volume
    agent_prefix: str


def _e(provider, account, model, start, vertical, size, prefix) -> SampleEngagement:
    return SampleEngagement(provider, account, model, date.fromisoformat(start), vertical, size, prefix)


# Staggered starts (2015–2022), the same spread for both models, so every relationship year
# 1–6 has at least three engagements of each model inside the data window.
PORTFOLIO: tuple[SampleEngagement, ...] = (
    _e("Apex Contact Solutions", "Northwind Telecom — Care", "partnership", "2015-03-01", "telecom", 2.0, "APX-NWC-"),
    _e("Meridian Customer Care", "Contoso Bank — Cards", "partnership", "2016-02-01", "banking", 1.4, "MER-CBC-"),
    _e("BlueHarbor CX", "Fabrikam Retail — Orders", "partnership", "2016-10-01", "retail", 1.6, "BHX-FRO-"),
    _e("Northstar BPO", "Litware Energy — Billing", "partnership", "2017-06-01", "utilities", 1.1, "NSB-LEB-"),
    _e("Apex Contact Solutions", "Adatum Insurance — Claims", "partnership", "2018-03-01", "insurance", 0.9,
       "APX-AIC-"),
    _e("Keystone Engage", "Tailspin Airlines — Reservations", "partnership", "2018-11-01", "travel", 1.2,
       "KSE-TAR-"),
    _e("Cobalt Service Partners", "Proseware Health — Member Services", "partnership", "2019-05-01", "health", 0.8,
       "CSP-PHM-"),
    _e("Meridian Customer Care", "Northwind Telecom — Tech Support", "partnership", "2020-01-01", "telecom", 1.3,
       "MER-NWT-"),
    _e("Summit Outsourcing Group", "Woodgrove Utilities — Service", "partnership", "2020-07-01", "utilities", 0.9,
       "SOG-WUS-"),
    _e("BlueHarbor CX", "Wingtip Travel — Bookings", "partnership", "2021-03-01", "travel", 0.7, "BHX-WTB-"),
    _e("Silverline Teleservices", "Contoso Bank — Mortgages", "partnership", "2021-10-01", "banking", 0.6,
       "SLT-CBM-"),
    _e("Tidewater Support Co.", "Fabrikam Retail — Returns", "partnership", "2022-05-01", "retail", 0.8, "TSC-FRR-"),
    _e("Silverline Teleservices", "Northwind Telecom — Care", "transactional", "2015-05-01", "telecom", 1.5,
       "SLT-NWC-"),
    _e("Northstar BPO", "Contoso Bank — Cards", "transactional", "2016-04-01", "banking", 1.0, "NSB-CBC-"),
    _e("Tidewater Support Co.", "Fabrikam Retail — Orders", "transactional", "2017-01-01", "retail", 1.2,
       "TSC-FRO-"),
    _e("Cobalt Service Partners", "Litware Energy — Billing", "transactional", "2017-08-01", "utilities", 0.9,
       "CSP-LEB-"),
    _e("Summit Outsourcing Group", "Adatum Insurance — Policy Service", "transactional", "2018-05-01", "insurance",
       0.8, "SOG-AIP-"),
    _e("Keystone Engage", "Wingtip Travel — Bookings", "transactional", "2019-01-01", "travel", 0.9, "KSE-WTB-"),
    _e("Apex Contact Solutions", "Litware Energy — Moves & Connections", "transactional", "2019-08-01", "utilities",
       0.7, "APX-LEM-"),
    _e("Harborview Direct", "Proseware Health — Claims", "transactional", "2020-03-01", "health", 0.8, "HVD-PHC-"),
    _e("Meridian Customer Care", "Fabrikam Retail — Returns", "transactional", "2020-09-01", "retail", 0.7,
       "MER-FRR-"),
    _e("Northstar BPO", "Northwind Telecom — Tech Support", "transactional", "2021-05-01", "telecom", 1.0,
       "NSB-NWT-"),
    _e("Cobalt Service Partners", "Tailspin Airlines — Loyalty", "transactional", "2021-12-01", "travel", 0.6,
       "CSP-TAL-"),
    _e("Keystone Engage", "Woodgrove Utilities — Outage Line", "transactional", "2022-07-01", "utilities", 0.6,
       "KSE-WUO-"),
)
PRICING = {"partnership": "Outcome-based with gain-share", "transactional": "Per contact with SLA penalties"}
NOTES = {"partnership": "Joint governance: monthly operations review and quarterly business review; open-book.",
         "transactional": "Minimum SLA thresholds with penalties; re-competed every three years."}

# --- Dimensions and their time paths ------------------------------------------------------
CHANNELS = ("phone", "chat", "email", "social")
# Share in mid-2020 and change per year: phone 65 % → 40 %, chat 12 % → 35 % by 2025.
CHANNEL_SHARE_2020 = np.array([0.65, 0.12, 0.17, 0.06])
CHANNEL_SHARE_SLOPE = np.array([-0.05, 0.046, -0.004, 0.008])
AHT_BY_CHANNEL = np.array([470.0, 390.0, 340.0, 320.0])        # seconds, before vertical/reason/maturity
COST_BY_CHANNEL = np.array([6.6, 4.6, 4.2, 3.9])               # currency per contact
WAIT_BY_CHANNEL = np.array([38.0, 22.0, np.nan, 55.0])         # mean seconds; email has no queue wait

REASONS = ("Billing", "Technical support", "Orders & delivery", "Account changes", "Payments & refunds",
           "Cancellations", "Product information", "Device setup")
REASON_WEIGHTS = np.array([0.22, 0.17, 0.15, 0.12, 0.10, 0.08, 0.10, 0.06])
REASON_HANDLE = np.array([0.95, 1.25, 0.85, 0.80, 0.90, 1.10, 0.80, 1.20])
REASON_FCR = np.array([0.01, -0.06, 0.02, 0.04, 0.0, -0.04, 0.05, -0.05])
RISING_REASON = "Device setup"
RISING_FROM = date(2024, 7, 1)          # the product change
RISING_FACTOR = 3.3                     # weight multiplier from RISING_FROM (≈ ×3 contacts)

SEGMENTS = ("Consumer", "Small business", "Enterprise")
SEGMENT_SHARE_2020 = np.array([0.77, 0.15, 0.08])               # small business 15 % → 25 %
SEGMENT_SHARE_SLOPE = np.array([-0.024, 0.02, 0.004])
SEGMENT_ID_RANGE = np.array([0.0, 0.75, 0.93, 1.0])            # customer-number ranges per segment

SEASON = np.array([1.12, 0.98, 0.97, 0.95, 0.93, 0.86, 0.82, 0.85, 0.96, 1.00, 1.17, 1.22])  # Jan…Dec
ANNUAL_GROWTH = 1.04
HOUR_WEIGHTS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 3.5, 6, 8, 9, 9, 8.5, 8.5, 8.5, 8, 7.5, 6.5, 5, 4,
                         3.5, 3, 2, 1.5])
VERTICAL_AHT = {"telecom": 1.05, "banking": 1.08, "retail": 0.9, "utilities": 1.0, "insurance": 1.1,
                "travel": 1.0, "health": 1.05}
VERTICAL_COST = {"telecom": 1.0, "banking": 1.12, "retail": 0.9, "utilities": 0.95, "insurance": 1.1,
                 "travel": 1.0, "health": 1.08}

# --- Survey response rates ----------------------------------------------------------------
CSAT_RESPONSE, NPS_RESPONSE, CES_RESPONSE = 0.30, 0.25, 0.15

# --- Planted events -----------------------------------------------------------------------
# (engagement index in PORTFOLIO, first month of the quarter at ~75 % attrition)
ATTRITION_SPIKES = ((14, date(2022, 4, 1)), (3, date(2023, 7, 1)), (21, date(2024, 1, 1)))
SPIKE_ATTRITION = 0.75
DIP_SHAPE = {2: 0.5, 3: 1.0, 4: 1.0, 5: 0.5}   # months after the spike starts → share of the dip
DIP_QUALITY_POINTS = 11.0
# (engagement index, first month, months, points added to the vendor-reported FCR)
INFLATED_FCR = (17, date(2023, 1, 1), 12, 0.08)


# --- The relationship-year model ------------------------------------------------------------
def quality_curve(model: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Expected QA score (0–100) after `years` of the relationship (continuous years).

    Partnerships keep improving (69 → ~89); transactional deals improve for three years
    (67 → 74) and then regress 0.4 points a year.
    """
    partnership = 69.0 + 20.5 * (1.0 - np.exp(-years / 2.5))
    transactional = 67.0 + 7.5 * (1.0 - np.exp(-np.minimum(years, 3.0))) - 0.4 * np.maximum(years - 3.0, 0.0)
    return np.where(model == "partnership", partnership, transactional)


def innovation_rate(model: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Expected innovations implemented per month."""
    partnership = 0.82 + 0.40 * (1.0 - np.exp(-years / 3.0))
    transactional = 0.80 + 0.12 * (1.0 - np.exp(-np.minimum(years, 3.0))) - 0.01 * np.maximum(years - 3.0, 0.0)
    return np.where(model == "partnership", partnership, transactional)


def maturity(quality: np.ndarray) -> np.ndarray:
    """0–1 index driving the interaction-level KPIs, read off the expected QA score."""
    return np.clip((quality - 66.0) / 24.0, 0.0, 1.0)


def _months() -> np.ndarray:
    return np.arange(np.datetime64(WINDOW_START, "M"), np.datetime64(WINDOW_END, "M") + 1)


def _shares(start: np.ndarray, slope: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Category shares per month: start share in mid-2020 plus slope per year (rows sum to 1)."""
    shares = start[None, :] + slope[None, :] * (years[:, None] - 2020.5)
    shares = np.clip(shares, 0.001, None)
    return shares / shares.sum(axis=1, keepdims=True)


def _cells(rng: np.random.Generator, interactions: int,
           portfolio: tuple[SampleEngagement, ...] = PORTFOLIO) -> pd.DataFrame:
    """One row per active engagement × month with every modelled figure (month-major order)."""
    months = _months()
    n_eng = len(portfolio)
    eng_quality_offset = rng.normal(0.0, 0.8, n_eng)
    eng_attrition_offset = rng.normal(0.0, 0.03, n_eng)

    rows = []
    for month_index, month in enumerate(months):
        month_start = month.astype("datetime64[D]")
        month_end = (month + 1).astype("datetime64[D]")
        for e, eng in enumerate(portfolio):
            start = np.datetime64(eng.contract_start, "D")
            if start >= month_end:
                continue
            lo = max(start, month_start)
            rows.append((month_index, e, month_start, lo, month_end))
    cells = pd.DataFrame(rows, columns=["month_index", "engagement", "period", "active_from", "month_end"])
    e = cells["engagement"].to_numpy()
    model = np.array([portfolio[i].relationship_model for i in e])
    is_partnership = model == "partnership"
    period = cells["period"].to_numpy().astype("datetime64[D]")
    month_no = (period.astype("datetime64[M]").astype(int) % 12)           # 0 = January
    calendar_years = 1970 + period.astype("datetime64[M]").astype(int) / 12 + 1 / 24
    starts = np.array([np.datetime64(portfolio[i].contract_start, "D") for i in e])
    midpoint = period + 14
    years = (midpoint - starts).astype(float) / 365.25
    cells["calendar_year"] = calendar_years

    # Attrition, its planted spikes and the quality dips that follow them.
    attrition = np.where(is_partnership, 0.42, 0.52) + eng_attrition_offset[e] + rng.normal(0.0, 0.015, len(e))
    dip = np.zeros(len(e))
    for spike_e, spike_month in ATTRITION_SPIKES:
        offset = (period.astype("datetime64[M]") - np.datetime64(spike_month, "M")).astype(int)
        mine = e == spike_e
        attrition = np.where(mine & (offset >= 0) & (offset <= 2), SPIKE_ATTRITION + rng.normal(0, 0.01, len(e)),
                             attrition)
        for after, share in DIP_SHAPE.items():
            dip = np.where(mine & (offset == after), share, dip)
    cells["agent_attrition"] = np.round(np.clip(attrition, 0.2, 0.9), 4)
    # Share of an engagement's roster replaced since the window started (drives agent ids).
    cells["roster_turnover"] = (cells["agent_attrition"] / 12).groupby(cells["engagement"]).cumsum()

    expected_quality = quality_curve(model, years) + eng_quality_offset[e] - DIP_QUALITY_POINTS * dip
    m = maturity(expected_quality)
    cells["maturity"] = m
    cells["quality_score"] = np.round(np.clip(expected_quality + rng.normal(0.0, 1.0, len(e)), 0, 100), 1)
    peak = np.isin(month_no, (0, 10, 11))
    cells["sla_attainment"] = np.round(np.clip(
        0.78 + 0.16 * m - 0.05 * peak - 0.06 * dip + rng.normal(0.0, 0.015, len(e)), 0.5, 0.995), 4)

    # Interaction-level probabilities per cell.
    cells["fcr"] = 0.68 + 0.12 * m
    cells["csat_sat"] = 0.72 + 0.14 * m
    cells["escalation"] = 0.075 - 0.04 * m
    cells["efficiency"] = 1.06 - 0.10 * m
    cells["repeat_share"] = np.clip(0.115 + 0.5 * (0.75 - cells["fcr"].to_numpy()), 0.06, 0.2)
    cells["wait_factor"] = (1.25 - 0.5 * m) * np.where(month_no >= 10, 1.5, np.where(month_no == 0, 1.2, 1.0))

    # Scorecard figures that do not come from interactions.
    channel_share = _shares(CHANNEL_SHARE_2020, CHANNEL_SHARE_SLOPE, calendar_years)
    vertical_cost = np.array([VERTICAL_COST[portfolio[i].vertical] for i in e])
    cost_per_contact = (channel_share * COST_BY_CHANNEL[None, :]).sum(axis=1) * vertical_cost * cells["efficiency"]
    cells["cost_per_resolution"] = np.round(
        cost_per_contact / cells["fcr"] * (1.0 + rng.normal(0.0, 0.02, len(e))), 2)
    # Innovations are delivered from a pipeline: the monthly rate (with noise) accumulates and a
    # count is booked each time the running total passes a whole number, so yearly totals track
    # the rate closely while single months read 0, 1, 2 ….
    pipeline = innovation_rate(model, years) * np.maximum(0.0, 1.0 + rng.normal(0.0, 0.5, len(e)))
    running = pd.Series(pipeline).groupby(e).cumsum().to_numpy() + rng.random(n_eng)[e]
    cells["innovations"] = np.floor(running) - np.floor(running - pipeline)
    quarter_month = np.isin(month_no, (0, 3, 6, 9))
    partnership_meetings = (rng.random(len(e)) >= 0.02).astype(float) + quarter_month
    transactional_meetings = (quarter_month & (rng.random(len(e)) < 0.7)).astype(float) + \
        (rng.random(len(e)) < 0.15)
    cells["governance_meetings"] = np.where(is_partnership, partnership_meetings, transactional_meetings)
    size = np.array([portfolio[i].size for i in e])
    savings = size * (1500.0 + 9000.0 * m) * (1.0 + rng.normal(0.0, 0.1, len(e)))
    cells["gain_share_savings"] = np.where(is_partnership, np.round(np.maximum(savings, 100.0), 0), 0.0)

    # Vendor-reported figures: the measured value plus a little noise (and one planted inflation).
    cells["fcr_noise"] = np.round(rng.uniform(-0.01, 0.01, len(e)), 4)
    cells["aht_noise"] = np.round(rng.uniform(-5.0, 5.0, len(e)), 1)
    cells["csat_noise"] = np.round(rng.uniform(-0.01, 0.01, len(e)), 4)
    inflated_e, inflated_from, inflated_months, inflated_points = INFLATED_FCR
    offset = (period.astype("datetime64[M]") - np.datetime64(inflated_from, "M")).astype(int)
    planted = (e == inflated_e) & (offset >= 0) & (offset < inflated_months)
    cells.loc[planted, "fcr_noise"] += inflated_points

    # Volume: engagement size × season × growth × share of the month the engagement was active.
    active_share = (cells["month_end"] - cells["active_from"]).dt.days / (cells["month_end"] - cells["period"]).dt.days
    weight = size * SEASON[month_no] * ANNUAL_GROWTH ** (calendar_years - 2020) * active_share.to_numpy()
    cells["contacts"] = rng.multinomial(interactions, weight / weight.sum())
    cells["provider"] = [portfolio[i].provider for i in e]
    cells["account"] = [portfolio[i].account for i in e]
    return cells


def _choose(rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """One category per row, row i drawn from the distribution shares[i]."""
    cumulative = np.cumsum(shares, axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(len(shares))[:, None] > cumulative).sum(axis=1)


def _chunk_frame(rng: np.random.Generator, cells: pd.DataFrame, first_row: int,
                 customer_pool: np.ndarray, account_index: np.ndarray,
                 portfolio: tuple[SampleEngagement, ...] = PORTFOLIO) -> pd.DataFrame:
    """Numeric codes and measures for every contact of `cells` (whole months, in order)."""
    counts = cells["contacts"].to_numpy()
    n = int(counts.sum())
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    cell = np.repeat(np.arange(len(cells)), counts)
    position = np.arange(n) - starts[cell]

    def per_row(column: str) -> np.ndarray:
        return cells[column].to_numpy()[cell]

    engagement = per_row("engagement")
    calendar_year = per_row("calendar_year")
    period = cells["period"].to_numpy().astype("datetime64[D]")

    # When: a day the engagement was active, an hour from the daily profile.
    active_from = cells["active_from"].to_numpy().astype("datetime64[s]").astype(np.int64)
    active_days = (cells["month_end"] - cells["active_from"]).dt.days.to_numpy()
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = (active_from[cell] + np.floor(rng.random(n) * active_days[cell]).astype(np.int64) * 86400
               + hour * 3600 + rng.integers(0, 3600, n))

    channel = _choose(rng, _shares(CHANNEL_SHARE_2020, CHANNEL_SHARE_SLOPE, calendar_year))
    reason_weights = np.tile(REASON_WEIGHTS, (n, 1))
    rising = REASONS.index(RISING_REASON)
    reason_weights[period[cell] >= np.datetime64(RISING_FROM, "D"), rising] *= RISING_FACTOR
    reason = _choose(rng, reason_weights / reason_weights.sum(axis=1, keepdims=True))
    segment = _choose(rng, _shares(SEGMENT_SHARE_2020, SEGMENT_SHARE_SLOPE, calendar_year))
    pool = customer_pool[engagement]
    low, high = SEGMENT_ID_RANGE[segment] * pool, SEGMENT_ID_RANGE[segment + 1] * pool
    customer = account_index[engagement] * 100_000_000 + (low + rng.random(n) * (high - low)).astype(np.int64)

    # Repeat contacts: the last rows of each cell follow up an earlier contact of the same cell
    # within 7 days (same customer, segment; usually the same reason and channel).
    follow_ups = rng.binomial(counts, cells["repeat_share"].to_numpy())
    follow_ups = np.where(counts > 0, np.minimum(follow_ups, counts - 1), 0)
    originals = counts - follow_ups
    is_follow_up = position >= originals[cell]
    parent = starts[cell] + np.floor(rng.random(n) * originals[cell]).astype(np.int64)
    gap = rng.uniform(0.02, 6.9, n) * 86400
    window_end = np.datetime64(WINDOW_END, "s").astype(np.int64) + 86399
    later = seconds[parent] + gap.astype(np.int64)
    follow_up_at = np.where(later <= window_end, later, seconds[parent] - gap.astype(np.int64))
    seconds = np.where(is_follow_up, follow_up_at, seconds)
    customer = np.where(is_follow_up, customer[parent], customer)
    segment = np.where(is_follow_up, segment[parent], segment)
    reason = np.where(is_follow_up & (rng.random(n) < 0.7), reason[parent], reason)
    channel = np.where(is_follow_up & (rng.random(n) < 0.6), channel[parent], channel)

    # Agents: each engagement's roster turns over at its attrition rate.
    agents = np.maximum(8, np.round(40 * np.array([e.size for e in portfolio]))).astype(np.int64)[engagement]
    turnover = np.floor(per_row("roster_turnover") * agents).astype(np.int64)
    agent = np.floor(rng.random(n) * agents).astype(np.int64) + turnover

    # Outcomes.
    resolved = rng.random(n) < np.clip(per_row("fcr") + REASON_FCR[reason], 0.3, 0.97)
    fcr = per_row("fcr")
    escalated = rng.random(n) < per_row("escalation") * np.where(resolved, 0.5, 2.2)
    vertical_aht = np.array([VERTICAL_AHT[e.vertical] for e in portfolio])[engagement]
    vertical_cost = np.array([VERTICAL_COST[e.vertical] for e in portfolio])[engagement]
    efficiency = per_row("efficiency")
    mean_handle = AHT_BY_CHANNEL[channel] * vertical_aht * REASON_HANDLE[reason] * efficiency
    handle = np.round(mean_handle * rng.lognormal(-0.125, 0.5, n))
    handle = np.maximum(handle, 15.0)
    wait = np.round(rng.exponential(1.0, n) * WAIT_BY_CHANNEL[channel] * per_row("wait_factor"))
    cost = np.round(COST_BY_CHANNEL[channel] * vertical_cost * efficiency * (0.75 + 0.25 * handle / mean_handle), 2)

    # Surveys: satisfaction leans on resolution while keeping the cell's overall top-2-box rate.
    satisfied_rate = per_row("csat_sat")
    p_satisfied = np.where(resolved, satisfied_rate + 0.3 * (1 - fcr), satisfied_rate - 0.3 * fcr)
    satisfied = rng.random(n) < np.clip(p_satisfied, 0.0, 1.0)
    top = np.where(rng.random(n) < 0.55, 5.0, 4.0)
    low_score = np.array([3.0, 3.0, 2.0, 1.0])[rng.integers(0, 4, n)]
    csat = np.where(rng.random(n) < CSAT_RESPONSE, np.where(satisfied, top, low_score), np.nan)
    m = per_row("maturity")
    nps_score = np.clip(np.round(rng.normal(6.6 + 2.0 * m + 1.2 * (resolved - 0.75), 2.2)), 0, 10)
    nps = np.where(rng.random(n) < NPS_RESPONSE, nps_score, np.nan)
    ces_score = np.clip(np.round(rng.normal(4.9 + 1.0 * m + 0.8 * (resolved - 0.75), 1.2)), 1, 7)
    ces = np.where(rng.random(n) < CES_RESPONSE, ces_score, np.nan)

    return pd.DataFrame({
        "row_no": np.arange(first_row, first_row + n, dtype=np.int64),
        "occurred_at": seconds.astype("datetime64[s]"),
        "engagement": engagement.astype(np.int16),
        "channel": channel.astype(np.int8),
        "reason": reason.astype(np.int8),
        "segment": segment.astype(np.int8),
        "customer": customer,
        "agent": agent,
        "handle_seconds": handle,
        "wait_seconds": wait,
        "resolved_first_contact": resolved,
        "escalated": escalated,
        "csat": csat,
        "nps": nps,
        "ces": ces,
        "cost": cost,
    })


def _month_chunks(cells: pd.DataFrame) -> list[pd.DataFrame]:
    """Cells grouped into runs of whole calendar months of about CHUNK_ROWS contacts."""
    per_month = cells.groupby("month_index")["contacts"].sum()
    chunks, current, rows = [], [], 0
    for month_index, contacts in per_month.items():
        if current and rows + contacts > CHUNK_ROWS:
            chunks.append(current)
            current, rows = [], 0
        current.append(month_index)
        rows += contacts
    if current:
        chunks.append(current)
    return [cells[cells["month_index"].isin(months)] for months in chunks]


def _add_batch(cur: duckdb.DuckDBPyConnection, kind: str, rows: int, seed: int, interactions: int) -> int:
    batch_id = int(query.one(cur, "select nextval('batch_seq')")[0])
    sha = hashlib.sha256(f"rapport-sample:{seed}:{interactions}:{kind}".encode()).hexdigest()
    query.run(cur,
        "insert into batches (batch_id, file_name, source_name, sha256, kind, mapping, rows_read, rows_loaded,"
        " rows_rejected, rows_duplicate) values (?, ?, ?, ?, ?, '{}', ?, ?, 0, 0)",
        [batch_id, FILE_NAMES[kind], SOURCE_NAME, sha, kind, rows, rows],
    )
    return batch_id


def _insert_engagements(cur: duckdb.DuckDBPyConnection, batch_id: int,
                        portfolio: tuple[SampleEngagement, ...] = PORTFOLIO) -> None:
    frame = pd.DataFrame({
        "batch_id": batch_id,
        "provider": [e.provider for e in portfolio],
        "account": [e.account for e in portfolio],
        "relationship_model": [e.relationship_model for e in portfolio],
        "contract_start": [e.contract_start for e in portfolio],
        "contract_end": [None] * len(portfolio),
        "pricing_model": [PRICING[e.relationship_model] for e in portfolio],
        "notes": [NOTES[e.relationship_model] for e in portfolio],
    })
    cur.register("sample_engagements", frame)
    query.run(cur, f"insert into {ENGAGEMENTS} (batch_id, provider, account, relationship_model, contract_start,"
                   " contract_end, pricing_model, notes) select batch_id, provider, account, relationship_model,"
                   " cast(contract_start as date), cast(contract_end as date), pricing_model, notes"
                   " from sample_engagements")
    cur.unregister("sample_engagements")


def _insert_interactions(cur: duckdb.DuckDBPyConnection, batch_id: int, cells: pd.DataFrame,
                         rng: np.random.Generator, seed: int, interactions: int, progress: Progress,
                         portfolio: tuple[SampleEngagement, ...] = PORTFOLIO) -> None:
    account_names = sorted({e.account for e in portfolio})
    account_index = np.array([account_names.index(e.account) + 1 for e in portfolio], dtype=np.int64)
    account_contacts = cells.groupby(cells["engagement"].map(lambda i: portfolio[i].account))["contacts"].sum()
    # Two ids per expected contact keeps accidental 7-day repeats (id collisions) near 0.2 %.
    customer_pool = np.array([max(1_000, 2 * int(account_contacts.get(e.account, 0))) for e in portfolio])
    params = {
        "batch_id": batch_id, "seed": seed,
        "providers": [e.provider for e in portfolio], "accounts": [e.account for e in portfolio],
        "agent_prefixes": [e.agent_prefix for e in portfolio],
        "channels": list(CHANNELS), "reasons": list(REASONS), "segments": list(SEGMENTS),
    }
    done = 0
    for chunk_cells in _month_chunks(cells):
        chunk = _chunk_frame(rng, chunk_cells, done, customer_pool, account_index, portfolio)
        if chunk.empty:
            continue
        lookback = pd.Timestamp(chunk_cells["period"].min()) - pd.Timedelta(days=8)
        cur.register("sample_chunk", chunk)
        # by name: the table has more columns than the generator fills (answered, sla_met, …)
        query.run(cur, f"insert into {INTERACTIONS} by name {_INTERACTIONS_SQL}",
                       {**params, "lookback_from": lookback.to_pydatetime()})
        cur.unregister("sample_chunk")
        done += len(chunk)
        progress(0.05 + 0.8 * done / max(interactions, 1), f"{done:,} of {interactions:,} interactions")


def _insert_performance(cur: duckdb.DuckDBPyConnection, batch_id: int, interactions_batch: int,
                        cells: pd.DataFrame) -> None:
    frame = cells[["period", "provider", "account", "quality_score", "sla_attainment", "agent_attrition",
                   "cost_per_resolution", "innovations", "governance_meetings", "gain_share_savings",
                   "fcr_noise", "aht_noise", "csat_noise"]].copy()
    frame["period"] = frame["period"].dt.date
    cur.register("sample_cells", frame)
    query.run(cur, f"insert into {PERFORMANCE} (batch_id, period, provider, account, quality_score, sla_attainment,"
                   " agent_attrition, cost_per_resolution, innovations, escalations, governance_meetings,"
                   " gain_share_savings, contacts_handled, reported_fcr, reported_aht_seconds, reported_csat_pct) "
                   f"{_PERFORMANCE_SQL}", {"batch_id": batch_id, "interactions_batch": interactions_batch})
    cur.unregister("sample_cells")


def portfolio(engagements: int = len(PORTFOLIO)) -> tuple[SampleEngagement, ...]:
    """The 24 planted engagements, then (for benchmarks at a provider's breadth) more programs.

    Engagement k ≥ 24 copies the provider, model, vertical and size of engagement k mod 24 under
    a new account name, with its start moved by a few months (still 2015–2022), so the planted
    effects keep their shape and every page has `engagements` rows to rank.
    """
    if engagements < 1:
        raise ValueError(f"engagements must be at least 1, got {engagements}")
    extra = []
    for k in range(len(PORTFOLIO), engagements):
        base = PORTFOLIO[k % len(PORTFOLIO)]
        shifted_month = (base.contract_start.month - 1 + 2 * (k // len(PORTFOLIO))) % 12
        start = date(base.contract_start.year, 1 + shifted_month, 1)
        extra.append(SampleEngagement(base.provider, f"{base.account.split(' — ')[0]} — Program {k + 1}",
                                      base.relationship_model, start, base.vertical, base.size,
                                      f"{base.agent_prefix[:4]}P{k + 1:03d}-"))
    return (PORTFOLIO + tuple(extra))[:engagements]


def generate(con: duckdb.DuckDBPyConnection, *, seed: int = 7, interactions: int = DEFAULT_INTERACTIONS,
             progress: Progress | None = None, engagements: int = len(PORTFOLIO)) -> dict[str, int]:
    """Write the sample portfolio into an empty database; returns rows written per table.

    Keys: ``engagements``, ``performance``, ``interactions``. All-or-nothing (one write
    transaction). Raises ValueError when the database already holds a sample batch.
    """
    if interactions < 0:
        raise ValueError(f"interactions must be zero or more, got {interactions}")
    report = progress or (lambda fraction, message: None)
    existing = query.one(con, "select count(*) from batches where file_name like 'sample:%'")[0]
    if existing:
        raise ValueError(
            "The database already holds the sample portfolio (batches named 'sample:…'). Drop those batches "
            "first (python -m analytics drop-batch) or generate into an empty database."
        )
    rng = np.random.default_rng(seed)
    report(0.0, "modelling the portfolio")
    chosen = portfolio(engagements)
    cells = _cells(rng, interactions, chosen)
    with db.write_transaction(con) as cur:
        engagements_batch = _add_batch(cur, ENGAGEMENTS, len(chosen), seed, interactions)
        _insert_engagements(cur, engagements_batch, chosen)
        interactions_batch = _add_batch(cur, INTERACTIONS, interactions, seed, interactions)
        _insert_interactions(cur, interactions_batch, cells, rng, seed, interactions, report, chosen)
        report(0.88, "monthly scorecards")
        performance_batch = _add_batch(cur, PERFORMANCE, len(cells), seed, interactions)
        _insert_performance(cur, performance_batch, interactions_batch, cells)
        report(0.93, "daily rollups")
        rollups.add_batch(cur, interactions_batch)
    report(1.0, "sample portfolio ready")
    return {ENGAGEMENTS: len(chosen), PERFORMANCE: len(cells), INTERACTIONS: interactions}


def seed_if_empty(con: duckdb.DuckDBPyConnection, *, seed: int = 7, interactions: int = DEFAULT_INTERACTIONS,
                  progress: Progress | None = None) -> bool:
    """Generate the sample portfolio only when the database holds no data; True when it did."""
    if not db.is_empty(con):
        return False
    generate(con, seed=seed, interactions=interactions, progress=progress)
    return True
