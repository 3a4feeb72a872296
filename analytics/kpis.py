"""The KPI registry — the one place a KPI is defined.

Every KPI is a ratio of two additive aggregates (``numerator / denominator``) over
its source table, so it recombines exactly at any grain and across any split:
rollups keep the sums and counts, analyses sum them and divide last.

* interactions KPIs read the rollups (``rollup_monthly`` or ``rollup_daily``; sums and counts);
* performance KPIs read ``performance`` (one row per provider × account × month);
  their value is the mean of the monthly figures (sum / count).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analytics import rollups
from analytics.contracts import FIELDS, INTERACTIONS, PERFORMANCE

PILLARS = ("efficiency", "customer experience", "quality & compliance", "innovation", "governance")
UNITS = ("count", "seconds", "fraction", "points", "currency", "per month")
FORMATS = ("count", "seconds", "pct", "points", "money", "decimal")
_SUMMED = re.compile(r"\b(?:sum|count)\(\s*(\w+)\s*\)", re.I)  # the columns a numerator/denominator adds up


@dataclass(frozen=True, kw_only=True)
class Kpi:
    """One KPI: what it is called, how it is computed, and how it is judged.

    Keyword-only, so an entry names every part. docs/KPIS.md is generated from these entries
    (``python scripts/kpis_doc.py``); tests/test_kpis_doc.py fails when the two disagree.
    """

    id: str
    label: str
    source: str          # INTERACTIONS (via the rollups) or PERFORMANCE
    numerator: str       # SQL aggregate over the source: rollup measures for INTERACTIONS, columns for PERFORMANCE
    denominator: str | None = None   # None: the KPI is the numerator itself (a volume)
    requires: tuple[str, ...] = ()   # canonical fields that must hold data for the KPI to exist
    unit: str            # one of UNITS
    fmt: str             # how pages print it: one of FORMATS
    direction: int       # +1 higher is better, -1 lower is better, 0 neutral (volume)
    scale: float = 1.0   # multiply the ratio (NPS is reported in points, −100…100)
    target: float | None = None
    band: tuple[float, float] | None = None  # (worst, best): health scores 0 at worst, 100 at best
    pillar: str | None = None                # its health pillar; scored only with a band
    # Largest |reported − recomputed| accepted, in the KPI's unit, when a provider's scorecard reports this KPI
    # too (analytics/reconcile.py compares the two); None: the scorecards do not report it.
    reconcile_tolerance: float | None = None
    description: str

    def __post_init__(self) -> None:
        problems = [f"{name} {value!r} is not one of {allowed}" for name, value, allowed in (
            ("source", self.source, (INTERACTIONS, PERFORMANCE)), ("unit", self.unit, UNITS),
            ("fmt", self.fmt, FORMATS), ("direction", self.direction, (-1, 0, 1)),
            ("pillar", self.pillar, (None, *PILLARS))) if value not in allowed]
        if self.band is not None and self.pillar is None:
            problems.append("a band without a pillar is never scored; give it a pillar")
        if self.reconcile_tolerance is not None and not self.reconcile_tolerance >= 0:
            problems.append(f"reconcile_tolerance must be a non-negative number, got {self.reconcile_tolerance!r}")
        fields = {f.name for f in FIELDS.get(self.source, ())}
        problems += [f"requires {name!r}, which is not a {self.source} field" for name in self.requires
                     if name not in fields]
        summed = _SUMMED.findall(f"{self.numerator} {self.denominator or ''}")
        if not summed:
            problems.append("the numerator sums nothing; write e.g. numerator=\"sum(<measure>)\"")
        if self.source == INTERACTIONS:
            problems += [f"sums {name!r}, which analytics/sql/rollups/rollup_daily.sql does not produce; add "
                         f"`cast(<sum or count> as bigint) as {name}` to its final step" for name in summed
                         if name not in rollups.measure_names()]
        elif self.source == PERFORMANCE:
            problems += [f"sums {name!r}, which is not a performance field" for name in summed if name not in fields]
        if problems:
            raise ValueError(f"KPI {self.id!r}: " + "; ".join(problems))

    @property
    def value_sql(self) -> str:
        """SQL for the KPI's value from the aggregates (null when the denominator is 0)."""
        ratio = self.numerator if self.denominator is None else \
            f"({self.numerator}) / nullif({self.denominator}, 0)"
        return f"({ratio}) * {self.scale}" if self.scale != 1.0 else f"({ratio})"


_I, _P = INTERACTIONS, PERFORMANCE

# Interactions KPIs sum measures of the rollups (analytics/sql/rollups/rollup_daily.sql); performance KPIs are the
# mean of the monthly scorecard figures (sum / count of a `performance` column).
KPIS: tuple[Kpi, ...] = (
    Kpi(id="contacts", label="Contact volume",
        source=_I, numerator="sum(contacts)",
        unit="count", fmt="count", direction=0,
        description="Number of contacts handled."),
    Kpi(id="aht_seconds", label="Average handle time", pillar="efficiency",
        source=_I, numerator="sum(handle_sum)", denominator="sum(handle_n)", requires=("handle_seconds",),
        unit="seconds", fmt="seconds", direction=-1, target=420.0, band=(600.0, 300.0), reconcile_tolerance=20.0,
        description=("Handle seconds / answered contacts with a handle time (abandoned contacts are left out when "
                     "the file says which were answered).")),
    Kpi(id="asa_seconds", label="Average speed of answer", pillar="customer experience",
        source=_I, numerator="sum(wait_sum)", denominator="sum(wait_n)", requires=("wait_seconds",),
        unit="seconds", fmt="seconds", direction=-1, target=30.0, band=(120.0, 10.0),
        description="Wait seconds / contacts with a wait time."),
    Kpi(id="fcr", label="First-contact resolution", pillar="quality & compliance",
        source=_I, numerator="sum(fcr_yes)", denominator="sum(fcr_n)", requires=("resolved_first_contact",),
        unit="fraction", fmt="pct", direction=1, target=0.75, band=(0.55, 0.85), reconcile_tolerance=0.03,
        description="Answered contacts resolved on first contact / answered contacts with an FCR flag."),
    Kpi(id="csat_pct", label="CSAT (top-two box: 4–5 of 5, 9–10 of 10, 80–100 of 100)",
        pillar="customer experience",
        source=_I, numerator="sum(csat_sat)", denominator="sum(csat_n)", requires=("csat",),
        unit="fraction", fmt="pct", direction=1, target=0.8, band=(0.6, 0.92), reconcile_tolerance=0.03,
        description=("Top-two-box ratings (4–5 on a 1–5 scale, 9–10 on a 1–10 scale) / ratings of answered "
                     "contacts.")),
    Kpi(id="nps", label="Net promoter score", pillar="customer experience",
        source=_I, numerator="sum(nps_promoters) - sum(nps_detractors)", denominator="sum(nps_n)",
        requires=("nps",),
        unit="points", fmt="points", direction=1, scale=100.0, target=30.0, band=(-10.0, 60.0),
        description="(Promoters − detractors) / responses × 100."),
    Kpi(id="ces", label="Customer effort score", pillar="customer experience",
        source=_I, numerator="sum(ces_sum)", denominator="sum(ces_n)", requires=("ces",),
        unit="points", fmt="decimal", direction=1, target=5.5, band=(4.0, 6.5),
        description="Mean effort rating, 1–7 (7 = very easy)."),
    Kpi(id="escalation_rate", label="Escalation rate", pillar="quality & compliance",
        source=_I, numerator="sum(escalated_yes)", denominator="sum(escalated_n)", requires=("escalated",),
        unit="fraction", fmt="pct", direction=-1, target=0.05, band=(0.15, 0.02),
        description="Escalated contacts / contacts with an escalation flag."),
    Kpi(id="repeat_rate", label="Repeat-contact rate", pillar="quality & compliance",
        source=_I, numerator="sum(repeat_yes)", denominator="sum(repeat_n)", requires=("customer_id",),
        unit="fraction", fmt="pct", direction=-1, target=0.12, band=(0.3, 0.05),
        description=("Contacts from a customer who was in touch in the previous 7 days / contacts with a customer "
                     "id.")),
    Kpi(id="cost_per_contact", label="Cost per contact", pillar="efficiency",
        source=_I, numerator="sum(cost_sum)", denominator="sum(cost_n)", requires=("cost",),
        unit="currency", fmt="money", direction=-1, target=6.5, band=(9.0, 4.5),
        description="Cost / contacts with a cost."),
    Kpi(id="cost_per_resolution", label="Cost per resolution", pillar="efficiency",
        source=_I, numerator="sum(cost_sum)", denominator="sum(resolved_cost_n)",
        requires=("cost", "resolved_first_contact"),
        unit="currency", fmt="money", direction=-1, target=8.5, band=(12.0, 6.0),
        description="Cost / contacts resolved on first contact."),
    Kpi(id="abandonment_rate", label="Abandonment rate", pillar="customer experience",
        source=_I, numerator="sum(abandoned_yes)", denominator="sum(answered_n)", requires=("answered",),
        unit="fraction", fmt="pct", direction=-1, target=0.05, band=(0.15, 0.02),
        description="Contacts not answered (abandoned) / contacts with an answered flag."),
    Kpi(id="sla_met_rate", label="SLA met (contacts)", pillar="quality & compliance",
        source=_I, numerator="sum(sla_met_yes)", denominator="sum(sla_met_n)", requires=("sla_met",),
        unit="fraction", fmt="pct", direction=1, target=0.9, band=(0.7, 0.98),
        description=("Contacts that met their service-level target / contacts with an SLA-met flag (SLA attainment"
                     " computed from interactions, not from a scorecard).")),
    Kpi(id="time_to_resolve", label="Mean time to resolve", pillar="efficiency",
        source=_I, numerator="sum(resolve_sum)", denominator="sum(resolve_n)", requires=("resolution_seconds",),
        unit="seconds", fmt="seconds", direction=-1,
        description=("Mean seconds from opening to resolution over contacts with a resolution time. A mean, "
                     "because it recombines exactly from the rollups; a median would not.")),
    Kpi(id="reopen_rate", label="Reopen rate", pillar="quality & compliance",
        source=_I, numerator="sum(reopened_yes)", denominator="sum(reopened_n)", requires=("reopened",),
        unit="fraction", fmt="pct", direction=-1, target=0.05, band=(0.15, 0.02),
        description="Tickets reopened after resolution / tickets with a reopened flag."),
    Kpi(id="quality_score", label="Quality score", pillar="quality & compliance",
        source=_P, numerator="sum(quality_score)", denominator="count(quality_score)",
        requires=("quality_score",),
        unit="points", fmt="points", direction=1, target=85.0, band=(70.0, 95.0),
        description="Provider QA score (0–100), mean of monthly figures."),
    Kpi(id="sla_attainment", label="SLA attainment", pillar="quality & compliance",
        source=_P, numerator="sum(sla_attainment)", denominator="count(sla_attainment)",
        requires=("sla_attainment",),
        unit="fraction", fmt="pct", direction=1, target=0.9, band=(0.7, 0.98),
        description="Share of the service level met, mean of monthly figures."),
    Kpi(id="agent_attrition", label="Agent attrition", pillar="quality & compliance",
        source=_P, numerator="sum(agent_attrition)", denominator="count(agent_attrition)",
        requires=("agent_attrition",),
        unit="fraction", fmt="pct", direction=-1, target=0.4, band=(0.7, 0.2),
        description="Annualised agent attrition, mean of monthly figures."),
    Kpi(id="vendor_cost_per_resolution", label="Cost per resolution (scorecard)", pillar="efficiency",
        source=_P, numerator="sum(cost_per_resolution)", denominator="count(cost_per_resolution)",
        requires=("cost_per_resolution",),
        unit="currency", fmt="money", direction=-1, target=8.5, band=(12.0, 6.0),
        description="Provider-reported cost per resolved contact, mean of monthly figures."),
    Kpi(id="innovations", label="Innovations implemented", pillar="innovation",
        source=_P, numerator="sum(innovations)", denominator="count(innovations)", requires=("innovations",),
        unit="per month", fmt="decimal", direction=1, target=1.0, band=(0.0, 2.0),
        description="Innovations implemented per month."),
    Kpi(id="gain_share_savings", label="Gain-share savings", pillar="innovation",
        source=_P, numerator="sum(gain_share_savings)", denominator="count(gain_share_savings)",
        requires=("gain_share_savings",),
        unit="currency", fmt="money", direction=1,
        description="Gain-share savings per month."),
    Kpi(id="governance_meetings", label="Governance meetings held", pillar="governance",
        source=_P, numerator="sum(governance_meetings)", denominator="count(governance_meetings)",
        requires=("governance_meetings",),
        unit="per month", fmt="decimal", direction=1, target=1.33, band=(0.0, 2.0),
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
