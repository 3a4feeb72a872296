"""The Data page's relationship-model changes: record that an engagement changed model on a date.

The history itself lives in ``analytics/model_history.py``; this draws the form and the table.
"""
from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from analytics.contracts import RELATIONSHIP_MODELS
from analytics.model_history import ModelHistoryError, model_history, record_model_change
from ui import tables
from ui.markdown import plain


def section(con: duckdb.DuckDBPyConnection, register: pd.DataFrame) -> None:
    """Heading, a form recording one dated model change, and the history of engagements that changed."""
    st.subheader("Relationship model changes")
    st.caption("A deal upgraded from transactional to partnership (or back) on a date: the premium counts every "
               "month before that date under the old model and every month from it under the new one.")
    if not len(register):
        st.caption("Record a change once the engagement is in the register above.")
    else:
        engagements_list = [(p, a) for p, a in register[["provider", "account"]].itertuples(index=False)]
        with st.form("model_change", border=False):
            pick_col, model_col, date_col = st.columns([3, 2, 2])
            index = pick_col.selectbox("Engagement", range(len(engagements_list)), key="model_change_engagement",
                                       format_func=lambda i: f"{engagements_list[i][0]} · {engagements_list[i][1]}")
            chosen = engagements_list[index]
            new_model = model_col.selectbox("Model from that day", list(RELATIONSHIP_MODELS),
                                            key="model_change_model", format_func=str.capitalize)
            effective = date_col.date_input("Effective from", key="model_change_date", format="YYYY-MM-DD")
            if st.form_submit_button("Record model change", icon=":material/swap_horiz:"):
                try:
                    record_model_change(con, chosen[0], chosen[1], new_model, effective)
                except ModelHistoryError as exc:
                    st.error(plain(str(exc)), icon=":material/error:")
                else:
                    st.session_state["data_flash"] = (f"{plain(chosen[0])} · {plain(chosen[1])} runs as "
                                                      f"{new_model} from {effective:%Y-%m-%d}.")
                    st.rerun()
        history = model_history(con)
        changed = history.groupby(["provider", "account"])["relationship_model"].transform("size") > 1
        if changed.any():
            shown = history[changed].assign(
                relationship_model=lambda f: f["relationship_model"].str.capitalize(),
                effective_from=lambda f: f["effective_from"].map(lambda d: f"{d:%Y-%m-%d}"),
                effective_to=lambda f: f["effective_to"].map(
                    lambda d: "" if d is None or d != d else f"{d:%Y-%m-%d}"))
            tables.show_table(shown.rename(columns={"provider": "Provider", "account": "Account",
                                                    "relationship_model": "Model", "effective_from": "From",
                                                    "effective_to": "Until"}),
                              key="model_history_table", download="model-changes.csv",
                              download_label="Model changes (CSV)")
