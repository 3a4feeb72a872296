"""Drawing the chart builders' output on a page."""
from __future__ import annotations

import altair as alt
import streamlit as st


def draw(chart: alt.TopLevelMixin) -> None:
    """Show a chart full width: sizes and palette from charts/theme.py, text and grid colours from the
    light or dark Streamlit theme the viewer chose."""
    st.altair_chart(chart, theme="streamlit", width="stretch")
