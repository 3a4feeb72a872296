"""`python -m analytics check | backup | restore` — verify, back up and restore the database.

`--db` and `--json` come from `analytics.cli.build_parser`; failures are turned into one sentence by
`failures.run_command`. `check` and `backup` only read: they open the file read-only and never
create one.
`analytics.maintenance` (and pandas with it) is imported by the commands, not at start-up.
"""
from __future__ import annotations

import json
from pathlib import Path

from analytics import db
from analytics.cli.failures import EXIT_PROBLEMS, CliError
from analytics.cli.output import frame_text, say


def register(subparsers) -> None:
    check = subparsers.add_parser("check", help="verify batches, orphan rows and the rollup; --repair rebuilds it")
    check.add_argument("--repair", action="store_true", help="rebuild rollup_daily from the raw interactions")
    check.set_defaults(func=_check)

    backup = subparsers.add_parser("backup", help="export every table to Parquet plus manifest.json")
    backup.add_argument("directory", metavar="DIR", help="a new (or empty) directory for the backup")
    backup.set_defaults(func=_backup)

    restore = subparsers.add_parser("restore", help="load a backup into a new, empty database and verify it "
                                                     "(--db NEW.duckdb is required: the file to create)")
    restore.add_argument("directory", metavar="DIR", help="a directory written by `backup`")
    restore.set_defaults(func=_restore)


def _existing(target: str | None) -> Path:
    from analytics import maintenance

    path = db.database_path(target)
    if not path.exists():
        raise maintenance.MaintenanceError(f"there is no database at {path}; pass --db or set RAPPORT_DB")
    return path


def _check(args) -> int:
    from analytics import maintenance

    path = _existing(args.db)
    try:
        con = db.connect(path, read_only=not args.repair)
    except db.DatabaseFileError as exc:
        raise maintenance.MaintenanceError(f"check of {path} failed: {exc}") from exc
    with con:
        result = maintenance.check_database(con, repair=args.repair)
        imported = db.rollups_imported(con)
    if args.json:
        print(json.dumps({"status": "ok" if result.ok else "problems", "database": str(path), **result.to_dict(),
                          "rollups_imported": imported}, indent=2, default=str))
        return 0 if result.ok else EXIT_PROBLEMS
    if result.repaired:
        say("Rebuilt rollup_daily from the raw interactions.")
    if imported:
        say(f"{path}: the interaction data are rollups imported from Spark (`rollups import`); they were checked "
            "against their manifest when imported and have no raw rows here to compare with.")
    if result.ok:
        say(f"{path}: consistent — every batch is complete, no orphan rows, the rollup matches the raw rows.")
        return 0
    if not result.problems.empty:
        say(f"{path}: {len(result.problems)} batch problem(s):")
        say(frame_text(result.problems))
    if result.rollup_mismatches:
        say(f"{path}: rollup_daily disagrees with the raw interactions in {result.rollup_mismatches} "
            "(batch, day) group(s); run `python -m analytics check --repair` to rebuild it.")
    return EXIT_PROBLEMS


def _backup(args) -> int:
    from analytics import maintenance

    path = _existing(args.db)
    try:
        con = db.connect(path, read_only=True)
    except db.DatabaseBusyError as exc:
        raise maintenance.MaintenanceError(
            f"{path} is held by a running Rapport app (DuckDB lets no other process open it), so back it up from "
            "inside the app: the Data page's backup button, or set RAPPORT_BACKUP_EVERY_HOURS (and "
            "RAPPORT_BACKUP_DIR) before starting it; or stop the app and run this command again") from exc
    with con:
        manifest = maintenance.backup(con, args.directory)
    rows = int(manifest["rows"].sum())
    if args.json:
        print(json.dumps({"status": "backed-up", "directory": str(args.directory), "tables": len(manifest),
                          "rows": rows}))
        return 0
    say(f"Backed up {len(manifest)} tables ({rows:,} rows) to {args.directory}")
    say(frame_text(manifest[["table", "rows", "file"]]))
    return 0


def _restore(args) -> int:
    from analytics import maintenance

    if not args.db:  # never restore into $RAPPORT_DB or the default database by accident
        raise CliError("restore needs --db NEW.duckdb, the new database file to create; it never restores into "
                       "$RAPPORT_DB or the default database.")
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
    rows = int(report["rows"].sum())
    message = (f"Restored {len(report)} tables ({rows:,} rows) into {path}; every count and checksum matches the "
               "manifest.")
    print(json.dumps({"status": "restored", "database": str(path), "tables": len(report), "rows": rows,
                      "message": message})) if args.json else say(message)
    return 0
