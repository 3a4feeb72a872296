"""Filling a `QbrReport` from the analytics layer: tiles, health trend, premium, findings."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analytics import findings, health, kpis, premium, trends
from analytics.filters import Filters, engagement_label
from charts.qbr import build_health_trend_chart, build_premium_chart
from reports.qbr import QbrReport, ReportChart, Tile, parse_quarter, quarter_label

QBR_KPIS = ("contacts", "csat_pct", "nps", "fcr", "aht_seconds", "cost_per_contact",
            "quality_score", "sla_attainment", "agent_attrition", "innovations")
MAX_TILES = 8
PREMIUM_KPI = "quality_score"
HEALTH_HISTORY = 8  # quarters shown on the health trend
MAX_FINDINGS = 6


def qbr_filters(filters: Filters, provider: str, account: str, quarter: str) -> Filters:
    """The filters a QBR applies: the page's filters narrowed to one engagement, ending with the quarter."""
    bounds = parse_quarter(quarter)
    if bounds is None:
        raise ValueError(f"Quarter {quarter!r} is not of the form 2025-Q3")
    end = bounds[1] if filters.end is None else min(filters.end, bounds[1])
    return filters.replace(providers=(), accounts=(), models=(), engagements=(engagement_label(provider, account),),
                           end=end)


def _change(value: float, versus: str) -> str:
    if value is None or value != value:
        return ""
    return f"{value * 100:+.1f} % vs {versus}"


def _tiles(frame: pd.DataFrame) -> tuple[Tile, ...]:
    tiles = []
    for row in frame[frame["available"]].head(MAX_TILES).itertuples(index=False):
        k = kpis.kpi(row.kpi)
        change = row.prior_change
        if change != change or k.direction == 0 or change == 0:
            tone = "neutral"
        else:
            tone = "good" if change * k.direction > 0 else "bad"
        tiles.append(Tile(k.id, k.label, kpis.format_value(k, row.value), _change(change, "prior quarter"),
                          _change(row.yoy_change, "last year"), tone, k.direction))
    return tuple(tiles)


def _relationship_year(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter_end: date
                       ) -> tuple[str | None, int | None]:
    row = con.execute(
        "select relationship_model, contract_start from engagements where provider = ? and account = ? limit 1",
        [provider, account],
    ).fetchone()
    if row is None:
        return None, None
    model, start = row
    if start is None:
        return model, None
    # the same alignment as premium.relationship_year_values, at the quarter's last month
    months = (quarter_end.year - start.year) * 12 + quarter_end.month - start.month
    return model, (months // 12 + 1 if months >= 0 else None)


def build_qbr_report(
    con: duckdb.DuckDBPyConnection,
    provider: str,
    account: str,
    quarter: str,
    filters: Filters,
    *,
    theme: str = "light",
) -> QbrReport:
    """Everything a QBR shows for one engagement and quarter.

    Tiles come from `trends.kpi_tiles` (quarter grain, the chosen quarter being the latest),
    the health trend from `health.health_scores` (last 8 quarters), the premium from
    `premium.premium_by_relationship_year` over the whole portfolio (the engagement's own
    relationship year marked), the findings from `findings.findings` for the engagement.
    """
    scoped = qbr_filters(filters, provider, account, quarter)
    notes: list[str] = []

    tiles = _tiles(trends.kpi_tiles(con, QBR_KPIS, scoped, grain="quarter"))
    if not tiles:
        notes.append("No KPI has data for this engagement up to this quarter.")

    charts: list[ReportChart] = []
    scores = health.health_scores(con, scoped, grain="quarter")
    scores = scores[(scores["provider"] == provider) & (scores["account"] == account)]
    trend = scores.sort_values("period").tail(HEALTH_HISTORY)
    if trend.empty:
        notes.append("No health score: none of the scored KPIs has data for this engagement.")
    else:
        trend = pd.DataFrame({"period": trend["period"], "quarter": trend["period"].map(quarter_label),
                              "score": trend["score"].round(1), "band": trend["band"]}).reset_index(drop=True)
        chart = build_health_trend_chart(trend, theme=theme)
        charts.append(ReportChart("health_trend", "Relationship health by quarter", chart.to_dict(), trend))

    model, year = _relationship_year(con, provider, account, scoped.end)
    portfolio = scoped.replace(engagements=())
    gap = premium.premium_by_relationship_year(con, PREMIUM_KPI, portfolio)
    gap = gap[gap["premium_pct"].notna()] if "premium_pct" in gap else gap
    label = kpis.kpi(PREMIUM_KPI).label
    if gap.empty:
        notes.append(f"No partnership premium on {label}: the portfolio needs both relationship models.")
    else:
        data = gap[["relationship_year", "premium_pct", "ci_low", "ci_high", "n_partnership", "n_transactional",
                    "sufficient"]].reset_index(drop=True)
        chart = build_premium_chart(data, kpi_label=label, model=model, current_year=year, theme=theme)
        charts.append(ReportChart("premium", f"Partnership premium on {label}", chart.to_dict(), data))

    said = findings.findings(con, scoped, limit=MAX_FINDINGS)
    return QbrReport(
        provider=provider, account=account, relationship_model=model, quarter=quarter,
        filters=tuple(scoped.describe()), tiles=tiles, charts=tuple(charts),
        findings=tuple(said["headline"].astype(str)), theme=theme, notes=tuple(notes),
    )
