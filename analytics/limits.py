"""The upload size limit of the Data page; `ingest_file` (so the CLI) obeys it only when it is set explicitly.

Why a limit: an upload is held in RAM by Streamlit per session and copied to a temp
file (transcoded once more for non-UTF-8 files) before DuckDB stages it, so a few
files of several hundred MB can exhaust a small machine (2 cores, a few GB). The
default, 200 MB, matches `server.maxUploadSize` in .streamlit/config.toml — keep
the two equal: Streamlit refuses bigger uploads in the browser, this check refuses
them in the page with a message naming the setting. The CLI streams any size by default (DuckDB reads the
file in chunks within its memory_limit and spills to disk): a load there obeys the limit only when
RAPPORT_MAX_UPLOAD_MB is set, see `check_file_size`.
"""
from __future__ import annotations

import os

from analytics.ingest.errors import IngestError

ENV_VAR = "RAPPORT_MAX_UPLOAD_MB"
# A URL parameter longer than this is refused by the pages (ui/filters.py) with a short notice and never
# echoed: real filter values (provider, account, … names) are far shorter.
MAX_QUERY_PARAM_CHARS = 2_000
DEFAULT_MAX_UPLOAD_MB = 200
# A file with more columns than this is refused as soon as its delimiter is known (sniff_layout, so the Data
# page's preview too), before header names, kind scores, a preview frame or staging: DuckDB's planning cost grows
# with the width of every statement that carries all columns. Only the read does now (the staging keeps the
# mapped columns): a 2,000-column file loads about 2.5× faster than before (2.9 s against 5.8 s; 9–11 s against
# 19–31 s at a load average of 18 on the shared 2-core machine), outside the write lock; 20,000 would still spend
# most of a minute parsing columns nobody maps. Real contact-center exports have tens of columns, a few hundred
# at most, so the limit stays.
MAX_COLUMNS = 2_000
_MB = 1024 * 1024


def max_upload_mb() -> int:
    """The limit in MB: RAPPORT_MAX_UPLOAD_MB when set to a positive whole number, else 200."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_MAX_UPLOAD_MB
    try:
        value = int(raw)
    except ValueError:
        raise IngestError(f"{ENV_VAR}={raw!r} is not a whole number of megabytes; set it to e.g. 200, "
                          "or unset it for the default") from None
    if value <= 0:
        raise IngestError(f"{ENV_VAR}={raw!r} must be a positive number of megabytes; set it to e.g. 200, "
                          "or unset it for the default")
    return value


def max_upload_bytes() -> int:
    return max_upload_mb() * _MB


def check_upload_size(n_bytes: int, file_name: str) -> None:
    """Raise IngestError when a file of `n_bytes` is above the limit; the message names the fix."""
    limit = max_upload_mb()
    if n_bytes > limit * _MB:
        raise IngestError(
            f"the file is {n_bytes / _MB:,.1f} MB, above the upload limit of {limit} MB. Split the export "
            f"into smaller files (e.g. one per month), or raise the limit with the {ENV_VAR} environment "
            "variable (and server.maxUploadSize in .streamlit/config.toml) if the machine has the memory",
            file=file_name)


def check_file_size(n_bytes: int, file_name: str) -> None:
    """The limit for `ingest_file` (CLI and page alike): none unless RAPPORT_MAX_UPLOAD_MB is set explicitly.

    The page checks the upload itself with `check_upload_size` (default 200 MB) before it copies it."""
    if os.environ.get(ENV_VAR, "").strip():
        check_upload_size(n_bytes, file_name)


def check_columns(n_columns: int, file_name: str) -> None:
    """Raise IngestError when a file is wider than MAX_COLUMNS; the message names the fix."""
    if n_columns > MAX_COLUMNS:
        raise IngestError(
            f"the header row has {n_columns:,} columns, more than the {MAX_COLUMNS:,} Rapport reads; expected an "
            "export with the interaction, performance or engagement fields. Export only the columns you need "
            "(or delete the unused ones) and load the file again", file=file_name)
