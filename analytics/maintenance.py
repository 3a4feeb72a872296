"""Database maintenance: consistency check (and rollup repair), Parquet backup and restore.

A consistent database has every batch wholly present: `batches.rows_loaded` equals the
rows carrying that batch id in its kind's table, no row points at a missing batch, and
`rollup_daily` agrees with the raw interactions. A failed or killed load leaves no
trace (it is one transaction), so a problem here means something outside the engine
touched the file — `check --repair` rebuilds the rollup, the one derived table.

Backups are one Parquet file per table plus manifest.json (table, rows, sha256 of the
file, content checksum); restore loads them into a fresh database in one transaction and
verifies every count and checksum before committing.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from analytics import db, rollups

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
_BATCH_COUNTS_SQL = (Path(__file__).parent / "sql" / "check_batches.sql").read_text()


class MaintenanceError(RuntimeError):
    """A backup or restore cannot proceed; the message names the fix."""


@dataclass(frozen=True)
class CheckResult:
    """What `check_database` found: batch problems, rollup mismatches, and whether it repaired."""

    problems: pd.DataFrame  # table, batch_id, problem, expected_rows, actual_rows
    rollup_mismatches: int
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return self.problems.empty and self.rollup_mismatches == 0

    def to_dict(self) -> dict:
        return {"ok": self.ok, "repaired": self.repaired, "rollup_mismatches": self.rollup_mismatches,
                "problems": self.problems.to_dict(orient="records")}


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The base tables of the main schema, in a stable order (the allow-list for backup/restore)."""
    return [name for (name,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' and not temporary "
        "order by table_name").fetchall()]


def batch_problems(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The batches whose rows do not match their record, and rows whose batch is missing.

    Columns: table, batch_id, problem, expected_rows, actual_rows. Empty when consistent.
    Engagement batches may hold *fewer* rows than loaded: the register editor replaces
    rows with batch-less ones, which is legitimate; more rows than loaded is a problem.
    """
    return con.execute(_BATCH_COUNTS_SQL).df()


def check_database(con: duckdb.DuckDBPyConnection, *, repair: bool = False) -> CheckResult:
    """Check batches vs rows and the rollup vs raw rows; with `repair`, rebuild the rollup first."""
    repaired = False
    if repair:
        with db.write_transaction(con) as cur:
            if rollups.mismatches(cur):
                rollups.rebuild(cur)
                repaired = True
    cur = con.cursor()
    try:
        return CheckResult(batch_problems(cur), rollups.mismatches(cur), repaired)
    finally:
        cur.close()


def table_checksum(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """An order-independent checksum of a table's rows (sum of row hashes), as text."""
    if table not in table_names(con):
        raise MaintenanceError(f"there is no table {table!r}")
    (value,) = con.execute(f"select coalesce(sum(hash(t)), 0) from {db.quote_ident(table)} t").fetchone()
    return str(value)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def backup(con: duckdb.DuckDBPyConnection, directory: str | Path) -> pd.DataFrame:
    """Write every table to DIRECTORY/<table>.parquet plus manifest.json; returns the manifest.

    Columns: table, rows, file, sha256, checksum. The export reads one consistent snapshot
    (one transaction on its own cursor), so it can run while the app is serving readers.
    Refuses a directory that already holds a manifest.
    """
    target = Path(directory)
    if (target / MANIFEST).exists():
        raise MaintenanceError(f"{target} already holds a backup ({MANIFEST}); choose a new directory")
    target.mkdir(parents=True, exist_ok=True)
    entries = []
    cur = con.cursor()
    try:
        cur.execute("begin transaction")
        for table in table_names(cur):
            file = target / f"{table}.parquet"
            cur.execute(f"copy {db.quote_ident(table)} to $file (format parquet)", {"file": str(file)})
            (rows,) = cur.execute(f"select count(*) from {db.quote_ident(table)}").fetchone()
            entries.append({"table": table, "rows": int(rows), "file": file.name, "sha256": _sha256(file),
                            "checksum": table_checksum(cur, table)})
        cur.execute("commit")
    finally:
        cur.close()
    manifest = {"version": MANIFEST_VERSION, "tables": entries}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return pd.DataFrame(entries, columns=["table", "rows", "file", "sha256", "checksum"])


def _read_manifest(directory: Path) -> list[dict]:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        entries = manifest["tables"]
        if not all({"table", "rows", "file", "sha256"} <= set(e) for e in entries):
            raise KeyError("table/rows/file/sha256")
    except FileNotFoundError:
        raise MaintenanceError(f"{directory} holds no {MANIFEST}; point restore at a directory written by "
                               "`python -m analytics backup`") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise MaintenanceError(f"{path} is not a Rapport backup manifest ({exc})") from exc
    return entries


def restore(con: duckdb.DuckDBPyConnection, directory: str | Path) -> pd.DataFrame:
    """Load a backup into the empty database behind `con`; returns table, rows, restored_rows.

    Refuses a database that holds any data, a file whose sha256 differs from the manifest,
    a table this schema does not know, and any count or checksum that differs after
    loading — in which case nothing is written.
    """
    source = Path(directory)
    entries = _read_manifest(source)
    known = set(table_names(con))
    for entry in entries:
        if entry["table"] not in known:
            raise MaintenanceError(f"the backup has a table {entry['table']!r} this version of Rapport does not "
                                   f"know (known: {', '.join(sorted(known))})")
        file = source / Path(entry["file"]).name
        if not file.is_file():
            raise MaintenanceError(f"the backup file {file} is missing")
        if _sha256(file) != entry["sha256"]:
            raise MaintenanceError(f"{file} does not match its sha256 in {MANIFEST}: the backup is damaged")
    if not _database_is_fresh(con):
        raise MaintenanceError("the target database already holds data; restore only into a new, empty database "
                               "file (pass a new path with --db)")
    # Not db.write_transaction: that bumps data_version, and the restored meta must equal the backup's.
    with db.WRITE_LOCK, con.cursor() as cur:
        cur.execute("begin transaction")
        try:
            report = _load_backup(cur, source, entries)
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
    return pd.DataFrame(report, columns=["table", "rows", "restored_rows"])


def _load_backup(cur: duckdb.DuckDBPyConnection, source: Path, entries: list[dict]) -> list[dict]:
    report = []
    for entry in entries:
        table, file = db.quote_ident(entry["table"]), str(source / Path(entry["file"]).name)
        cur.execute(f"delete from {table}")  # meta's seeded row; every other table is empty
        cur.execute(f"insert into {table} by name select * from read_parquet($file)", {"file": file})
        (rows,) = cur.execute(f"select count(*) from {table}").fetchone()
        if rows != entry["rows"]:
            raise MaintenanceError(f"{entry['table']}: restored {rows} rows, the manifest says {entry['rows']}")
        if "checksum" in entry and table_checksum(cur, entry["table"]) != entry["checksum"]:
            raise MaintenanceError(f"{entry['table']}: the restored rows differ from the backup's checksum")
        report.append({"table": entry["table"], "rows": entry["rows"], "restored_rows": int(rows)})
    # ingest takes ids from the sequence; start it past the restored batches
    (top,) = cur.execute("select coalesce(max(batch_id), 0) from batches").fetchone()
    cur.execute("drop sequence if exists batch_seq")
    cur.execute(f"create sequence batch_seq start {int(top) + 1}")
    return report


def _database_is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    for table in table_names(con):
        limit = 1 if table == "meta" else 0  # a new database holds only meta's data_version row
        (rows,) = con.execute(f"select count(*) from {db.quote_ident(table)}").fetchone()
        if rows > limit:
            return False
    return True

