"""What the CLI writes: terminal text that user values cannot drive, aligned tables, output files written whole.

Every line a command prints goes through `say` (or `frame_text` for a table), so a provider name
or a rejected value carrying ANSI escapes, BEL or a bidi override is shown as a visible escape
(`\\x1b`) instead of reaching the terminal. Files go through `write_output`: replaced whole, never
half-written, and refused with one sentence when the target is a folder or its folder is missing.
pandas is imported by `frame_text` alone: a command that prints no table (an `ingest` of a clean file)
never loads it.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.cli.failures import CliError

if TYPE_CHECKING:
    import pandas as pd

# C0 controls except newline, DEL, C1 controls, and the bidirectional overrides that can reorder a
# terminal line ("Trojan source"). Tab is kept out of table cells too: it shifts columns.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_WITH_NEWLINES = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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
    import pandas as pd  # here, not at the top: ~0.5 s that commands printing no table never pay

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
