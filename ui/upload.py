"""The Data page's upload section: one isolated section per uploaded file.

DuckDB cannot read a Streamlit `UploadedFile` with an encoding, so the ingest engine reads a
temporary copy. A copy exists only while one operation runs (sniff, dry run, load) and is
deleted when it ends (`temp_copy`); the sniff result is kept in the session instead, so a
rerun does not copy the file again. Copies left behind by a killed process are swept when
the app opens its database at start-up (`sweep_stale_copies`, called from `ui.cached`). A
copy's name is chosen by us — never built from the client-controlled file name.

Each file's section runs inside `isolated`: whatever goes wrong with one file becomes one
sentence in that section, and the other files' sections, the batches and the register draw.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from analytics import contracts, db, ingest, limits, sample
from analytics.contracts import FIELDS, INTERACTIONS, KINDS
from analytics.errors import RapportError
from analytics.ingest import Mapping, SniffResult
from ui import tables
from ui.markdown import plain

UPLOAD_PREFIX = "rapport-upload-"
STALE_AFTER_SECONDS = 6 * 3600  # a copy older than this belongs to no running load
PREVIEW_ROWS = 8
REJECT_SAMPLE = 20
NOT_IN_FILE = "— not in file —"
CONSTANT_FIELDS = ("provider", "account")  # a file for one provider/program may lack these columns
DATE_ORDERS = {"auto": None, "day first (31/01/2025)": "dmy", "month first (01/31/2025)": "mdy"}

# What a person reads in the mapping editor; the field's description is the help text.
FIELD_LABELS = {
    "interaction_id": "Interaction id",
    "occurred_at": "When it happened",
    "occurred_time": "Time of day",
    "provider": "Provider",
    "account": "Account (client program)",
    "channel": "Channel",
    "contact_reason": "Contact reason",
    "customer_id": "Customer id",
    "customer_segment": "Customer segment",
    "agent_id": "Agent",
    "handle_seconds": "Handle time",
    "wait_seconds": "Wait time",
    "resolved_first_contact": "Resolved on first contact",
    "escalated": "Escalated",
    "csat": "CSAT (satisfaction)",
    "nps": "NPS (likelihood to recommend)",
    "ces": "Customer effort (CES)",
    "cost": "Cost",
    "period": "Period (month)",
    "quality_score": "Quality score",
    "sla_attainment": "SLA attainment",
    "agent_attrition": "Agent attrition",
    "cost_per_resolution": "Cost per resolution",
    "innovations": "Innovations implemented",
    "escalations": "Escalations",
    "governance_meetings": "Governance meetings",
    "relationship_model": "Relationship model",
    "contract_start": "Contract start",
    "contract_end": "Contract end",
    "pricing_model": "Pricing model",
    "notes": "Notes",
}
_WORDS = {"pct": "%", "csat": "CSAT", "aht": "AHT", "fcr": "FCR", "sla": "SLA", "nps": "NPS", "id": "id"}


def field_label(f: contracts.Field) -> str:
    """A short human label for a canonical field (never its snake_case name)."""
    own = getattr(f, "label", None)
    if own:
        return str(own)
    if f.name in FIELD_LABELS:
        return FIELD_LABELS[f.name]
    words = [_WORDS.get(w, w) for w in f.name.split("_") if w != "seconds"]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# ---- temporary copies ---------------------------------------------------------------------------

@contextmanager
def temp_copy(upload: UploadedFile) -> Iterator[Path]:
    """A private temporary copy of `upload` that is deleted when the block ends, however it ends."""
    fd, name = tempfile.mkstemp(prefix=UPLOAD_PREFIX, suffix=".csv")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(upload.getbuffer())
        yield path
    finally:
        path.unlink(missing_ok=True)


def sweep_stale_copies(folder: str | os.PathLike | None = None, *,
                       older_than_seconds: float = STALE_AFTER_SECONDS, now: float | None = None) -> int:
    """Delete `rapport-upload-*` copies older than `older_than_seconds` (left by a killed process).

    Returns how many were removed. Files that vanish or cannot be removed meanwhile are skipped.
    """
    target = Path(folder or tempfile.gettempdir())
    cutoff = (time.time() if now is None else now) - older_than_seconds
    removed = 0
    for path in target.glob(f"{UPLOAD_PREFIX}*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


# ---- frames that pyarrow accepts -----------------------------------------------------------------

def unique_columns(names: list[str] | tuple[str, ...]) -> list[str]:
    """Column names safe for `st.dataframe`: blank ones become `column N` (N = position from 1),
    repeated ones get ` (2)`, ` (3)`…; every name is unique."""
    result: list[str] = []
    taken: set[str] = set()
    for position, name in enumerate(names, start=1):
        base = str(name).strip() or f"column {position}"
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base} ({n})"
        taken.add(candidate)
        result.append(candidate)
    return result


def displayable(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with unique, non-blank column names (pyarrow refuses duplicates, e.g. two blank headers)."""
    out = frame.copy()
    out.columns = unique_columns([str(c) for c in frame.columns])
    return out


def mappable_columns(columns: tuple[str, ...]) -> list[str]:
    """Source headers a field can be mapped to: blank names left out, each name once."""
    return list(dict.fromkeys(c for c in columns if str(c).strip()))


# ---- sniffing, cached per upload and kind --------------------------------------------------------

_SNIFF_KEY = "_upload_sniffs"  # session state: (file_id, kind or "") → SniffResult | IngestError


def sniffed(upload: UploadedFile, kind: str | None = None) -> SniffResult:
    """`ingest.sniff_file` on a temporary copy, once per upload and kind (raises IngestError)."""
    cache: dict = st.session_state.setdefault(_SNIFF_KEY, {})
    key = (upload.file_id, kind or "")
    if key not in cache:
        limits.check_upload_size(upload.size, upload.name)
        try:
            with temp_copy(upload) as path:
                cache[key] = ingest.sniff_file(path, file_name=upload.name, kind=kind)
        except ingest.IngestError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, Exception):
        raise found
    return found


def forget_removed(uploads: list[UploadedFile]) -> None:
    """Drop cached sniffs and sampled values of files no longer in the uploader."""
    current = {u.file_id for u in uploads}
    sniffs: dict = st.session_state.get(_SNIFF_KEY, {})
    for key in [k for k in sniffs if k[0] not in current]:
        del sniffs[key]
    values: dict = st.session_state.get(_VALUES_KEY, {})
    for key in [k for k in values if k not in current]:
        del values[key]


# ---- isolation -----------------------------------------------------------------------------------

@contextmanager
def isolated(file_name: str) -> Iterator[None]:
    """One file's section: any failure becomes one sentence here; the rest of the page draws."""
    try:
        yield
    except ingest.IngestError as exc:
        st.error(f"Cannot read this file: {plain(exc)}", icon=":material/error:")
    except RapportError as exc:  # a database or limit problem: its message is the sentence (problem and fix)
        st.error(f"{plain(file_name)}: {plain(exc)}", icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 — the edge (st.rerun/st.stop raise BaseException, not caught)
        st.error(f"{plain(file_name)} could not be shown ({plain(type(exc).__name__)}): remove it from the "
                 "uploader and try again, or save it as UTF-8 CSV with one header row; if it persists, report "
                 "the file's header line.", icon=":material/error:")


# ---- the mapping editor --------------------------------------------------------------------------

def saved_mapping_for(saved: dict[str, Mapping], columns: list[str] | tuple[str, ...]) -> str | None:
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
    options = [NOT_IN_FILE, *mappable_columns(sniff.columns)]
    chosen: dict[str, str] = {}
    constants: dict[str, str] = {}
    columns = st.columns(3)
    for i, f in enumerate(FIELDS[kind]):
        current = base.columns.get(f.name)
        label = f"{field_label(f)}{' *' if f.required else ''}"
        picked = columns[i % 3].selectbox(label, options, index=options.index(current) if current in options else 0,
                                          key=f"{prefix}_{f.name}", help=f.description)
        if picked != NOT_IN_FILE:
            chosen[f.name] = picked
        elif f.name in CONSTANT_FIELDS:
            value = columns[i % 3].text_input(f"{field_label(f).split(' (')[0]} for every row",
                                              value=base.constants.get(f.name, ""),
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


# ---- tickets, complaints and event logs: scale, derived durations, event log, value recoding ------

CSAT_SCALES = {"detect from the values": None, "1–5": 5, "1–10": 10, "0–100": 100}
# a duration column's unit, as offered (label → the mapping's `units` word)
UNITS = {"seconds": "seconds", "milliseconds": "ms", "minutes": "minutes", "hours": "hours", "days": "days"}
RECODE_VALUES = 30  # distinct values offered per column (the most frequent in the sampled rows)
EMPTY = "(empty)"
BOOL_CHOICES = ["yes", "no", EMPTY]
_VALUES_KEY = "_upload_values"  # session state: file_id → {column: [values, most frequent first]}


def sampled_values(upload: UploadedFile, sniff: SniffResult) -> dict[str, list[str]]:
    """The distinct values of every column in the sniffed sample rows, most frequent first (cached per upload)."""
    cache: dict = st.session_state.setdefault(_VALUES_KEY, {})
    if upload.file_id not in cache:
        from analytics.ingest.sniff import sniff_layout

        with temp_copy(upload) as path:
            layout = sniff_layout(path, sniff.encoding, upload.name)
        values: dict[str, list[str]] = {}
        for index, column in enumerate(layout.columns):
            counts = Counter(row[index].strip() for row in layout.rows if index < len(row) and row[index].strip())
            values[column] = [v for v, _ in counts.most_common(RECODE_VALUES)]
        cache[upload.file_id] = values
    return cache[upload.file_id]


def recodable(kind: str) -> list[contracts.Field]:
    """Fields whose source spellings can be recoded: yes/no fields, channel and contact reason."""
    return [f for f in FIELDS[kind] if f.parser in ("bool", "channel") or f.name == "contact_reason"]


def _recode_editor(f: contracts.Field, column: str, seen: list[str], current: dict[str, str], key: str) -> dict:
    """A two-column editor: value in the file → read as. Rows left without a target are not recoded."""
    known = {k.strip().upper() for k in current}
    rows = [{"value": k, "read_as": (v if v != "" else EMPTY) if f.parser == "bool" else v}
            for k, v in current.items()]
    rows += [{"value": v, "read_as": None} for v in seen if v.strip().upper() not in known]
    frame = pd.DataFrame(rows, columns=["value", "read_as"]).astype("object")
    target = (st.column_config.SelectboxColumn("Read as", options=BOOL_CHOICES,
                                               help="yes / no, or (empty) for a value that means unknown")
              if f.parser == "bool" else
              st.column_config.TextColumn("Read as", help="the spelling to store, e.g. phone, chat, email"
                                          if f.parser == "channel" else "the reason to store"))
    edited = st.data_editor(frame, key=key, hide_index=True, num_rows="dynamic", placeholder="", column_config={
        "value": st.column_config.TextColumn(f"Value in {column}"), "read_as": target})
    recode: dict[str, str] = {}
    for value, read_as in zip(edited["value"], edited["read_as"]):
        if value is None or pd.isna(value) or str(value).strip() == "" or read_as is None or pd.isna(read_as):
            continue
        target_text = str(read_as).strip()
        if target_text == "" and f.parser != "bool":
            continue
        recode[str(value).strip()] = "" if target_text == EMPTY else target_text
    return recode


def options_editor(upload: UploadedFile, sniff: SniffResult, mapping: Mapping, base: Mapping | None,
                   source: str) -> Mapping:
    """Scale, derived durations, event log, volume-only and value recoding on top of `mapping`.

    Starts from `base` (a saved mapping) so applying one keeps all its options.
    """
    if mapping.kind != INTERACTIONS:
        return mapping
    base = base if base is not None and base.kind == mapping.kind else Mapping(kind=mapping.kind)
    prefix = f"up_{upload.file_id}_{mapping.kind}_{source}_opt"
    options = [NOT_IN_FILE, *mappable_columns(sniff.columns)]

    def pick(label: str, current: str | None, key: str, column=st, help: str | None = None) -> str | None:
        chosen = column.selectbox(label, options, index=options.index(current) if current in options else 0,
                                  key=f"{prefix}_{key}", help=help)
        return None if chosen == NOT_IN_FILE else chosen

    scale = base.csat_scale
    if "csat" in mapping.columns:
        labels = list(CSAT_SCALES)
        current = next((lbl for lbl, v in CSAT_SCALES.items() if v == scale), labels[0])
        scale = CSAT_SCALES[st.selectbox("CSAT scale", labels, index=labels.index(current), key=f"{prefix}_scale",
                                         help="Declare it when the file may hold a stray out-of-scale value; "
                                              "such values are rejected one by one, never rescaling the file")]

    units: dict[str, str] = {}
    timed = [f for f in FIELDS[mapping.kind] if f.parser == "duration" and f.name in mapping.columns]
    if timed:
        st.caption("The unit of each duration column: its plain numbers are read in it (h:mm:ss values as written). "
                   "A unit at the end of the header, such as “(min)”, is found by itself.")
        for f, column in zip(timed, st.columns(len(timed))):
            said = (contracts.header_unit(mapping.columns[f.name]) or ("", "seconds"))[1]
            current = base.units.get(f.name) or said
            labels = list(UNITS)
            index = next((i for i, word in enumerate(UNITS.values())
                          if contracts.DURATION_UNITS[word] == contracts.DURATION_UNITS.get(current)), 0)
            chosen = UNITS[column.selectbox(f"{field_label(f)}: unit", labels, index=index,
                                            key=f"{prefix}_unit_{f.name}")]
            if contracts.DURATION_UNITS[chosen] != contracts.DURATION_UNITS.get(said):
                units[f.name] = chosen

    derived: dict[str, dict[str, str]] = {}
    durations = [f for f in FIELDS[mapping.kind] if f.parser == "duration" and f.name not in mapping.columns]
    if durations:
        st.caption("Durations from two timestamp columns (e.g. opened → resolved), for fields not mapped above.")
        for f in durations:
            spec = base.derived.get(f.name, {})
            left, right = st.columns(2)
            start = pick(f"{field_label(f)}: from", spec.get("from"), f"derived_{f.name}_from", left)
            end = pick(f"{field_label(f)}: to", spec.get("to"), f"derived_{f.name}_to", right)
            if start and end:
                derived[f.name] = {"from": start, "to": end}

    event_log = None
    if st.checkbox("The file is an event log (several rows per ticket)", value=bool(base.event_log),
                   key=f"{prefix}_event_log",
                   help="One row per ticket is kept: its latest state by the event time, with the ticket's "
                        "first opening time as when it happened, and resolved when its last state says so"):
        left, right = st.columns(2)
        key_column = pick("Ticket column", (base.event_log or {}).get("key") or mapping.columns.get("interaction_id"),
                          "event_key", left)
        order_column = pick("Event time column", (base.event_log or {}).get("order_by"), "event_order", right)
        if key_column and order_column:
            event_log = {"key": key_column, "order_by": order_column}
        else:
            st.warning("Pick the ticket column and the event time column to collapse the log.",
                       icon=":material/warning:")
    volume_only = st.checkbox("Load without a measure (contact volume, channel and reason only)",
                              value=base.volume_only, key=f"{prefix}_volume_only",
                              help="Without this, a file with no measure is refused, so a mis-mapped file is caught")

    recode: dict[str, dict[str, str]] = {}
    fields = [f for f in recodable(mapping.kind) if f.name in mapping.columns]
    if fields:
        st.caption("Value recoding: say what the file's own spellings mean "
                   "(e.g. “Closed with explanation” → yes). Values are matched ignoring case; rows left "
                   "without “Read as” are read as they are.")
        seen = sampled_values(upload, sniff)
        for tab, f in zip(st.tabs([field_label(f) for f in fields]), fields):
            with tab:
                column = mapping.columns[f.name]
                chosen = _recode_editor(f, column, seen.get(column, []), base.recode.get(f.name, {}),
                                        f"{prefix}_recode_{f.name}_{column}")
                if chosen:
                    recode[f.name] = chosen
    # the pickers above show every derived duration, the automatic one included: what they say is all there is
    return dataclasses.replace(mapping, csat_scale=scale, derived=derived, event_log=event_log,
                               volume_only=volume_only, recode=recode, units=units, auto_derive=False)


# ---- results -------------------------------------------------------------------------------------

def progress_bar(label: str):
    bar = st.progress(0.0, text=plain(label))
    return lambda fraction, message: bar.progress(min(max(float(fraction), 0.0), 1.0), text=plain(message))


def show_result(result: ingest.IngestResult) -> None:
    """The outcome of a dry run or load; file names and messages shown verbatim, never as Markdown."""
    name, message = plain(result.file), plain(result.message)
    values = getattr(result, "values_rejected", 0)
    collapsed = getattr(result, "rows_collapsed", 0)
    problems = tuple(getattr(result, "column_problems", ()))
    if result.status == "failed":
        st.error(f"**{name}** was not loaded: {message}", icon=":material/error:")
    elif result.status == "loaded":
        updated = getattr(result, "rows_updated", 0)
        counts = (f"{result.rows_read:,} rows read: {result.rows_loaded:,} loaded, "
                  + (f"{updated:,} updated (already loaded, now with new values), " if updated else "")
                  + f"{result.rows_rejected:,} rejected, {result.rows_duplicate:,} already loaded"
                  + (f", {collapsed:,} further events folded into one row per ticket (its latest state)"
                     if collapsed else "")
                  + (f"; {values:,} single values rejected (set empty, the rest of their row loaded)." if values
                     else "."))
        show = st.warning if result.rows_rejected or values or problems else st.success
        show(f"**{name}** loaded as batch {result.batch_id}. {counts}", icon=":material/check_circle:")
    elif result.status == "empty":  # nothing new: every row rejected or already loaded
        st.warning(f"**{name}** loaded nothing new: {message}", icon=":material/warning:")
    else:  # dry-run, or skipped (the same file was loaded before)
        show = st.warning if result.rows_rejected or values or problems else st.info
        show(f"**{name}**: {message}", icon=":material/science:" if result.status == "dry-run" else None)
    if problems and result.status in ("loaded", "empty"):  # a dry run's message already lists them
        with st.expander("Columns whose values mostly fail"):
            for problem in problems:
                st.text(problem)
    if len(result.rejects):
        # The file name stays out of the label (labels are Markdown); the body shows it as plain text.
        with st.expander("First rejected rows (line, column, value, reason)"):
            st.text(f"First {min(REJECT_SAMPLE, len(result.rejects))} rejected rows of {result.file}")
            tables.show_table(displayable(result.rejects.head(REJECT_SAMPLE)), download=None, placeholder="—")


_DELIMITERS = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}


def file_section(con, item: UploadedFile, saved: dict[str, Mapping]) -> None:
    """Sniff → kind → preview → mapping → dry run / load for one uploaded file."""
    fid = item.file_id
    detected = sniffed(item)
    kind = st.selectbox("Kind", KINDS, index=KINDS.index(detected.kind) if detected.kind in KINDS else 0,
                        key=f"up_{fid}_kind", help="Detected from the headers; override if it is wrong.")
    sniff = detected if kind == detected.kind else sniffed(item, kind)
    a, b, c = st.columns(3)
    a.metric("Encoding", sniff.encoding)
    b.metric("Delimiter", _DELIMITERS.get(sniff.delimiter, repr(sniff.delimiter)))
    c.metric("Header line", sniff.header_line)
    # As a sentence, not a tile: one column's formats ("MM-DD-YYYY | MM/DD/YYYY") outgrow a tile at 1280 px.
    # Named by the file's own column (date_formats is keyed by canonical field).
    dates = [f"{sniff.mapping.columns.get(f) or FIELD_LABELS.get(f, f)}: {fmt}"
             for f, fmt in sniff.date_formats.items()]
    st.caption(plain("Dates read as: " + ("; ".join(dates) or "no date column recognised")))
    for note in [*sniff.ambiguities, *sniff.warnings]:
        st.warning(plain(note), icon=":material/warning:")
    for note in sniff.notes:
        st.info(plain(note), icon=":material/info:")
    # The first rows of the user's own file: nothing to download that they do not hold.
    tables.show_table(displayable(sniff.preview.head(PREVIEW_ROWS)), download=None, placeholder="")

    same_kind = {n: m for n, m in saved.items() if m.kind == kind}
    names = ["(recognised from the headers)", *same_kind]
    auto = saved_mapping_for(same_kind, sniff.columns)
    source = st.selectbox("Mapping", names, index=names.index(auto) if auto else 0, key=f"up_{fid}_saved",
                          help="A saved mapping applies itself when all its columns are in the file.")
    applied = source if source in same_kind else None
    base = same_kind.get(source, sniff.mapping)
    with st.expander("Column mapping", expanded=bool(sniff.missing_required)):
        mapping = mapping_editor(sniff, fid, kind, base, source)
    if kind == INTERACTIONS:
        extras = base is not None and bool(base.recode or base.derived or base.event_log or base.csat_scale
                                            or base.volume_only or base.units) or bool(sniff.notes)
        with st.expander("Tickets, complaints and value recoding", expanded=extras):
            mapping = options_editor(item, sniff, mapping, base, source)
    with st.container():
        name_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
        source_name = name_col.text_input("Save this mapping as (source name)", key=f"up_{fid}_source_name",
                                          placeholder="e.g. Genesys monthly export")
        if save_col.button("Save mapping", key=f"up_{fid}_save", disabled=not source_name.strip()):
            ingest.save_mapping(con, source_name.strip(), mapping)
            st.success(f"Mapping saved as {plain(source_name.strip())}.", icon=":material/bookmark:")

    dry, load = st.columns(2)
    result_key = f"up_{fid}_result"
    if dry.button("Dry run", key=f"up_{fid}_dry", icon=":material/science:"):
        with temp_copy(item) as path:
            st.session_state[result_key] = ingest.ingest_file(
                con, path, file_name=item.name, kind=kind, mapping=mapping, dry_run=True)
    if load.button("Load", key=f"up_{fid}_load", type="primary", icon=":material/upload:"):
        with temp_copy(item) as path:  # removed as soon as the load ends, loaded or not
            st.session_state[result_key] = ingest.ingest_file(
                con, path, file_name=item.name, kind=kind, mapping=mapping,
                progress=progress_bar(f"Loading {item.name}…"), source_name=source_name.strip() or applied)
        if st.session_state[result_key].batch_id is not None:  # show the new batch below
            st.session_state["batch_pick"] = st.session_state[result_key].batch_id
    if result_key in st.session_state:
        show_result(st.session_state[result_key])


# ---- the page's sections -------------------------------------------------------------------------

def sample_offer(con) -> None:
    """On an empty database: say so, and offer the realistic sample portfolio."""
    if not db.is_empty(con):
        return
    st.info("The database is empty. Upload your exports below, or load a realistic sample portfolio to explore.",
            icon=":material/database:")
    if st.button("Load sample portfolio", key="data_load_sample", type="primary", icon=":material/auto_awesome:"):
        with st.spinner("Generating the sample portfolio…"):
            counts = sample.generate(con, progress=progress_bar("Generating the sample portfolio…"))
        st.success("Sample portfolio loaded: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()),
                   icon=":material/check_circle:")


def saved_mappings(con) -> dict[str, Mapping]:
    """Every saved mapping this version can read; a broken store is one warning, never a hidden upload."""
    try:
        saved = {name: ingest.load_mapping(con, name) for name in ingest.saved_mappings(con)["source_name"]}
    except ingest.IngestError as exc:
        st.warning(f"Saved mappings are unavailable: {plain(exc)}", icon=":material/warning:")
        return {}
    return {name: m for name, m in saved.items() if m is not None}


def section(con) -> None:
    """Heading, the reporting time zone, the uploader, and one isolated section per uploaded file."""
    st.header("Upload exports")
    st.caption("Interactions, provider scorecards (performance) or the engagement register, as CSV/TSV or Excel "
               "exports. Columns are recognised by name; check the mapping, try a dry run, then load.")
    try:
        zone = contracts.reporting_time_zone()
        st.caption(plain(f"Reporting time zone: {zone} (setting RAPPORT_TZ). Timestamps with an offset (Z, -04:00) "
                         f"are converted to it; timestamps without one are read as {zone} time."))
    except ValueError as exc:
        st.error(plain(str(exc)))
    uploads = st.file_uploader("Drop CSV or Excel files here", type=["csv", "tsv", "txt", "gz", "parquet", "xlsx"],
                               accept_multiple_files=True, key="data_uploads",
                               help="CSV, TSV or text exports; gzip-compressed CSV (.csv.gz), Parquet and Excel "
                                    "workbooks (.xlsx: the first sheet with data) load the same way.") or []
    forget_removed(uploads)
    saved = saved_mappings(con)
    for item in uploads:
        with st.container(border=True):
            st.subheader(plain(item.name))
            with isolated(item.name):
                file_section(con, item, saved)
