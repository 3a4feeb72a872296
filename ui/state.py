"""Page state that lives in the URL, the empty state, and friendly errors.

Widgets bind themselves to the URL (`bind="query-params"` with the URL name as key);
Streamlit silently drops values a widget cannot take. `dropped_params` reads the URL
*before* the widgets do, so the page can say which link parameters it ignored.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import date

import streamlit as st

from analytics import db
from ui.cached import cursor
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


SHELL_KEY = "_rapport_shell"


def ensure_shell(*, first_run_only: bool = False) -> None:
    """Rerun through app.py when Streamlit ran this page script on its own.

    With a `pages/` folder next to app.py, a fresh server runs a deep link (`/trends?…`) in the
    legacy folder mode — the page alone, without app.py's navigation and filter panel — until
    some session has called `st.navigation`. That flag is process-wide and has no public
    setter, so flip it and rerun; the rerun goes through app.py and keeps the URL.
    """
    if st.session_state.get(SHELL_KEY):
        return
    if first_run_only and SHELL_KEY in st.session_state:
        # This session has been through app.py before, so a later direct run is AppTest's (it
        # resets the flag every run). Rerunning would drop the click that started this run, and a
        # page that needs no filter panel (Data) draws correctly on its own.
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def open_database() -> None:
    """Stop with a friendly error when the database file cannot be opened (e.g. held by another process)."""
    try:
        cursor()
    except db.DatabaseBusyError as exc:
        st.error(str(exc), icon=":material/lock:")
        st.stop()
    except Exception as exc:  # noqa: BLE001 — the edge: a broken file must not show a traceback
        st.error(f"Could not open the database {db.database_path()}: {exc}. Point RAPPORT_DB at a Rapport "
                 "database file, or move this one aside to start afresh.", icon=":material/error:")
        st.stop()


def has_data() -> bool:
    """False (after drawing the empty state) when nothing is loaded yet."""
    ensure_shell()
    if not db.is_empty(cursor()):
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
        st.error(f"Could not show {what}. Try widening the filters or reloading the data; "
                 "if it persists, report the details below.", icon=":material/error:")
        with st.expander("Details"):
            st.code(f"{type(exc).__name__}: {exc}", language="text")
