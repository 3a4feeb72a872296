"""The QBR page's two editors: the contract's gain-share terms and the quarter's agenda (notes and actions)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import actions, gainshare, qbr
from ui.cached import analysis, cursor
from ui.markdown import plain


def terms_editor(provider: str, account: str) -> None:
    """An expander with the engagement's gain-share terms; saving stores them and reruns the page."""
    current = gainshare.terms(cursor(), provider, account)
    with st.expander("Gain-share terms of this contract", icon=":material/handshake:"):
        with st.form(f"terms_{provider}_{account}", border=False):
            method = st.radio("Baseline cost per resolution", gainshare.METHODS,
                              format_func=gainshare.METHOD_LABELS.get, horizontal=True,
                              index=gainshare.METHODS.index(current.baseline_method) if current else 0)
            cost_col, date_col, share_col = st.columns(3)
            cost = cost_col.number_input("Baseline ($ per resolution)", min_value=0.0, step=0.10, format="%.2f",
                                         value=(current.baseline_cost if current and current.baseline_cost else None),
                                         help="Used when the baseline is a fixed value.")
            as_of = date_col.date_input("As of", value=current.baseline_date if current else None,
                                        help="The date the contract's baseline figure is as of (optional).")
            share = share_col.slider("Buyer's share of the savings (%)", 0, 100,
                                     int(round((current.buyer_share if current else 0.5) * 100)), step=5)
            if st.form_submit_button("Save terms", icon=":material/save:"):
                errors = gainshare.save_terms(cursor(), provider, account, method=method, baseline_cost=cost,
                                              baseline_date=as_of, buyer_share=share / 100)
                for error in errors:
                    st.error(plain(error), icon=":material/error:")
                if not errors:
                    st.rerun()


AGENDA_COLUMNS = {
    "action_id": None,
    "kind": st.column_config.SelectboxColumn("Kind", options=list(actions.KINDS), default="action", required=True),
    "text": st.column_config.TextColumn("What was noted or agreed", required=True, width="large"),
    "owner": st.column_config.TextColumn("Owner"),
    "due": st.column_config.DateColumn("Due", format="D MMM YYYY"),
    "status": st.column_config.SelectboxColumn("Status", options=list(actions.STATUSES), default="open",
                                               required=True),
    "raised_quarter": st.column_config.TextColumn("Raised in", disabled=True),
}


def agenda_editor(provider: str, account: str, quarter: str) -> None:
    """The quarter's agenda as an editable table (open actions carried forward) and its save button."""
    items = analysis(actions.agenda, provider, account, quarter)
    items = items.assign(raised_quarter=items["raised_quarter"].map(qbr.quarter_text).astype("string"))
    edited = st.data_editor(items, num_rows="dynamic", hide_index=True, width="stretch",
                            key=f"agenda_{provider}_{account}_{quarter}", placeholder="—",
                            column_config=AGENDA_COLUMNS)
    if st.button("Save the agenda", icon=":material/save:", key=f"save_agenda_{provider}_{account}_{quarter}"):
        errors = actions.save_agenda(cursor(), provider, account, quarter, pd.DataFrame(edited))
        for error in errors:
            st.error(plain(error), icon=":material/error:")
        if not errors:
            st.rerun()
    st.caption("Open actions carry forward to the next quarter's QBR until they are marked done.")
