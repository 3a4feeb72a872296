"""Every minimum a figure needs before Rapport shows it, and the cut-offs that label it: one place.

The analyses import these names (premium, claims, findings, health, trends, qbr); docs/KPIS.md lists
them with their meaning, generated from ``THRESHOLDS`` by scripts/kpis_doc.py.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """One named threshold: its value, what it guards, and the analyses that apply it."""

    name: str
    value: float
    meaning: str
    used_by: tuple[str, ...]


THRESHOLDS: dict[str, Threshold] = {}


def _threshold(name: str, value, meaning: str, *used_by: str):
    THRESHOLDS[name] = Threshold(name=name, value=value, meaning=meaning, used_by=used_by)
    return value


# The partnership premium and everything built on it
MIN_UNITS = _threshold(
    "MIN_UNITS", 4, "Independent provider/account groups needed on each side (partnership, transactional) "
    "before a premium, a claim verdict or a premium finding is estimated; fewer is \"too few to estimate\".",
    "premium", "claims", "findings")

# Relationship health
MIN_RESPONSES = _threshold(
    "MIN_RESPONSES", 30, "Customer responses (rates, NPS, effort) a KPI needs in a period to enter an "
    "engagement's health score: 31 contacts gave an \"at risk\" 49.75 whose resample was below 50 only 45 % "
    "of the time.", "health")
HEALTHY = _threshold("HEALTHY", 70.0, "Health score at or above which an engagement is `healthy`.", "health")
WATCH = _threshold("WATCH", 50.0, "Health score at or above which (below `HEALTHY`) an engagement is `watch`; "
                   "below it, `at risk`.", "health")

# KPI trends
ANOMALY_THRESHOLD = _threshold(
    "ANOMALY_THRESHOLD", 3.5, "Robust z-score (Iglewicz & Hoaglin's modified z) beyond which a point is "
    "marked an anomaly.", "trends")
ANOMALY_MIN_POINTS = _threshold(
    "ANOMALY_MIN_POINTS", 8, "Points a series needs before any of them can be marked an anomaly.", "trends")

# Findings
MIN_CONTACTS = _threshold(
    "MIN_CONTACTS", 100, "Contacts per quarter (channel mix) and per complete year (seasonality) before a "
    "finding is drawn from them.", "findings")
MIN_REASON_CONTACTS = _threshold(
    "MIN_REASON_CONTACTS", 30, "Contacts a contact reason needs in the earlier period before it can be called "
    "rising or falling.", "findings")
MIN_QUARTERS = _threshold(
    "MIN_QUARTERS", 4, "Quarters of at least `MIN_CONTACTS` contacts before a channel-mix shift is stated.",
    "findings")
MIN_SHARE_SHIFT = _threshold(
    "MIN_SHARE_SHIFT", 0.05, "Change of a channel's share (5 points) before the shift is stated.", "findings")
MIN_REASON_CHANGE_PCT = _threshold(
    "MIN_REASON_CHANGE_PCT", 25.0, "Change (%) of a contact reason's volume before it is called rising or "
    "falling.", "findings")
MIN_FLAGGED_MONTHS = _threshold(
    "MIN_FLAGGED_MONTHS", 3, "Months in which a vendor-reported figure missed the recomputed one before a "
    "finding names the engagement and KPI.", "findings")
MIN_SEASON_YEARS = _threshold(
    "MIN_SEASON_YEARS", 2, "Complete years of data before seasonality is stated.", "findings")
MIN_SEASON_INDEX = _threshold(
    "MIN_SEASON_INDEX", 1.10, "The busiest month must run at least this many times the average month (10 % "
    "above) for seasonality to be stated.", "findings")
MIN_HEALTH_QUARTERS = _threshold(
    "MIN_HEALTH_QUARTERS", 4, "Quarters of health history an engagement needs before the at-risk finding names "
    "it.", "findings")
SPIKE_POINTS = _threshold(
    "SPIKE_POINTS", 0.15, "Agent attrition this far (15 points) above the engagement's median is a spike.",
    "findings")
MIN_DIP_POINTS = _threshold(
    "MIN_DIP_POINTS", 3.0, "Quality points lost in the months after an attrition spike before the finding "
    "states the dip.", "findings")

# The QBR story
HISTORY_QUARTERS = _threshold(
    "HISTORY_QUARTERS", 8, "How far back \"the lowest in N quarters\" looks.", "qbr")
MIN_HISTORY = _threshold(
    "MIN_HISTORY", 4, "Quarters of data before the QBR says a value is the lowest or highest in its history.",
    "qbr")

# The claim check (PRODUCT.md's published claims)
ALPHA = _threshold(
    "ALPHA", 0.05, "A premium under a claim's published band is `below` only when its family-adjusted p-value is "
    "under this; otherwise `no difference`.", "claims")
PLATEAU_PCT = _threshold(
    "PLATEAU_PCT", 2.0, "A trajectory within ±this many % per year after year three is a plateau.", "claims")

# Repeat contacts and gain-share
REPEAT_DAYS = _threshold(
    "REPEAT_DAYS", 7, "A contact is a repeat when the same customer had a contact in this many days before it "
    "(ingest's `is_repeat`, the repeat_rate KPI; the Spark job carries the same window).",
    "rollups", "insight")
GAP_TOLERANCE = _threshold(
    "GAP_TOLERANCE", 0.10, "Reported gain-share savings more than this share (10 %) away from the computed savings "
    "are flagged.", "gainshare")
