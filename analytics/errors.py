"""The one base of every error a Rapport user can be shown: `RapportError`.

Each domain keeps its own type (`IngestError` for a file that cannot be sniffed or loaded,
`DatabaseFileError`, `MaintenanceError`, `RollupImportError`, `ModelHistoryError`, the CLI's
`CliError`, …), and every one of them derives from `RapportError`. Its message is already the
sentence a person reads — what went wrong, where (file, line, column when they apply) and the
fix — so an edge (the CLI's error wrapper, a page's error box) shows `user_message(exc)` and
needs no knowledge of the domain. Anything that is *not* a `RapportError` is unexpected: an edge
describes it generically and treats it as a bug to report.

The domain types keep their historical second base (`RuntimeError`, `ValueError`) so existing
`except ValueError` handlers still catch them.
"""
from __future__ import annotations


class RapportError(Exception):
    """An error whose message is the one sentence a user sees: what went wrong, where, and the fix."""


def user_message(exc: BaseException) -> str | None:
    """The sentence to show a user for `exc`, or None when `exc` is not a Rapport error (an unexpected one)."""
    if isinstance(exc, RapportError):
        return str(exc) or type(exc).__name__
    return None
