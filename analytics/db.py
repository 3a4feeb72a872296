"""Connecting to the embedded DuckDB file and creating its schema.

DuckDB allows one writer *process* per file; inside this process every write goes
through ``WRITE_LOCK`` so concurrent Streamlit sessions never interleave two
ingest transactions on the shared connection. Readers take their own cursor.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from analytics import rollups
from analytics.contracts import FIELDS, INTERACTIONS, PERFORMANCE, ENGAGEMENTS
from analytics.errors import RapportError

DEFAULT_DB = Path("data") / "rapport.duckdb"
WRITE_LOCK = threading.RLock()


class DatabaseBusyError(RapportError, RuntimeError):
    """Another process holds the database file open for writing."""


class DatabaseFileError(RapportError, RuntimeError):
    """The database file cannot be used: absent (for reading), not a database, damaged, or refused by the OS.

    The message is one sentence naming the file, what is wrong and the way out.
    """


MEMORY_ENV = "RAPPORT_DUCKDB_MEMORY"
DEFAULT_MEMORY = "1GB"
_MEMORY_RE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)


def memory_limit() -> str:
    """DuckDB's memory_limit for every connection: RAPPORT_DUCKDB_MEMORY (e.g. 1GB, 512MB), else 1GB.

    Beyond it DuckDB spills large loads and sorts to its temp_directory instead of growing.
    """
    raw = os.environ.get(MEMORY_ENV, "").strip()
    if not raw:
        return DEFAULT_MEMORY
    if not _MEMORY_RE.fullmatch(raw):
        raise DatabaseFileError(f"{MEMORY_ENV}={raw!r} is not an amount of memory; set it to e.g. 1GB or 512MB, "
                                "or unset it for the default of 1GB.")
    return raw.replace(" ", "")


def memory_limit_bytes() -> int:
    """memory_limit() in bytes (KB/MB/GB/TB as DuckDB reads them: powers of 1000; KiB… powers of 1024)."""
    text = memory_limit().upper()
    number = float(re.match(r"[\d.]+", text).group())
    unit = text[len(re.match(r"[\d.]+", text).group()):]
    base = 1024 if "I" in unit else 1000
    return int(number * base ** ("KMGT".index(unit[0]) + 1))


def connection_config(target: str) -> dict:
    """Bounded memory: memory_limit, and a temp_directory next to the database file for what spills."""
    config = {"memory_limit": memory_limit()}
    if target != ":memory:":
        config["temp_directory"] = target + ".tmp"
    return config


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """`--db`, else the RAPPORT_DB environment variable, else data/rapport.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("RAPPORT_DB")
    return Path(env) if env else DEFAULT_DB


def quote_ident(name: str) -> str:
    """Quote an identifier that already passed an allow-list."""
    return '"' + name.replace('"', '""') + '"'


# The register as one relation (analytics/query.py): one row per engagement with its model and contract
# start. The register holds one row per provider × account (ingest and the Data page keep it so);
# any_value/min never fan out if it does not.
REGISTER_VIEW = "engagement_register"
# The "provider · account" label (analytics.filters.ENGAGEMENT_SEPARATOR) as a DuckDB macro.
LABEL_MACRO = "engagement_label"


def view_sql() -> list[str]:
    """Views and macros over the schema. `if not exists`: concurrent connections never race on the
    catalog; changing a definition needs a `create or replace` step here."""
    from analytics.filters import ENGAGEMENT_SEPARATOR  # filters imports contracts only; kept local

    separator = ENGAGEMENT_SEPARATOR.replace("'", "''")
    return [
        f"create macro if not exists {LABEL_MACRO}(provider, account) as provider || '{separator}' || account",
        f"""create view if not exists {REGISTER_VIEW} as
select provider, account,
       any_value(relationship_model) as relationship_model,
       min(contract_start)           as contract_start
from {ENGAGEMENTS}
group by provider, account""",
    ]


def ensure_views_readonly(con: duckdb.DuckDBPyConnection) -> None:
    """A read-only file made before the views existed: the same definitions as TEMP objects on this
    connection (its cursors do not see them; the CLI, the one read-only user, runs on the connection)."""
    present, has_register = con.execute(
        "select (select count(*) from duckdb_views() where view_name = ? and not temporary),"
        " (select count(*) from duckdb_tables() where table_name = ? and schema_name = 'main')",
        [REGISTER_VIEW, ENGAGEMENTS]).fetchone()
    if present or not has_register:  # not a Rapport database: the command that reads it says so
        return
    for statement in view_sql():
        con.execute(statement.replace("create macro if not exists", "create temp macro if not exists")
                    .replace("create view if not exists", "create temp view if not exists"))


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and if needed create) the database at `path`; ':memory:' for a throwaway one.

    With `read_only` nothing is ever created: a missing file is a DatabaseFileError naming the path.
    A file that is not a database, is damaged or that the OS refuses raises DatabaseFileError;
    a file another process holds raises DatabaseBusyError.
    """
    target = ":memory:" if str(path) == ":memory:" else str(database_path(path))
    if target != ":memory:":
        if read_only and not Path(target).exists():
            raise DatabaseFileError(
                f"There is no database at {target}; check the --db path or RAPPORT_DB (commands that only "
                "read never create one).")
        if not read_only:
            try:
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseFileError(
                    f"Cannot create the folder for the database {target} ({exc.strerror or exc}); choose a "
                    "writable path with --db or RAPPORT_DB.") from exc
    try:
        con = duckdb.connect(target, read_only=read_only, config=connection_config(target))
    except duckdb.Error as exc:  # IO errors mostly; also e.g. a file written by a newer DuckDB
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise DatabaseBusyError(
                f"The database {target} is open for writing in another process (DuckDB allows one writer "
                "per file). Stop the other Rapport process or CLI command, or point --db / RAPPORT_DB "
                "at a different file."
            ) from exc
        raise DatabaseFileError(open_problem(target, exc)) from exc
    try:
        ensure_schema(con) if not read_only else ensure_views_readonly(con)
    except duckdb.Error as exc:
        con.close()
        raise DatabaseFileError(open_problem(target, exc)) from exc
    return con


def open_problem(target: str, exc: BaseException) -> str:
    """One sentence for a database file DuckDB could not open or read: what is wrong and the fix."""
    detail = str(exc)
    lowered = detail.lower()
    restore = ("restore the latest backup into a new file with `python -m analytics restore BACKUP_DIR "
               "--db NEW.duckdb` and point RAPPORT_DB at it")
    if "is a directory" in lowered:
        return f"{target} is a folder, not a database file; pass the path of a .duckdb file with --db or RAPPORT_DB."
    if "not a valid duckdb database" in lowered or "is not a duckdb" in lowered:
        return (f"{target} is not a Rapport database (the file is empty, damaged or of another kind); check the "
                f"--db path, or if it was your database {restore}.")
    if "could not read enough bytes" in lowered or "corrupt" in lowered or "checksum" in lowered:
        return (f"{target} is damaged (truncated or corrupted, e.g. by a full disk or an interrupted copy); "
                f"{restore}.")
    if "permission denied" in lowered or "read-only file system" in lowered or "read-only mode" in lowered:
        return (f"{target} cannot be written (permission denied or a read-only disk); give this user write "
                "access to the file and its folder, or copy it somewhere writable — commands that only read "
                "(batches, report, check) still work.")
    if "no space left" in lowered or "file too large" in lowered:
        return (f"The disk holding {target} is full (or the file-size limit was reached); nothing was changed — "
                "free some space and run the command again.")
    return f"Could not open the database {target} ({detail}); check the path, or {restore}."


def _columns(kind: str) -> str:
    return ",\n  ".join(
        f"{quote_ident(f.name)} {f.sql_type}" for f in FIELDS[kind] if f.name != "occurred_time"
    )


def schema_sql() -> list[str]:
    return [
        "create sequence if not exists batch_seq start 1",
        """create table if not exists batches (
  batch_id integer primary key,
  file_name varchar not null,
  source_name varchar,
  sha256 varchar not null,
  kind varchar not null,
  encoding varchar,
  delimiter varchar,
  date_formats varchar,
  mapping varchar,
  rows_read bigint not null,
  rows_loaded bigint not null,
  rows_rejected bigint not null,
  rows_duplicate bigint not null,
  loaded_at timestamp not null default current_timestamp,
  values_rejected bigint default 0,
  rows_collapsed bigint default 0,
  status varchar default 'loaded',
  message varchar,
  rows_updated bigint default 0
)""",
        f"""create table if not exists {INTERACTIONS} (
  batch_id integer not null,
  {_columns(INTERACTIONS)},
  csat_scale smallint,
  is_repeat boolean
)""",
        # Interaction rows a later batch updated (a survey arriving later): the values as they were, so
        # deleting that batch puts them back (analytics/ingest/batches.py). One row per superseded version.
        f"""create table if not exists interaction_versions (
  superseded_by integer not null,
  replaced_by_id varchar not null,
  batch_id integer not null,
  {_columns(INTERACTIONS)},
  csat_scale smallint,
  is_repeat boolean
)""",
        f"""create table if not exists {PERFORMANCE} (
  batch_id integer not null,
  {_columns(PERFORMANCE)}
)""",
        f"""create table if not exists {ENGAGEMENTS} (
  batch_id integer,
  {_columns(ENGAGEMENTS)},
  updated_at timestamp default current_timestamp
)""",
        # Earlier versions of the register, so a Data-page save can be undone (analytics/engagements.py).
        # One row per engagement per saved version; the newest version is the one "Undo" restores.
        f"""create table if not exists register_history (
  version integer not null,
  saved_at timestamp not null default current_timestamp,
  batch_id integer,
  {_columns(ENGAGEMENTS)},
  updated_at timestamp
)""",
        # The dated relationship-model history (analytics/model_history.py): the model in force from
        # `effective_from` until the engagement's next row. No rows = the register's one model for life.
        """create table if not exists engagement_models (
  provider varchar not null,
  account varchar not null,
  relationship_model varchar not null,
  effective_from date not null,
  primary key (provider, account, effective_from)
)""",
        """create table if not exists rejects (
  batch_id integer not null,
  file_name varchar not null,
  line bigint,
  "column" varchar,
  value varchar,
  reason varchar not null,
  scope varchar default 'row'
)""",
        """create table if not exists saved_mappings (
  source_name varchar primary key,
  kind varchar not null,
  mapping varchar not null,
  saved_at timestamp default current_timestamp
)""",
        # Gain-share terms, one row per engagement (provider × account), edited on the QBR page
        # (analytics/gainshare.py). baseline_method: 'value' (baseline_cost as of baseline_date)
        # or 'first_6_months' (cost per resolution over the contract's first 6 months).
        """create table if not exists gainshare_terms (
  provider varchar not null,
  account varchar not null,
  baseline_method varchar not null,
  baseline_cost double,
  baseline_date date,
  buyer_share double not null,
  updated_at timestamp default current_timestamp,
  primary key (provider, account)
)""",
        # QBR agenda: notes and agreed actions per engagement, raised in a quarter and carried
        # forward until done (analytics/actions.py). Quarters are '2025-Q3' labels.
        """create table if not exists qbr_actions (
  action_id integer primary key,
  provider varchar not null,
  account varchar not null,
  kind varchar not null,
  text varchar not null,
  owner varchar,
  due date,
  status varchar not null,
  raised_quarter varchar not null,
  closed_quarter varchar,
  updated_at timestamp default current_timestamp
)""",
        """create table if not exists meta (
  key varchar primary key,
  value bigint not null
)""",
        "insert into meta values ('data_version', 0) on conflict do nothing",
        # One row per day × provider × account × channel × contact reason × segment × batch. Sums and
        # counts only, so every KPI recombines exactly at any grain. The columns are read from
        # analytics/sql/rollups/rollup_daily.sql (rollups.table_ddl): a measure added there is added here.
        rollups.table_ddl(),
        # The same sums one level up: day is the first of the month. About 17× fewer rows than
        # rollup_daily on the sample, which is what keeps month/quarter/year queries fast.
        "create table if not exists rollup_monthly as select * from rollup_daily limit 0",
    ]


def migration_sql() -> list[str]:
    """Columns added since a database file may have been created (idempotent ALTERs)."""
    added = [(kind, f.name, f.sql_type) for kind in (INTERACTIONS, PERFORMANCE, ENGAGEMENTS)
             for f in FIELDS[kind] if f.name != "occurred_time"]
    added += [("batches", "values_rejected", "bigint default 0"), ("batches", "rows_collapsed", "bigint default 0"),
              ("batches", "status", "varchar default 'loaded'"), ("batches", "message", "varchar"),
              ("rejects", "scope", "varchar default 'row'"), ("batches", "rows_updated", "bigint default 0")]
    added += [("interaction_versions", f.name, f.sql_type) for f in FIELDS[INTERACTIONS] if f.name != "occurred_time"]
    # every measure of rollup_daily.sql, so a database from before a measure existed gains its column
    added += [(table, c.name, c.sql_type.lower()) for table in ("rollup_daily", "rollup_monthly")
              for c in rollups.columns() if c.is_measure]
    return [f"alter table {quote_ident(table)} add column if not exists {quote_ident(name)} {sql_type}"
            for table, name, sql_type in added]


# Bump when ensure_schema starts doing something its statements below do not show.
SCHEMA_LOGIC_VERSION = 1
# The schema fingerprint lives in the comment of the meta table: catalog, not rows, so backups, restores
# and the "is this database fresh" check (analytics/maintenance.py) never see it.
_FINGERPRINT_PREFIX = "rapport schema "


def schema_fingerprint() -> str:
    """A hash of everything ensure_schema runs: every statement, the monthly backfill, the DuckDB version.

    Equal in the file and in the code = this file already has this code's schema, views and rollup columns.
    """
    parts = [f"logic {SCHEMA_LOGIC_VERSION}", f"duckdb {duckdb.__version__}",
             *schema_sql(), *migration_sql(), *view_sql(), rollups._monthly_sql()]
    return _FINGERPRINT_PREFIX + hashlib.sha256("\n;\n".join(parts).encode()).hexdigest()


def _up_to_date_probe(con: duckdb.DuckDBPyConnection) -> tuple[str | None, bool] | None:
    """(stored fingerprint, monthly backfill has work) in one read; None when the file lacks the tables
    (new, older or not a Rapport database) or cannot be read: the full path then runs (and says why)."""
    try:
        return con.execute(
            "select (select comment from duckdb_tables() where database_name = current_database()"
            "        and schema_name = 'main' and table_name = 'meta'),"
            " not exists (select 1 from rollup_monthly) and exists (select 1 from rollup_daily)").fetchone()
    except duckdb.Error:
        return None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or migrate the schema, views and rollups of a writable connection's file.

    A file whose stored fingerprint equals schema_fingerprint() skips the statements (all `if not
    exists`, so they would do nothing); only the monthly backfill is checked, because a restore can
    bring back daily rollups without monthly ones. Any other file runs the statements in one transaction,
    then stores the fingerprint last: a crash before that just runs them again at the next open. A new file
    (no tables yet) skips migration_sql: its `create table`s already have every column those ALTERs add.
    """
    fingerprint = schema_fingerprint()
    probe = _up_to_date_probe(con)
    if probe is not None and probe[0] == fingerprint:
        if probe[1]:
            rollups.backfill_monthly(con)
        return
    # WRITE_LOCK: never alongside this process's write transactions, nor another connection's schema
    # transaction on the same file (both would create the same catalog entries: a write-write conflict)
    with WRITE_LOCK:
        tables = _main_tables(con)
        before = _rollup_measures_present(con) if "rollup_daily" in tables else None
        statements = schema_sql() + (migration_sql() if tables else []) + view_sql()
        con.execute("begin transaction")
        try:
            for statement in statements:
                con.execute(statement)
            rollups.backfill_monthly(con)
            con.execute("commit")
        except BaseException:
            try:
                con.execute("rollback")
            except duckdb.Error:
                pass  # the failure already ended the transaction: keep its error
            raise
        if before is not None and set(rollups.measure_names()) - before:
            # rollup_daily.sql gained a measure since this file was last opened: its new columns are null for
            # the batches already loaded, so recompute those batches' rollups once (imported ones have no raw
            # rows)
            with write_transaction(con) as cur:
                rollups.rebuild(cur)
        con.execute(f"comment on table meta is '{fingerprint}'")


def _main_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables of this file's main schema (none: a new file)."""
    return {name for (name,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main'"
    ).fetchall()}


def _rollup_measures_present(con: duckdb.DuckDBPyConnection) -> set[str] | None:
    """The columns rollup_daily has now; None when the table does not exist yet (a new database)."""
    names = {name for (name,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'main' and table_name = 'rollup_daily'"
    ).fetchall()}
    return names or None


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Called inside every write transaction; caches key on the value."""
    con.execute("update meta set value = value + 1 where key = 'data_version'")


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select value from meta where key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


# meta key set by `python -m analytics rollups import` (analytics/spark/contract.py): the batch id of the
# latest rollups built on Spark. Such a database has rollups but no raw interactions behind them.
ROLLUPS_SOURCE = "rollups_source"


class RollupsOnlyError(RapportError, ValueError):
    """An analysis needs raw interaction rows, but this database holds rollups imported from Spark."""


def rollups_imported(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the interaction data came from rollups imported from Spark (`rollups import`)."""
    return con.execute("select count(*) from meta where key = ?", [ROLLUPS_SOURCE]).fetchone()[0] > 0


_writes_ended = 0  # write transactions this process has ended, committed or rolled back (see `writes_ended`)


def writes_ended() -> int:
    """How many write transactions this process has ended so far (committed or rolled back). `data_version`
    can only change through one, so a caller may keep the version it read while this number stays the same
    (ui/cached.py does, per database connection); read this number *before* reading the version."""
    return _writes_ended


@contextmanager
def write_transaction(con: duckdb.DuckDBPyConnection, *,
                      cursor: duckdb.DuckDBPyConnection | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Serialise writers in this process and make the block all-or-nothing.

    `cursor`: run the block on this cursor (e.g. one whose TEMP tables were staged before the lock was taken)
    instead of a new one; it is left open."""
    global _writes_ended
    with WRITE_LOCK:
        cur = cursor if cursor is not None else con.cursor()
        try:
            cur.execute("begin transaction")
            try:
                yield cur
                bump_data_version(cur)
                cur.execute("commit")
            except BaseException:
                try:
                    cur.execute("rollback")
                except duckdb.Error:
                    pass  # the failure (e.g. a commit the full disk refused) already ended the transaction: keep its error
                raise
            finally:
                if cursor is None:
                    cur.close()
        finally:
            _writes_ended += 1  # after the commit: a reader that saw the old count re-reads the version


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    # rollup_daily counts too: a database of rollups imported from Spark has no raw interactions
    row = con.execute(
        f"select (select count(*) from {INTERACTIONS}) + (select count(*) from {PERFORMANCE})"
        f" + (select count(*) from {ENGAGEMENTS}) + (select count(*) from rollup_daily)"
    ).fetchone()
    return int(row[0]) == 0
