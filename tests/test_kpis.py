"""The KPI registry is the one definition: keyword entries checked on construction, measures that exist,
field nouns on the contract, and thresholds defined once."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from analytics import claims, findings, health, kpis, premium, qbr, rollups, thresholds, trends
from analytics.contracts import FIELDS, INTERACTIONS, PERFORMANCE, field

REPO = Path(__file__).resolve().parents[1]


def _columns(sql: str) -> set[str]:
    return {c.name for c in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Column)}


def test_interactions_kpis_sum_only_measures_the_rollup_sql_produces():
    measures = set(rollups.measure_names())
    for k in kpis.KPIS:
        if k.source != INTERACTIONS:
            continue
        used = _columns(k.numerator) | (_columns(k.denominator) if k.denominator else set())
        assert used and used <= measures, f"{k.id} reads {sorted(used - measures)}, not measures of rollup_daily.sql"


def test_performance_kpis_read_performance_columns():
    columns = {f.name for f in FIELDS[PERFORMANCE]}
    for k in kpis.KPIS:
        if k.source == PERFORMANCE:
            used = _columns(k.numerator) | _columns(k.denominator or "")
            assert used and used <= columns, k.id


def test_every_field_a_kpi_requires_is_named_by_a_noun_on_the_contract():
    for k in kpis.KPIS:
        for name in k.requires:
            assert field(k.source, name).noun, f"{k.source}.{name} (needed by {k.id}) has no noun in contracts.py"


def test_a_kpi_entry_takes_keywords_only():
    with pytest.raises(TypeError):
        kpis.Kpi("x", "X", INTERACTIONS, "sum(contacts)")  # type: ignore[misc]


@pytest.mark.parametrize("change,complaint", [
    ({"unit": "furlongs"}, "unit 'furlongs' is not one of"),
    ({"source": "tickets"}, "source 'tickets' is not one of"),
    ({"direction": 2}, "direction 2 is not one of"),
    ({"pillar": "vibes"}, "pillar 'vibes' is not one of"),
    ({"pillar": None, "band": (0.0, 1.0)}, "a band without a pillar is never scored"),
    ({"requires": ("quality_score",)}, "requires 'quality_score', which is not a interactions field"),
    ({"numerator": "sum(fcr_maybe)"}, "sums 'fcr_maybe', which analytics/sql/rollups/rollup_daily.sql does not produce; "
                                      "add `cast(<sum or count> as bigint) as fcr_maybe` to its final step"),
    ({"source": PERFORMANCE, "requires": (), "numerator": "sum(fcr_yes)", "denominator": "count(quality_score)"},
     "sums 'fcr_yes', which is not a performance field"),
    ({"numerator": "42", "denominator": None}, "the numerator sums nothing"),
    ({"reconcile_tolerance": -0.01}, "reconcile_tolerance must be a non-negative number, got -0.01"),
])
def test_a_wrong_entry_is_refused_naming_the_kpi_and_the_part(change, complaint):
    entry = dict(id="demo", label="Demo", source=INTERACTIONS, numerator="sum(fcr_yes)", denominator="sum(fcr_n)",
                 requires=("resolved_first_contact",), unit="fraction", fmt="pct", direction=1, target=0.7,
                 band=(0.5, 0.9), pillar="quality & compliance", description="A demo.")
    with pytest.raises(ValueError, match=r"KPI 'demo': .*" + re.escape(complaint)):
        kpis.Kpi(**{**entry, **change})


def test_the_value_sql_is_unchanged_by_keyword_entries():
    assert kpis.kpi("nps").value_sql == "((sum(nps_promoters) - sum(nps_detractors)) / nullif(sum(nps_n), 0)) * 100.0"
    assert kpis.kpi("contacts").value_sql == "(sum(contacts))"
    assert kpis.kpi("quality_score").value_sql == "((sum(quality_score)) / nullif(count(quality_score), 0))"


def test_each_threshold_is_defined_once_and_the_analyses_use_that_value():
    for name, t in thresholds.THRESHOLDS.items():
        assert getattr(thresholds, name) == t.value and t.name == name and t.used_by
    assert premium.MIN_UNITS is claims.MIN_UNITS is findings.MIN_UNITS is thresholds.MIN_UNITS
    assert health.MIN_RESPONSES is thresholds.MIN_RESPONSES
    assert (health.HEALTHY, health.WATCH) == (thresholds.HEALTHY, thresholds.WATCH)
    assert trends.ANOMALY_MIN_POINTS is thresholds.ANOMALY_MIN_POINTS
    assert qbr.MIN_HISTORY is thresholds.MIN_HISTORY


def test_no_other_analytics_module_sets_a_threshold_of_its_own():
    names = "|".join(re.escape(n) for n in thresholds.THRESHOLDS) + r"|MIN_ENGAGEMENTS"
    assignment = re.compile(rf"^(?:{names})\s*(?:,[^=]*)?=", re.M)
    offenders = [path.relative_to(REPO).as_posix() for path in sorted((REPO / "analytics").rglob("*.py"))
                 if path.name != "thresholds.py" and assignment.search(path.read_text())]
    assert offenders == [], f"thresholds assigned outside analytics/thresholds.py: {offenders}"
