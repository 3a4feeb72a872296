"""Read a file as text: its container (plain, gzip, Parquet, an Excel workbook), its encoding, and a UTF-8 CSV
DuckDB can stage.

The first step of the one-way route read → sniff → map → parse → load. Nothing here knows
about columns or fields: it answers "what bytes are these, and which text do they hold".

* ``file_facts`` — one streamed pass: SHA-256 of the bytes as given (so the same file is
  recognised again), the container and the text encoding; refuses empty and binary files.
* ``sample_text`` — the first couple of MB as text, for sniffing the layout.
* ``utf8_copy`` — a path DuckDB can read as UTF-8 CSV: the file itself when it already is
  one, else a temporary copy (decompressed, transcoded, a Parquet file written out as CSV
  by DuckDB, or a workbook's data sheet written out by analytics.ingest.workbook), streamed so
  memory stays flat whatever the size.

Encodings: UTF-8 (with or without BOM), UTF-16, cp1252 or latin-1 — and ``utf-8+cp1252`` for a
UTF-8 file with a few stray single-byte characters (a row pasted from an old system): its UTF-8
text is read as UTF-8 and each stray byte as the cp1252 (else latin-1) character it stands for,
so neither half is mis-decoded.
"""
from __future__ import annotations

import codecs
import gzip
import hashlib
import os
import re
import shutil
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import duckdb

from analytics.ingest import workbook
from analytics.ingest.errors import IngestError

SAMPLE_BYTES = 2 * 1024 * 1024
_CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
# A UTF-8 file with stray single bytes: decoded as UTF-8, each stray byte as cp1252 (latin-1 where cp1252 has
# no character). Python has no such codec; STRAY_ERRORS is the error handler that does it.
MIXED_UTF8 = "utf-8+cp1252"
STRAY_ERRORS = "rapport-stray-cp1252"
# Rows of a Parquet file written out for sniffing (the layout sample); the whole file is written by utf8_copy.
PARQUET_SAMPLE_ROWS = 6000
# compiled on first use by re's cache (only a file that is not UTF-8 needs it): compiling costs ~20 ms, every load
_UTF8_CHAR = "[\u0080-\udc7f\udd00-\U0010ffff]"


def _stray_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    bad = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error(STRAY_ERRORS, _stray_bytes)


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    encoding: str  # utf-8, utf-8-sig, utf-16(-le/-be), cp1252, latin-1 or utf-8+cp1252 (see MIXED_UTF8)
    size: int
    container: str = "csv"  # csv | gzip | parquet | xlsx
    # whether the text may hold a NUL character: False only when the bytes were seen (a plain or gzip CSV in a
    # single-byte or UTF-8 encoding, where a NUL character is a NUL byte) and none is there
    nul: bool = True
    # what a person should know of how the file was read (a workbook: which of its sheets)
    notes: tuple[str, ...] = ()


def container(path: Path) -> str:
    """csv, gzip, parquet, xlsx or zip (any other ZIP archive), from the file's first bytes (the name is not
    trusted)."""
    with Path(path).open("rb") as handle:
        head = handle.read(4)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head == PARQUET_MAGIC:
        return "parquet"
    if head == workbook.ZIP_MAGIC:
        return "xlsx" if workbook.is_workbook(Path(path)) else "zip"
    return "csv"


@contextmanager
def open_bytes(path: Path, display: str) -> Iterator[BinaryIO]:
    """The text file's bytes, decompressed when it is gzip."""
    if container(path) == "gzip":
        with gzip.open(path, "rb") as handle:
            yield handle
    else:
        with Path(path).open("rb") as handle:
            yield handle


def _read(handle: BinaryIO, size: int, display: str) -> bytes:
    try:
        return handle.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(f"the gzip file is damaged or cut short ({exc}); expected a complete .gz of a CSV "
                          "export — compress the file again, or load the uncompressed CSV", file=display) from exc


def file_facts(path: Path, display: str) -> FileFacts:
    """SHA-256, container and encoding from one streamed pass; refuses empty and binary files."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise IngestError("the file is empty (0 bytes); expected a CSV with a header row and data rows",
                          file=display)
    digest = hashlib.sha256()
    kind = container(path)
    if kind != "csv":  # the bytes as given are hashed; the text inside is looked at below
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    if kind == "parquet":
        _check_parquet(path, display)
        return FileFacts(digest.hexdigest(), "utf-8", size, "parquet")
    if kind == "zip":
        raise IngestError("this is a ZIP archive, not a CSV export or an Excel workbook; unzip it and load the CSV "
                          "inside", file=display)
    if kind == "xlsx":
        # refuses a workbook with no sheet of data
        return FileFacts(digest.hexdigest(), "utf-8", size, "xlsx", notes=workbook.notes(path, display))
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    nul = False
    # one streamed pass over the text: the hash (of a plain file), the encoding from its head, a strict UTF-8
    # check; a gzip stream is read to its end, so a damaged one is refused here, naming the file
    with open_bytes(path, display) as handle:
        head = _read(handle, 65536, display)
        if not head:
            raise IngestError("the file is empty once decompressed; expected a CSV with a header row and data rows",
                              file=display)
        encoding = _encoding_from_head(head, display)
        chunk = head
        while chunk:
            if kind == "csv":
                digest.update(chunk)
            nul = nul or b"\x00" in chunk
            # an ASCII chunk with no bytes of a character pending from the last one is valid UTF-8 and leaves the
            # decoder as it was: isascii scans it ~3x faster than the decode (0.05 s a 100 MB export)
            if utf8_ok and encoding == "utf-8" and not (chunk.isascii() and not utf8.getstate()[0]):
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            chunk = _read(handle, _CHUNK, display)
    if encoding == "utf-8":
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
        if not utf8_ok:
            encoding = _single_byte_encoding(path, display)
    # in UTF-16 every ASCII character holds a NUL byte: there the bytes say nothing
    return FileFacts(digest.hexdigest(), encoding, size, kind, nul=nul or encoding.startswith("utf-16"))


def _check_parquet(path: Path, display: str) -> None:
    try:
        with duckdb.connect() as con:
            con.execute("select count(*) from parquet_schema(?)", [str(path)]).fetchone()
    except duckdb.Error as exc:
        raise IngestError(f"the file starts like Parquet but DuckDB cannot read it ({str(exc).splitlines()[0]}); "
                          "expected a complete Parquet export — export it again, or as CSV", file=display) from exc


def _encoding_from_head(head: bytes, display: str) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or controls > 0.01 * len(head):
        raise IngestError("this is a binary file, not a CSV text export (it contains control bytes); "
                          "export the data as CSV and upload that", file=display)
    return "utf-8"


def _single_byte_encoding(path: Path, display: str) -> str:
    """The encoding of a text that is not valid UTF-8.

    utf-8+cp1252 when it holds valid multi-byte UTF-8 characters at all (a UTF-8 export with a few stray
    bytes: decoding it all as cp1252 would garble every accented name); else cp1252 when every byte is
    defined in it (the usual Excel 'ANSI' export), else latin-1.
    """
    utf8_chars = False
    cp1252_ok = True
    with open_bytes(path, display) as handle:
        tolerant = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        strict = codecs.getincrementaldecoder("cp1252")()
        while chunk := _read(handle, _CHUNK, display):
            text = tolerant.decode(chunk)
            # a character above U+007F that is not an escaped stray byte (U+DC80…U+DCFF)
            utf8_chars = utf8_chars or bool(re.search(_UTF8_CHAR, text))
            if cp1252_ok:
                try:
                    strict.decode(chunk)
                except UnicodeDecodeError:
                    cp1252_ok = False
            if utf8_chars and not cp1252_ok:
                break
    if utf8_chars:
        return MIXED_UTF8
    return "cp1252" if cp1252_ok else "latin-1"


def text_decoder(encoding: str, errors: str = "strict") -> codecs.IncrementalDecoder:
    """An incremental decoder for one of FileFacts' encodings."""
    if encoding == MIXED_UTF8:
        return codecs.getincrementaldecoder("utf-8")(errors=STRAY_ERRORS)
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    return codecs.getincrementaldecoder(codec)(errors=errors)


def sample_text(path: Path, encoding: str, display: str | None = None) -> tuple[str, bool]:
    """The first SAMPLE_BYTES decoded, cut at the last line break; True when that is the whole file."""
    path = Path(path)
    display = display or path.name
    kind = container(path)
    if kind == "parquet":
        with _parquet_csv(path, display, limit=PARQUET_SAMPLE_ROWS) as csv_path:
            return sample_text(csv_path, "utf-8", display)
    if kind == "xlsx":
        with _workbook_csv(path, display, limit=PARQUET_SAMPLE_ROWS) as csv_path:
            return sample_text(csv_path, "utf-8", display)
    with open_bytes(path, display) as handle:
        raw = _read(handle, SAMPLE_BYTES + 1, display)
    whole = len(raw) <= SAMPLE_BYTES
    raw = raw[:SAMPLE_BYTES]
    text = text_decoder(encoding, errors="replace").decode(raw, final=whole)
    text = text.lstrip("\ufeff")
    if not whole and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    return text, whole


@contextmanager
def temporary_csv() -> Iterator[Path]:
    """A temporary file name for a CSV written out for the load, removed when the block ends."""
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="rapport-ingest-")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


@contextmanager
def _parquet_csv(path: Path, display: str, limit: int | None = None) -> Iterator[Path]:
    """The Parquet file written out by DuckDB as a UTF-8 CSV with a header row (all of it, or `limit` rows),
    in file order, within the connection's memory limit."""
    from analytics import db  # the memory limit every Rapport connection obeys

    with temporary_csv() as target:
        try:
            with duckdb.connect(config={"memory_limit": db.memory_limit()}) as con:
                con.execute("set preserve_insertion_order = true")
                rows = f" limit {int(limit)}" if limit is not None else ""
                quoted = str(target).replace("'", "''")
                con.execute(f"copy (select * from read_parquet(?){rows}) to '{quoted}' (header, delimiter ',')",
                            [str(path)])
        except duckdb.Error as exc:
            raise IngestError(f"DuckDB could not read the Parquet file ({str(exc).splitlines()[0]}); expected a "
                              "complete Parquet export — export it again, or as CSV", file=display) from exc
        yield target


@contextmanager
def _workbook_csv(path: Path, display: str, limit: int | None = None) -> Iterator[Path]:
    """The workbook's data sheet as a temporary UTF-8 CSV (all of it, or its first `limit` rows)."""
    with temporary_csv() as target:
        workbook.write_csv(path, display, target, limit)
        yield target


@contextmanager
def utf8_copy(path: Path, encoding: str, display: str | None = None) -> Iterator[Path]:
    """A path DuckDB can read as a UTF-8 CSV: the file itself, or a temporary copy.

    DuckDB here cannot read cp1252 (no `encodings` extension), and the staging reads the file
    more than once (records, then plain lines), so anything that is not a plain UTF-8 CSV is
    decompressed, decoded in Python or written out from Parquet, streamed, into a temporary
    UTF-8 file that is removed when the block ends.
    """
    path = Path(path)
    display = display or path.name
    kind = container(path)
    if kind == "parquet":
        with _parquet_csv(path, display) as csv_path:
            yield csv_path
        return
    if kind == "xlsx":
        with _workbook_csv(path, display) as csv_path:
            yield csv_path
        return
    if kind == "csv" and encoding in ("utf-8", "utf-8-sig"):
        yield path
        return
    with temporary_csv() as target:
        if encoding in ("utf-8", "utf-8-sig"):  # gzip of UTF-8 text: decompressed as it is (DuckDB skips a BOM)
            with open_bytes(path, display) as src, target.open("wb") as dst:
                try:
                    shutil.copyfileobj(src, dst, _CHUNK)
                except (OSError, EOFError, zlib.error) as exc:
                    raise IngestError(f"the gzip file is damaged or cut short ({exc}); expected a complete .gz of "
                                      "a CSV export — compress the file again, or load the uncompressed CSV",
                                      file=display) from exc
            yield target
            return
        decoder = text_decoder(encoding)
        with open_bytes(path, display) as src, target.open("w", encoding="utf-8", newline="") as dst:
            first = True
            while True:
                chunk = _read(src, _CHUNK, display)
                text = decoder.decode(chunk, final=not chunk)
                if first and text:
                    text, first = text.lstrip("\ufeff"), False
                dst.write(text)
                if not chunk:
                    break
        yield target
