"""Drawing the chart builders' output on a page."""
from __future__ import annotations

import hashlib
import io
import pickle
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import altair as alt
import narwhals.stable.v1 as nw
import numpy as np
import pandas as pd
import streamlit as st
from altair.utils.core import sanitize_pandas_dataframe
from altair.vegalite.data import default_data_transformer
from streamlit import dataframe_util

from charts import theme

_INLINE = "rapport_inline"  # the data transformer `_spec_of` uses


def _column_values(column: pd.Series) -> list:
    """One column's values as Altair's default data transformer writes them into a spec: its
    `sanitize_pandas_dataframe` and then `DataFrame.to_dict(orient="records")`, made without the
    frame copy and the per-column pandas passes (most of a chart's spec time for frames of ~100 rows).

    Floats: Python floats, NaN and ±inf as None; integers and booleans: Python ints and bools; text: str,
    missing as None; datetimes: full ISO strings, NaT as "". Every other type goes through Altair's own
    code, one column at a time (what it does to a column never depends on the other columns)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "f":
            values = column.to_numpy()
            out = values.tolist()
            for i in np.flatnonzero(~np.isfinite(values)).tolist():
                out[i] = None
            return out
        if dtype.kind in "iub":
            return column.to_numpy().tolist()
        if dtype.kind == "M":
            return ["" if text == "NaT" else text for text in (x.isoformat() for x in column)]
    elif str(dtype) in ("str", "string"):  # a text column holds str or a missing value (NaN or NA)
        return [v if isinstance(v, str) else None for v in column.tolist()]
    one = column.to_frame()
    return [row[column.name] for row in sanitize_pandas_dataframe(one).to_dict(orient="records")]


def _inline_values(data: Any) -> Any:
    """Altair's default data transformer without its row cap (`disable_max_rows`), faster for frames:
    the same `{"values": records}`, value for value and type for type (tests/test_page_run_cost.py checks it)."""
    data = nw.to_native(data, pass_through=True)
    columns = getattr(data, "columns", None)
    if (not isinstance(data, pd.DataFrame) or isinstance(columns, (pd.MultiIndex, pd.RangeIndex))
            or isinstance(data.index, pd.MultiIndex) or not all(isinstance(c, str) for c in columns)
            or not columns.is_unique or len(columns) == 0):
        return default_data_transformer(data, max_rows=None)  # anything else: Altair's own way (or its error)
    names = columns.tolist()
    values = [_column_values(column) for _, column in data.items()]
    return {"values": [dict(zip(names, row)) for row in zip(*values)]}


alt.data_transformers.register(_INLINE, _inline_values)
_FAST_LOCK = threading.Lock()
_fast_users = 0
_saved: Any = None  # what the first of them found: the enabler of the transformer that was active


@contextmanager
def _fast_altair() -> Iterator[None]:
    """Altair set up for the pages' charts while any session builds one: `_inline_values` as the data
    transformer, and no JSON-schema validation of each schema object as it is made (`theme.unchecked`).
    Counted, so sessions building at the same time neither undo each other's setting nor leave it on:
    the last one out restores the transformer."""
    global _fast_users, _saved
    with _FAST_LOCK:
        if _fast_users == 0:
            _saved = alt.data_transformers.enable(_INLINE)
        _fast_users += 1
    try:
        with theme.unchecked():
            yield
    finally:
        with _FAST_LOCK:
            _fast_users -= 1
            if _fast_users == 0 and _saved is not None:
                _saved.__exit__(None, None, None)  # the transformer that was active before
                _saved = None


def _spec_of(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec, made without Altair's JSON-schema validation (`to_dict(validate=False)`),
    which `st.altair_chart` would run on every rerun: 40–60 % of the chart's cost, for specs the builders
    always make the same way and tests/test_charts.py validates. The chart data stays inline, without
    Altair's 5,000-row cap (as `st.altair_chart` had it): a daily trend of many series can pass it. The
    data goes through `_inline_values`, Altair's default transformer made faster for frames."""
    with _fast_altair():
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

    The pickle is made without the pickler's memo (`Pickler.fast`): a shared object is written out each time it
    appears, so the bytes depend on the frame's values alone, not on which of its parts share one object. With
    the memo, a frame an analysis just computed and the same frame unpickled from the analysis cache pickled
    differently, so the first rerun after every filter change built every chart again (0.1–0.3 s a chart). It
    is still a pickle: equal bytes unpickle to equal frames, so two different frames never share a key. A
    pickle is 2–7x cheaper than `pd.util.hash_pandas_object` (which also fails on list cells, e.g. health
    history), and Streamlit's own frame hash samples frames above 50,000 rows."""
    if isinstance(value, pd.DataFrame):
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True  # no memo (a cyclic object raises ValueError: draw_chart then draws it uncached)
        pickler.dump(value)
        return ("__frame__", hashlib.sha256(buffer.getbuffer()).hexdigest())
    return value


def _with_arrow_datasets(spec: dict) -> dict:
    """`spec` with each table of its `datasets` already in the Arrow IPC bytes `st.vega_lite_chart` sends
    (it takes bytes as they are, and otherwise converts the rows with the same
    `dataframe_util.convert_anything_to_arrow_bytes`): a cached spec then costs neither the conversion nor
    unpickling the rows on every rerun. Anything that could be GeoJSON (rows with a "type") is left for
    Streamlit to sort out, as before."""
    datasets = spec.get("datasets")
    if isinstance(datasets, dict):
        for name, rows in datasets.items():
            if isinstance(rows, list) and all(isinstance(r, dict) and "type" not in r for r in rows[:1]):
                datasets[name] = dataframe_util.convert_anything_to_arrow_bytes(rows)
    return spec


@st.cache_data(show_spinner=False, max_entries=128)
def _cached_spec(_build: Callable[..., alt.TopLevelMixin], name: str, theme_name: str, key: tuple, _args: tuple,
                 _kwargs: dict[str, Any]) -> dict:
    with _fast_altair():
        spec = _spec_of(_build(*_args, **_kwargs))
    return _with_arrow_datasets(spec)


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
    except (TypeError, ValueError, RecursionError, pickle.PicklingError):  # a frame that cannot be pickled:
        # no cache for this chart
        draw(build(*args, **kwargs))
        return
    # by keyword: Streamlit looks a positional argument's name up in the signature, per argument, per call
    _show(_cached_spec(_build=build, name=name, theme_name=alt.theme.active, key=key, _args=args, _kwargs=kwargs))
