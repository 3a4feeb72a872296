"""The shared sidebar filter panel, kept in the URL.

Every widget is bound to a URL parameter named after what it filters (`provider`,
`engagement`, `from`, …; lists repeat the key), so a copied link reopens the same view.
The panel stores the resulting `Filters` in session state for the page to read.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.filters import Filters
from analytics.limits import MAX_QUERY_PARAM_CHARS
from analytics.options import filter_options
from ui import state
from ui.cached import analysis
from ui.markdown import plain

# Filters attribute → (URL name, label)
LISTS = {
    "providers": ("provider", "Providers"),
    "accounts": ("account", "Accounts"),
    "engagements": ("engagement", "Engagements"),
    "channels": ("channel", "Channels"),
    "reasons": ("reason", "Contact reasons"),
    "segments": ("segment", "Customer segments"),
    "models": ("model", "Relationship model"),
}
DATES = ("from", "to")
_KEY = "_rapport_filters"


def _reset(first: date | None, last: date | None) -> None:
    for url_name, _ in LISTS.values():
        st.session_state[url_name] = []
    if first is not None:
        st.session_state["from"], st.session_state["to"] = first, last


def refuse_oversize_params() -> list[str]:
    """Remove URL parameters with a name or value longer than MAX_QUERY_PARAM_CHARS, with a short notice.

    Such a value is never a real filter (names are short); echoing it, or handing it to the
    widgets, would stall the page. The notice names the parameter (shortened), never the value.
    """
    oversize = [name for name in list(st.query_params.keys())
                if len(name) > MAX_QUERY_PARAM_CHARS
                or any(len(v) > MAX_QUERY_PARAM_CHARS for v in st.query_params.get_all(name))]
    for name in oversize:
        del st.query_params[name]
    if oversize:
        shown = ", ".join(plain(n if len(n) <= 40 else n[:40] + "…") for n in oversize)
        st.info(f"This link had a setting longer than {MAX_QUERY_PARAM_CHARS:,} characters, so it was ignored: "
                f"{shown}.", icon=":material/link_off:")
    return oversize


def sidebar() -> Filters:
    """Draw the filter panel and return (and remember) the chosen `Filters`."""
    refuse_oversize_params()
    options = analysis(filter_options)
    first, last = (options["dates"] + [None, None])[:2]
    state.notify_dropped(
        state.dropped_params({url: options[attr] for attr, (url, _) in LISTS.items()})
        + state.dropped_dates(DATES, first, last)
    )
    with st.sidebar:
        st.header("Filters")
        start = end = None
        if first is not None:
            start = st.date_input("From", value=first, min_value=first, max_value=last,
                          key="from", bind="query-params")
            end = st.date_input("To", value=last, min_value=first, max_value=last,
                         key="to", bind="query-params")
        chosen = {}
        for attr, (url_name, label) in LISTS.items():
            if options[attr]:
                chosen[attr] = tuple(st.multiselect(label, options[attr], key=url_name, bind="query-params",
                                                    placeholder="All"))
        st.button("Reset filters", on_click=_reset, args=(first, last), icon=":material/restart_alt:",
                  width="stretch")
    if start and end and start > end:
        st.sidebar.warning("“From” is after “To”; the dates were swapped.")
        start, end = end, start
    filters = Filters(start=start if start != first else None, end=end if end != last else None, **chosen)
    st.session_state[_KEY] = filters
    return filters


def current() -> Filters:
    """The filters chosen in this run's sidebar (all data when the panel was not drawn)."""
    return st.session_state.get(_KEY, Filters())
