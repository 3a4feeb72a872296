"""The drill path: portfolio → provider → engagement → its QBR, one click each, filters carried.

The shared filters live in the sidebar widgets (bound to the URL, see `ui.filters`), which app.py
draws on every page, so a page switch keeps them. A drill step narrows those widgets — the provider,
account and engagement filters — and the page switch leaves the others as they are. Widget state
can only change before the widgets are drawn, so a step made in a page body is parked in session
state and applied by app.py (`apply_pending`) at the start of the next run.
"""
from __future__ import annotations

import streamlit as st

from analytics.filters import engagement_label
from ui import filters
from ui.markdown import plain

OVERVIEW_PAGE = "pages/overview.py"
HEALTH_PAGE = "pages/health.py"
QBR_PAGE = "pages/qbr.py"
QBR_ENGAGEMENT_KEY = "eng"  # the QBR page's engagement selector
_PENDING = "_rapport_drill"


def narrow(provider: str | None = None, account: str | None = None) -> None:
    """Set the provider/account filters (None clears one) and clear the engagement filter.
    Call it from a widget callback or before the sidebar is drawn."""
    st.session_state["provider"] = [provider] if provider else []
    st.session_state["account"] = [account] if account else []
    st.session_state["engagement"] = []
    if provider and account:
        st.session_state[QBR_ENGAGEMENT_KEY] = engagement_label(provider, account)


def open_qbr(provider: str, account: str) -> None:
    """Open the QBR of (provider, account) with the other filters unchanged (does not return)."""
    st.session_state[_PENDING] = (provider, account)
    st.switch_page(QBR_PAGE, query_params={})  # {} not None: None refuses while filters are bound to the URL


def apply_pending() -> None:
    """app.py calls this before drawing the filter panel: apply a drill step parked by a page."""
    pending = st.session_state.pop(_PENDING, None)
    if pending:
        narrow(*pending)


def breadcrumbs(page: str) -> None:
    """`Portfolio › Northstar BPO › Northstar BPO · Contoso Bank (QBR)` from the current filters; each crumb is
    one click back up (or down to the QBR)."""
    current = filters.current()
    provider = current.providers[0] if len(current.providers) == 1 else None
    account = current.accounts[0] if len(current.accounts) == 1 else None
    crumbs = st.columns([1, 2, 4] if provider else [1, 6], vertical_alignment="center")
    crumbs[0].button("Portfolio", key=f"crumb_portfolio_{page}", icon=":material/home:", type="tertiary",
                     on_click=narrow, help="Clear the provider, account and engagement filters.")
    if provider:
        crumbs[1].button(f"› {plain(provider)}", key=f"crumb_provider_{page}", type="tertiary",
                         on_click=narrow, args=(provider,), help="Every engagement of this provider.")
    if provider and account:
        if crumbs[2].button(f"› {plain(engagement_label(provider, account))} · QBR", key=f"crumb_qbr_{page}",
                            type="tertiary", icon=":material/co_present:"):
            open_qbr(provider, account)
