"""No user text is ever rendered as Markdown.

A sweep reads the source of app.py, pages/ and ui/ and finds every Streamlit call that renders
Markdown (st.markdown/caption/info/warning/…, headers, and the labels and help of widgets,
expanders, tabs and metrics). Each rendered expression must be a literal, numbers, or pass through
`ui.markdown.plain` — or be listed in REVIEWED with the reason it can never carry a user value.
Then the real app, through AppTest, shows a hostile provider name from a link escaped, and a
link parameter of 100,000 characters is refused with a short notice instead of being echoed.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import streamlit as st

from analytics import db
from analytics.limits import MAX_QUERY_PARAM_CHARS
from tests.builders import insert_rows, run

REPO = Path(__file__).resolve().parents[1]
MARKDOWN_CALLS = {
    "markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader", "write", "toast",
    "metric", "expander", "tabs", "popover", "button", "download_button", "link_button", "page_link", "checkbox",
    "toggle", "radio", "selectbox", "multiselect", "slider", "select_slider", "text_input", "number_input",
    "text_area", "date_input", "time_input", "file_uploader", "color_picker", "segmented_control", "pills",
    "form_submit_button", "status", "spinner", "progress",
}
MARKDOWN_KEYWORDS = ("label", "body", "help", "text")
# Functions whose result is safe to render: the escape helper, and formatters of numbers and dates.
SAFE_FUNCTIONS = {"plain", "period_text", "change_text", "format_value", "format_change", "format_period",
                  "format_points", "len", "int", "float"}

# "path: expression" → why the expression can never carry user text (app-defined text only).
REVIEWED = {
    "pages/data.py: flash": "set by the page itself from counts (`{added:,} engagements added…`)",
    "pages/data.py: picked": "a batch id (an integer)",
    "pages/data.py: what": "a count phrase the page builds (`3 engagements`)",
    "pages/data.py: t": "table names (sample.generate's keys)",
    "pages/health.py: latest['pillars_used'].iloc[0]": "pillar names from the KPI registry",
    "pages/health.py: p.capitalize()": "pillar names from the KPI registry",
    "pages/insight.py: empty_hint": "literal hints passed by the page",
    "pages/overview.py: row.label": "KPI label from the registry",
    "pages/overview.py: quarter": "a formatted quarter (`Q1 2025`)",
    "pages/overview.py: last_year": "a formatted number",
    "pages/overview.py: yoy": "a formatted change (`+3.0 %`)",
    "pages/premium.py: k.label": "KPI label from the registry",
    "pages/premium.py: row.claim": "claim names from analytics/claims.py",
    "pages/premium.py: row.expected": "claim expectations from analytics/claims.py",
    "pages/premium.py: row.detail": "sentences of registry labels and numbers (analytics/claims.py)",
    "pages/qbr.py: note": "report notes built from registry labels (reports/qbr_build.py)",
    "pages/qbr.py: tile.label": "KPI label from the registry",
    "pages/qbr.py: tile.last_year or None": "a formatted number",
    "pages/trends.py: k.label": "KPI label from the registry",
    "pages/trends.py: k.description": "KPI description from the registry",
    "ui/exports.py: label": "button labels the pages pass as literals",
    "ui/filters.py: shown": "parameter names passed through plain() on the line above",
    "ui/filters.py: label": "filter labels from the LISTS constant",
    "ui/state.py: str(exc)": "DatabaseBusyError: the operator's database path (RAPPORT_DB), no uploaded text",
    "ui/state.py: db.database_path()": "the operator's database path (RAPPORT_DB)",
    "ui/state.py: exc": "DuckDB's open error about the operator's database file",
    "ui/state.py: what": "literal section names passed by the pages",
    "ui/upload.py: label": "canonical field labels from the contracts registry",
    "ui/upload.py: f.description": "canonical field description from the contracts registry",
    "ui/upload.py: field_label(f)": "canonical field label from the contracts registry",
    "ui/upload.py: name": "plain(result.file), escaped on the line above",
    "ui/upload.py: message": "plain(result.message), escaped on the line above",
    "ui/upload.py: min(max(float(fraction), 0.0), 1.0)": "a progress fraction (a number)",
    "ui/upload.py: upload.getbuffer()": "a file handle's write(), not st.write",
    "ui/upload.py: help": "help texts the callers pass as literals",
    "ui/upload.py: [field_label(f) for f in fields]": "canonical field labels from the contracts registry",
    "ui/upload.py: field_label(f).split(' (')[0]": "canonical field label from the contracts registry",
    "pages/overview.py: latest": "formatted quarters (`Q3 2025`) from tables.health_table",
    "pages/premium.py: METHODS.read_text(encoding='utf-8')": "docs/METHODS.md, the project's own Markdown",
    "pages/premium.py: window or 'the window'": "a relationship-year window built from numbers",
    "pages/premium.py: map(str, left_years)": "relationship years (integers)",
    "pages/premium.py: p_text": "a formatted p-value or ''",
    "ui/coverage.py: which": "filter kind words from a literal dict",
    "ui/coverage.py: scorecard[:3]": "KPI labels from the registry",
    "ui/coverage.py: words[narrowing[0]]": "filter kind words from a literal dict",
    "ui/coverage.py: _engagements(n)": "a count phrase (`3 engagements`)",
}


def _name_of(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _constant_name(node: ast.expr) -> bool:
    """A module constant (ALL_CAPS name), or a lookup in one (`ICONS.get(...)`, `LABELS[x]`)."""
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.Attribute):
        return node.attr.isupper() or _constant_name(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return _constant_name(node.func.value)
    return isinstance(node, ast.Subscript) and _constant_name(node.value)


def unsafe_parts(node: ast.expr) -> list[ast.expr]:
    """The parts of a rendered expression that are neither literals, numbers (a format spec), module
    constants nor escaped text — each may carry a user value unless reviewed."""
    if isinstance(node, ast.Constant) or _constant_name(node):
        return []
    if isinstance(node, ast.JoinedStr):
        return [p for v in node.values for p in unsafe_parts(v)]
    if isinstance(node, ast.FormattedValue):
        return [] if node.format_spec is not None else unsafe_parts(node.value)
    if isinstance(node, ast.Call):
        name = _name_of(node.func)
        if name == "join" and isinstance(node.func, ast.Attribute) and node.args:
            item = node.args[0]
            inner = item.elt if isinstance(item, (ast.GeneratorExp, ast.ListComp)) else item
            return unsafe_parts(node.func.value) + unsafe_parts(inner)
        return [] if name in SAFE_FUNCTIONS else [node]
    if isinstance(node, ast.BinOp):
        return unsafe_parts(node.left) + unsafe_parts(node.right)
    if isinstance(node, ast.IfExp):
        return unsafe_parts(node.body) + unsafe_parts(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [p for e in node.elts for p in unsafe_parts(e)]
    return [node]


def is_safe(node: ast.expr) -> bool:
    return not unsafe_parts(node)


def rendered_expressions(source: str) -> list[tuple[int, str, ast.expr]]:
    """(line, call name, expression) for every argument of a Markdown-rendering call in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in MARKDOWN_CALLS):
            continue
        args = [] if node.func.attr == "page_link" or not node.args else [node.args[0]]  # page_link: a path first
        args += [k.value for k in node.keywords if k.arg in MARKDOWN_KEYWORDS]
        found += [(node.lineno, node.func.attr, a) for a in args]
    return found


def unescaped(files: list[Path]) -> dict[str, str]:
    """"path: part" → "path:line call" for every part of a rendered expression that is not provably safe."""
    out = {}
    for file in files:
        for line, call, expr in rendered_expressions(file.read_text(encoding="utf-8")):
            for part in unsafe_parts(expr):
                out.setdefault(f"{file.relative_to(REPO)}: {ast.unparse(part)}",
                               f"{file.relative_to(REPO)}:{line} {call}")
    return out


def ui_sources() -> list[Path]:
    return [REPO / "app.py", *sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "ui").glob("*.py"))]


def test_every_markdown_call_escapes_user_values_or_is_reviewed():
    open_ = {expr: where for expr, where in unescaped(ui_sources()).items() if expr not in REVIEWED}
    assert open_ == {}, ("Markdown-rendering calls with a value that is neither a literal nor passed through "
                         f"ui.markdown.plain (escape it, or review it in REVIEWED with a reason): {open_}")


def test_the_sweep_catches_an_unescaped_value_and_accepts_an_escaped_one():
    bad = "st.caption(' · '.join(current.describe()))\nst.info(f'Loaded {name}')\nst.expander(label=f'{x}')"
    good = ("st.caption(plain(' · '.join(current.describe())))\nst.info(f'Loaded {plain(name)} ({n:,} rows)')\n"
            "st.warning(', '.join(plain(i) for i in items))\nst.page_link(DATA_PAGE, label='Open')")
    assert [[ast.unparse(p) for p in unsafe_parts(e)] for _, _, e in rendered_expressions(bad)] == [
        ["current.describe()"], ["name"], ["x"]]
    assert all(is_safe(e) for _, _, e in rendered_expressions(good))


# ---- the real app -----------------------------------------------------------------------------------------

HOSTILE = "[x](https://evil.example) :red[y] $$z$$ <b>bold</b> *em*"
SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&")


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("markup") / "rapport.duckdb"
    with db.connect(path) as con:
        insert_rows(con, "interactions", [
            {"occurred_at": f"2025-03-0{d} 09:00", "provider": p, "account": "Care", "channel": "phone", "csat": 4}
            for d in (1, 2, 3) for p in (HOSTILE, "Acme")])
    patch = pytest.MonkeyPatch()
    patch.setenv("RAPPORT_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    patch.undo()
    st.cache_resource.clear()


def _unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def test_a_hostile_provider_name_in_the_link_shows_as_plain_text_in_the_filter_caption(hostile_app):
    at = run(provider=HOSTILE)
    assert not at.exception, [e.value for e in at.exception]
    (caption,) = [c.value for c in at.caption if "Providers" in c.value]
    assert _unescape(caption) == f"Providers: {HOSTILE}"
    # Every Markdown/Streamlit directive character is backslash-escaped: no link, colour, KaTeX or HTML.
    unescaped_specials = [m.group(0) for m in re.finditer(r"(?<!\\)(?:\\\\)*([\[\]()$:*<>])", caption)]
    assert unescaped_specials == [], caption
    assert "](" not in caption.replace("\\]\\(", "") and ":red[" not in caption


def test_an_oversize_link_parameter_is_refused_with_a_short_notice_and_the_page_answers(hostile_app):
    at = run(provider="A" * 100_000, channel="phone")
    assert not at.exception, [e.value for e in at.exception]
    notices = [i.value for i in at.info]
    refused = [n for n in notices if f"longer than {MAX_QUERY_PARAM_CHARS:,} characters" in n]
    assert refused and "provider" in refused[0], notices
    assert all(len(n) < 500 for n in notices) and "AAAA" not in " ".join(notices)
    assert "provider" not in at.query_params
    assert at.query_params.get("channel") == ["phone"] or at.query_params.get("channel") == "phone"
    assert at.title and at.title[0].value == "Portfolio overview"
