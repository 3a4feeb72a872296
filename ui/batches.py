"""The Data page's loaded batches: the batch table, a batch's rejected rows a page at a time, and deleting a
batch after a confirmation.

Rejected rows are read one page at a time and their full CSV is built only when the user downloads it,
so a batch with a million rejects costs a page, not the whole set, on every rerun.
"""
from __future__ import annotations

import duckdb
import streamlit as st

from analytics import ingest, rejects
from ui import tables
from ui.cached import connection
from ui.markdown import plain

_COUNT = {"format": "localized"}
BATCH_COLUMNS = {
    "batch_id": st.column_config.NumberColumn("Batch", format="plain"),
    "file_name": st.column_config.TextColumn("File", width="medium"),
    "source_name": st.column_config.TextColumn("Source"),
    "kind": st.column_config.TextColumn("Kind"),
    "status": st.column_config.TextColumn("Status", help="Loaded, or Empty when no new row was loaded"),
    "rows_read": st.column_config.NumberColumn("Read", **_COUNT),
    "rows_loaded": st.column_config.NumberColumn("Loaded", **_COUNT),
    "rows_updated": st.column_config.NumberColumn(
        "Updated", **_COUNT, help="Rows already loaded that this file filled in or changed (e.g. a later survey)"),
    "rows_rejected": st.column_config.NumberColumn("Rows rejected", **_COUNT),
    "values_rejected": st.column_config.NumberColumn(
        "Values rejected", **_COUNT, help="Single values set empty while the rest of their row loaded"),
    "rows_duplicate": st.column_config.NumberColumn("Duplicates", **_COUNT,
                                                    help="Rows already loaded by an earlier batch"),
    "rows_collapsed": st.column_config.NumberColumn(
        "Folded events", **_COUNT, help="Further events of an event log folded into one row per ticket"),
    "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="D MMM YYYY, HH:mm"),
    "sha256": st.column_config.TextColumn("SHA-256", width="small"),
}
REJECT_COLUMNS = {
    "line": st.column_config.NumberColumn("Line", format="plain"),
    "column": st.column_config.TextColumn("Column"),
    "value": st.column_config.TextColumn("Value"),
    "reason": st.column_config.TextColumn("Reason", width="large"),
    "scope": st.column_config.TextColumn("Rejected", help="row: the row was not loaded; "
                                         "value: only this value was set empty"),
}


ALWAYS_SHOWN = ("batch_id", "file_name", "kind", "status", "rows_read", "rows_loaded", "rows_rejected", "loaded_at")
CSV_ONLY = ("sha256",)


def viewed_columns(batches) -> list[str]:
    """The batch table's columns on screen: the essentials, plus any other count or source that is set for
    some batch (a column of zeros says nothing and pushes the rest off a 1280-px screen). The CSV has all."""
    def informative(column: str) -> bool:
        values = batches[column]
        if values.dtype.kind in "iuf":
            return bool((values.fillna(0) != 0).any())
        return bool(values.fillna("").astype(str).str.strip().ne("").any())

    return [c for c in BATCH_COLUMNS if c in batches.columns and c not in CSV_ONLY
            and (c in ALWAYS_SHOWN or informative(c))]


def batch_label(row) -> str:
    """How a batch reads in the picker: `3 · march.csv (interactions, 1,204 rows)`."""
    return f"{row.batch_id} · {row.file_name} ({row.kind}, {row.rows_loaded:,} rows)"


def section(con: duckdb.DuckDBPyConnection) -> None:
    """Heading, the batch table, the picked batch's rejects (download and pages), delete with confirmation."""
    st.header("Loaded batches")
    batches = ingest.list_batches(con)
    if batches.empty:
        st.caption("Nothing loaded yet: upload an export above, or load the sample portfolio.")
        return
    present = [c for c in BATCH_COLUMNS if c in batches.columns]
    shown = batches.assign(kind=batches["kind"].map(lambda k: tables.DATASET_LABELS.get(k, k)),
                           status=batches["status"].astype("string").str.capitalize())
    tables.show_table(shown, key="data_batches_table", placeholder="—", column_config=BATCH_COLUMNS,
                      column_order=viewed_columns(batches), csv_columns=present, download="batches.csv",
                      download_label="Batches (CSV)")
    labels = {int(r.batch_id): batch_label(r) for r in batches.itertuples(index=False)}
    picked = st.selectbox("Batch", list(labels), format_func=labels.get, key="batch_pick")
    rejected_rows(con, picked)
    _confirm_delete(con, labels)


def rejected_rows(con: duckdb.DuckDBPyConnection, picked: int) -> None:
    """The picked batch's "Delete batch…" button, its rejects CSV (built on download) and a paged table."""
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
    if not rejected:
        return
    with st.expander(f"Rejected rows of batch {picked} ({rejected:,})"):
        pages = rejects.page_count(rejected)
        page = st.number_input("Page", min_value=1, max_value=pages, value=1, step=1,
                               key=f"rejects_page_{picked}") if pages > 1 else 1
        shown = rejects.rejects_page(con, picked, page=int(page))
        first = (int(page) - 1) * rejects.PAGE_SIZE + 1
        st.caption(f"Rows {first:,}–{first + len(shown) - 1:,} of {rejected:,} (line 1 is the header).")
        # No per-page download: the button above writes every reject through the neutralising writer.
        tables.show_table(shown, download=None, placeholder="—", column_config=REJECT_COLUMNS)


def _confirm_delete(con: duckdb.DuckDBPyConnection, labels: dict[int, str]) -> None:
    confirm = st.session_state.get("batch_confirm")
    if confirm is None or confirm not in labels:
        return
    st.warning(f"Delete batch {plain(labels[confirm])}? Its rows leave every analysis.", icon=":material/delete:")
    yes, no = st.columns(2)
    if yes.button("Yes, delete", key="batch_delete_yes", type="primary"):
        ingest.drop_batch(con, confirm)
        del st.session_state["batch_confirm"]
        st.rerun()
    if no.button("Cancel", key="batch_delete_no"):
        del st.session_state["batch_confirm"]
        st.rerun()
