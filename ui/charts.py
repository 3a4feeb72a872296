"""Drawing the chart builders' output on a page."""
from __future__ import annotations

import altair as alt
import streamlit as st


def draw(chart: alt.TopLevelMixin) -> None:
    """Show a chart full width in the app's own Altair theme (charts/theme.py), not Streamlit's."""
    st.altair_chart(chart, theme=None, width="stretch")
