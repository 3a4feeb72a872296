"""Look at a file before loading it: delimiter, header row, kind, mapping, a preview.

The second step of the route read → sniff → map → parse → load: the bytes and their encoding
come from `read.py` (``file_facts``, ``sample_text``); everything here looks only at the first
part of the text, so sniffing a huge export stays quick.
"""
from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import contracts, limits
from analytics.ingest import mapping as mapping_rules
from analytics.ingest import parse, pivot
from analytics.ingest.errors import IngestError
from analytics.ingest.mapping import Mapping
from analytics.ingest.read import file_facts, sample_text

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAMPLE_ROWS = 5000
PREVIEW_ROWS = 20
csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True)
class Layout:
    delimiter: str
    header_line: int  # 1-based physical line of the header row
    line_ending: str
    columns: tuple[str, ...]  # unique names: blank and duplicate headers renamed (see unique_headers)
    rows: list[list[str]]  # sampled data records (raw strings)
    header_notes: tuple[str, ...] = ()  # what was renamed, for the warnings


@dataclass(frozen=True)
class SniffResult:
    file_name: str
    encoding: str
    delimiter: str
    header_line: int
    line_ending: str
    columns: tuple[str, ...]
    kind: str | None
    kind_scores: dict[str, int]
    mapping: Mapping | None
    date_formats: dict[str, str] = field(default_factory=dict)
    ambiguities: tuple[str, ...] = ()
    missing_required: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    preview: pd.DataFrame = field(default_factory=lambda: _pandas().DataFrame())
    notes: tuple[str, ...] = ()  # how values are read, for a person to confirm (reading_notes)


def _pandas():
    """pandas, imported by the preview alone: a load sniffs without it (the import costs ~0.5 s)."""
    import pandas

    return pandas


def _line_ending(text: str) -> str:
    if "\r" not in text:  # one memchr-quick scan answers most files
        return "LF"
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    if crlf and lf:
        return "mixed"
    return "CRLF" if crlf else "LF"


def _records(text: str, delimiter: str, limit: int) -> list[tuple[int, list[str]]]:
    """(starting physical line, fields) for the first `limit` non-blank records."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)
    out: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for row in reader:
            start = previous + 1
            previous = reader.line_num
            if row and (row[0].strip() or any(cell.strip() for cell in row)):  # the first cell mostly decides
                out.append((start, row))
                if len(out) >= limit:
                    break
    except csv.Error:
        pass
    return out


def sniff_layout(path: Path, encoding: str, display: str) -> Layout:
    """Delimiter (most consistent field count over the first records), header row and sample rows."""
    text, _ = sample_text(path, encoding, display)
    if not text.strip():
        raise IngestError("the file has no text in it (only blank lines); expected a CSV with a header row",
                          file=display)
    ending = _line_ending(text)
    text, cuts = _squeeze_blank_runs(text)
    best: tuple[tuple[int, int, int], str, list[tuple[int, list[str]]], int] | None = None
    for rank, delimiter in enumerate(DELIMITERS):
        records = _records(text, delimiter, 200)
        counts = Counter(len(fields) for _, fields in records)
        # the most common field count; on a tie the wider one (a title or preamble row and short ragged rows
        # have fewer fields than the table, so they must not win a tie with it)
        width, consistent = max(counts.items(), key=lambda item: (item[1], item[0])) if counts else (0, 0)
        score = (consistent if width > 1 else 0, width, -rank)
        if best is None or score > best[0]:
            best = (score, delimiter, records, width)
    assert best is not None
    _, delimiter, records, width = best
    if width <= 1:
        raise IngestError("the file does not look like a table: no comma, semicolon, tab or pipe delimiter "
                          "splits its lines into columns consistently", file=display)
    # before any per-column work (header names, kind scores, the preview frame): a 20,000-column file is
    # refused here, on the Data page's preview path and the load alike
    limits.check_columns(width, display)
    header_at = _header_at(records, width)
    header_line, header = records[header_at]
    header_line += sum(removed for after, removed in cuts if header_line > after)
    sample = _records(text, delimiter, header_at + 1 + SAMPLE_ROWS)[header_at + 1:]
    columns, notes = unique_headers(header)
    return Layout(delimiter, header_line, ending, columns, [fields for _, fields in sample], notes)


# a value that only data has: a number, a date or a time of day (a header names its columns in words)
_DATA_VALUE = re.compile(r"\s*[-+(]?[$€£¥]?\d[\d.,' ]*%?\)?\s*|.*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*|.*\b\d{1,2}:\d{2}\b.*")


def _looks_like_header(fields: list[str]) -> bool:
    return not any(_DATA_VALUE.fullmatch(value) for value in fields)


def _header_at(records: list[tuple[int, list[str]]], width: int) -> int:
    """The index of the header record: the first record of the table's `width` (the most common field count) —
    unless the record just before the first data record (one holding a number, a date or a time) names columns in
    words, has that data record's width and is the first record of it. That record is the header even when rows of
    another width outnumber its own (ragged rows with a field too many or too few, a title or preamble with as many
    fields as those): its rows load, the others are rejected as ragged."""
    first = next(i for i, (_, fields) in enumerate(records) if len(fields) == width)
    data = next((i for i, (_, fields) in enumerate(records) if len(fields) > 1 and not _looks_like_header(fields)),
                None)
    if data:
        header = records[data - 1][1]
        if len(header) == len(records[data][1]) and _looks_like_header(header) \
                and all(len(fields) != len(header) for _, fields in records[:data - 1]):
            return data - 1
    return first


# 130 line-break characters: at least 65 line breaks, LF or CRLF (one character class: a fast scan in `re`)
_BLANK_RUN = re.compile(r"[\r\n]{130,}")


def _squeeze_blank_runs(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` with every run of 64+ empty lines (LF or CRLF) cut to one, and the cuts as (line, removed): lines
    after squeezed line `line` are `removed` physical lines further down. Millions of blank lines otherwise
    cost a Python step each in every `_records` pass (3 M took minutes); only the header line number is kept
    from these records, so it alone is mapped back. A cut inside a quoted value shortens that sampled value."""
    # a run of 4+ line-break characters holds "\n\n" or "\r\r", or alternates and holds "\r\n\r": without all
    # three (most files) there is none, and these substring searches are ~20x quicker than the regex's scan
    if "\n\n" not in text and ("\r" not in text or ("\r\r" not in text and "\r\n\r" not in text)):
        return text, []
    out: list[str] = []
    cuts: list[tuple[int, int]] = []
    line, last = 1, 0
    for match in _BLANK_RUN.finditer(text):
        chunk = text[last:match.start()]
        out += [chunk, "\n\n"]
        line += chunk.count("\n")
        cuts.append((line + 1, match.group().count("\n") - 2))
        line, last = line + 2, match.end()
    if not cuts:
        return text, cuts
    out.append(text[last:])
    return "".join(out), cuts


def unique_headers(header: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Header names every frame can carry, and a note per rename.

    A blank or whitespace-only name becomes `column N` (N = its 1-based position); a name equal to an
    earlier one after normalisation (case, spaces, punctuation) becomes `Name (2)`, `Name (3)`…
    pyarrow, and so Streamlit, refuses a frame with two equal column names.
    """
    names: list[str] = []
    named: set[str] = set()  # the names so far, as a set: a list lookup made 20,000 columns take 15 s
    taken: set[str] = set()
    blank: list[str] = []
    notes: list[str] = []

    def free(candidate: str) -> bool:
        return contracts.normalise_header(candidate) not in taken and candidate not in named

    for position, raw in enumerate(header, start=1):
        name = raw.strip()
        if not contracts.normalise_header(name):
            candidate = f"column {position}"
            suffix = 2
            while not free(candidate):
                candidate, suffix = f"column {position} ({suffix})", suffix + 1
            blank.append(candidate)
        elif not free(name):
            suffix = 2
            while not free(f"{name} ({suffix})"):
                suffix += 1
            candidate = f"{name} ({suffix})"
            notes.append(f"duplicate header {name!r} in column {position} is shown as {candidate!r}; the first "
                         f"{name!r} is the one mapped automatically")
        else:
            candidate = name
        names.append(candidate)
        named.add(candidate)
        taken.add(contracts.normalise_header(candidate))
    if blank:
        notes.insert(0, f"{len(blank)} column(s) have no header name and are shown as "
                        f"{', '.join(repr(b) for b in blank)}; they are not mapped unless you choose them")
    return tuple(names), tuple(notes)


def column_values(layout: Layout, index: int) -> list[str]:
    return [row[index] for row in layout.rows if index < len(row)]


def sampled_values(layout: Layout):
    """source header -> its sampled raw values (for the auto-mapping's junk-column check)."""
    return lambda source: column_values(layout, layout.columns.index(source))


def column_specs(kind_mapping: Mapping, columns: tuple[str, ...],
                 values_of) -> dict[str, parse.ColumnSpec]:
    """canonical field -> ColumnSpec, detected from `values_of(source_index)` samples."""
    specs = {}
    for name, source in kind_mapping.columns.items():
        index = columns.index(source)
        f = contracts.field(kind_mapping.kind, name)
        specs[name] = parse.detect_spec(f, source, values_of(index), kind_mapping.date_order,
                                        kind_mapping.units.get(name, ""))
    # One file, one date format: a column whose every value fits both orders takes the order another date column
    # of the file proves (a register's Contract End Date 12/31/2025 says month-first for its Start Date 01/01/2023)
    order = file_date_order(specs)
    for name, spec in specs.items():
        if spec.ambiguous and order:
            specs[name] = parse.detect_spec(contracts.field(kind_mapping.kind, name), spec.source,
                                            values_of(columns.index(spec.source)), order)
    return specs


def file_date_order(specs: dict[str, parse.ColumnSpec]) -> str | None:
    """'dmy' or 'mdy' when the file's numeric-date columns that prove an order (a component above 12) all prove
    the same one; else None."""
    proven = {spec.day_first for spec in specs.values() if spec.parser in ("timestamp", "date")
              and not spec.ambiguous and spec.date_label and "DD" in spec.date_label}
    return ("dmy" if proven.pop() else "mdy") if len(proven) == 1 else None


_UNIT_NAMES = {0.001: "milliseconds", 1.0: "seconds", 60.0: "minutes", 3600.0: "hours", 86400.0: "days"}


def _values_noun(name: str) -> str:
    """What a field's values are called, capitalised for the start of a note ("Handle times"), else its name."""
    noun = next((f.noun for kind in contracts.KINDS for f in contracts.FIELDS[kind] if f.name == name and f.noun),
                name)
    return noun[:1].upper() + noun[1:]


def reading_notes(specs: dict[str, parse.ColumnSpec]) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    """(field -> date format label, one sentence per ambiguous date order, one per other reading a person should
    know of: ratings in words, a duration's unit, durations implausible as seconds)."""
    formats = {name: s.date_label for name, s in specs.items() if s.date_label}
    ambiguities = tuple(
        f"{name} (column {s.source!r}): every value fits both day-first and month-first; read as month-first "
        "— set date_order to 'dmy' in the mapping if the days come first"
        for name, s in specs.items() if s.ambiguous
    )
    notes = tuple(
        f"{_values_noun(name)} (column {s.source!r}) are in words, read on the 1–5 scale ("
        + ("excellent = 5, very good = 4, good = 3, fair = 2, poor = 1" if ("excellent", "5") in s.words else
           "Intercom's ratings: amazing = 5, great = 4, ok = 3, bad = 2, terrible = 1" if ("amazing", "5") in s.words
           else "very satisfied = 5, satisfied = 4, neutral = 3, dissatisfied = 2, very dissatisfied = 1; a two-way "
           "good/bad or positive/negative rating as 5 or 1")
        + "); a survey only offered or not answered is no rating"
        for name, s in specs.items() if s.words
    ) + tuple(
        f"{_values_noun(name)} (column {s.source!r}) are read in {_UNIT_NAMES[contracts.DURATION_UNITS[s.unit]]}, "
        "stored in seconds"
        for name, s in specs.items() if s.unit
    ) + tuple(
        f"{_values_noun(name)} (column {s.source!r}): their median, {s.implausible_median:,.0f}, is "
        f"{s.implausible_median / 3600:,.0f} hours if they are seconds — if the column is in milliseconds or "
        f"minutes, choose its unit (on the Data page under “Tickets, complaints and value recoding”; in a mapping "
        f"file \"units\": {{\"{name}\": \"ms\"}}) and load it again"
        for name, s in specs.items() if s.implausible_median is not None
    )
    return formats, ambiguities, notes


def check_mapping_columns(m: Mapping, columns: tuple[str, ...], display: str) -> None:
    absent = [f"{use} -> {source!r}" for source, use in m.source_columns().items() if source not in columns]
    if absent:
        raise IngestError(f"the mapping names columns this file does not have ({'; '.join(absent)}); "
                          f"the file's headers are: {', '.join(repr(c) for c in columns)}", file=display)


def sniff_file(path: str | os.PathLike, *, file_name: str | None = None, kind: str | None = None,
               mapping: Mapping | None = None) -> SniffResult:
    """Encoding, delimiter, header row, kind, proposed mapping, date formats and a preview of `path`."""
    path = Path(path)
    display = file_name or path.name
    facts = file_facts(path, display)
    layout = sniff_layout(path, facts.encoding, display)
    with ExitStack() as stack:  # a scorecard with its months across is previewed one row per month, as it loads
        path, facts, layout, _ = pivot.months_as_rows(stack, path, facts, layout, display,
                                                      kind or (mapping.kind if mapping else None), sniff_layout)
        return _sniffed(display, facts, layout, kind, mapping)


def _sniffed(display: str, facts, layout: Layout, kind: str | None, mapping: Mapping | None) -> SniffResult:
    columns = layout.columns
    scores = mapping_rules.kind_scores(columns)
    chosen = kind or (mapping.kind if mapping else None) or mapping_rules.detect_kind(columns)
    warnings = list(layout.header_notes)
    warnings += facts.notes
    if not layout.rows:
        warnings.append("the file has a header row but no data rows")
    pd = _pandas()
    preview = pd.DataFrame([(row + [""] * len(columns))[: len(columns)] for row in layout.rows[:PREVIEW_ROWS]],
                           columns=list(columns), dtype="string") if columns else pd.DataFrame()
    if chosen is None:
        return SniffResult(display, facts.encoding, layout.delimiter, layout.header_line, layout.line_ending,
                           columns, None, scores, None, {}, (),
                           ("the kind of data: no header matches the interactions, performance or engagements "
                            "fields",), tuple(warnings), preview)
    resolved = mapping_rules.resolve(chosen, columns, mapping, sampled_values(layout))
    check_mapping_columns(resolved, columns, display)
    naive = mapping_rules.auto_columns(chosen, columns)
    for name, source in naive.items():
        if name in contracts.IDENTITY_FIELDS and resolved.columns.get(name) != source \
                and source not in resolved.columns.values():
            warnings.append(f"column {source!r} is empty or a null marker such as '?' in every sampled row, so "
                            f"it is not used as {name}; choose another column or give a constant")
    specs = column_specs(resolved, columns, lambda i: column_values(layout, i))
    formats, ambiguities, notes = reading_notes(specs)
    return SniffResult(display, facts.encoding, layout.delimiter, layout.header_line, layout.line_ending,
                       columns, chosen, scores, resolved, formats, ambiguities,
                       mapping_rules.missing_required(resolved, columns), tuple(warnings), preview, notes)
