"""Analysis frames turned into tables a person reads: labels from the registry, units in the
headers, dates for people, bands that agree with their scores, no ``None``.

The ``*_table`` builders are pure pandas, so tests can check the frames directly. Every read-only
table on every page is drawn by ``show_table`` — the one place that decides how a table can leave
the app: the toolbar's own "Download as CSV" is off (``client.disableDataExport`` in
.streamlit/config.toml, because it writes cells raw, ``=HYPERLINK(…)`` included), and a table that
shows user values offers Rapport's neutralised CSV (``analytics.export``) instead.
``tests/test_markup_sweep.py`` fails when a ``st.dataframe`` is drawn anywhere else.
"""
from __future__ import annotations

import math
from functools import partial

import pandas as pd
import streamlit as st

from analytics import kpis
from analytics.export import csv_bytes
from analytics.health import band as _band
from analytics.formatting import format_band_value, format_change, format_points, format_value
from analytics.periods import MISSING, format_date, format_datetime, format_period

MODEL_LABELS = {"partnership": "Partnership", "transactional": "Transactional"}
DATASET_LABELS = {"interactions": "Interactions", "performance": "Provider scorecards",
                  "engagements": "Engagement register"}
BAND_LABELS = {"healthy": "Healthy", "watch": "Watch", "at risk": "At risk"}


def model_label(model) -> str:
    if model is None or (isinstance(model, float) and model != model):
        return "Model unknown"
    return MODEL_LABELS.get(str(model), str(model).capitalize())


def shown_score(score) -> float | None:
    """A 0–100 health score as the table shows it (one decimal), in its own band: 49.96 shows as 49.9,
    not 50.0 — rounding can only carry a score up across a band line, so such a score is cut instead."""
    if score is None or score != score:
        return None
    rounded = round(float(score), 1)
    return rounded if _band(rounded) == _band(float(score)) else math.floor(float(score) * 10) / 10


def health_table(overview: pd.DataFrame, *, period_grain: str = "quarter") -> pd.DataFrame:
    """`health_overview` rows for people: Engagement, Provider, Account, Model, Health (as shown), Status,
    Change (pts), History, Latest quarter. Rows keep the analysis order."""
    return pd.DataFrame({
        "Engagement": overview["engagement"].astype("string"),
        "Provider": overview["provider"].astype("string"),
        "Account": overview["account"].astype("string"),
        "Model": [model_label(m) for m in overview["relationship_model"]],
        "Health": pd.array([shown_score(s) for s in overview["score"]], dtype="Float64"),
        "Status": [BAND_LABELS.get(b, MISSING) for b in overview["band"]],
        "Change": [format_points(t) or MISSING for t in overview["trend"]],
        "History": list(overview["history"]),
        "Latest": [format_period(p, period_grain) for p in overview["period"]],
    })


def drivers_table(drivers: pd.DataFrame, *, label_from: str, label_to: str) -> pd.DataFrame:
    """`health_drivers` rows for people: KPI, Pillar, the KPI's value in each period (in its unit),
    the change by the units rule, and the contribution to the score in points."""
    rows = []
    for row in drivers.itertuples():
        k = kpis.kpi(row.kpi)
        rows.append({
            "KPI": k.label,
            "Pillar": str(row.pillar).capitalize(),
            label_from: format_value(k, row.value_from),
            label_to: format_value(k, row.value_to),
            "Change": format_change(k, row.value_to, row.value_from) or MISSING,
            "KPI score": f"{format_band_value(row.score_from)} → {format_band_value(row.score_to)}",
            "Contribution": format_points(row.contribution) or MISSING,
        })
    columns = ["KPI", "Pillar", label_from, label_to, "Change", "KPI score", "Contribution"]
    return pd.DataFrame(rows, columns=columns)


def freshness_table(freshness: pd.DataFrame) -> pd.DataFrame:
    """`data_freshness` rows for people: Dataset, Rows, First, Last, Last loaded."""
    return pd.DataFrame({
        "Dataset": [DATASET_LABELS.get(d, str(d).capitalize())
                    + (" (rollups imported from Spark; no raw rows)" if bool(imported) else "")
                    for d, imported in zip(freshness["dataset"],
                                           freshness.get("from_rollups", [False] * len(freshness)))],
        "Rows": [f"{int(r):,}" for r in freshness["rows"]],
        "From": [format_date(d) for d in freshness["first_date"]],
        "To": [format_date(d) for d in freshness["last_date"]],
        "Last loaded": [format_datetime(t) for t in freshness["last_loaded_at"]],
    })


def show_health_table(shown: pd.DataFrame, *, key: str, trend: str, download: str | None,
                      download_key: str | None = None) -> list[int]:
    """Draw a `health_table` frame as a selectable table; returns the selected row positions.

    `trend` is "line" (the Overview's 8-quarter sparkline) or "bar" (the Health page's history).
    With `download` (a file name), the neutralised CSV of every column but the history below it."""
    if trend == "line":
        history = st.column_config.LineChartColumn("Trend", y_min=0, y_max=100, width="small",
                                                   help="Health score of the last 8 quarters.")
    else:
        history = st.column_config.BarChartColumn("History", y_min=0, y_max=100, width="small",
                                                  help="Health score of the recent quarters.")
    picked = show_table(
        shown, key=key, on_select="rerun", selection_mode="single-row", download=download,
        download_key=download_key, csv_columns=[c for c in shown.columns if c != "History"],
        column_order=["Engagement", "Model", "Health", "Status", "Change", "History"],
        column_config={
            "Engagement": st.column_config.TextColumn("Engagement", width="large"),
            "Health": st.column_config.ProgressColumn("Health", min_value=0, max_value=100, format="%.1f"),
            "Change": st.column_config.TextColumn("Change",
                                                  help="Change in health score since the prior quarter, in points."),
            "History": history,
        },
    )
    return list(picked.selection.rows) if picked is not None else []


def _header(name: str, config) -> str:
    """A column's header as the table shows it: its column config's label, else its own name."""
    if isinstance(config, str):
        return config
    if isinstance(config, dict) and config.get("label"):
        return str(config["label"])
    return str(name)


def table_csv(frame: pd.DataFrame, *, column_order=None, column_config: dict | None = None) -> bytes:
    """The CSV a person downloads for a table: the columns it shows, in its order, under the headers it
    shows, written by the one neutralising writer (formulas cannot run, CR/LF quoted)."""
    config = column_config or {}
    columns = [c for c in (column_order or frame.columns) if c in frame.columns]
    shown = frame[columns]
    return csv_bytes(shown.set_axis([_header(c, config.get(c)) for c in columns], axis="columns"))


def show_table(frame: pd.DataFrame, *, download: str | None, key: str | None = None,
               download_label: str = "Download table (CSV)", download_key: str | None = None,
               csv_columns: list[str] | None = None, hide_index: bool = True, width="stretch",
               column_order=None, column_config: dict | None = None, **options):
    """Draw a read-only table; with `download` (a file name), a neutralised CSV of it below.

    Every caller says whether the table gets a download: a file name for a table that shows user
    values (names, file names, uploaded text) — the toolbar's raw export is off app-wide, so this
    button is how such a table leaves the app — or None, reviewed in tests/test_markup_sweep.py.
    `csv_columns` narrows the CSV (e.g. without a sparkline column). Returns what ``st.dataframe``
    returns (the selection, with ``on_select``).
    """
    drawn = st.dataframe(frame, key=key, hide_index=hide_index, width=width, column_order=column_order,
                         column_config=column_config, **options)
    if download:
        # Written when the button is clicked (Streamlit runs a callable `data` then), not on every run: the
        # same bytes, from this run's table (a shallow copy, so the caller cannot change it meanwhile).
        data = partial(table_csv, frame.copy(deep=False), column_order=csv_columns or column_order,
                       column_config=column_config)
        st.download_button(download_label, data, file_name=download, mime="text/csv",
                           key=download_key or f"{key or download}_csv", icon=":material/download:",
                           on_click="ignore")
    return drawn
