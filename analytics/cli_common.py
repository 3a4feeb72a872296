"""What every `python -m analytics` command shares: the failure sentence, safe terminal text, safe output files.

`__main__.main` runs every command through `run_command`, the one error wrapper: whatever
goes wrong becomes one sentence on stderr (or, with `--json`, a JSON object with
`status: "failed"` on stdout) and a non-zero exit code — never a traceback. Set
RAPPORT_DEBUG=1 to get the traceback of an unexpected error back.
"""
from __future__ import annotations

import errno
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

EXIT_FAILED = 2  # the command could not run (bad argument, file, database)
EXIT_PROBLEMS = 1  # the command ran and found problems (a file failed to load, check found damage)
EXIT_INTERRUPTED = 130

# C0 controls except newline, DEL, C1 controls, and the bidirectional overrides that can reorder a
# terminal line ("Trojan source"). Tab is kept out of table cells too: it shifts columns.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_WITH_NEWLINES = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class CliError(RuntimeError):
    """A command cannot run as asked; the message is the one sentence the user sees (file, problem, fix)."""


def _visible(match: re.Match) -> str:
    char = match.group(0)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{ord(char):02x}" if ord(char) < 0x100
                                                       else f"\\u{ord(char):04x}")


def terminal_safe(text: object, *, keep_newlines: bool = True) -> str:
    """`text` with terminal control characters (ANSI escapes, BEL, other C0/C1, bidi overrides) shown as
    visible escapes (`\\x1b`), so a value from an uploaded file cannot drive the terminal."""
    pattern = _CONTROL if keep_newlines else _CONTROL_WITH_NEWLINES
    return pattern.sub(_visible, str(text))


def say(text: object = "", *, err: bool = False) -> None:
    """Print a line of CLI text output with control characters neutralised."""
    print(terminal_safe(text), file=sys.stderr if err else sys.stdout)


def frame_text(frame: pd.DataFrame) -> str:
    """A frame as an aligned text table whose cells and headers cannot carry control characters."""
    safe = frame.copy()
    safe.columns = [terminal_safe(c, keep_newlines=False) for c in safe.columns]
    for i in range(safe.shape[1]):
        column = safe.iloc[:, i]
        if column.dtype == object or pd.api.types.is_string_dtype(column) or isinstance(
                column.dtype, pd.CategoricalDtype):
            safe.isetitem(i, column.astype(object).map(
                lambda v: v if v is None or (isinstance(v, float) and v != v)
                else terminal_safe(v, keep_newlines=False)))
    with pd.option_context("display.max_rows", 200, "display.width", 200, "display.max_colwidth", 80):
        return safe.to_string(index=False)


def write_output(target: str | os.PathLike, data: bytes, *, what: str) -> Path:
    """Write `data` to the file `target` (replacing it whole, never half-written); refuse folders.

    Raises CliError naming the path when its folder is missing, the path is a folder, or the
    disk refuses the write.
    """
    path = Path(target)
    if path.is_dir():
        raise CliError(f"{path} is a folder; give a file name for the {what}, e.g. {path / 'out.csv'}.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"The folder {folder} does not exist, so the {what} cannot be written to {path}; "
                       "create the folder first or choose another path.")
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


_DISK_FULL = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))
_REFUSED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _quoted_path(text: str) -> str | None:
    found = re.search(r'"([^"]+)"', text)
    return found.group(1) if found else None


def describe_failure(exc: BaseException) -> str:
    """One sentence for any exception a command raised: what went wrong, where, and the fix."""
    from analytics import db, maintenance
    from analytics.ingest import IngestError

    if isinstance(exc, (CliError, IngestError, maintenance.MaintenanceError, db.DatabaseBusyError,
                        db.DatabaseFileError)):
        return str(exc)
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
        if os.environ.get("RAPPORT_DEBUG") and not isinstance(exc, CliError):
            raise
        return fail(describe_failure(exc), as_json=as_json, command=command)
