"""What an analysis left out, and why: one short note a page shows near its title.

Kept small and shared so every page words it the same way. Counts come from cached
analytics calls (keyed on the data version), so the note costs nothing on a rerun.
"""
from __future__ import annotations

import streamlit as st

from analytics.engagements import unregistered_engagements
from ui.cached import analysis
from ui.state import DATA_PAGE


def _engagements(n: int) -> str:
    return f"{n:,} engagement{'' if n == 1 else 's'}"


def unknown_model_note() -> int:
    """Say how many engagements with data are left out because their relationship model is unknown.

    Returns that count (0 draws nothing).
    """
    unknown = analysis(unregistered_engagements)
    n = len(unknown)
    if n:
        st.caption(f"{_engagements(n)} with data {'is' if n == 1 else 'are'} left out of this comparison: "
                   f"{'it is' if n == 1 else 'they are'} not in the engagement register, so the relationship "
                   "model is unknown.")
        st.page_link(DATA_PAGE, label="Classify them on the Data page", icon=":material/help:")
    return n
