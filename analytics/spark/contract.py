"""The rapport-rollups/1 contract on the dashboard's side: validate a job's output and import it.

A contract directory holds ``rollup_daily/month=YYYY-MM/*.parquet``, the same for
``rollup_monthly``, and ``_manifest.json`` (written last by the job): contract version, the
SQL hash, engine and version, source snapshot, and per partition its row count and checksums
``sum(contacts)`` and ``sum(cost_sum)``. ``import_rollups`` checks all of it against the files and
against this Rapport's own definition, then replaces exactly the manifest's months of both rollup
tables in one transaction, filed under one ``batches`` row of kind ``rollups``.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics import db, query, rollups
from analytics.errors import RapportError
from analytics.spark import CONTRACT_VERSION, definition

MANIFEST = "_manifest.json"
ROLLUPS_SOURCE = db.ROLLUPS_SOURCE  # meta key: the batch id of the latest import (absent: none)
FLOAT_TOLERANCE = 1e-9  # relative; float sums differ in their last bits across engines


class RollupImportError(RapportError, ValueError):
    """A contract directory cannot be imported; the message names the file, what was wrong and the fix."""


@dataclass(frozen=True)
class ImportResult:
    """What one import changed: its batch id, the months replaced and rows written per table."""

    batch_id: int
    months: tuple[str, ...]
    rows: dict[str, int]
    contacts: int


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not directory.is_dir():
        raise RollupImportError(f"{directory} is not a directory; pass the --out directory of the Spark job")
    if not path.is_file():
        raise RollupImportError(
            f"{path} is missing; point `rollups import` at the --out directory of the Spark job "
            "(the job writes the manifest last, so a missing one can also mean the job did not finish)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise RollupImportError(f"{path} is not valid JSON{where}; rerun the Spark job to rewrite it") from None
    if not isinstance(manifest, dict):
        raise RollupImportError(f"{path} does not hold a JSON object; rerun the Spark job to rewrite it")
    return manifest


def _partitions(manifest: dict, path: Path, table: str) -> dict[str, dict]:
    try:
        partitions = manifest["tables"][table]["partitions"]
        for month, sums in partitions.items():
            int(sums["rows"]), int(sums["contacts"])
    except (KeyError, TypeError, ValueError):
        raise RollupImportError(f"{path}: tables.{table}.partitions is missing or malformed (each month needs "
                                "rows, contacts and cost_sum); rerun the Spark job to rewrite it") from None
    return partitions


def validate(directory: str | Path) -> tuple[dict, dict[str, dict[str, list[str]]]]:
    """Check the manifest, every partition's schema and checksums; returns (manifest, files per table × month)."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    path = directory / MANIFEST
    if manifest.get("contract") != CONTRACT_VERSION:
        raise RollupImportError(f"{path}: contract {manifest.get('contract')!r}, but this Rapport reads "
                                f"{CONTRACT_VERSION!r}; regenerate the job with `python -m analytics rollups job` "
                                "and rerun it")
    expected_hash = definition.sql_hash()
    if manifest.get("sql_hash") != expected_hash:
        raise RollupImportError(
            f"{path}: the rollups were built by a different rollup definition (sql_hash "
            f"{str(manifest.get('sql_hash'))[:12]}…, this Rapport's is {expected_hash[:12]}…); regenerate the job "
            "with `python -m analytics rollups job` and rerun it")
    columns = definition.contract_columns()
    files: dict[str, dict[str, list[str]]] = {}
    con = duckdb.connect(":memory:")
    try:
        for table in definition.ROLLUP_TABLES:
            partitions = _partitions(manifest, path, table)
            found = {p.name.removeprefix("month="): p for p in sorted((directory / table).glob("month=*"))
                     if p.is_dir()}
            unlisted = sorted(found.keys() - partitions.keys())
            if unlisted:
                raise RollupImportError(f"{found[unlisted[0]]} is not listed in {path}; a Spark job may still be "
                                        "writing (wait for it) or was interrupted (rerun it)")
            files[table] = {}
            for month, sums in sorted(partitions.items()):
                parquet = sorted(str(p) for p in (found.get(month) or Path("/nonexistent")).glob("*.parquet"))
                if not parquet:
                    raise RollupImportError(f"{directory / table / ('month=' + month)} has no Parquet files but "
                                            f"{path} lists {sums['rows']} rows there; rerun the Spark job")
                _check_schema(con, parquet, columns)
                _check_sums(con, parquet, month, sums, table, path)
                files[table][month] = parquet
    finally:
        con.close()
    return manifest, files


def _check_schema(con: duckdb.DuckDBPyConnection, parquet: list[str], columns) -> None:
    expected = {c.name: c.duckdb_type for c in columns}
    for file in parquet:
        try:
            described = query.rows(con, "describe select * from read_parquet(?, hive_partitioning = false)",
                                        [file])
        except duckdb.Error as exc:
            raise RollupImportError(f"{file} is not a readable Parquet file ({str(exc).splitlines()[0]}); "
                                    "rerun the Spark job") from None
        actual = {row[0]: row[1] for row in described}
        for name, kind in expected.items():
            if name not in actual:
                raise RollupImportError(f"{file} has no column {name}, which contract {CONTRACT_VERSION} requires; "
                                        "regenerate the job with `python -m analytics rollups job` and rerun it")
            if actual[name] != kind:
                raise RollupImportError(f"{file}: column {name} is {actual[name]}, contract {CONTRACT_VERSION} "
                                        f"expects {kind}; regenerate the job with `python -m analytics rollups "
                                        "job` and rerun it")
        extra = [name for name in actual if name not in expected]
        if extra:
            raise RollupImportError(f"{file} has column {extra[0]}, which contract {CONTRACT_VERSION} does not "
                                    "have; regenerate the job with `python -m analytics rollups job` and rerun it")


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=1e-9)


def _check_sums(con, parquet: list[str], month: str, sums: dict, table: str, path: Path) -> None:
    rows, contacts, cost, months = query.one(con,
        "select count(*), coalesce(sum(contacts), 0), sum(cost_sum), "
        "list(distinct strftime(day, '%Y-%m')) from read_parquet(?, hive_partitioning = false)", [parquet])
    where = f"{table}/month={month}"
    if any(m != month for m in months):
        raise RollupImportError(f"{where} holds days of {', '.join(m for m in months if m != month)}; "
                                "rerun the Spark job")
    if rows != int(sums["rows"]) or int(contacts) != int(sums["contacts"]):
        raise RollupImportError(
            f"{where} has {rows} rows and {contacts} contacts but {path} says {sums['rows']} and {sums['contacts']}; "
            "the files changed after the job wrote them — rerun the Spark job")
    expected_cost = sums.get("cost_sum")
    if not _close(None if cost is None else float(cost), None if expected_cost is None else float(expected_cost)):
        raise RollupImportError(f"{where} has sum(cost_sum) {cost} but {path} says {expected_cost}; the files "
                                "changed after the job wrote them — rerun the Spark job")


def import_rollups(con: duckdb.DuckDBPyConnection, directory: str | Path,
                   months: tuple[str, ...] | None = None) -> ImportResult:
    """Validate `directory` and replace its months (or only `months`) of both rollups in one transaction."""
    directory = Path(directory)
    manifest, files = validate(directory)
    chosen = tuple(sorted(files["rollup_daily"].keys() | files["rollup_monthly"].keys()))
    if months:
        unknown = [m for m in months if m not in chosen]
        if unknown:
            raise RollupImportError(f"--months: {unknown[0]} is not in {directory / MANIFEST} (it has "
                                    f"{', '.join(chosen) or 'no months'}); pick months the job wrote")
        chosen = tuple(sorted(set(months)))
    names = ", ".join(db.quote_ident(c.name) for c in definition.contract_columns())
    digest = hashlib.sha256((directory / MANIFEST).read_bytes()).hexdigest()
    with db.write_transaction(con) as cur:
        (raw,) = query.one(cur, "select count(*) from interactions")
        if raw:
            raise RollupImportError(
                f"this database holds {raw} raw interactions loaded by ingest; importing rollups over them "
                "would count contacts twice — import into a database of its own (--db PATH)")
        batch_id = _next_batch_id(cur)
        rows = {}
        contacts = 0
        for table in definition.ROLLUP_TABLES:
            query.run(cur, f"delete from {db.quote_ident(table)} where strftime(day, '%Y-%m') = any(?)", [list(chosen)])
            written = 0
            for month in chosen:
                parquet = files[table].get(month)
                if not parquet:
                    continue
                query.run(cur, f"insert into {db.quote_ident(table)} by name select {names}, ? as batch_id "
                               "from read_parquet(?, hive_partitioning = false)", [batch_id, parquet])
                written += int(manifest["tables"][table]["partitions"][month]["rows"])
                if table == "rollup_daily":
                    contacts += int(manifest["tables"][table]["partitions"][month]["contacts"])
            rows[table] = written
        query.run(cur,
            "insert into batches (batch_id, file_name, source_name, sha256, kind, mapping, rows_read, rows_loaded,"
            " rows_rejected, rows_duplicate) values (?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
            [batch_id, str(directory), str(manifest.get("source", {}).get("name", "")), digest,
             rollups.IMPORTED_KIND, json.dumps({k: manifest.get(k) for k in
                                                ("contract", "engine", "engine_version", "source")}), contacts])
        # earlier imports whose every month was replaced leave nothing behind
        query.run(cur, f"""delete from batches where kind = '{rollups.IMPORTED_KIND}' and batch_id <> ?
                        and batch_id not in (select batch_id from rollup_daily)
                        and batch_id not in (select batch_id from rollup_monthly)""", [batch_id])
        query.run(cur, "insert or replace into meta values (?, ?)", [ROLLUPS_SOURCE, batch_id])
    return ImportResult(batch_id, chosen, rows, contacts)


def _next_batch_id(cur: duckdb.DuckDBPyConnection) -> int:
    while True:
        (candidate,) = query.one(cur, "select nextval('batch_seq')")
        if not query.one(cur, "select 1 from batches where batch_id = ?", [candidate]):
            return int(candidate)
