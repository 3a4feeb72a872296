"""Drawing the chart builders' output on a page."""
from __future__ import annotations

import hashlib
import io
import pickle
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from altair.utils.schemapi import SchemaBase, Undefined
from altair.vegalite.v6.schema import core
from pandas.api.types import infer_dtype
from streamlit import dataframe_util

from charts import theme
from charts.datasets import SpecStore, copy_spec, dataset_name, inline_values, swap_datasets

_INLINE = "rapport_inline"  # the data transformer `_spec_of` uses


alt.data_transformers.register(_INLINE, inline_values)
_FAST_LOCK = threading.Lock()
_fast_users = 0
_saved: Any = None  # what the first of them found: the enabler of the transformer that was active


@contextmanager
def _fast_altair() -> Iterator[None]:
    """Altair set up for the pages' charts while any session builds one: `inline_values` as the data
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
    data goes through `inline_values`, Altair's default transformer made faster for frames."""
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


class _NotProvable(Exception):
    """The chart holds something whose effect on its spec the shape below does not capture."""


_UNSET = object()


def _frame_shape(frame: pd.DataFrame) -> tuple:
    """What of a frame, besides its rows, reaches its chart's spec: its columns and their dtypes, which is where
    Altair infers an encoding's type from when a shorthand names none (`parse_shorthand`); for a column of
    Python objects it looks at the values (`infer_vegalite_type_for_pandas`: a function of pandas' `infer_dtype`
    of the column, which is taken here without its warning for a kind it does not know), so that is part of
    the shape too."""
    columns = frame.columns
    if type(columns) is not pd.Index or any(type(c) is not str for c in columns) or not columns.is_unique:
        raise _NotProvable
    inferred = []
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, np.dtype) and dtype.kind == "O":
            inferred.append((name, infer_dtype(frame[name], skipna=False)))
    return tuple(columns), tuple(frame.dtypes), type(frame.index), tuple(inferred)


def _shape(part: Any, frames: list[pd.DataFrame]) -> Any:
    """`part` of an Altair chart as a hashable value that determines its spec except for the rows of its
    frames, which are replaced by their `_frame_shape` and collected in `frames` (in walking order). Two charts
    of equal shape give equal specs once their datasets are swapped (tests/test_charts.py checks it against
    Altair). Raises `_NotProvable` for anything else: a type not listed here (a NumPy scalar, a date, an
    object of the builder's own), and parameters (selections), whose view names Altair makes from a hash of
    the chart's data."""
    kind = type(part)
    if kind is str or kind is int or kind is bool or part is None:
        return kind, part
    if kind is float:
        return kind, repr(part)  # -0.0 and 0.0 differ in the spec; NaN equals NaN here as in the output
    if isinstance(part, SchemaBase):
        kwds = part._kwds
        if kwds.get("params", Undefined) is not Undefined or isinstance(part, (alt.Parameter, core.VariableParameter,
                                                                             core.SelectionParameter)):
            raise _NotProvable
        # `_cached_hash` (Altair's hash of a layer's data, kept for naming views with parameters) never
        # reaches the spec
        return (kind, tuple(_shape(a, frames) for a in part._args),
                tuple((k, _shape(v, frames)) for k, v in kwds.items() if v is not Undefined and k != "_cached_hash"))
    if part is Undefined:
        return _UNSET
    if kind is pd.DataFrame:
        frames.append(part)
        return "__frame__", _frame_shape(part)
    if kind is list or kind is tuple:
        return kind, tuple(_shape(v, frames) for v in part)
    if kind is dict:
        if any(type(k) is not str for k in part):
            raise _NotProvable
        return kind, tuple((k, _shape(v, frames)) for k, v in part.items())
    raise _NotProvable


# Specs made in full before, per chart shape: (spec, the dataset name of each of its frames in walking order).
_TEMPLATES = SpecStore(kept=64)


def _rows(frame: pd.DataFrame) -> list:
    """The rows `_spec_of` writes for a frame (the active transformer is `inline_values`)."""
    converted = inline_values(frame)
    if not isinstance(converted, dict) or set(converted) != {"values"} or not isinstance(converted["values"], list):
        raise _NotProvable
    return converted["values"]


def _swapped(template: tuple[dict, list[str]], frames: list[pd.DataFrame]) -> dict | None:
    """The template's spec with `frames`' rows in place of the ones it was made from (`swap_datasets`)."""
    spec, names = template
    new = []
    for frame in frames:
        values = _rows(frame)
        new.append((dataset_name(values), values))
    return swap_datasets(spec, names, new)


def _spec_by_shape(chart: alt.TopLevelMixin) -> dict:
    """`_spec_of(chart)`, made from the spec of an earlier chart of the same shape (`_shape`: every part of
    the chart but its frames' rows, with the active theme and data settings) by swapping its datasets:
    turning a chart into a dict walks and copies every schema object (5–15 ms a page's chart), and a filter
    change changes only the charts' rows. The first chart of a shape is made in full, and kept as the
    template only where Altair named its datasets as `dataset_name` does; anything `_shape` cannot
    describe is made in full every time."""
    frames: list[pd.DataFrame] = []
    try:
        # the theme's config is merged into every spec (charts/theme.py's is a constant)
        shape = (_shape(chart, frames), alt.theme.active, alt.theme.get(), alt.data_transformers.consolidate_datasets)
        hash(shape)
    except (_NotProvable, TypeError, ValueError):
        return _spec_of(chart)
    template = _TEMPLATES.get(shape)
    try:
        if template is not None:
            spec = _swapped(template, frames)
            if spec is not None:
                return spec
        spec = _spec_of(chart)
        names = [dataset_name(_rows(f)) for f in frames]
    except _NotProvable:
        return _spec_of(chart)
    datasets = spec.get("datasets", {})
    if set(names) == set(datasets) and all(type(rows) is list for rows in datasets.values()):
        _TEMPLATES.put(shape, (copy_spec(spec), names))
    return spec


@st.cache_data(show_spinner=False, max_entries=128)
def _cached_spec(_build: Callable[..., alt.TopLevelMixin], name: str, theme_name: str, key: tuple, _args: tuple,
                 _kwargs: dict[str, Any]) -> dict:
    with _fast_altair():
        spec = _spec_by_shape(_build(*_args, **_kwargs))
    return _with_arrow_datasets(spec)


def draw_chart(build: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> None:
    """Show `build(*args, **kwargs)` as `draw` does, its spec cached on the builder and its arguments.

    Building an Altair chart and turning it into a spec costs 0.1–0.3 CPU s a chart (Altair copies and
    checks its objects at every step), paid on every rerun for the same cached data; the spec is a
    plain dict a cache hit returns in about a millisecond. The key holds every argument's exact value
    (a frame's full content, see `_key_part`), so a different frame, KPI, split or grain is a different
    spec; the active Altair theme's name is part of the key too (its config is in the spec). On a miss (a
    filter change) the chart is still built, but its spec is made from an earlier one of the same shape where
    there is one (`_spec_by_shape`)."""
    name = f"{build.__module__}.{build.__qualname__}"
    try:
        key = (tuple(_key_part(a) for a in args), tuple(sorted((k, _key_part(v)) for k, v in kwargs.items())))
    except (TypeError, ValueError, RecursionError, pickle.PicklingError):  # a frame that cannot be pickled:
        # no cache for this chart
        draw(build(*args, **kwargs))
        return
    # by keyword: Streamlit looks a positional argument's name up in the signature, per argument, per call
    _show(_cached_spec(_build=build, name=name, theme_name=alt.theme.active, key=key, _args=args, _kwargs=kwargs))
