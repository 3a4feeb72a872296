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
    "ui/batches.py: picked": "a batch id (an integer)",
    "ui/register.py: what": "a count phrase built from plain()-escaped names (`removes 3 engagements (…)`)",
    "ui/upload.py: t": "table names (sample.generate's keys)",
    "ui/tables.py: download_label": "button labels the callers pass as literals",
    "pages/health.py: latest['pillars_used'].iloc[0]": "pillar names from the KPI registry",
    "pages/health.py: p.capitalize()": "pillar names from the KPI registry",
    "pages/insight.py: empty_hint": "literal hints passed by the page",
    "pages/overview.py: short_label(k)": "KPI label from the registry, its bracketed note dropped",
    "pages/overview.py: k.label": "KPI label from the registry",
    "pages/overview.py: quarter": "a formatted quarter (`Q1 2025`)",
    "pages/overview.py: last_year": "a formatted number",
    "pages/overview.py: yoy": "a formatted change (`+3.0 %`)",
    "pages/premium.py: k.label": "KPI label from the registry",
    "pages/premium.py: row.claim": "claim names from analytics/claims.py",
    "pages/premium.py: row.expected": "claim expectations from analytics/claims.py",
    "pages/premium.py: row.detail": "sentences of registry labels and numbers (analytics/claims.py)",
    "pages/qbr.py: note": "report notes built from registry labels (reports/qbr_build.py)",
    "ui/qbr_view.py: short_label(k)": "KPI label from the registry, its bracketed note dropped",
    "ui/qbr_view.py: full + tile.last_year or None": "the registry's KPI label and a formatted number",
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


# ---- tables: one door, no raw export ----------------------------------------------------------------------

TABLE_HELPER = "ui/tables.py"
TABLE_CALLS = {"show_table", "show_health_table"}
# "path: first argument" of a table drawn without a download → why no user value can leave through it.
REVIEWED_TABLES = {
    "pages/overview.py: tables.freshness_table(analysis(data_freshness))":
        "dataset labels, row counts and dates: no user value",
    "pages/health.py: tables.drivers_table(drivers, label_from=format_period(start, GRAIN), "
    "label_to=format_period(end, GRAIN))": "KPI labels and pillars from the registry, formatted numbers",
    "pages/trends.py: unavailable[['label', 'reason']].rename(columns={'label': 'KPI', 'reason': 'Why'})":
        "KPI labels and the registry's reasons",
    "pages/premium.py: premium_table(report)": "relationship years, counts and formatted premiums",
    "ui/qbr_view.py: section.table": "the gain-share ledger: quarters and formatted amounts (reports/qbr_build.py)",
    "ui/batches.py: shown": "one page of rejects; the batch's \"Rejected rows (CSV)\" button writes them all, "
                            "neutralised",
    "ui/upload.py: displayable(sniff.preview.head(PREVIEW_ROWS))": "the first rows of the file the user is "
                                                                   "uploading: nothing they do not hold",
    "ui/upload.py: displayable(result.rejects.head(REJECT_SAMPLE))": "rejects of the file the user is uploading",
}
# "path: first argument" of an editable table → why its (toolbar-less) contents are safe.
REVIEWED_EDITORS = {
    "ui/register.py: register": "the register the user edits; the toolbar export is off (client.disableDataExport)",
    "ui/register.py: proposal.rename(columns={'first_seen': 'contract_start'})":
        "engagements to classify; the toolbar export is off",
    "ui/upload.py: frame": "value recoding of the file being uploaded; the toolbar export is off",
    "ui/qbr_editors.py: items": "the QBR agenda the user types; the toolbar export is off",
}


def table_calls(source: str) -> list[tuple[int, str, ast.Call]]:
    """(line, call name, call) for every st.dataframe / st.data_editor / show_table / show_health_table."""
    return [(node.lineno, _name_of(node.func), node) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and _name_of(node.func) in {"dataframe", "data_editor", *TABLE_CALLS}]


def table_problems(files: list[Path]) -> list[str]:
    """Every table drawn outside the one helper, or without a decision about its download."""
    problems = []
    for file in files:
        path = str(file.relative_to(REPO))
        for line, name, call in table_calls(file.read_text(encoding="utf-8")):
            first = f"{path}: {ast.unparse(call.args[0]) if call.args else ''}"
            download = next((k.value for k in call.keywords if k.arg == "download"), "missing")
            if name == "dataframe" and path != TABLE_HELPER:
                problems.append(f"{path}:{line} st.dataframe outside ui.tables.show_table")
            elif name == "data_editor" and first not in REVIEWED_EDITORS:
                problems.append(f"{path}:{line} st.data_editor not reviewed ({first})")
            elif name in TABLE_CALLS and path != TABLE_HELPER:
                if download == "missing":
                    problems.append(f"{path}:{line} {name} without download=")
                elif isinstance(download, ast.Constant) and download.value is None and first not in REVIEWED_TABLES:
                    problems.append(f"{path}:{line} {name}(download=None) not reviewed ({first})")
    return problems


def test_every_table_is_drawn_by_show_table_and_says_how_it_can_be_downloaded():
    problems = table_problems(ui_sources())
    assert problems == [], ("Draw tables with ui.tables.show_table(frame, download=\"name.csv\") when they show "
                            f"user values, or review download=None in REVIEWED_TABLES with a reason: {problems}")


def test_the_table_sweep_catches_a_raw_dataframe_and_an_unreviewed_table(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    bad = pages / "bad.py"
    bad.write_text("st.dataframe(uploads)\ntables.show_table(names)\ntables.show_table(names, download=None)\n"
                   "tables.show_table(names, download='names.csv')\nst.data_editor(names)\n")
    global REPO
    saved, REPO = REPO, tmp_path
    try:
        found = table_problems([bad])
    finally:
        REPO = saved
    assert found == ["pages/bad.py:1 st.dataframe outside ui.tables.show_table",
                     "pages/bad.py:2 show_table without download=",
                     "pages/bad.py:3 show_table(download=None) not reviewed (pages/bad.py: names)",
                     "pages/bad.py:5 st.data_editor not reviewed (pages/bad.py: names)"]


def test_the_toolbar_export_is_off_and_the_table_csv_is_neutralised_under_the_shown_headers():
    import csv
    import io
    import tomllib

    import pandas as pd

    from ui.tables import table_csv

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True  # the toolbar's raw "Download as CSV" stays off
    frame = pd.DataFrame({"file_name": ["=HYPERLINK(\"https://evil.example\",\"x\")", "Acme\r=cmd|' /C calc'!A0"],
                          "rows_loaded": [3, 4], "sha256": ["ab", "cd"]})
    data = table_csv(frame, column_order=["rows_loaded", "file_name"],
                     column_config={"file_name": st.column_config.TextColumn("File"), "rows_loaded": "Loaded"})
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows == [["Loaded", "File"], ["3", "'=HYPERLINK(\"https://evil.example\",\"x\")"],
                    ["4", "Acme\r'=cmd|' /C calc'!A0"]]


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
