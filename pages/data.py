"""Data: upload exports (sniff → map → dry run → load), manage batches, edit the engagement register."""
from __future__ import annotations

import streamlit as st

from analytics import db, ingest, maintenance, rejects, sample
from analytics.contracts import RELATIONSHIP_MODELS, UNASSIGNED, reporting_time_zone
from analytics.engagements import (classify_engagements, engagement_register, register_change, register_versions,
                                   save_engagement_register, undo_last_register_change, unregistered_engagements)
from ui import model_changes, state, upload
from ui.cached import connection, cursor
from ui.markdown import plain

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own
st.title("Data")
con = cursor()

flash = st.session_state.pop("data_flash", None)  # a message that survives the rerun after a save
if flash:
    st.success(flash, icon=":material/check_circle:")

# ---- empty database: the sample portfolio --------------------------------------------------------
if db.is_empty(con):
    st.info("The database is empty. Upload your exports below, or load a realistic sample portfolio to explore.",
            icon=":material/database:")
    if st.button("Load sample portfolio", key="data_load_sample", type="primary", icon=":material/auto_awesome:"):
        with st.spinner("Generating the sample portfolio…"):
            counts = sample.generate(con, progress=upload.progress_bar("Generating the sample portfolio…"))
        st.success("Sample portfolio loaded: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()),
                   icon=":material/check_circle:")

# ---- upload: one isolated section per file -------------------------------------------------------
st.header("Upload exports")
st.caption("Interactions, provider scorecards (performance) or the engagement register, as CSV/TSV. "
           "Columns are recognised by name; check the mapping, try a dry run, then load.")
try:
    _zone = reporting_time_zone()
    st.caption(plain(f"Reporting time zone: {_zone} (setting RAPPORT_TZ). Timestamps with an offset (Z, -04:00) "
                     f"are converted to it; timestamps without one are read as {_zone} time."))
except ValueError as exc:
    st.error(plain(str(exc)))
uploads = st.file_uploader("Drop CSV files here", type=["csv", "tsv", "txt"], accept_multiple_files=True,
                           key="data_uploads") or []
upload.forget_removed(uploads)
try:
    saved = {name: ingest.load_mapping(con, name) for name in ingest.saved_mappings(con)["source_name"]}
except ingest.IngestError as exc:  # a saved mapping this version cannot read must not hide the uploads
    st.warning(f"Saved mappings are unavailable: {plain(exc)}", icon=":material/warning:")
    saved = {}
saved = {name: m for name, m in saved.items() if m is not None}
for item in uploads:
    with st.container(border=True):
        st.subheader(plain(item.name))
        with upload.isolated(item.name):
            upload.file_section(con, item, saved)

# ---- batches -------------------------------------------------------------------------------------
st.header("Loaded batches")
batches = ingest.list_batches(con)
if batches.empty:
    st.caption("Nothing loaded yet.")
else:
    count = {"format": "localized"}
    batch_columns = {
        "batch_id": st.column_config.NumberColumn("Batch", format="plain"),
        "file_name": st.column_config.TextColumn("File", width="medium"),
        "source_name": st.column_config.TextColumn("Source"),
        "kind": st.column_config.TextColumn("Kind"),
        "status": st.column_config.TextColumn("Status", help="loaded, or empty when no new row was loaded"),
        "rows_read": st.column_config.NumberColumn("Read", **count),
        "rows_loaded": st.column_config.NumberColumn("Loaded", **count),
        "rows_rejected": st.column_config.NumberColumn("Rows rejected", **count),
        "values_rejected": st.column_config.NumberColumn(
            "Values rejected", **count, help="Single values set empty while the rest of their row loaded"),
        "rows_duplicate": st.column_config.NumberColumn("Duplicates", **count,
                                                        help="Rows already loaded by an earlier batch"),
        "rows_collapsed": st.column_config.NumberColumn(
            "Folded events", **count, help="Further events of an event log folded into one row per ticket"),
        "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="YYYY-MM-DD HH:mm"),
        "sha256": st.column_config.TextColumn("SHA-256", width="small"),
    }
    st.dataframe(batches, hide_index=True, key="data_batches_table", placeholder="—",
                 column_config=batch_columns, column_order=[c for c in batch_columns if c in batches.columns])
    labels = {int(r.batch_id): f"{r.batch_id} · {r.file_name} ({r.kind}, {r.rows_loaded:,} rows)"
              for r in batches.itertuples(index=False)}
    picked = st.selectbox("Batch", list(labels), format_func=labels.get, key="batch_pick")
    rejected = rejects.reject_count(con, picked)
    delete, download = st.columns(2)
    if delete.button("Delete batch…", key="batch_delete", icon=":material/delete:"):
        st.session_state["batch_confirm"] = picked

    def _rejects_csv(batch_id: int = picked) -> bytes:  # built only when the user downloads
        with connection().cursor() as cur:
            return rejects.rejects_csv(cur, batch_id)

    download.download_button(f"Rejected rows of batch {picked} (CSV, {rejected:,})", _rejects_csv,
                             file_name=f"batch-{picked}-rejects.csv", mime="text/csv", key="batch_rejects_csv",
                             disabled=not rejected, on_click="ignore")
    if rejected:
        with st.expander(f"Rejected rows of batch {picked} ({rejected:,})"):
            pages = rejects.page_count(rejected)
            page = st.number_input("Page", min_value=1, max_value=pages, value=1, step=1,
                                   key=f"rejects_page_{picked}") if pages > 1 else 1
            shown = rejects.rejects_page(con, picked, page=int(page))
            first = (int(page) - 1) * rejects.PAGE_SIZE + 1
            st.caption(f"Rows {first:,}–{first + len(shown) - 1:,} of {rejected:,} (line 1 is the header).")
            st.dataframe(shown, hide_index=True, placeholder="—", column_config={
                "line": st.column_config.NumberColumn("Line", format="plain"),
                "column": st.column_config.TextColumn("Column"),
                "value": st.column_config.TextColumn("Value"),
                "reason": st.column_config.TextColumn("Reason", width="large"),
                "scope": st.column_config.TextColumn("Rejected", help="row: the row was not loaded; "
                                                     "value: only this value was set empty"),
            })
    confirm = st.session_state.get("batch_confirm")
    if confirm is not None and confirm in labels:
        st.warning(f"Delete batch {plain(labels[confirm])}? Its rows leave every analysis.", icon=":material/delete:")
        yes, no = st.columns(2)
        if yes.button("Yes, delete", key="batch_delete_yes", type="primary"):
            ingest.drop_batch(con, confirm)
            del st.session_state["batch_confirm"]
            st.rerun()
        if no.button("Cancel", key="batch_delete_no"):
            del st.session_state["batch_confirm"]
            st.rerun()

# ---- engagement register -------------------------------------------------------------------------
REGISTER_CONFIG = {
    "provider": st.column_config.TextColumn("Provider", required=True),
    "account": st.column_config.TextColumn("Account"),
    "relationship_model": st.column_config.SelectboxColumn("Relationship model", options=list(RELATIONSHIP_MODELS)),
    "contract_start": st.column_config.DateColumn("Contract start", format="YYYY-MM-DD"),
    "contract_end": st.column_config.DateColumn("Contract end", format="YYYY-MM-DD"),
    "pricing_model": st.column_config.TextColumn("Pricing model"),
    "notes": st.column_config.TextColumn("Notes", width="medium"),
}

st.header("Engagement register")
st.caption("One row per provider × account: the relationship model and contract start drive the premium analysis.")

unknown = unregistered_engagements(con)
if len(unknown):
    one = len(unknown) == 1
    st.warning(f"{len(unknown):,} engagement{'' if one else 's'} {'has' if one else 'have'} data but "
               f"{'is' if one else 'are'} not in the register, so {'its' if one else 'their'} relationship model is "
               "unknown and the premium analysis leaves it out. Pick a model for those you know and add them.",
               icon=":material/help:")
    proposal = unknown.assign(relationship_model=None).fillna({"contacts": 0, "scorecard_months": 0})[
        ["provider", "account", "relationship_model", "first_seen", "seen_in", "contacts", "scorecard_months"]]
    classified = st.data_editor(  # the only empty cells are the models: they read "model unknown"
        proposal.rename(columns={"first_seen": "contract_start"}), hide_index=True, num_rows="fixed",
        placeholder="model unknown",
        key=f"register_unknown_{db.data_version(con)}",
        disabled=["provider", "account", "seen_in", "contacts", "scorecard_months"],
        column_config={**REGISTER_CONFIG,
                       "relationship_model": st.column_config.SelectboxColumn(
                           "Relationship model", options=list(RELATIONSHIP_MODELS),
                           help="Leave empty to keep it as model unknown"),
                       "contract_start": st.column_config.DateColumn(
                           "Contract start", format="YYYY-MM-DD", help="Proposed: the first month with data"),
                       "seen_in": st.column_config.TextColumn("Seen in"),
                       "contacts": st.column_config.NumberColumn("Contacts", format="localized"),
                       "scorecard_months": st.column_config.NumberColumn("Scorecard months", format="plain")})
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
            st.session_state["data_flash"] = f"{added:,} engagement{'' if added == 1 else 's'} added to the register."
            st.rerun()

register = engagement_register(con).fillna({"pricing_model": "", "notes": ""})
# Keyed on the data version: after a save, undo or load the editor starts afresh from the stored register,
# so edits made against an older register are never replayed onto a different one.
edited = st.data_editor(register, num_rows="dynamic", hide_index=True, placeholder="",
                        key=f"register_editor_{db.data_version(con)}", column_config=REGISTER_CONFIG)


def _save(frame) -> None:
    errors = save_engagement_register(con, frame)
    if errors:
        st.error("Nothing was saved — fix these first:\n\n" + "\n".join(f"- {plain(e)}" for e in errors),
                 icon=":material/error:")
        return
    st.session_state["data_flash"] = (f"Register saved ({len(frame)} engagements). “Undo last register change” "
                                      "puts the previous version back.")
    st.rerun()


save_col, undo_col = st.columns(2)
if save_col.button("Save register", key="register_save", icon=":material/save:"):
    change = register_change(con, edited)
    if change.needs_confirmation:
        st.session_state["register_confirm"] = True
    else:
        _save(edited)
if st.session_state.get("register_confirm"):
    change = register_change(con, edited)
    what = ("empties the register" if change.empties else
            f"removes {len(change.removed):,} engagements (" + ", ".join(plain(r) for r in change.removed[:5])
            + (", …" if len(change.removed) > 5 else "") + ")")
    st.warning(f"Saving {what}; their rows leave the premium analysis. The current register is kept, and "
               "“Undo last register change” puts it back.", icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button("Yes, save", key="register_confirm_yes", type="primary"):
        del st.session_state["register_confirm"]
        _save(edited)
    if no.button("Cancel", key="register_confirm_no"):
        del st.session_state["register_confirm"]
        st.rerun()
versions = register_versions(con)
if len(versions):
    saved_at = versions["saved_at"].iloc[0]
    if undo_col.button("Undo last register change", key="register_undo", icon=":material/undo:",
                       help=f"Restores the register as it was before the save of {saved_at:%Y-%m-%d %H:%M}"):
        restored = undo_last_register_change(con)
        st.session_state["data_flash"] = f"Register restored ({restored or 0:,} engagements)."
        st.rerun()

# ---- model changes -------------------------------------------------------------------------------
model_changes.section(con, register)

# ---- backup --------------------------------------------------------------------------------------
st.header("Backup")
st.caption("Writes every table to Parquet with a manifest, from this app's own process, so it works while "
           "the dashboard serves. Restore with `python -m analytics restore FOLDER --db NEW.duckdb`.")
if st.button("Back up now", key="data_backup", icon=":material/backup:"):
    try:
        done = maintenance.backup_now(con)
    except Exception as exc:  # noqa: BLE001 — the edge: MaintenanceError, or the database refusing the read
        st.error(f"The backup failed: {plain(exc)}.", icon=":material/error:")
    else:
        st.success(f"Backed up {len(done.manifest)} tables ({done.rows:,} rows) to {plain(done.directory)}"
                   + (f"; {len(done.removed)} older backups removed." if done.removed else "."),
                   icon=":material/check_circle:")
