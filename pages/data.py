"""Data: upload exports (sniff → map → dry run → load), manage batches, edit the engagement register."""
from __future__ import annotations

import streamlit as st

from analytics import db, ingest, limits, sample
from analytics.contracts import KINDS, RELATIONSHIP_MODELS
from analytics.engagements import engagement_register, save_engagement_register
from analytics.export import csv_bytes
from ui import state, upload
from ui.cached import cursor
from ui.markdown import plain

PREVIEW_ROWS = 8
REJECT_SAMPLE = 20

state.ensure_shell(first_run_only=True)  # a deep link to /data on a fresh server gets the navigation
st.title("Data")
con = cursor()


def _progress_bar(label: str):
    bar = st.progress(0.0, text=label)
    return lambda fraction, message: bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)


def _show_result(result: ingest.IngestResult) -> None:
    name, message = plain(result.file), plain(result.message)
    if result.status == "failed":
        st.error(f"**{name}** was not loaded: {message}", icon=":material/error:")
    elif result.status == "loaded":
        counts = (f"{result.rows_read:,} rows read: {result.rows_loaded:,} loaded, "
                  f"{result.rows_rejected:,} rejected, {result.rows_duplicate:,} already loaded.")
        show = st.warning if result.rows_rejected else st.success
        show(f"**{name}** loaded as batch {result.batch_id}. {counts}", icon=":material/check_circle:")
    else:  # dry-run, or skipped (the same file was loaded before)
        show = st.warning if result.rows_rejected else st.info
        show(f"**{name}**: {message}", icon=":material/science:" if result.status == "dry-run" else None)
    if len(result.rejects):
        with st.expander(f"First rejected rows of {result.file} (line, column, value, reason)"):
            st.dataframe(result.rejects.head(REJECT_SAMPLE), hide_index=True)


# ---- empty database: the sample portfolio --------------------------------------------------------
if db.is_empty(con):
    st.info("The database is empty. Upload your exports below, or load a realistic sample portfolio to explore.",
            icon=":material/database:")
    if st.button("Load sample portfolio", key="data_load_sample", type="primary", icon=":material/auto_awesome:"):
        with st.spinner("Generating the sample portfolio…"):
            counts = sample.generate(con, progress=_progress_bar("Generating the sample portfolio…"))
        st.success("Sample portfolio loaded: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()),
                   icon=":material/check_circle:")

# ---- upload --------------------------------------------------------------------------------------
st.header("Upload exports")
st.caption("Interactions, provider scorecards (performance) or the engagement register, as CSV/TSV. "
           "Columns are recognised by name; check the mapping, try a dry run, then load.")
uploads = st.file_uploader("Drop CSV files here", type=["csv", "tsv", "txt"], accept_multiple_files=True,
                           key="data_uploads")
paths = upload.temp_copies(uploads or [])
saved = {name: ingest.load_mapping(con, name) for name in ingest.saved_mappings(con)["source_name"]}
saved = {name: m for name, m in saved.items() if m is not None}
for item in uploads or []:
    fid, path = item.file_id, paths[item.file_id]
    with st.container(border=True):
        st.subheader(plain(item.name))
        try:
            limits.check_upload_size(item.size, item.name)
            sniffed = ingest.sniff_file(path, file_name=item.name)
            kind = st.selectbox("Kind", KINDS, index=KINDS.index(sniffed.kind) if sniffed.kind in KINDS else 0,
                                key=f"up_{fid}_kind", help="Detected from the headers; override if it is wrong.")
            if kind != sniffed.kind:
                sniffed = ingest.sniff_file(path, file_name=item.name, kind=kind)
        except ingest.IngestError as exc:
            st.error(f"Cannot read this file: {plain(exc)}", icon=":material/error:")
            continue
        a, b, c, d = st.columns(4)
        a.metric("Encoding", sniffed.encoding)
        b.metric("Delimiter", {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
            sniffed.delimiter, repr(sniffed.delimiter)))
        c.metric("Header line", sniffed.header_line)
        d.metric("Date format", ", ".join(str(v) for v in sniffed.date_formats.values()) or "—")
        for note in [*sniffed.ambiguities, *sniffed.warnings]:
            st.warning(plain(note), icon=":material/warning:")
        st.dataframe(sniffed.preview.head(PREVIEW_ROWS), hide_index=True)

        same_kind = {n: m for n, m in saved.items() if m.kind == kind}
        names = ["(recognised from the headers)", *same_kind]
        auto = upload.saved_mapping_for(same_kind, sniffed.columns)
        source = st.selectbox("Mapping", names, index=names.index(auto) if auto else 0, key=f"up_{fid}_saved",
                              help="A saved mapping applies itself when all its columns are in the file.")
        applied = source if source in same_kind else None
        base = same_kind.get(source, sniffed.mapping)
        with st.expander("Column mapping", expanded=bool(sniffed.missing_required)):
            mapping = upload.mapping_editor(sniffed, fid, kind, base, source)
            name_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
            source_name = name_col.text_input("Save this mapping as (source name)", key=f"up_{fid}_source_name",
                                              placeholder="e.g. Genesys monthly export")
            if save_col.button("Save mapping", key=f"up_{fid}_save", disabled=not source_name.strip()):
                ingest.save_mapping(con, source_name.strip(), mapping)
                st.success(f"Mapping saved as {plain(source_name.strip())}.", icon=":material/bookmark:")

        dry, load = st.columns(2)
        if dry.button("Dry run", key=f"up_{fid}_dry", icon=":material/science:"):
            st.session_state[f"up_{fid}_result"] = ingest.ingest_file(
                con, path, file_name=item.name, kind=kind, mapping=mapping, dry_run=True)
        if load.button("Load", key=f"up_{fid}_load", type="primary", icon=":material/upload:"):
            st.session_state[f"up_{fid}_result"] = ingest.ingest_file(
                con, path, file_name=item.name, kind=kind, mapping=mapping,
                progress=_progress_bar(f"Loading {item.name}…"), source_name=source_name.strip() or applied)
            if st.session_state[f"up_{fid}_result"].batch_id is not None:  # show the new batch below
                st.session_state["batch_pick"] = st.session_state[f"up_{fid}_result"].batch_id
        if f"up_{fid}_result" in st.session_state:
            _show_result(st.session_state[f"up_{fid}_result"])

# ---- batches -------------------------------------------------------------------------------------
st.header("Loaded batches")
batches = ingest.list_batches(con)
if batches.empty:
    st.caption("Nothing loaded yet.")
else:
    count = {"format": "localized"}
    st.dataframe(batches, hide_index=True, key="data_batches_table", column_config={
        "batch_id": st.column_config.NumberColumn("Batch", format="plain"),
        "file_name": st.column_config.TextColumn("File", width="medium"),
        "source_name": st.column_config.TextColumn("Source"),
        "kind": st.column_config.TextColumn("Kind"),
        "rows_read": st.column_config.NumberColumn("Read", **count),
        "rows_loaded": st.column_config.NumberColumn("Loaded", **count),
        "rows_rejected": st.column_config.NumberColumn("Rejected", **count),
        "rows_duplicate": st.column_config.NumberColumn("Duplicates", **count,
                                                        help="Rows already loaded by an earlier batch"),
        "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="YYYY-MM-DD HH:mm"),
        "sha256": st.column_config.TextColumn("SHA-256", width="small"),
    })
    labels = {int(r.batch_id): f"{r.batch_id} · {r.file_name} ({r.kind}, {r.rows_loaded:,} rows)"
              for r in batches.itertuples(index=False)}
    picked = st.selectbox("Batch", list(labels), format_func=labels.get, key="batch_pick")
    delete, rejects = st.columns(2)
    if delete.button("Delete batch…", key="batch_delete", icon=":material/delete:"):
        st.session_state["batch_confirm"] = picked
    rejected = ingest.rejected_rows(con, picked)
    rejects.download_button(f"Rejected rows of batch {picked} (CSV, {len(rejected):,})", csv_bytes(rejected),
                            file_name=f"batch-{picked}-rejects.csv", mime="text/csv", key="batch_rejects_csv",
                            disabled=rejected.empty, on_click="ignore")
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
st.header("Engagement register")
st.caption("One row per provider × account: the relationship model and contract start drive the premium analysis.")
register = engagement_register(con)
edited = st.data_editor(
    register, num_rows="dynamic", hide_index=True, key="register_editor",
    column_config={"relationship_model": st.column_config.SelectboxColumn(
        "relationship_model", options=list(RELATIONSHIP_MODELS), required=True)},
)
if st.button("Save register", key="register_save", icon=":material/save:"):
    errors = save_engagement_register(con, edited)
    if errors:
        st.error("Nothing was saved — fix these first:\n\n" + "\n".join(f"- {plain(e)}" for e in errors),
                 icon=":material/error:")
    else:
        st.success(f"Register saved ({len(edited)} engagements).", icon=":material/check_circle:")
