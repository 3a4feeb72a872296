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
