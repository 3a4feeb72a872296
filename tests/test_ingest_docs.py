"""docs/DATA.md stays honest: every canonical field and example mapping is documented and valid."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics import contracts
from analytics.ingest import Mapping

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("kind", contracts.KINDS)
def test_every_canonical_field_is_documented_with_its_spellings(kind):
    text = (DOCS / "DATA.md").read_text(encoding="utf-8")
    for f in contracts.FIELDS[kind]:
        assert f"| `{f.name}` |" in text, f"{kind}.{f.name} is missing from docs/DATA.md"
        for synonym in f.synonyms:
            assert f"`{synonym}`" in text, f"spelling {synonym!r} of {f.name} is missing from docs/DATA.md"


@pytest.mark.parametrize("path", sorted((DOCS / "examples").glob("*.json")), ids=lambda p: p.name)
def test_example_mappings_are_valid_and_linked(path):
    Mapping.from_file(path)
    assert f"examples/{path.name}" in (DOCS / "DATA.md").read_text(encoding="utf-8")
