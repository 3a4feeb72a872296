"""The KPI registry — the one place a KPI is defined.

Every KPI is a ratio of two additive aggregates (``numerator / denominator``) over
its source table, so it recombines exactly at any grain and across any split:
rollups keep the sums and counts, analyses sum them and divide last.

* interactions KPIs read the rollups (``rollup_monthly`` or ``rollup_daily``; sums and counts);
* performance KPIs read ``performance`` (one row per provider × account × month);
  their value is the mean of the monthly figures (sum / count).
"""
from __future__ import annotations

from dataclasses import dataclass

from analytics.contracts import INTERACTIONS, PERFORMANCE

PILLARS = ("efficiency", "customer experience", "quality & compliance", "innovation", "governance")


@dataclass(frozen=True)
class Kpi:
    id: str
    label: str
    unit: str            # count | seconds | fraction | points | currency | per month
    fmt: str             # how pages print it: "count", "seconds", "pct", "points", "money", "decimal"
    direction: int       # +1 higher is better, -1 lower is better, 0 neutral (volume)
    source: str          # INTERACTIONS (via the rollups) or PERFORMANCE
    numerator: str       # SQL aggregate over the source
    denominator: str | None
    requires: tuple[str, ...]   # canonical fields that must hold data for the KPI to exist
    target: float | None
    band: tuple[float, float] | None  # (worst, best): health scores 0 at worst, 100 at best
    pillar: str | None
    scale: float = 1.0   # multiply the ratio (NPS is reported in points, −100…100)
    description: str = ""

    @property
    def value_sql(self) -> str:
        """SQL for the KPI's value from the aggregates (null when the denominator is 0)."""
        ratio = self.numerator if self.denominator is None else \
            f"({self.numerator}) / nullif({self.denominator}, 0)"
        return f"({ratio}) * {self.scale}" if self.scale != 1.0 else f"({ratio})"


def _mean(column: str) -> tuple[str, str]:
    return f"sum({column})", f"count({column})"


_I, _P = INTERACTIONS, PERFORMANCE

KPIS: tuple[Kpi, ...] = (
    Kpi("contacts", "Contact volume", "count", "count", 0, _I, "sum(contacts)", None, (), None, None, None,
        description="Number of contacts handled."),
    Kpi("aht_seconds", "Average handle time", "seconds", "seconds", -1, _I, "sum(handle_sum)", "sum(handle_n)",
        ("handle_seconds",), 420.0, (600.0, 300.0), "efficiency",
        description="Handle seconds / answered contacts with a handle time (abandoned contacts are left out "
                    "when the file says which were answered)."),
    Kpi("asa_seconds", "Average speed of answer", "seconds", "seconds", -1, _I, "sum(wait_sum)", "sum(wait_n)",
        ("wait_seconds",), 30.0, (120.0, 10.0), "customer experience",
        description="Wait seconds / contacts with a wait time."),
    Kpi("fcr", "First-contact resolution", "fraction", "pct", 1, _I, "sum(fcr_yes)", "sum(fcr_n)",
        ("resolved_first_contact",), 0.75, (0.55, 0.85), "quality & compliance",
        description="Answered contacts resolved on first contact / answered contacts with an FCR flag."),
    Kpi("csat_pct", "CSAT (top-two box: 4–5 of 5, 9–10 of 10, 80–100 of 100)", "fraction", "pct", 1, _I, "sum(csat_sat)",
        "sum(csat_n)", ("csat",), 0.80, (0.60, 0.92), "customer experience",
        description="Top-two-box ratings (4–5 on a 1–5 scale, 9–10 on a 1–10 scale) / ratings of answered "
                    "contacts."),
    Kpi("nps", "Net promoter score", "points", "points", 1, _I, "sum(nps_promoters) - sum(nps_detractors)",
        "sum(nps_n)", ("nps",), 30.0, (-10.0, 60.0), "customer experience", scale=100.0,
        description="(Promoters − detractors) / responses × 100."),
    Kpi("ces", "Customer effort score", "points", "decimal", 1, _I, "sum(ces_sum)", "sum(ces_n)",
        ("ces",), 5.5, (4.0, 6.5), "customer experience",
        description="Mean effort rating, 1–7 (7 = very easy)."),
    Kpi("escalation_rate", "Escalation rate", "fraction", "pct", -1, _I, "sum(escalated_yes)", "sum(escalated_n)",
        ("escalated",), 0.05, (0.15, 0.02), "quality & compliance",
        description="Escalated contacts / contacts with an escalation flag."),
    Kpi("repeat_rate", "Repeat-contact rate", "fraction", "pct", -1, _I, "sum(repeat_yes)", "sum(repeat_n)",
        ("customer_id",), 0.12, (0.30, 0.05), "quality & compliance",
        description="Contacts from a customer who was in touch in the previous 7 days / contacts with a customer id."),
    Kpi("cost_per_contact", "Cost per contact", "currency", "money", -1, _I, "sum(cost_sum)", "sum(cost_n)",
        ("cost",), 6.5, (9.0, 4.5), "efficiency",
        description="Cost / contacts with a cost."),
    Kpi("cost_per_resolution", "Cost per resolution", "currency", "money", -1, _I, "sum(cost_sum)",
        "sum(resolved_cost_n)", ("cost", "resolved_first_contact"), 8.5, (12.0, 6.0), "efficiency",
        description="Cost / contacts resolved on first contact."),
    Kpi("abandonment_rate", "Abandonment rate", "fraction", "pct", -1, _I, "sum(abandoned_yes)", "sum(answered_n)",
        ("answered",), 0.05, (0.15, 0.02), "customer experience",
        description="Contacts not answered (abandoned) / contacts with an answered flag."),
    Kpi("sla_met_rate", "SLA met (contacts)", "fraction", "pct", 1, _I, "sum(sla_met_yes)", "sum(sla_met_n)",
        ("sla_met",), 0.90, (0.70, 0.98), "quality & compliance",
        description="Contacts that met their service-level target / contacts with an SLA-met flag "
                    "(SLA attainment computed from interactions, not from a scorecard)."),
    Kpi("time_to_resolve", "Mean time to resolve", "seconds", "seconds", -1, _I, "sum(resolve_sum)",
        "sum(resolve_n)", ("resolution_seconds",), None, None, "efficiency",
        description="Mean seconds from opening to resolution over contacts with a resolution time. A mean, "
                    "because it recombines exactly from the rollups; a median would not."),
    Kpi("reopen_rate", "Reopen rate", "fraction", "pct", -1, _I, "sum(reopened_yes)", "sum(reopened_n)",
        ("reopened",), 0.05, (0.15, 0.02), "quality & compliance",
        description="Tickets reopened after resolution / tickets with a reopened flag."),
    Kpi("quality_score", "Quality score", "points", "points", 1, _P, *_mean("quality_score"),
        ("quality_score",), 85.0, (70.0, 95.0), "quality & compliance",
        description="Provider QA score (0–100), mean of monthly figures."),
    Kpi("sla_attainment", "SLA attainment", "fraction", "pct", 1, _P, *_mean("sla_attainment"),
        ("sla_attainment",), 0.90, (0.70, 0.98), "quality & compliance",
        description="Share of the service level met, mean of monthly figures."),
    Kpi("agent_attrition", "Agent attrition", "fraction", "pct", -1, _P, *_mean("agent_attrition"),
        ("agent_attrition",), 0.40, (0.70, 0.20), "quality & compliance",
        description="Annualised agent attrition, mean of monthly figures."),
    Kpi("vendor_cost_per_resolution", "Cost per resolution (scorecard)", "currency", "money", -1, _P,
        *_mean("cost_per_resolution"), ("cost_per_resolution",), 8.5, (12.0, 6.0), "efficiency",
        description="Provider-reported cost per resolved contact, mean of monthly figures."),
    Kpi("innovations", "Innovations implemented", "per month", "decimal", 1, _P, *_mean("innovations"),
        ("innovations",), 1.0, (0.0, 2.0), "innovation",
        description="Innovations implemented per month."),
    Kpi("gain_share_savings", "Gain-share savings", "currency", "money", 1, _P, *_mean("gain_share_savings"),
        ("gain_share_savings",), None, None, "innovation",
        description="Gain-share savings per month."),
    Kpi("governance_meetings", "Governance meetings held", "per month", "decimal", 1, _P,
        *_mean("governance_meetings"), ("governance_meetings",), 1.33, (0.0, 2.0), "governance",
        description="Governance meetings (operational reviews, QBRs, steering committees) per month."),
)

_BY_ID = {k.id: k for k in KPIS}


def kpi(kpi_id: str) -> Kpi:
    try:
        return _BY_ID[kpi_id]
    except KeyError:
        raise KeyError(f"Unknown KPI {kpi_id!r}; known KPIs: {', '.join(_BY_ID)}") from None


def kpi_ids(source: str | None = None) -> tuple[str, ...]:
    return tuple(k.id for k in KPIS if source is None or k.source == source)


def format_value(k: Kpi, value: float | None) -> str:
    """Human formatting shared by tiles, tables, findings and reports — kept for old imports; the one
    formatting module is analytics.formatting (values, changes by the units rule, periods, dates)."""
    from analytics.formatting import format_value as _format_value  # lazy: formatting imports this module

    return _format_value(k, value)
