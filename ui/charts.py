"""Drawing the chart builders' output on a page."""
from __future__ import annotations

import altair as alt
import streamlit as st

from charts.spec import spec


def draw(chart: alt.TopLevelMixin) -> None:
    """Show a chart full width in the app's own Altair theme (not Streamlit's), unvalidated (charts/spec.py)."""
    st.vega_lite_chart(spec(chart), theme=None, width="stretch")
