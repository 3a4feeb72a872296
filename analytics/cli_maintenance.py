"""`python -m analytics check | backup | restore` — verify, back up and restore the database."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from analytics import db, maintenance


def register(subparsers) -> None:
    check = subparsers.add_parser("check", help="verify batches, orphan rows and the rollup; --repair rebuilds it")
    check.add_argument("--db", help="database file (default: $RAPPORT_DB or data/rapport.duckdb)")
    check.add_argument("--repair", action="store_true", help="rebuild rollup_daily from the raw interactions")
    check.add_argument("--json", action="store_true", help="print the findings as one JSON object")
    check.set_defaults(func=_friendly(_check))

    backup = subparsers.add_parser("backup", help="export every table to Parquet plus manifest.json")
    backup.add_argument("directory", metavar="DIR", help="a new (or empty) directory for the backup")
    backup.add_argument("--db", help="database file (default: $RAPPORT_DB or data/rapport.duckdb)")
    backup.set_defaults(func=_friendly(_backup))

    restore = subparsers.add_parser("restore", help="load a backup into a new, empty database and verify it")
    restore.add_argument("directory", metavar="DIR", help="a directory written by `backup`")
    restore.add_argument("--db", required=True, help="the new database file to create")
    restore.set_defaults(func=_friendly(_restore))


def _friendly(func):
    def run(args) -> int:
        try:
            return func(args)
        except (maintenance.MaintenanceError, db.DatabaseBusyError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return run


def _check(args) -> int:
    path = db.database_path(args.db)
    if not path.is_file():
        raise maintenance.MaintenanceError(f"there is no database at {path}; pass --db or set RAPPORT_DB")
    con = db.connect(path)
    try:
        result = maintenance.check_database(con, repair=args.repair)
    finally:
        con.close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        if result.repaired:
            print("Rebuilt rollup_daily from the raw interactions.")
        if result.ok:
            print(f"{path}: consistent — every batch is complete, no orphan rows, the rollup matches the raw rows.")
        else:
            if not result.problems.empty:
                print(f"{path}: {len(result.problems)} batch problem(s):")
                print(result.problems.to_string(index=False))
            if result.rollup_mismatches:
                print(f"{path}: rollup_daily disagrees with the raw interactions in {result.rollup_mismatches} "
                      "(batch, day) group(s); run `python -m analytics check --repair` to rebuild it.")
    return 0 if result.ok else 1


def _backup(args) -> int:
    path = db.database_path(args.db)
    if not path.is_file():
        raise maintenance.MaintenanceError(f"there is no database at {path}; pass --db or set RAPPORT_DB")
    con = db.connect(path, read_only=True)
    try:
        manifest = maintenance.backup(con, args.directory)
    finally:
        con.close()
    print(f"Backed up {len(manifest)} tables ({int(manifest['rows'].sum()):,} rows) to {args.directory}")
    print(manifest[["table", "rows", "file"]].to_string(index=False))
    return 0


def _restore(args) -> int:
    path = Path(args.db)
    existed = path.exists()
    con = db.connect(path)
    restored = False
    try:
        report = maintenance.restore(con, args.directory)
        restored = True
    finally:
        con.close()
        if not existed and not restored:
            path.unlink(missing_ok=True)  # leave no half-made empty file behind a refused restore
            Path(str(path) + ".wal").unlink(missing_ok=True)
    print(f"Restored {len(report)} tables ({int(report['rows'].sum()):,} rows) into {path}; every count and "
          "checksum matches the manifest.")
    return 0
