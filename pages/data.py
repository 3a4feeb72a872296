"""Data: upload exports (sniff → map → dry run → load), manage batches, edit the engagement register."""
from __future__ import annotations

import streamlit as st

from analytics import maintenance
from ui import batches, model_changes, register, state, upload
from ui.cached import cursor
from ui.markdown import plain

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own
st.title("Data")
con = cursor()

flash = st.session_state.pop(register.FLASH_KEY, None)  # a message that survives the rerun after a save
if flash:
    st.success(flash, icon=":material/check_circle:")

upload.sample_offer(con)
upload.section(con)
batches.section(con)
stored = register.section(con)
model_changes.section(con, stored)

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
