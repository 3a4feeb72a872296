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


def scorecard_filters_note(current, kpi_ids=None) -> bool:
    """Say that the channel, contact-reason and segment filters do not narrow scorecard KPIs (they come per
    provider, account and month), when such a filter is set and the page shows scorecard KPIs.

    `current` is the page's `Filters`; `kpi_ids` the KPIs shown (None: the page mixes all kinds).
    Returns whether the note was drawn.
    """
    from analytics import kpis
    from analytics.contracts import PERFORMANCE
    from analytics.filters import INTERACTION_ONLY

    narrowing = [name for name in INTERACTION_ONLY if getattr(current, name)]
    shown = kpis.KPIS if kpi_ids is None else [kpis.kpi(i) for i in kpi_ids]
    scorecard = [k.label for k in shown if k.source == PERFORMANCE]
    if not narrowing or not scorecard:
        return False
    words = {"channels": "channel", "reasons": "contact reason", "segments": "customer segment"}
    which = " and ".join(words[n] for n in narrowing)
    st.caption(f"The {which} filter does not apply to scorecard KPIs ({', '.join(scorecard[:3])}"
               f"{' …' if len(scorecard) > 3 else ''}): providers report them per account and month, not per "
               f"{words[narrowing[0]]}.", help="Interaction KPIs follow every filter.")
    return True
