"""Serialising a chart to its Vega-Lite spec without Altair's JSON-schema validation.

`chart.to_dict()` (and so `st.altair_chart`) validates the whole spec against the
Vega-Lite schema on every call: about 100 ms a chart here, a third of a filter change on
a page with three or four charts (bench/pages.py). A spec only changes when a builder in
charts/ changes, so the tests validate every builder's output (tests/test_charts.py) and
the app and the QBR report serialise without validating.
"""
from __future__ import annotations

import altair as alt

# Charts receive aggregated frames, but a split trend at weekly grain can pass Altair's
# default 5,000-row guard; the data is inlined in the spec either way.
alt.data_transformers.disable_max_rows()


def spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec with its data inlined, not re-validated."""
    return chart.to_dict(validate=False)
