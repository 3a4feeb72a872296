"""Vega-Lite specs to images, offline through vl-convert (no browser, no CDN)."""
from __future__ import annotations

import vl_convert

PNG_SCALE = 2  # crisp on slides and high-density screens


def chart_png(spec: dict, *, scale: float = PNG_SCALE) -> bytes:
    """The chart as PNG bytes (`scale` multiplies the spec's pixel size)."""
    return bytes(vl_convert.vegalite_to_png(spec, scale=scale))


def chart_svg(spec: dict) -> str:
    """The chart as an SVG document (text)."""
    return vl_convert.vegalite_to_svg(spec)
