"""Chart and report exports: formats, formula neutralisation, safe file names, caching on the key."""
from __future__ import annotations

import pandas as pd

from charts.qbr import build_health_trend_chart
from ui import exports


def _spec(score: float = 61.0) -> dict:
    frame = pd.DataFrame({"period": pd.to_datetime(["2025-04-01", "2025-07-01"]), "quarter": ["2025-Q2", "2025-Q3"],
                          "score": [55.0, score], "band": ["watch", "watch"]})
    return build_health_trend_chart(frame).to_dict()


def test_chart_exports_are_png_and_svg():
    key = (1, "test_chart_exports_are_png_and_svg")
    assert exports.png_bytes(key, "health_trend", _spec()).startswith(b"\x89PNG")
    assert "<svg" in exports.svg_text(key, "health_trend", _spec())


def test_exports_are_cached_on_the_key_so_a_rerun_does_not_render_again():
    key = (7, "test_exports_are_cached_on_the_key")
    first = exports.svg_text(key, "health_trend", _spec(61.0))
    # Same key, different spec: the cached render comes back (specs travel unhashed).
    assert exports.svg_text(key, "health_trend", _spec(99.0)) == first
    # A new data version renders afresh.
    assert exports.svg_text((8, "test_exports_are_cached_on_the_key"), "health_trend", _spec(99.0)) != first


def test_chart_data_csv_neutralises_formulas():
    frame = pd.DataFrame({"engagement": ['=HYPERLINK("http://evil.example","click")', "Acme · Care"],
                          "score": [50.0, 71.5]})
    text = exports.chart_csv_bytes((1, "csv"), "health_trend", frame).decode("utf-8")
    assert "'=HYPERLINK(" in text
    assert '\n=HYPERLINK' not in text and not text.startswith("=")
    assert "Acme · Care" in text


def test_file_stem_never_keeps_path_characters():
    assert exports.file_stem("../../etc/passwd") == "etc-passwd"
    assert exports.file_stem("QBR Acme · Care & Billing 2025-Q3") == "QBR-Acme-Care-Billing-2025-Q3"
    assert exports.file_stem("···") == "export"
