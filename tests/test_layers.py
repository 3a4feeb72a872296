"""The import boundaries of docs/ARCHITECTURE.md, read from the source with ast."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    return set(_imported_modules(path, path.stat().st_mtime_ns))


@functools.cache  # several tests read the same files: each is parsed once per run (keyed on its mtime)
def _imported_modules(path: Path, mtime_ns: int) -> frozenset[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(names)


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


def test_reports_render_without_streamlit_or_the_ui_and_pages_layers():
    assert crossings(sources("reports"), ("streamlit", "ui", "pages")) == []


def test_ui_never_imports_pages_and_lower_layers_never_import_reports_upwards():
    assert crossings(sources("ui"), ("pages",)) == []
    assert crossings(sources("analytics", "charts"), ("reports",)) == []


def test_no_private_streamlit_navigation_machinery_is_imported():
    """Routing goes through st.navigation / st.Page only: Streamlit's page manager and script runner
    are private and change without notice."""
    private = ("streamlit.runtime.pages_manager", "streamlit.runtime.scriptrunner",
               "streamlit.runtime.scriptrunner_utils")
    assert crossings(sources("pages", "ui", "charts", "reports", "analytics") + [REPO / "app.py"], private) == []


def test_every_page_opens_the_app_frame_before_anything_else():
    """A page drawn before `state.open_page()` would be drawn twice when Streamlit runs it on its own."""
    late = []
    for path in sources("pages"):
        body = [node for node in ast.parse(path.read_text()).body
                if not isinstance(node, (ast.Import, ast.ImportFrom))
                and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        first = ast.unparse(body[0]) if body else ""
        if first != "state.open_page()":
            late.append(f"{path.relative_to(REPO)} starts with {first!r}")
    assert late == []


def test_tests_share_builders_through_tests_builders_never_through_other_test_modules():
    found = crossings(sorted((REPO / "tests").rglob("*.py")) + sorted((REPO / "scripts").rglob("*.py")),
                      ("tests.conftest", "conftest"))
    found += [c for c in crossings(sorted((REPO / "tests").rglob("*.py")), ("tests",))
              if c.split(" imports ")[1].split(".")[1].startswith("test_")]
    assert found == [], "move the shared helper to tests/builders.py"


def test_every_top_level_package_is_a_known_layer():
    """A new top-level package needs its boundary rules here before it can land."""
    ignored = {"tests", "bench", "scripts", "docs", "data"}
    packages = {p.parent.name for p in REPO.glob("*/*.py") if p.parent.name not in ignored
                and not p.parent.name.startswith(".")}
    assert packages <= set(LAYERS), f"no import rules for: {sorted(packages - set(LAYERS))}"


def test_the_import_reader_sees_both_import_forms(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import duckdb\nfrom streamlit import cache_data\nfrom . import sibling\n")
    assert {"duckdb", "streamlit", "streamlit.cache_data"} <= imported_modules(module)
    module_root = tmp_path
    found = [c.split(" imports ")[1] for c in crossings_under(module_root, [module], ("duckdb",))]
    assert found == ["duckdb"]


LAYERS = ("analytics", "charts", "ui", "pages", "reports")


@pytest.mark.parametrize("folder", LAYERS)
def test_every_layer_has_sources_to_check(folder):
    assert sources(folder), f"{folder}/ has no Python files; the boundary test would pass vacuously"
