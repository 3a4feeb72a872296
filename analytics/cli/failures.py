"""The CLI's one error wrapper: any failure becomes one sentence and a non-zero exit code, never a traceback.

`analytics.cli.main` runs every command through `run_command`: whatever goes wrong becomes one
sentence on stderr (or, with `--json`, a JSON object with `status: "failed"` on stdout) and a
non-zero exit code. A `RapportError` (analytics/errors.py) already carries its sentence; a
DuckDB or OS error is translated here (a full disk, a read-only or damaged database file); anything
else is reported as a bug. Set RAPPORT_DEBUG=1 to get the traceback of an unexpected error back.
"""
from __future__ import annotations

import errno
import json
import os
import re
from typing import Callable

import duckdb

from analytics.errors import RapportError, user_message

EXIT_FAILED = 2  # the command could not run (bad argument, file, database)
EXIT_PROBLEMS = 1  # the command ran and found problems (a file failed to load, check found damage)
EXIT_INTERRUPTED = 130


class CliError(RapportError, RuntimeError):
    """A command cannot run as asked; the message is the one sentence the user sees (file, problem, fix)."""


_DISK_FULL = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))
_REFUSED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _quoted_path(text: str) -> str | None:
    found = re.search(r'"([^"]+)"', text)
    return found.group(1) if found else None


def describe_failure(exc: BaseException) -> str:
    """One sentence for any exception a command raised: what went wrong, where, and the fix."""
    known = user_message(exc)
    if known is not None:  # a RapportError: its message is already the sentence
        return known
    if isinstance(exc, OSError):
        where = exc.filename or "a temporary copy or an output file"
        if exc.errno in _DISK_FULL:
            return (f"The disk is full (or the file-size limit was reached) while writing {where}; nothing was "
                    "committed — free some space and run the command again.")
        if exc.errno in _REFUSED:
            return (f"Permission denied or read-only disk: cannot write {where}; choose a writable path or fix "
                    "the permissions.")
        if exc.errno == errno.ENOENT:
            return f"{where} does not exist; check the path."
        if exc.errno == errno.EISDIR:
            return f"{where} is a folder, not a file; give a file path."
        return f"Could not use {where}: {exc.strerror or exc}; check the path and the disk."
    if isinstance(exc, duckdb.Error):
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        lowered = detail.lower()
        where = _quoted_path(detail) or "the database"
        if "no space left" in lowered or "file too large" in lowered or "disk is full" in lowered:
            return (f"The disk is full (or the file-size limit was reached) while writing {where}; the load was "
                    "rolled back and nothing was committed — free some space and run the command again "
                    "(`python -m analytics check` verifies the database).")
        if "invalidated" in lowered:
            return ("The database stopped after a fatal error earlier in this command (often a full disk); "
                    "nothing partial was committed — free some space, then run `python -m analytics check`.")
        if "permission denied" in lowered or "read-only" in lowered:
            return (f"{where} cannot be written (permission denied, a read-only disk or a read-only open); "
                    "give this user write access or copy the database somewhere writable.")
        if "could not read enough bytes" in lowered or "corrupt" in lowered or "not a valid duckdb" in lowered:
            return (f"{where} is damaged (truncated or corrupted); restore the latest backup into a new file with "
                    "`python -m analytics restore BACKUP_DIR --db NEW.duckdb`.")
        if isinstance(exc, duckdb.CatalogException):
            return (f"The database has no table or column Rapport expects ({detail}); check that --db points at "
                    "a Rapport database (a command that writes, such as seed-if-empty, creates the tables).")
        if isinstance(exc, (duckdb.IOException, duckdb.OperationalError, duckdb.TransactionException)):
            return (f"The database refused the operation ({detail}); run `python -m analytics check` and, if it "
                    "reports damage, restore the latest backup.")
        return (f"Unexpected database error ({detail}). This is a bug in Rapport: please report it with the "
                "command you ran (RAPPORT_DEBUG=1 shows the details).")
    if isinstance(exc, MemoryError):
        return ("Ran out of memory; split the input into smaller files or close other programs, then run the "
                "command again.")
    return (f"Unexpected {type(exc).__name__}: {exc}. This is a bug in Rapport: please report it with the "
            "command you ran (RAPPORT_DEBUG=1 shows the details).")


def fail(message: str, *, as_json: bool, command: str | None) -> int:
    """Report a failed command: one sentence on stderr, or a JSON object on stdout with --json."""
    if as_json:
        print(json.dumps({"status": "failed", "command": command, "message": message}))
    else:
        from analytics.cli.output import say  # output imports CliError from here

        say(f"error: {message}", err=True)
    return EXIT_FAILED


def run_command(func: Callable[..., int | None], args) -> int:
    """The one error wrapper: run `func(args)` and turn any failure into a sentence and an exit code."""
    as_json = bool(getattr(args, "json", False))
    command = getattr(args, "command", None)
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        fail("Interrupted; a load or restore in progress was rolled back and nothing partial was committed.",
             as_json=as_json, command=command)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 — the edge: no traceback reaches a user
        if os.environ.get("RAPPORT_DEBUG") and not isinstance(exc, RapportError):
            raise
        return fail(describe_failure(exc), as_json=as_json, command=command)
