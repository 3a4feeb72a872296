"""Database maintenance: consistency check (and rollup repair), Parquet backup and restore.

A consistent database has every batch wholly present: `batches.rows_loaded` equals the
rows carrying that batch id in its kind's table, no row points at a missing batch, and
`rollup_daily` agrees with the raw interactions. A failed or killed load leaves no
trace (it is one transaction), so a problem here means something outside the engine
touched the file — `check --repair` rebuilds the rollup, the one derived table.

Backups are one Parquet file per table plus manifest.json (table, rows, sha256 of the
file, content checksum); restore loads them into a fresh database in one transaction and
verifies every count and checksum before committing.

Backups while the app serves: DuckDB lets no other process open a file the app holds, so
a backup of a served database is taken *inside the app's process* on its connection —
`backup_now(con)` (the Data page's button) and the schedule `start_scheduled_backups(con)`
(RAPPORT_BACKUP_EVERY_HOURS, RAPPORT_BACKUP_DIR, RAPPORT_BACKUP_KEEP), both of which write
timestamped folders that `python -m analytics restore` reads.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from analytics import db, query, rollups
from analytics.errors import RapportError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
_BATCH_COUNTS_SQL = query.load("checks/batches")


class MaintenanceError(RapportError, RuntimeError):
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
    return [name for (name,) in query.rows(con,
        "select table_name from duckdb_tables() where schema_name = 'main' and not temporary "
        "order by table_name")]


def batch_problems(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The batches whose rows do not match their record, and rows whose batch is missing.

    Columns: table, batch_id, problem, expected_rows, actual_rows. Empty when consistent.
    Engagement batches may hold *fewer* rows than loaded: the register editor replaces
    rows with batch-less ones, which is legitimate; more rows than loaded is a problem.
    """
    return query.frame(con, _BATCH_COUNTS_SQL)


def unreadable_tables(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Tables whose every row cannot be read back (a damaged or truncated file); columns table, problem.

    Reads each table whole (a checksum over every row), so a block that is missing or damaged on
    disk shows up here by name instead of as an error in the middle of a page.
    """
    found = []
    with con.cursor() as cur:
        for table in table_names(cur):
            try:
                table_checksum(cur, table)
            except duckdb.Error as exc:
                found.append({"table": table, "problem": str(exc).splitlines()[0]})
    return pd.DataFrame(found, columns=["table", "problem"])


def check_database(con: duckdb.DuckDBPyConnection, *, repair: bool = False) -> CheckResult:
    """Check batches vs rows and the rollup vs raw rows; with `repair`, rebuild the rollup first.

    Raises MaintenanceError naming the tables when some cannot be read at all (a damaged file):
    no repair can help then, only a restore from a backup.
    """
    damaged = unreadable_tables(con)
    if not damaged.empty:
        raise MaintenanceError(
            f"the database is damaged: {len(damaged)} table(s) cannot be read "
            f"({'; '.join(f'{r.table}: {r.problem}' for r in damaged.itertuples())}); restore the latest "
            "backup into a new file with `python -m analytics restore BACKUP_DIR --db NEW.duckdb`")
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
    (value,) = query.one(con, f"select coalesce(sum(hash(t)), 0) from {db.quote_ident(table)} t")
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
    (one transaction on its own cursor), so it can run on the app's connection while the app
    serves readers and writers. The files are written into a temporary sibling folder that is
    renamed into place at the end, so a failed backup (a full disk) leaves nothing that looks
    like a backup. Refuses a path that is a file, or a folder that is not empty.
    """
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise MaintenanceError(f"{target} is a file; a backup is a folder — give a new folder path")
    if (target / MANIFEST).exists():
        raise MaintenanceError(f"{target} already holds a backup ({MANIFEST}); choose a new directory")
    if target.is_dir() and any(target.iterdir()):
        raise MaintenanceError(f"{target} is a folder that already holds files; give a new (or empty) folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MaintenanceError(f"cannot create the folder {target.parent} ({exc.strerror or exc}); choose a "
                               "writable place for the backup") from exc
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        entries = _export_tables(con, work)
        manifest = {"version": MANIFEST_VERSION, "tables": entries}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if target.is_dir():
            target.rmdir()  # empty (checked above): the finished backup takes its place
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return pd.DataFrame(entries, columns=["table", "rows", "file", "sha256", "checksum"])


def _export_tables(con: duckdb.DuckDBPyConnection, folder: Path) -> list[dict]:
    entries = []
    cur = con.cursor()
    try:
        query.run(cur, "begin transaction")
        for table in table_names(cur):
            file = folder / f"{table}.parquet"
            query.run(cur, f"copy {db.quote_ident(table)} to $file (format parquet)", {"file": str(file)})
            (rows,) = query.one(cur, f"select count(*) from {db.quote_ident(table)}")
            entries.append({"table": table, "rows": int(rows), "file": file.name, "sha256": _sha256(file),
                            "checksum": table_checksum(cur, table)})
        query.run(cur, "commit")
    finally:
        cur.close()
    return entries


BACKUP_DIR_ENV = "RAPPORT_BACKUP_DIR"
BACKUP_EVERY_ENV = "RAPPORT_BACKUP_EVERY_HOURS"
BACKUP_KEEP_ENV = "RAPPORT_BACKUP_KEEP"
DEFAULT_BACKUP_KEEP = 14
BACKUP_PREFIX = "rapport-backup-"
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class BackupResult:
    """One finished backup: its folder, the manifest frame (table, rows, file, sha256, checksum)
    and the older backup folders removed to keep RAPPORT_BACKUP_KEEP of them."""

    directory: Path
    manifest: pd.DataFrame
    removed: tuple[Path, ...] = ()

    @property
    def rows(self) -> int:
        return int(self.manifest["rows"].sum()) if len(self.manifest) else 0


def backup_root(root: str | Path | None = None) -> Path:
    """Where timestamped backups go: `root`, else RAPPORT_BACKUP_DIR, else a `backups` folder beside the database."""
    if root:
        return Path(root)
    env = os.environ.get(BACKUP_DIR_ENV, "").strip()
    return Path(env) if env else db.database_path().parent / "backups"


def _env_number(name: str, default: float | None, *, whole: bool = False) -> float | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        raise MaintenanceError(f"{name}={raw!r} is not a {'whole ' if whole else ''}number; set it to e.g. "
                               f"{'14' if whole else '24'}, or unset it") from None
    if not value > 0 or value != value or value == float("inf"):
        raise MaintenanceError(f"{name}={raw!r} must be a positive number; set it to e.g. "
                               f"{'14' if whole else '24'}, or unset it")
    return value


def backup_now(con: duckdb.DuckDBPyConnection, root: str | Path | None = None, *,
               now: datetime | None = None, keep: int | None = None) -> BackupResult:
    """Back up the database behind `con` into a new timestamped folder under `backup_root(root)`.

    Callable from inside the app's process while it serves (the Data page's "Back up now"
    button; the schedule): it reads one snapshot on its own cursor and never takes the
    write lock, so sessions keep reading and loading. Keeps the newest `keep` backups
    (default RAPPORT_BACKUP_KEEP, else 14) and removes older `rapport-backup-*` folders.
    Restore one with `python -m analytics restore FOLDER --db NEW.duckdb`.
    Raises MaintenanceError (folder not writable, bad setting) with a sentence naming the fix.
    """
    folder = backup_root(root)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime(_STAMP)
    target = folder / f"{BACKUP_PREFIX}{stamp}"
    suffix = 1
    while target.exists():
        suffix += 1
        target = folder / f"{BACKUP_PREFIX}{stamp}-{suffix}"
    try:
        manifest = backup(con, target)
    except OSError as exc:
        raise MaintenanceError(f"the backup into {target} failed ({exc.strerror or exc}); free some space or "
                               f"point {BACKUP_DIR_ENV} at a writable folder with room") from exc
    limit = keep if keep is not None else int(_env_number(BACKUP_KEEP_ENV, DEFAULT_BACKUP_KEEP, whole=True))
    done = sorted(p for p in folder.glob(f"{BACKUP_PREFIX}*") if (p / MANIFEST).is_file())
    removed = tuple(done[:-limit]) if limit and len(done) > limit else ()
    for old in removed:
        shutil.rmtree(old, ignore_errors=True)
    return BackupResult(target, manifest, removed)


def latest_backup(root: str | Path | None = None) -> Path | None:
    """The newest finished backup folder under `backup_root(root)`, or None."""
    folder = backup_root(root)
    done = sorted(p for p in folder.glob(f"{BACKUP_PREFIX}*") if (p / MANIFEST).is_file()) if folder.is_dir() else []
    return done[-1] if done else None


def _backup_time(folder: Path) -> datetime | None:
    try:
        return datetime.strptime(folder.name[len(BACKUP_PREFIX):][:16], _STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


class BackupSchedule:
    """Scheduled backups inside the app's process: every `every` since the newest backup in `root`.

    `due(now)` says how long until the next backup (zero when one is due, e.g. none exists yet);
    `run_due(now)` takes it when due. `start()` runs a daemon thread that sleeps on an Event
    between backups; `stop()` ends it. A failed backup is remembered in `last_error` and retried
    at the next interval — it never stops the app.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, every: timedelta, root: str | Path | None = None,
                 *, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.con, self.every, self.root, self.clock = con, every, backup_root(root), clock
        self.last_error: str | None = None
        self.last_result: BackupResult | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_at: datetime | None = None

    def due(self, now: datetime) -> timedelta:
        newest = latest_backup(self.root)
        last = _backup_time(newest) if newest else None
        if self._failed_at and (last is None or self._failed_at > last):
            last = self._failed_at
        if last is None:
            return timedelta(0)
        return max(timedelta(0), last + self.every - now)

    def run_due(self, now: datetime | None = None) -> BackupResult | None:
        """Take a backup when one is due at `now`; returns it (None when not due or it failed)."""
        now = now or self.clock()
        if self.due(now) > timedelta(0):
            return None
        try:
            self.last_result = backup_now(self.con, self.root, now=now)
            self.last_error, self._failed_at = None, None
        except Exception as exc:  # noqa: BLE001 — a scheduled backup must never take the app down
            self.last_error, self._failed_at = str(exc), now
            return None
        return self.last_result

    def loop(self, wait: Callable[[float], bool]) -> None:
        """Back up when due, then `wait(seconds)` until the next one; stops when `wait` returns True."""
        while True:
            self.run_due()
            if wait(max(1.0, self.due(self.clock()).total_seconds())):
                return

    def start(self) -> "BackupSchedule":
        self._thread = threading.Thread(target=self.loop, args=(self._stop.wait,), name="rapport-backups",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()


_SCHEDULES: dict[str, BackupSchedule] = {}
_SCHEDULES_LOCK = threading.Lock()


def start_scheduled_backups(con: duckdb.DuckDBPyConnection, database: str | Path | None = None
                            ) -> BackupSchedule | None:
    """Start the backup schedule for this process when RAPPORT_BACKUP_EVERY_HOURS is set (once per database).

    Called by the app when it opens its cached connection; returns the running schedule, or
    None when no schedule is configured. A bad setting raises MaintenanceError.
    """
    hours = _env_number(BACKUP_EVERY_ENV, None)
    if hours is None:
        return None
    key = str(db.database_path(database).resolve())
    with _SCHEDULES_LOCK:
        if key not in _SCHEDULES:
            _SCHEDULES[key] = BackupSchedule(con, timedelta(hours=hours)).start()
        return _SCHEDULES[key]


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
        query.run(cur, "begin transaction")
        try:
            report = _load_backup(cur, source, entries)
            query.run(cur, "commit")
        except BaseException:
            try:
                query.run(cur, "rollback")
            except duckdb.Error:
                pass  # the failure (e.g. a commit the full disk refused) already ended the transaction: keep its error
            raise
    return pd.DataFrame(report, columns=["table", "rows", "restored_rows"])


def _load_backup(cur: duckdb.DuckDBPyConnection, source: Path, entries: list[dict]) -> list[dict]:
    report = []
    for entry in entries:
        file = str(source / Path(entry["file"]).name)
        query.run(cur, f"delete from {db.quote_ident(entry['table'])}")  # meta's seeded row; every other table is empty
        query.run(cur, f"insert into {db.quote_ident(entry['table'])} by name select * from read_parquet($file)",
                  {"file": file})
        (rows,) = query.one(cur, f"select count(*) from {db.quote_ident(entry['table'])}")
        if rows != entry["rows"]:
            raise MaintenanceError(f"{entry['table']}: restored {rows} rows, the manifest says {entry['rows']}")
        if "checksum" in entry and table_checksum(cur, entry["table"]) != entry["checksum"]:
            raise MaintenanceError(f"{entry['table']}: the restored rows differ from the backup's checksum")
        report.append({"table": entry["table"], "rows": entry["rows"], "restored_rows": int(rows)})
    # ingest takes ids from the sequence; start it past the restored batches
    (top,) = query.one(cur, "select coalesce(max(batch_id), 0) from batches")
    query.run(cur, "drop sequence if exists batch_seq")
    query.run(cur, f"create sequence batch_seq start {int(top + 1)}")
    return report


def _database_is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    for table in table_names(con):
        limit = 1 if table == "meta" else 0  # a new database holds only meta's data_version row
        (rows,) = query.one(con, f"select count(*) from {db.quote_ident(table)}")
        if rows > limit:
            return False
    return True

