"""The Data page's engagement register: classify engagements seen in the data, edit the register, save with a
confirmation when rows would go, and undo the last change.

The rules (what a valid register is, what a save removes, the kept versions) live in
``analytics/engagements.py``; this draws the editors and buttons and turns their answers into messages.
"""
from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from analytics import db
from analytics.contracts import RELATIONSHIP_MODELS, UNASSIGNED
from analytics.engagements import (classify_engagements, engagement_register, register_change, register_versions,
                                   save_engagement_register, undo_last_register_change, unregistered_engagements)
from ui.markdown import plain

FLASH_KEY = "data_flash"  # a message that survives the rerun after a save (the page shows it at the top)
REGISTER_CONFIG = {
    "provider": st.column_config.TextColumn("Provider", required=True),
    "account": st.column_config.TextColumn("Account"),
    "relationship_model": st.column_config.SelectboxColumn("Relationship model", options=list(RELATIONSHIP_MODELS)),
    "contract_start": st.column_config.DateColumn("Contract start", format="YYYY-MM-DD"),
    "contract_end": st.column_config.DateColumn("Contract end", format="YYYY-MM-DD"),
    "pricing_model": st.column_config.TextColumn("Pricing model"),
    "notes": st.column_config.TextColumn("Notes", width="medium"),
}
UNKNOWN_CONFIG = {
    **REGISTER_CONFIG,
    "relationship_model": st.column_config.SelectboxColumn(
        "Relationship model", options=list(RELATIONSHIP_MODELS), help="Leave empty to keep it as model unknown"),
    "contract_start": st.column_config.DateColumn(
        "Contract start", format="YYYY-MM-DD", help="Proposed: the first month with data"),
    "seen_in": st.column_config.TextColumn("Seen in"),
    "contacts": st.column_config.NumberColumn("Contacts", format="localized"),
    "scorecard_months": st.column_config.NumberColumn("Scorecard months", format="plain"),
}


def section(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Heading, the unregistered engagements to classify, the register editor with save and undo.

    Returns the stored register (the model-change form picks its engagements from it).
    """
    st.header("Engagement register")
    st.caption("One row per provider × account: the relationship model and contract start drive the premium "
               "analysis.")
    unregistered(con)
    register = engagement_register(con).fillna({"pricing_model": "", "notes": ""})
    if register.empty:
        st.caption("The register is empty. Add the engagements found in your data above, or type one row per "
                   "provider × account into the empty row of the table below, then Save register.")
    # Keyed on the data version: after a save, undo or load the editor starts afresh from the stored register,
    # so edits made against an older register are never replayed onto a different one.
    edited = st.data_editor(register, num_rows="dynamic", hide_index=True, placeholder="",
                            key=f"register_editor_{db.data_version(con)}", column_config=REGISTER_CONFIG)
    save_col, undo_col = st.columns(2)
    if save_col.button("Save register", key="register_save", icon=":material/save:"):
        if register_change(con, edited).needs_confirmation:
            st.session_state["register_confirm"] = True
        else:
            _save(con, edited)
    if st.session_state.get("register_confirm"):
        _confirm_save(con, edited)
    _undo(con, undo_col)
    return register


def unregistered(con: duckdb.DuckDBPyConnection) -> None:
    """Engagements with data but no register row: a model picker per row and "Add classified engagements"."""
    unknown = unregistered_engagements(con)
    if not len(unknown):
        return
    one = len(unknown) == 1
    st.warning(f"{len(unknown):,} engagement{'' if one else 's'} {'has' if one else 'have'} data but "
               f"{'is' if one else 'are'} not in the register, so {'its' if one else 'their'} relationship model is "
               "unknown and the premium analysis leaves it out. Pick a model for those you know and add them.",
               icon=":material/help:")
    proposal = unknown.assign(relationship_model=None).fillna({"contacts": 0, "scorecard_months": 0})[
        ["provider", "account", "relationship_model", "first_seen", "seen_in", "contacts", "scorecard_months"]]
    classified = st.data_editor(  # the only empty cells are the models: they read "model unknown"
        proposal.rename(columns={"first_seen": "contract_start"}), hide_index=True, num_rows="fixed",
        placeholder="model unknown", key=f"register_unknown_{db.data_version(con)}",
        disabled=["provider", "account", "seen_in", "contacts", "scorecard_months"], column_config=UNKNOWN_CONFIG)
    if (unknown[["provider", "account"]] == UNASSIGNED).any(axis=None):
        st.caption(f"“{UNASSIGNED}” is one bucket: rows from files that had no provider or account column. "
                   "Give such files a provider or account in the column mapping to split it.")
    if st.button("Add classified engagements to the register", key="register_classify", icon=":material/add:"):
        errors, added = classify_engagements(con, classified)
        if errors:
            st.error("Nothing was added — fix these first: " + "; ".join(plain(e) for e in errors) + ".",
                     icon=":material/error:")
        elif not added:
            st.info("Pick a relationship model for at least one engagement first.", icon=":material/info:")
        else:
            st.session_state[FLASH_KEY] = f"{added:,} engagement{'' if added == 1 else 's'} added to the register."
            st.rerun()


def _save(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    errors = save_engagement_register(con, frame)
    if errors:
        st.error("Nothing was saved — fix these first:\n\n" + "\n".join(f"- {plain(e)}" for e in errors),
                 icon=":material/error:")
        return
    st.session_state[FLASH_KEY] = (f"Register saved ({len(frame)} engagements). “Undo last register change” "
                                   "puts the previous version back.")
    st.rerun()


def _confirm_save(con: duckdb.DuckDBPyConnection, edited: pd.DataFrame) -> None:
    """A save that empties the register or removes engagements asks first."""
    change = register_change(con, edited)
    what = ("empties the register" if change.empties else
            f"removes {len(change.removed):,} engagements (" + ", ".join(plain(r) for r in change.removed[:5])
            + (", …" if len(change.removed) > 5 else "") + ")")
    st.warning(f"Saving {what}; their rows leave the premium analysis. The current register is kept, and "
               "“Undo last register change” puts it back.", icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button("Yes, save", key="register_confirm_yes", type="primary"):
        del st.session_state["register_confirm"]
        _save(con, edited)
    if no.button("Cancel", key="register_confirm_no"):
        del st.session_state["register_confirm"]
        st.rerun()


def _undo(con: duckdb.DuckDBPyConnection, column) -> None:
    versions = register_versions(con)
    if not len(versions):
        return
    saved_at = versions["saved_at"].iloc[0]
    if column.button("Undo last register change", key="register_undo", icon=":material/undo:",
                     help=f"Restores the register as it was before the save of {saved_at:%Y-%m-%d %H:%M}"):
        restored = undo_last_register_change(con)
        st.session_state[FLASH_KEY] = f"Register restored ({restored or 0:,} engagements)."
        st.rerun()
