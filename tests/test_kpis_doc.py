"""docs/KPIS.md is generated from the registry and cannot drift: the committed file is what
scripts/kpis_doc.py writes, and its --check says so when it is not."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from analytics import kpis, rollups, thresholds

REPO = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("kpis_doc", REPO / "scripts" / "kpis_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_kpis_md_is_exactly_what_the_registry_generates():
    committed = (REPO / "docs" / "KPIS.md").read_text()
    assert committed == _script().render(), (
        "docs/KPIS.md disagrees with analytics/kpis.py, rollup_daily.sql, contracts.py or thresholds.py: "
        "run `python scripts/kpis_doc.py` and commit docs/KPIS.md")


def test_the_doc_names_every_kpi_measure_and_threshold():
    text = _script().render()
    for k in kpis.KPIS:
        assert f"### {k.label} (`{k.id}`)" in text and k.description in text
    for name in rollups.measure_names():
        assert f"| `{name}` |" in text
    for name in thresholds.THRESHOLDS:
        assert f"| `{name}` |" in text


def test_the_doc_quotes_each_kpis_formula_and_the_nouns_of_what_it_needs():
    text = _script().render()
    assert "- value: `(sum(nps_promoters) - sum(nps_detractors)) / (sum(nps_n)) × 100`" in text
    assert "- needs: costs (`cost`), first-contact-resolution flags (`resolved_first_contact`)" in text
    assert "| `cost_sum` | double | `sum(cost)` | `cost_per_contact`, `cost_per_resolution` |" in text


def test_check_fails_on_a_stale_doc_and_passes_on_a_fresh_one(tmp_path, monkeypatch, capsys):
    script = _script()
    doc = tmp_path / "docs" / "KPIS.md"
    doc.parent.mkdir()
    monkeypatch.setattr(script, "REPO", tmp_path)
    monkeypatch.setattr(script, "DOC", doc)
    doc.write_text(script.render().replace("Average handle time", "Average handling time"))
    assert script.main(["--check"]) == 1
    assert "docs/KPIS.md is stale: run `python scripts/kpis_doc.py`" in capsys.readouterr().out
    assert script.main([]) == 0
    assert script.main(["--check"]) == 0
    assert doc.read_text() == script.render()
