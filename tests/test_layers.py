"""The import boundaries of docs/ARCHITECTURE.md, read from the source with ast."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py"))


def crossings(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return crossings_under(REPO, paths, forbidden)


def crossings_under(root: Path, paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in paths:
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


def test_analytics_imports_no_streamlit_altair_or_ui_layers():
    assert crossings(sources("analytics"), ("streamlit", "altair", "charts", "ui", "pages")) == []


def test_charts_import_no_streamlit_duckdb_ui_pages_or_database_module():
    assert crossings(sources("charts"), ("streamlit", "duckdb", "ui", "pages", "analytics.db")) == []


def test_pages_and_app_do_not_import_duckdb_directly():
    assert crossings(sources("pages") + [REPO / "app.py"], ("duckdb",)) == []


def test_the_import_reader_sees_both_import_forms(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import duckdb\nfrom streamlit import cache_data\nfrom . import sibling\n")
    assert {"duckdb", "streamlit", "streamlit.cache_data"} <= imported_modules(module)
    module_root = tmp_path
    found = [c.split(" imports ")[1] for c in crossings_under(module_root, [module], ("duckdb",))]
    assert found == ["duckdb"]


@pytest.mark.parametrize("folder", ["analytics", "charts", "ui", "pages"])
def test_every_layer_has_sources_to_check(folder):
    assert sources(folder), f"{folder}/ has no Python files; the boundary test would pass vacuously"
