"""`python -m analytics rollups job | import | golden` — build the rollups on Spark, read them here.

`--db` and `--json` come from `analytics.cli.build_parser` (on the `rollups` group and on each
subcommand, so `rollups --db X import DIR` and `rollups import DIR --db X` both work); failures become
one sentence through `failures.run_command`.
"""
from __future__ import annotations

import json

from analytics import db
from analytics.cli.failures import CliError
from analytics.cli.output import say, write_output


def register(subparsers) -> None:
    rollups = subparsers.add_parser("rollups", help="build the rollups on Spark (job) and import them (import)")
    commands = rollups.add_subparsers(dest="rollups_command", required=True, parser_class=type(rollups))

    job = commands.add_parser("job", help="print the self-contained PySpark script (spark-submit it)")
    job.add_argument("--output", help="write the script to this file instead of standard output")
    job.set_defaults(func=_job)

    load = commands.add_parser("import", help="validate a contract directory and replace its months")
    load.add_argument("directory", metavar="DIR", help="the --out directory of the Spark job")
    load.add_argument("--months", help="import only these months (YYYY-MM, comma-separated)")
    load.set_defaults(func=_import)

    golden = commands.add_parser("golden", help="rewrite analytics/spark/rollup_daily.spark.sql after a SQL change")
    golden.set_defaults(func=_golden)


def _job(args) -> int:
    from analytics.spark.job import job_script

    script = job_script()
    if args.output:
        write_output(args.output, script.encode(), what="Spark job")
        say(f"Wrote {args.output}; run it with: spark-submit {args.output} --source PATH_OR_TABLE --out DIR",
            err=True)
    else:
        print(script, end="")
    return 0


def _import(args) -> int:
    from pathlib import Path

    from analytics.spark.contract import RollupImportError, import_rollups, read_manifest

    months = tuple(m.strip() for m in args.months.split(",") if m.strip()) if args.months else None
    try:
        read_manifest(Path(args.directory))  # before opening (and perhaps creating) the database
    except RollupImportError as exc:
        raise CliError(str(exc)) from None
    con = db.connect(args.db)
    try:
        result = import_rollups(con, args.directory, months)
    except RollupImportError as exc:
        raise CliError(str(exc)) from None
    finally:
        con.close()
    if args.json:
        print(json.dumps({"status": "imported", "command": "rollups import", "batch_id": result.batch_id,
                          "months": list(result.months), "rows": result.rows, "contacts": result.contacts}))
    else:
        say(f"Imported {', '.join(result.months)} as batch {result.batch_id}: "
            f"{result.rows['rollup_daily']} daily and {result.rows['rollup_monthly']} monthly rollup rows, "
            f"{result.contacts} contacts.")
    return 0


def _golden(args) -> int:
    from analytics.spark.definition import GOLDEN_FILE, golden_text

    GOLDEN_FILE.write_text(golden_text())
    say(f"Wrote {GOLDEN_FILE}")
    return 0
