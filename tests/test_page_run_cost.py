"""What a page run on cached data skips, asserted as behaviour (the CPU figures live in bench/ and the commits):
a chart's spec is built once per builder and argument values, and the scripts need no Streamlit magic."""
from __future__ import annotations

import ast
import json

import pyarrow as pa

from streamlit import config
from streamlit.testing.v1 import AppTest

from tests.builders import APP_RUN_CAP, REPO


def _script():
    import pandas as pd
    import streamlit as st

    from analytics import kpis
    from charts.trends import build_trend_chart
    from ui.charts import draw, draw_chart

    def counted(frame, k, **kwargs):  # the real builder, counting its calls in the session
        st.session_state["builds"] = st.session_state.get("builds", 0) + 1
        return build_trend_chart(frame, k, **kwargs)

    frame = pd.DataFrame({
        "period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "kpi": "fcr", "value": [0.70, 0.72, st.session_state.get("last", 0.95)], "numerator": [70, 72, 95],
        "denominator": [100, 100, 100], "rolling_mean": [0.70, 0.71, 0.79], "target": 0.75,
        "yoy_change": [None, 0.05, None], "anomaly": [False, False, True],
    })
    k = kpis.kpi("fcr")
    draw_chart(counted, frame, k, grain="month")
    draw(build_trend_chart(frame, k, grain="month"))  # the uncached way, for comparison


def _specs(at: AppTest) -> tuple[dict, dict]:
    cached, direct = at.get("vega_lite_chart")
    return json.loads(cached.proto.spec), json.loads(direct.proto.spec)


def _values(at: AppTest) -> list[float]:
    """The "value" column of the cached chart's data, as Streamlit ships it (Arrow, out of the spec)."""
    chart = at.get("vega_lite_chart")[0]
    (dataset,) = [d for d in chart.proto.datasets if d.name == json.loads(chart.proto.spec)["data"]["name"]]
    return pa.ipc.open_stream(dataset.data.data).read_all().column("value").to_pylist()


def test_a_chart_is_built_once_for_the_same_data_and_again_when_a_value_changes():
    at = AppTest.from_function(_script, default_timeout=APP_RUN_CAP).run()
    assert not at.exception
    cached, direct = _specs(at)
    assert cached == direct  # the cached spec is the builder's own
    assert at.session_state["builds"] == 1
    assert _values(at) == [0.70, 0.72, 0.95]

    at.run()  # a rerun on the same data: the spec comes from the cache
    assert not at.exception
    assert at.session_state["builds"] == 1
    assert _specs(at)[0] == direct

    at.session_state["last"] = 0.5  # one value of the frame changes: a new spec, built from it
    at.run()
    assert not at.exception
    cached, direct = _specs(at)
    assert at.session_state["builds"] == 2
    assert cached == direct and _values(at) == [0.70, 0.72, 0.5]


def test_the_scripts_need_no_magic_which_is_off():
    """runner.magicEnabled is off (.streamlit/config.toml): a bare expression in app.py or a page would show
    nothing. Only the module docstrings are bare, and magic never drew those."""
    assert config.get_option("runner.magicEnabled") is False
    for path in [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text())
        bare = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Expr)
                and not isinstance(node.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom))
                and node is not tree.body[0]]
        assert not bare, f"{path.name}: bare expressions on lines {bare} would not be drawn (magic is off)"


def _typed(value):
    """A value with the type of every part spelt out: 1, 1.0 and True differ, as they do in the JSON."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}, list(value)
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, float) and value != value:
        return "float:nan"
    return f"{type(value).__name__}:{value!r}"


def test_the_pages_chart_data_is_written_as_altairs_default_transformer_writes_it():
    """charts.datasets.inline_values is Altair's default data transformer made faster: the same records, value for
    value and type for type, for every kind of column (NaN, ±inf, NaT and missing text included)."""
    import numpy as np
    import pandas as pd
    from altair.vegalite.data import default_data_transformer

    from charts.datasets import inline_values as _inline_values

    n = 12
    floats = np.linspace(-2, 2, n)
    floats[[1, 5, 7, 8]] = [np.nan, np.inf, -np.inf, -0.0]
    frame = pd.DataFrame({
        "float": floats, "float32": floats.astype("float32"), "int": np.arange(n) - 3,
        "uint8": np.arange(n, dtype="uint8"), "bool": np.arange(n) % 2 == 0,
        "text": ["a", None, "ü"] * 4, "string": pd.array(["a", None, "b"] * 4, dtype="string"),
        "day": pd.to_datetime(["2024-01-01", None, "2024-02-29 13:45:01.5"] * 4, format="mixed"),
        "utc": pd.to_datetime(["2024-01-01", None, "2024-03-01"] * 4).tz_localize("UTC"),
        "category": pd.Categorical(["x", None, "y"] * 4), "Int64": pd.array([1, None, 3] * 4, dtype="Int64"),
        "Float64": pd.array([1.5, None, 2.0] * 4, dtype="Float64"),
        "boolean": pd.array([True, None, False] * 4, dtype="boolean"),
        "object": pd.Series([None, 1, 2.5, "x", np.float64(3), np.int64(4), pd.NA, [1, 2], np.array([1, 2]),
                             pd.Timestamp("2024-01-01"), float("nan"), True], dtype=object),
    })
    for shown in (frame, frame.iloc[::-2], frame.iloc[:0], frame.set_index("text"), frame[["float", "int"]]):
        assert _typed(_inline_values(shown)) == _typed(default_data_transformer(shown, max_rows=None))


def test_the_fast_altair_setting_is_undone_by_the_last_session_out():
    import altair as alt
    from altair.utils import schemapi

    from ui.charts import _fast_altair

    before = (alt.data_transformers.active, dict(alt.data_transformers.options), schemapi.DEBUG_MODE)
    with _fast_altair():
        with _fast_altair():
            assert schemapi.DEBUG_MODE is False and alt.data_transformers.active == "rapport_inline"
        assert schemapi.DEBUG_MODE is False and alt.data_transformers.active == "rapport_inline"
    assert (alt.data_transformers.active, dict(alt.data_transformers.options), schemapi.DEBUG_MODE) == before



def test_a_page_chart_and_a_qbr_chart_built_across_each_other_leave_altairs_checks_as_they_were():
    """The pages' specs (ui.charts) and the QBR report's builders (charts.qbr) both turn Altair's process-wide
    debug mode off; interleaved as two sessions can interleave them — page in, QBR in, page out, QBR out — the
    checks stay off until the last one ends and are back on after it (two separate counters left them off)."""
    import contextlib

    from altair.utils import schemapi

    from charts import theme
    from ui.charts import _fast_altair

    assert schemapi.DEBUG_MODE is True
    page, report = _fast_altair(), theme.unchecked()
    with contextlib.ExitStack() as outer:
        outer.enter_context(page)
        report.__enter__()
        outer.close()  # the page's build ends first
        assert schemapi.DEBUG_MODE is False  # the QBR build is still running
        report.__exit__(None, None, None)
    assert schemapi.DEBUG_MODE is True

def test_the_analysis_key_spells_arguments_exactly_or_leaves_them_to_streamlits_hasher():
    """ui.cached._exact: one string per argument set, equal only for equal values of the same types; values it
    cannot spell exactly (a frame, a timestamp, a set) raise, and the key goes to Streamlit's hasher as before."""
    from datetime import date, datetime, timezone

    import pandas as pd
    import pytest

    from analytics.filters import Filters
    from ui.cached import _exact, _NotExact

    different = [1, True, 1.0, -0.0, 0.0, "1", b"1", None, (1,), [1], ("a,b",), ("a", "b"), date(2024, 1, 1),
                 datetime(2024, 1, 1), Filters(), Filters(providers=("a",)), Filters(accounts=("a",)),
                 {"a": 1}, {"a": 1.0}, ("Filters()",)]
    spelt = [_exact(v) for v in different]
    assert len(set(spelt)) == len(different)
    assert _exact({"b": 1, "a": (2, "x")}) == _exact({"a": (2, "x"), "b": 1})  # a dict's order does not count
    assert _exact(Filters(start=date(2024, 1, 1))) == _exact(Filters(start=date(2024, 1, 1)))
    for value in (pd.DataFrame({"a": [1]}), pd.Timestamp("2024-01-01"), {1, 2},
                  datetime(2024, 1, 1, tzinfo=timezone.utc), (1, pd.Series([1]))):
        with pytest.raises(_NotExact):
            _exact(value)


def test_the_data_version_is_read_again_after_every_write_and_for_a_new_connection(tmp_path, monkeypatch):
    """ui.cached.data_version keeps the version it read until a write transaction of this process ends (or the
    connection is a new one): every analysis call of a run no longer queries it, yet a new batch still shows."""
    import pytest
    import streamlit as st

    from analytics import db
    from ui import cached

    monkeypatch.setenv("RAPPORT_DB", str(tmp_path / "version.duckdb"))
    st.cache_resource.clear()
    try:
        first = cached.data_version()
        assert cached.data_version() == first
        with db.write_transaction(cached.connection()):
            pass
        assert cached.data_version() == first + 1
        with pytest.raises(RuntimeError), db.write_transaction(cached.connection()) as cur:
            cur.execute("update meta set value = value + 10 where key = 'data_version'")
            raise RuntimeError("rolled back")
        assert cached.data_version() == first + 1 == db.data_version(cached.cursor())
        with cached.cursor() as cur:  # a write outside write_transaction: read only for a new connection
            cur.execute("update meta set value = 40 where key = 'data_version'")
        st.cache_resource.clear()
        assert cached.data_version() == 40
    finally:
        st.cache_resource.clear()


def test_a_frame_and_its_copy_from_the_analysis_cache_key_the_same_chart():
    """The frame an analysis just computed and the same frame unpickled from the analysis cache (every later
    rerun) have one spec key, so the rerun after a filter change does not build the page's charts again; a
    frame with one value changed has another."""
    import pickle

    import pandas as pd

    from ui.charts import _key_part

    frame = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]), "kpi": "fcr",
                          "value": [0.70, 0.72, 0.95], "series": ["a", "b", "a"], "anomaly": [False, False, True]})
    frame = frame.merge(pd.DataFrame({"series": ["a", "b"], "label": ["A", "B"]}), on="series")
    cached = pickle.loads(pickle.dumps(frame))
    assert pickle.dumps(cached) != pickle.dumps(frame)  # the layouts differ (what made the old key miss)
    assert _key_part(cached) == _key_part(frame)
    changed = frame.copy()
    changed.loc[2, "value"] = 0.5
    assert _key_part(changed) != _key_part(frame)
