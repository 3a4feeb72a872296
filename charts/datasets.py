"""A chart frame's rows as Altair writes them into a spec, and the name Altair gives such a dataset — made
without Altair's per-column pandas passes, for ui/charts.py (the pages' charts) and reports/qbr_build.py (the
QBR's), which both reuse an earlier spec and put new rows in it, kept in a SpecStore. Altair only, no Streamlit."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

import narwhals.stable.v1 as nw
import numpy as np
import pandas as pd
from altair.utils.core import sanitize_pandas_dataframe
from altair.vegalite.data import default_data_transformer


def column_values(column: pd.Series) -> list:
    """One column's values as Altair's default data transformer writes them into a spec: its
    `sanitize_pandas_dataframe` and then `DataFrame.to_dict(orient="records")`, made without the
    frame copy and the per-column pandas passes (most of a chart's spec time for frames of ~100 rows).

    Floats: Python floats, NaN and ±inf as None; integers and booleans: Python ints and bools; text: str,
    missing as None; datetimes: full ISO strings, NaT as ""; Python objects that are all str: those. Every
    other type goes through Altair's own code, one column at a time (what it does to a column never depends
    on the other columns)."""
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
        if dtype.kind == "O":  # text kept as Python objects (e.g. a model or KPI name): Altair keeps each str
            values = column.tolist()
            if all(type(v) is str for v in values):
                return values
    elif str(dtype) in ("str", "string"):  # a text column holds str or a missing value (NaN or NA)
        array = column.array
        if getattr(dtype, "storage", None) == "pyarrow" and hasattr(array, "__arrow_array__"):
            # Arrow's own list: str and None, ~50x faster than pandas' element-by-element `tolist`
            return array.__arrow_array__().to_pylist()
        return [v if isinstance(v, str) else None for v in column.tolist()]
    one = column.to_frame()
    return [row[column.name] for row in sanitize_pandas_dataframe(one).to_dict(orient="records")]


def inline_values(data: Any) -> Any:
    """Altair's default data transformer without its row cap (`disable_max_rows`), faster for frames:
    the same `{"values": records}`, value for value and type for type (tests/test_page_run_cost.py checks it)."""
    data = nw.to_native(data, pass_through=True)
    columns = getattr(data, "columns", None)
    if (not isinstance(data, pd.DataFrame) or isinstance(columns, (pd.MultiIndex, pd.RangeIndex))
            or isinstance(data.index, pd.MultiIndex) or not all(isinstance(c, str) for c in columns)
            or not columns.is_unique or len(columns) == 0):
        return default_data_transformer(data, max_rows=None)  # anything else: Altair's own way (or its error)
    names = columns.tolist()
    values = [column_values(column) for _, column in data.items()]
    return {"values": [dict(zip(names, row)) for row in zip(*values)]}


def dataset_name(values: list) -> str:
    """The name Altair gives an inline dataset (`altair.vegalite.v6.api._dataset_name`; a spec is kept as a
    template only where every name made here is one Altair gave)."""
    if values == [{}]:
        return "empty"
    return "data-" + hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


def copy_spec(part: Any, renamed: dict[str, str] | None = None) -> Any:
    """A copy of a spec's dicts and lists, each `{"data": {"name": old}}` naming `renamed[old]` instead."""
    renamed = renamed or {}
    if type(part) is dict:
        out = {}
        for k, v in part.items():
            if k == "data" and type(v) is dict and v.get("name") in renamed:
                v = {**v, "name": renamed[v["name"]]}
            out[k] = copy_spec(v, renamed)
        return out
    if type(part) is list:
        return [copy_spec(v, renamed) for v in part]
    return part


def swap_datasets(spec: dict, names: list[str], new: list[tuple[str, list | None]]) -> dict | None:
    """A copy of `spec` — made from frames whose datasets were `names`, in the order Altair met them — with each
    frame's dataset replaced by its `new` (name, rows); rows None keeps the spec's own rows under that name.
    None where Altair would have merged or split the datasets differently (two frames of equal rows share one)."""
    if len(names) != len(new):
        return None
    renamed: dict[str, str] = {}
    rows: dict[str, list | None] = {}
    for old, (name, values) in zip(names, new):
        if renamed.setdefault(old, name) != name:
            return None  # one dataset of the spec is two now
        rows[name] = values
    if len(set(renamed.values())) != len(renamed):
        return None  # two datasets of the spec are one now
    result = copy_spec({k: v for k, v in spec.items() if k != "datasets"}, renamed)
    if "datasets" in spec:  # in the spec's order, which is the order Altair meets them in
        result["datasets"] = {}
        for old, values in spec["datasets"].items():
            name = renamed.get(old, old)
            kept = rows.get(name)
            result["datasets"][name] = copy_spec(values) if kept is None else kept
    return result


class SpecStore:
    """The specs a process made before, for reuse: the `kept` most recently used, by key, safe across threads
    (pages render on several). Both spec caches keep theirs here: the pages' templates by chart shape, the QBR's
    by builder and arguments."""

    def __init__(self, kept: int = 64) -> None:
        self._kept = kept
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Any:
        """The value kept for `key` (now the most recently used), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        """Keep `value` for `key`, dropping the least recently used beyond `kept`."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._kept:
                self._items.popitem(last=False)

