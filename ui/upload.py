"""Uploaded files as temporary files on disk, one per upload, for the ingest engine to read.

DuckDB cannot read a Streamlit `UploadedFile` with an encoding, so each upload is copied
once into a `NamedTemporaryFile` whose name we choose — never a path built from the
client-controlled file name. The copies live as long as the upload is in the widget.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from analytics.contracts import FIELDS
from analytics.ingest import Mapping, SniffResult

_KEY = "_upload_temp_files"  # session state: file_id → temp path


def temp_copies(uploads: list[UploadedFile]) -> dict[str, Path]:
    """A temp file per current upload (written once), keyed by the upload's file_id.

    Copies of uploads no longer in the widget are deleted.
    """
    known: dict[str, str] = st.session_state.setdefault(_KEY, {})
    current = {u.file_id for u in uploads}
    for file_id in [f for f in known if f not in current]:
        Path(known.pop(file_id)).unlink(missing_ok=True)
    for upload in uploads:
        if upload.file_id not in known or not Path(known[upload.file_id]).exists():
            with tempfile.NamedTemporaryFile(prefix="rapport-upload-", suffix=".csv", delete=False) as tmp:
                tmp.write(upload.getbuffer())
            known[upload.file_id] = tmp.name
    return {file_id: Path(path) for file_id, path in known.items() if file_id in current}



NOT_IN_FILE = "— not in file —"
CONSTANT_FIELDS = ("provider", "account")  # a file for one provider/program may lack these columns
DATE_ORDERS = {"auto": None, "day first (31/01/2025)": "dmy", "month first (01/31/2025)": "mdy"}


def saved_mapping_for(saved: dict[str, Mapping], columns: list[str]) -> str | None:
    """The first saved mapping whose source headers all exist in the file (auto-apply)."""
    present = set(columns)
    for name, mapping in saved.items():
        if mapping.columns and set(mapping.columns.values()) <= present:
            return name
    return None


def mapping_editor(sniff: SniffResult, file_id: str, kind: str, base: Mapping | None, source: str) -> Mapping:
    """A selectbox per canonical field (pre-filled from `base`), constants, date order → the chosen Mapping.

    Widget keys include the file, kind and mapping source, so applying a saved mapping or
    changing the kind starts from that mapping's values.
    """
    base = base if base is not None and base.kind == kind else Mapping(kind=kind)
    prefix = f"up_{file_id}_{kind}_{source}"
    options = [NOT_IN_FILE, *sniff.columns]
    chosen: dict[str, str] = {}
    constants: dict[str, str] = {}
    columns = st.columns(3)
    for i, f in enumerate(FIELDS[kind]):
        current = base.columns.get(f.name)
        label = f"{f.name}{' *' if f.required else ''}"
        picked = columns[i % 3].selectbox(label, options, index=options.index(current) if current in options else 0,
                                          key=f"{prefix}_{f.name}", help=f.description)
        if picked != NOT_IN_FILE:
            chosen[f.name] = picked
        elif f.name in CONSTANT_FIELDS:
            value = columns[i % 3].text_input(f"{f.name} for every row", value=base.constants.get(f.name, ""),
                                              key=f"{prefix}_const_{f.name}",
                                              placeholder="type a value, or leave empty")
            if value.strip():
                constants[f.name] = value.strip()
    date_order = base.date_order
    if sniff.ambiguities:
        labels = list(DATE_ORDERS)
        current = next((lbl for lbl, v in DATE_ORDERS.items() if v == date_order), "auto")
        date_order = DATE_ORDERS[st.selectbox("Date order (the dates could be read both ways)", labels,
                                              index=labels.index(current), key=f"{prefix}_date_order")]
    return Mapping(kind=kind, columns=chosen, constants=constants, date_order=date_order)
