"""Analysis frames turned into tables a person reads: labels from the registry, units in the
headers, dates for people, bands that agree with their scores, no ``None``.

Pure pandas (no Streamlit): the pages pass the result to ``st.dataframe`` with the column
configs defined here, and tests can check the frames directly.
"""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from analytics import kpis
from analytics.health import band as _band
from analytics.formatting import (
    MISSING, format_band_value, format_change, format_date, format_datetime, format_period, format_points,
    format_value,
)

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


def show_health_table(shown: pd.DataFrame, *, key: str, trend: str) -> list[int]:
    """Draw a `health_table` frame as a selectable table; returns the selected row positions.

    `trend` is "line" (the Overview's 8-quarter sparkline) or "bar" (the Health page's history)."""
    if trend == "line":
        history = st.column_config.LineChartColumn("Trend", y_min=0, y_max=100, width="small",
                                                   help="Health score of the last 8 quarters.")
    else:
        history = st.column_config.BarChartColumn("History", y_min=0, y_max=100, width="small",
                                                  help="Health score of the recent quarters.")
    picked = st.dataframe(
        shown, hide_index=True, width="stretch", key=key, on_select="rerun", selection_mode="single-row",
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
