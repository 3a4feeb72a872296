"""docs/ARCHITECTURE.md names every module, and names no module that is gone.

A module is named by its path from the repository root in backticks (`analytics/ingest/load.py`);
a package's `__init__.py` by its folder (`analytics/ingest/`). Datasette keeps its settings
documentation honest the same way.
"""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "ARCHITECTURE.md"
FOLDERS = ("analytics", "ui", "charts", "reports", "pages")
SUFFIXES = (".py", ".sql")
# A path in backticks, as the doc writes them: `analytics/ingest/load.py`, `analytics/sql/`, `app.py`.
NAMED = re.compile(r"`([A-Za-z0-9_./-]+)`")


def modules(root: Path = REPO) -> list[str]:
    """Every .py/.sql file under FOLDERS as the doc must name it (a package init by its folder), plus app.py."""
    found = {"app.py"}
    for folder in FOLDERS:
        for path in (root / folder).rglob("*"):
            if path.suffix not in SUFFIXES or "__pycache__" in path.parts or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            found.add(relative[: -len("__init__.py")] if path.name == "__init__.py" else relative)
    return sorted(found)


def named_in(text: str) -> set[str]:
    return {m for m in NAMED.findall(text) if m.endswith(SUFFIXES) or m.endswith("/")}


def missing_and_stale(text: str, root: Path = REPO) -> tuple[list[str], list[str]]:
    """(modules the doc does not name, names in the doc that are no module under FOLDERS)."""
    present, named = modules(root), named_in(text)
    missing = [m for m in present if m not in named]
    ours = [n for n in named if n == "app.py" or n.split("/")[0] in FOLDERS]
    folders = {m for m in present if m.endswith("/")} | {
        p.relative_to(root).as_posix() + "/" for f in FOLDERS for p in [root / f, *(root / f).rglob("*")]
        if p.is_dir() and "__pycache__" not in p.parts}
    stale = sorted(n for n in ours if n not in present and n not in folders)
    return missing, stale


def test_architecture_doc_names_every_module():
    missing, _ = missing_and_stale(DOC.read_text(encoding="utf-8"))
    assert not missing, (
        f"docs/ARCHITECTURE.md does not name {len(missing)} module(s): {', '.join(missing)}. Add a row for "
        "each to its package's table under 'Modules' (the path in backticks and what it does, from its docstring).")


def test_architecture_doc_names_no_module_that_is_gone():
    _, stale = missing_and_stale(DOC.read_text(encoding="utf-8"))
    assert not stale, (
        f"docs/ARCHITECTURE.md names {len(stale)} path(s) that do not exist: {', '.join(stale)}. Remove or "
        "rename their rows under 'Modules'.")


def test_the_check_reports_exactly_the_unnamed_and_the_stale_modules(tmp_path):
    for name in ["analytics/__init__.py", "analytics/kpis.py", "analytics/sql/rollup.sql",
                 "analytics/ingest/__init__.py", "analytics/ingest/load.py", "ui/cached.py", "app.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "ui" / "__pycache__").mkdir()
    (tmp_path / "ui" / "__pycache__" / "cached.cpython-311.pyc.py").write_text("")  # never a module
    doc = ("| `app.py` | entry |\n| `analytics/` | the engine |\n| `analytics/kpis.py` | registry |\n"
           "| `analytics/ingest/` | package |\n| `analytics/sql/` | SQL files |\n"
           "| `analytics/gone.py` | removed |\n| `ui/cached.py` and `st.cache_data` |\n")
    missing, stale = missing_and_stale(doc, tmp_path)
    assert missing == ["analytics/ingest/load.py", "analytics/sql/rollup.sql"]
    assert stale == ["analytics/gone.py"]
