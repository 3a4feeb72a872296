"""The one exception type of the ingest domain (a `RapportError`: its message is the sentence a user sees)."""
from __future__ import annotations

from analytics.errors import RapportError


class IngestError(RapportError):
    """A file could not be sniffed or loaded.

    Carries where the problem is (file, physical line with 1 = header, source column,
    offending value) and why, so the page or CLI can say exactly what to fix.
    """

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None,
                 column: str | None = None, value: str | None = None) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file!r}")
        if self.line is not None:
            where.append(f"row {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        prefix = ("In " + ", ".join(where) + ": ") if where else ""
        return prefix + self.reason
