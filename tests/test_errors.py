"""One base error: every error type a user can be shown derives from `analytics.errors.RapportError`, and each
edge (the CLI's wrapper, a page's error box) shows its sentence instead of a bug report."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.cli.failures import describe_failure
from analytics.errors import RapportError, user_message
from tests.builders import APP_RUN_CAP

REPO = Path(__file__).resolve().parents[1]
# Runs inside spark-submit on a cluster, where Rapport is not installed: it must stay self-contained.
STANDALONE = {"analytics/spark/job_template.py"}
# Errors that only a bug in Rapport's own code can raise: no user can fix them, so an edge reports them as a
# bug (with RAPPORT_DEBUG=1 showing the traceback) rather than as a sentence to act on.
INTERNAL = {"analytics.query.QueryError": "a query built wrongly in code (unknown file, unfilled slot)"}


def error_classes() -> list[tuple[str, str]]:
    """(module, class name) of every class named *Error defined under analytics/, read from the source."""
    found = []
    for path in sorted((REPO / "analytics").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative in STANDALONE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                module = relative[:-3].replace("/", ".").removesuffix(".__init__")
                found.append((module, node.name))
    return found


def test_every_error_type_of_the_engine_derives_from_rapport_error():
    classes = error_classes()
    assert len(classes) >= 8  # ingest, db (3), maintenance, model history, rollup import, CLI
    outside = [f"{m}.{n}" for m, n in classes if f"{m}.{n}" not in INTERNAL
               and not issubclass(getattr(importlib.import_module(m), n), RapportError)]
    assert outside == []
    internal = [name for name in INTERNAL if name in {f"{m}.{n}" for m, n in classes}]
    assert not any(issubclass(getattr(importlib.import_module(n.rsplit(".", 1)[0]), n.rsplit(".", 1)[1]),
                              RapportError) for n in internal)


def test_a_rapport_error_is_its_own_sentence_and_anything_else_is_a_bug_report():
    from analytics.ingest import IngestError

    error = IngestError("expected a date such as 2024-01-31", file="calls.csv", line=7, column="Call Start")
    assert user_message(error) == str(error) == describe_failure(error)
    assert "calls.csv" in str(error) and "row 7" in str(error)
    assert user_message(KeyError("x")) is None
    assert "This is a bug in Rapport" in describe_failure(KeyError("x"))


def _page_with_failing_sections() -> None:
    import streamlit as st

    from analytics.ingest import IngestError
    from ui import state

    with state.section("the upload"):
        raise IngestError("the header row has two columns named 'date'; rename one", file="calls.csv")
    with state.section("the chart"):
        raise KeyError("period")
    st.write("still drawn")


def test_a_page_section_shows_a_rapport_errors_sentence_and_keeps_the_bug_report_for_the_rest():
    at = AppTest.from_function(_page_with_failing_sections, default_timeout=APP_RUN_CAP).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 2
    assert errors[0].startswith("Could not show the upload: ") and "two columns named" in errors[0]
    assert "calls" in errors[0] and "report the details" not in errors[0]
    assert "report the details" in errors[1]
    assert [e.label for e in at.expander] == ["Details"]  # only the unexpected error offers its details
    assert any("still drawn" in m.value for m in at.markdown)


def _upload_section_failing_on_the_database() -> None:
    from analytics.db import DatabaseBusyError
    from ui import upload

    with upload.isolated("calls.csv"):
        raise DatabaseBusyError("data/rapport.duckdb is held by another process; close it and try again")


def test_an_upload_section_shows_a_database_error_as_its_sentence_naming_the_file():
    at = AppTest.from_function(_upload_section_failing_on_the_database, default_timeout=APP_RUN_CAP).run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("calls") and "held by another process" in error and "report" not in error
