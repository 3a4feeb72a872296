"""Kept for old imports: formatting lives in `analytics.formatting` (shared with the CLI and reports)."""
from analytics.formatting import (  # noqa: F401
    delta_color, format_band, format_band_value, format_change, format_date, format_datetime, format_delta,
    format_period, format_points, format_relative, format_text, format_value,
)
