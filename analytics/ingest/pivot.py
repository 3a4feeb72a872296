"""A scorecard with its months across the columns and its KPIs down the rows, as providers lay them out in decks:

    Metric,Jan-24,Feb-24,Mar-24
    AHT (sec),412,398,405
    Service Level %,82.5%,85.1%,80.2%

read as the one row per month the performance contract wants (`Month,AHT (sec),Service Level %`), written out as a
temporary UTF-8 CSV that takes the usual route. It applies to a small file (read whole) whose header has at least two
month columns and whose first column names at least one scorecard KPI; the columns that are not months (a target, a
unit) are left out. A reject is then told where the value stands in the file as given: its line is the KPI's line and
its column the month's header (`Relocation`).
"""
from __future__ import annotations

import csv
import dataclasses
import io
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from analytics import contracts
from analytics.contracts import PERFORMANCE
from analytics.ingest import mapping as mapping_rules
from analytics.ingest import parse
from analytics.ingest.read import sample_text, temporary_csv

PERIOD_HEADER = "Month"


@dataclass(frozen=True)
class Relocation:
    """Where a value of the transposed file stands in the file as given."""

    header_line: int                     # the original header's line (a month header's own reject lands there)
    month_columns: tuple[str, ...]       # the transposed file's data line k + 1 → the month column k
    kpi_lines: dict[str, int]            # the transposed file's column (a KPI label) → the KPI's original line

    def place(self, line: int | None, column: str | None) -> tuple[int | None, str | None]:
        """(line, column) in the file as given for a reject at (line, column) of the transposed file."""
        if line is None or not 2 <= line <= len(self.month_columns) + 1:
            return line, column
        month = self.month_columns[line - 2]
        if column == PERIOD_HEADER:
            return self.header_line, month
        return self.kpi_lines.get(column, line), month


def transposed(path: Path, encoding: str, display: str, delimiter: str, header_line: int,
               columns: tuple[str, ...], target: Path) -> Relocation | None:
    """Write the scorecard at `path` one row per month into `target` and say where its values came from; None (and
    nothing written) when it is not laid out with months across."""
    months = [i for i, name in enumerate(columns) if i > 0 and parse.is_period(name)]
    if len(months) < 2:
        return None
    text, whole = sample_text(path, encoding, display)
    if not whole:
        return None  # a deck's scorecard is small; a large file is an export with one row per record
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    # (line, row) of each KPI: a row under the header that names one in its first cell
    kpis = [(number, row) for number, row in enumerate(records, 1) if number > header_line and row and row[0].strip()]
    known = mapping_rules.auto_columns(contracts.PERFORMANCE, (PERIOD_HEADER, *(row[0].strip() for _, row in kpis)))
    if not set(known) - {"period"}:
        return None  # the first column names no scorecard KPI
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([PERIOD_HEADER, *(row[0].strip() for _, row in kpis)])
        for index in months:
            writer.writerow([columns[index], *(row[index] if index < len(row) else "" for _, row in kpis)])
    return Relocation(header_line, tuple(columns[i] for i in months),
                      {row[0].strip(): number for number, row in kpis})


def note(relocation: Relocation) -> str:
    """The sentence that says the file was turned round."""
    months = relocation.month_columns
    return (f"read with its months across the columns: one row per month ({months[0]} … {months[-1]}), its KPIs "
            f"down the first column; a reject names the KPI's line and the month's column")


@contextmanager
def as_rows(path: Path, encoding: str, display: str, layout) -> Iterator[tuple[Path, Relocation | None]]:
    """(a temporary UTF-8 CSV with one row per month, where its values came from) while the block runs, when the
    file at `path` (sniffed as `layout`) is a scorecard laid out with months across; else (`path`, None)."""
    with temporary_csv() as target:
        relocation = transposed(path, encoding, display, layout.delimiter, layout.header_line, layout.columns,
                                target)
        yield (target, relocation) if relocation else (path, None)


def months_as_rows(stack: ExitStack, path: Path, facts, layout, display: str, kind: str | None, relayout):
    """(path, facts, layout, relocation): the file as one row per month when it is a scorecard laid out with months
    across, sniffed again by `relayout` (sniff.sniff_layout); else as it is, with None. Only a file no other kind
    claims, and with no period column, is looked at."""
    if kind not in (None, PERFORMANCE) or (kind is None and mapping_rules.detect_kind(layout.columns)) \
            or "period" in mapping_rules.auto_columns(PERFORMANCE, layout.columns):
        return path, facts, layout, None
    rows, relocation = stack.enter_context(as_rows(path, facts.encoding, display, layout))
    if relocation is None:
        return path, facts, layout, None
    facts = dataclasses.replace(facts, encoding="utf-8", container="csv", notes=facts.notes + (note(relocation),))
    return rows, facts, relayout(rows, "utf-8", display), relocation
