"""The app frame every page opens in, page state that lives in the URL, the empty state, friendly errors.

app.py draws the frame (navigation, theme, database, filter panel) and runs the page inside
`app_frame()`; each page script's first call, `open_page()`, runs app.py when Streamlit started
the page on its own. Only public Streamlit API: `st.navigation`, `Page.run`, `st.stop`.

Widgets bind themselves to the URL (`bind="query-params"` with the URL name as key);
Streamlit silently drops values a widget cannot take. `dropped_params` reads the URL
*before* the widgets do, so the page can say which link parameters it ignored.
"""
from __future__ import annotations

import runpy
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path

import streamlit as st

from analytics import db
from analytics.errors import user_message
from ui.cached import analysis, cursor
from ui.markdown import plain

DATA_PAGE = "pages/data.py"


def url_values(name: str) -> list[str]:
    return [v for v in st.query_params.get_all(name) if v != ""]


def dropped_params(allowed: Mapping[str, Collection[str]]) -> list[str]:
    """`name=value` for every URL value that is not one of its allowed choices."""
    return [f"{name}={value}" for name, choices in allowed.items()
            for value in url_values(name) if value not in choices]


def dropped_dates(names: Collection[str], first: date | None, last: date | None) -> list[str]:
    """`name=value` for URL dates that do not parse or fall outside the data's span."""
    bad = []
    for name in names:
        for value in url_values(name):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                bad.append(f"{name}={value}")
                continue
            if first is None or last is None or not first <= day <= last:
                bad.append(f"{name}={value}")
    return bad


def notify_dropped(items: list[str]) -> None:
    if items:
        st.info("This link had settings that do not match the loaded data, so they were ignored: "
                + ", ".join(plain(i) for i in items), icon=":material/link_off:")


APP_SCRIPT = Path(__file__).resolve().parents[1] / "app.py"
# True while app.py runs the chosen page: the frame (navigation, theme, database, filter panel) is
# drawn. A context variable of this script run, so it never outlives the run or leaks to another session.
_IN_APP_FRAME: ContextVar[bool] = ContextVar("rapport_in_app_frame", default=False)


@contextmanager
def app_frame() -> Iterator[None]:
    """app.py runs the page inside this, after drawing the frame around it."""
    token = _IN_APP_FRAME.set(True)
    try:
        yield
    finally:
        _IN_APP_FRAME.reset(token)


def open_page() -> None:
    """The first call of every page script: make sure the page runs inside app.py's frame.

    With a `pages/` folder next to app.py, Streamlit runs a page script on its own — without
    app.py's navigation and filter panel — until some session has called `st.navigation`: a
    fresh server opened on a deep link (`/data`, `/qbr?…`), and every AppTest run. Then run
    app.py right here: its `st.navigation` takes routing over for good (Streamlit's documented
    behaviour), it draws the frame and runs this same page inside it, and this outer run ends.
    Nothing is drawn twice and no rerun drops the click that started the run.
    """
    if _IN_APP_FRAME.get():
        return
    runpy.run_path(str(APP_SCRIPT), run_name="__main__")
    st.stop()


def open_database() -> None:
    """Stop with a friendly error when the database file cannot be opened (e.g. held by another process)."""
    try:
        cursor()
    except db.DatabaseBusyError as exc:
        st.error(str(exc), icon=":material/lock:")
        st.stop()
    except Exception as exc:  # noqa: BLE001 — the edge: a broken file must not show a traceback
        known = user_message(exc)  # a RapportError (DatabaseFileError, …) already names the file and the fix
        if known is not None:
            st.error(plain(known), icon=":material/error:")
        else:
            st.error(f"Could not open the database {db.database_path()}: {exc}. Point RAPPORT_DB at a Rapport "
                     "database file, or move this one aside to start afresh.", icon=":material/error:")
        st.stop()


def has_data() -> bool:
    """False (after drawing the empty state) when nothing is loaded yet. Cached on the data version like an
    analysis (four table counts, 2 ms CPU and 5 ms at 10 M rows, on every run of every page otherwise)."""
    if not analysis(db.is_empty):
        return True
    st.info("No data yet — go to Data to upload exports or load the sample portfolio.",
            icon=":material/database:")
    st.page_link(DATA_PAGE, label="Open the Data page", icon=":material/upload:")
    return False


@contextmanager
def section(what: str) -> Iterator[None]:
    """Run one part of a page; a failure shows a friendly error and the rest of the page still draws."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 — the edge: turn any failure into a message
        known = user_message(exc)
        if known is not None:  # a RapportError: its sentence says what is wrong and the fix; not a bug
            st.error(f"Could not show {what}: {plain(known)}", icon=":material/error:")
            return
        st.error(f"Could not show {what}. Try widening the filters or reloading the data; "
                 "if it persists, report the details below.", icon=":material/error:")
        with st.expander("Details"):
            st.code(f"{type(exc).__name__}: {exc}", language="text")
