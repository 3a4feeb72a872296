"""Drawing the chart builders' output on a page."""
from __future__ import annotations

import altair as alt
import streamlit as st


def draw(chart: alt.TopLevelMixin) -> None:
    """Show a chart full width: sizes and palette from charts/theme.py, text and grid colours from the
    light or dark Streamlit theme the viewer chose.

    The spec is made here without Altair's JSON-schema validation (`to_dict(validate=False)`), which
    `st.altair_chart` would run on every rerun: 40–60 % of the chart's cost, for specs the builders
    always make the same way and tests/test_charts.py validates. The chart data stays inline, without
    Altair's 5,000-row cap (as `st.altair_chart` had it): a daily trend of many series can pass it."""
    with alt.data_transformers.disable_max_rows():
        spec = chart.to_dict(validate=False)
    st.vega_lite_chart(spec, theme="streamlit", width="stretch")
