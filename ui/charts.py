"""Drawing the chart builders' output on a page."""
from __future__ import annotations

import hashlib
import pickle
from typing import Any, Callable

import altair as alt
import pandas as pd
import streamlit as st

from charts import theme


def _spec_of(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec, made without Altair's JSON-schema validation (`to_dict(validate=False)`),
    which `st.altair_chart` would run on every rerun: 40–60 % of the chart's cost, for specs the builders
    always make the same way and tests/test_charts.py validates. The chart data stays inline, without
    Altair's 5,000-row cap (as `st.altair_chart` had it): a daily trend of many series can pass it."""
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict(validate=False)


def use_theme() -> None:
    """Make charts/theme.py's theme the active one, once per process rather than once per script run:
    registering it asks Altair for its theme names, which reads every installed package's entry points
    (10–25 ms a run). Checking the active theme's name costs microseconds."""
    if alt.theme.active != theme.NAME:
        theme.enable()


def _show(spec: dict) -> None:
    st.vega_lite_chart(spec, theme="streamlit", width="stretch")


def draw(chart: alt.TopLevelMixin) -> None:
    """Show a chart full width: sizes and palette from charts/theme.py, text and grid colours from the
    light or dark Streamlit theme the viewer chose."""
    _show(_spec_of(chart))


def _key_part(value: Any) -> Any:
    """A frame as the digest of its pickle, anything else as is (Streamlit's hasher takes it).

    Equal pickles unpickle to equal frames, so two different frames never share a key; equal frames may
    pickle differently (a copy's blocks can be laid out differently), which only costs a rebuild. Every
    cache hit unpickles the same bytes, so a page's frames pickle the same on every rerun. A pickle is
    2–7x cheaper than `pd.util.hash_pandas_object` (which also fails on list cells, e.g. health history),
    and Streamlit's own frame hash samples frames above 50,000 rows."""
    if isinstance(value, pd.DataFrame):
        return ("__frame__", hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest())
    return value


@st.cache_data(show_spinner=False, max_entries=128)
def _cached_spec(_build: Callable[..., alt.TopLevelMixin], name: str, theme_name: str, key: tuple, _args: tuple,
                 _kwargs: dict[str, Any]) -> dict:
    return _spec_of(_build(*_args, **_kwargs))


def draw_chart(build: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> None:
    """Show `build(*args, **kwargs)` as `draw` does, its spec cached on the builder and its arguments.

    Building an Altair chart and turning it into a spec costs 0.1–0.3 CPU s a chart (Altair copies and
    checks its objects at every step), paid on every rerun for the same cached data; the spec is a
    plain dict a cache hit returns in about a millisecond. The key holds every argument's exact value
    (a frame's full content, see `_key_part`), so a different frame, KPI, split or grain is a different
    spec; the active Altair theme's name is part of the key too (its config is in the spec)."""
    name = f"{build.__module__}.{build.__qualname__}"
    try:
        key = (tuple(_key_part(a) for a in args), tuple(sorted((k, _key_part(v)) for k, v in kwargs.items())))
    except (TypeError, pickle.PicklingError):  # a frame that cannot be pickled: no cache for this chart
        draw(build(*args, **kwargs))
        return
    _show(_cached_spec(build, name, alt.theme.active, key, _args=args, _kwargs=kwargs))
