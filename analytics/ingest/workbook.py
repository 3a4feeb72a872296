"""Excel workbooks (.xlsx): the sheet that holds the data, written out as a UTF-8 CSV for the usual route.

Providers send scorecards and exports as workbooks as often as CSV. A workbook is read with openpyxl in read-only
mode (rows streamed, memory flat) and its data sheet — the first visible worksheet with at least two rows — written
to a temporary CSV, each cell as the text an export would hold: dates ISO, times hh:mm:ss, durations h:mm:ss, whole
numbers without a decimal point, TRUE/FALSE, formulas as their cached values. Rows above the header (a title,
"Report generated …") are written as they are, so the sniffer skips them as it skips a CSV's preamble; from the
header on every row is padded to the header's width, since a sheet leaves trailing empty cells out. Every sheet row
is one line (an empty row an empty line), so a reject's line is the sheet's row number.
"""
from __future__ import annotations

import csv
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from itertools import chain, islice
from pathlib import Path

from analytics.ingest.errors import IngestError

ZIP_MAGIC = b"PK\x03\x04"
# rows looked at for the header (the widest of them)
HEADER_SEARCH_ROWS = 50
# rows of the data sheet looked at for formulas with no saved value
FORMULA_CHECK_ROWS = 1000


def is_workbook(path: Path) -> bool:
    """Whether the file is an Office Open XML workbook (a ZIP holding xl/workbook.xml)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


@contextmanager
def _opened(path: Path, display: str, values: bool = True):
    """The workbook, read-only with formulas as their saved values (with `values`; else as formulas). Opened from a
    file object: openpyxl refuses a path whose name does not end in .xlsx, and an upload's temporary copy is named
    .csv."""
    import openpyxl  # only a workbook needs it

    with Path(path).open("rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=values)
        except Exception as exc:  # openpyxl raises many kinds for a damaged or unsupported workbook
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise IngestError(f"the workbook cannot be read ({reason}); save it again from Excel, or save the sheet "
                              "as CSV (File → Save As → CSV UTF-8)", file=display) from exc
        try:
            yield book
        finally:
            book.close()


def _data_sheets(book) -> list:
    """The visible worksheets with at least two rows, in workbook order."""
    sheets = []
    for sheet in book.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible":
            continue
        rows = 0
        for row in sheet.iter_rows(values_only=True):
            if any(cell is not None and str(cell).strip() for cell in row):
                rows += 1
                if rows >= 2:
                    sheets.append(sheet)
                    break
    return sheets


def notes(path: Path, display: str) -> tuple[str, ...]:
    """Sentences a person should read before loading: which sheet is read, when more than one holds data; formulas
    with no saved value among the data sheet's first rows (a workbook written by a program, never computed by
    Excel: those cells would load empty). Refuses a workbook that cannot be read or holds no sheet with a header
    and a data row."""
    with _opened(path, display) as book:
        names = [sheet.title for sheet in _data_sheets(book)]
        if not names:
            raise IngestError("the workbook has no sheet with a header row and data rows", file=display)
        saved = list(islice(book[names[0]].iter_rows(values_only=True), FORMULA_CHECK_ROWS))
    said = []
    if len(names) > 1:
        others = ", ".join(repr(name) for name in names[1:])
        said.append(f"the workbook has {len(names)} sheets with data; sheet {names[0]!r} was read (not {others}) — "
                    "save another sheet as its own file to load it")
    with _opened(path, display, values=False) as book:
        written = islice(book[names[0]].iter_rows(values_only=True), FORMULA_CHECK_ROWS)
        empty = sum(isinstance(formula, str) and formula.startswith("=") and value is None
                    for row_saved, row_written in zip(saved, written)
                    for value, formula in zip(row_saved, row_written))
    if empty:
        said.append(f"{empty:,} formula cells of sheet {names[0]!r} have no saved value (the workbook was written by "
                    "a program and never calculated), so they load empty — open the workbook in Excel and save it, "
                    "then load it again")
    return tuple(said)


def _text(value) -> str:
    """One cell as the text a CSV export holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.microsecond % 1000:  # Excel's day fractions come back a microsecond or so off: to the millisecond
            value = value.replace(microsecond=0) + timedelta(milliseconds=round(value.microsecond / 1000))
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="milliseconds" if value.microsecond else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def write_csv(path: Path, display: str, target: Path, limit: int | None = None) -> None:
    """The workbook's data sheet written to `target` as a UTF-8 CSV (all of it, or its first `limit` rows)."""
    with _opened(path, display) as book:
        sheets = _data_sheets(book)
        if not sheets:
            raise IngestError("the workbook has no sheet with a header row and data rows", file=display)
        sheet = sheets[0]
        head: list[tuple] = []
        rows = sheet.iter_rows(values_only=True)
        for row in rows:
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS:
                break

        def trimmed(row: tuple) -> list[str]:
            cells = [_text(cell) for cell in row]
            while cells and not cells[-1].strip():
                cells.pop()
            return cells

        # the header: the first row at least half as wide as the widest of the first rows (a title above it is
        # one cell; a data row with a stray cell past the header is wider than the header, and later)
        widths = [len(trimmed(row)) for row in head] or [0]
        header_at = next(i for i, w in enumerate(widths) if w >= max(2, max(widths) / 2) or w == max(widths))
        width = widths[header_at]
        written = blank = 0  # rows written, and empty rows held back (written only if a row follows them)
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")

            def write(cells: list[str]) -> bool:
                """One sheet row as one line, so that a reject's line is the sheet's row number."""
                nonlocal written, blank
                if not cells:
                    blank += 1
                    return True
                handle.write("\n" * blank)
                written, blank = written + blank, 0
                writer.writerow(cells + [""] * (width - len(cells)) if written >= header_at else cells)
                written += 1
                return limit is None or written < limit

            for row in chain(head, rows):
                if not write(trimmed(row)):
                    break
