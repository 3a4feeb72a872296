"""`python -m analytics ingest | batches | drop-batch | rejects | sample | seed-if-empty`.

Failures raise (CliError, IngestError, … — all RapportErrors) and `failures.run_command` turns them
into one sentence; `--db` and `--json` are added to every command by `analytics.cli.build_parser`.
Commands that only read (`batches`, `rejects`, `ingest --dry-run`) never create a database.
Each command imports what it runs (analytics.ingest, query, export): start-up and `--help` load none of it, and
an `ingest` never loads export's pandas.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics import db
from analytics.cli.failures import EXIT_PROBLEMS, CliError, describe_failure
from analytics.cli.output import frame_text, say, write_output

if TYPE_CHECKING:
    from analytics.ingest import Mapping

COUNTS = ("rows_read", "rows_loaded", "rows_updated", "rows_rejected", "rows_duplicate")
MAX_SAMPLE_INTERACTIONS = 50_000_000
TEXT_ROWS = 200  # rejected rows printed as a table; --csv / --json give them all


def _count(text: str) -> int:
    """argparse type: a whole number ≥ 0 (and not absurdly large)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 300000, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected zero or more interactions, got {value}")
    if value > MAX_SAMPLE_INTERACTIONS:
        raise argparse.ArgumentTypeError(f"at most {MAX_SAMPLE_INTERACTIONS:,} interactions, got {value:,}")
    return value


def _batch_id(text: str) -> int:
    """argparse type: a positive batch id."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a batch id (a whole number; `batches` lists them), "
                                         f"got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"batch ids start at 1, got {value}")
    return value


def register(subparsers) -> None:
    def command(name: str, help_text: str, func) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text)
        parser.set_defaults(func=func)
        return parser

    ingest = command("ingest", "load CSV files, one batch each (--json: one JSON object per file)", _ingest)
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--kind", choices=("interactions", "performance", "engagements"))
    ingest.add_argument("--mapping", metavar="FILE.json", help="explicit column mapping (see docs/DATA.md)")
    ingest.add_argument("--dry-run", action="store_true", help="check everything, write nothing")

    command("batches", "list loaded batches", _batches)

    drop = command("drop-batch", "undo a batch: delete its rows, rejects and rollup rows", _drop)
    drop.add_argument("batch_id", type=_batch_id, metavar="ID")

    rejects = command("rejects", "show the rejected rows of a batch", _rejects)
    rejects.add_argument("batch_id", type=_batch_id, metavar="BATCH_ID")
    rejects.add_argument("--csv", metavar="OUT", help="write them to a CSV file (formulas neutralised)")

    sample = command("sample", "generate the sample portfolio", _sample)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--interactions", type=_count, default=None, help="number of interactions (≥ 0)")
    sample.add_argument("--engagements", type=_count, default=None,
                        help="number of engagements (default 24, the planted portfolio; more for benchmarks)")

    command("seed-if-empty", "load the sample portfolio when the database is empty", _seed_if_empty)


def _progress(fraction: float, message: str) -> None:
    say(f"  {fraction:4.0%}  {message}", err=True)


def _locate(text: str, key: str) -> str:
    """'line L, column C' of the first `"key"` in a JSON text (for messages), or ''."""
    index = text.find(f'"{key}"')
    if index < 0:
        return ""
    line = text.count("\n", 0, index) + 1
    return f", line {line}, column {index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def read_mapping(path: str) -> Mapping:
    """The mapping in the JSON file `path`, validated shape first so every mistake is one sentence."""
    from analytics.ingest import IngestError, Mapping
    from analytics.ingest.mapping import DATE_ORDERS

    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"The mapping file {path} is not UTF-8 text; save it as UTF-8 JSON.") from None
    except OSError as exc:
        raise CliError(f"Cannot read the mapping file {path} ({exc.strerror or exc}); check the path.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}, line {exc.lineno}, column {exc.colno}: the mapping is not valid JSON "
                       f"({exc.msg}); fix it (docs/DATA.md shows the format).") from None
    if not isinstance(data, dict):
        raise CliError(f"{path}: a mapping is a JSON object such as {{\"kind\": \"interactions\", \"columns\": "
                       f"{{\"provider\": \"Vendor\"}}}}, not a {type(data).__name__}.")
    if not isinstance(data.get("kind"), str):
        raise CliError(f"{path}{_locate(text, 'kind')}: \"kind\" must be one of \"interactions\", "
                       "\"performance\" or \"engagements\".")
    for key, example in (("columns", '{"provider": "Vendor"}'), ("constants", '{"provider": "Acme"}')):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise CliError(f"{path}{_locate(text, key)}: \"{key}\" must be an object from field name to "
                           f"{'source header' if key == 'columns' else 'value'}, e.g. {example}, not a "
                           f"{type(value).__name__}.")
        for field_name, item in value.items():
            if item is not None and not isinstance(item, (str, int, float)):
                raise CliError(f"{path}{_locate(text, field_name)}: \"{key}\" → \"{field_name}\" must be text, "
                               f"not a {type(item).__name__}.")
    order = data.get("date_order")
    if order is not None and order not in DATE_ORDERS:
        raise CliError(f"{path}{_locate(text, 'date_order')}: \"date_order\" must be \"dmy\" (day first) or "
                       f"\"mdy\" (month first), not {order!r}.")
    try:
        return Mapping.from_dict(data)
    except IngestError as exc:
        raise CliError(f"{path}: {exc}.") from None


def _open_for_dry_run(target: str | None) -> duckdb.DuckDBPyConnection:
    """A dry run never writes: the database read-only, or an empty in-memory one when none exists yet."""
    path = db.database_path(target)
    if path.exists():
        return db.connect(path, read_only=True)
    say(f"note: there is no database at {path} yet; the dry run checks the files against an empty one.", err=True)
    return db.connect(":memory:")


def _ingest(args) -> int:
    from analytics.ingest import ingest_file

    mapping = read_mapping(args.mapping) if args.mapping else None
    con = _open_for_dry_run(args.db) if args.dry_run else db.connect(args.db)
    results: list[dict] = []
    broken: str | None = None

    def failed(name: str, message: str) -> None:
        results.append(_failed(name, args.kind, message))
        if not args.json:
            say(f"error: {message}", err=True)

    try:
        for name in args.files:
            path = Path(name)
            if broken:
                failed(name, f"{name} was not attempted: {broken}")
                continue
            if not path.is_file():
                problem = "is a folder, not a CSV file" if path.is_dir() else "does not exist"
                failed(name, f"{name} {problem}; check the path.")
                continue
            try:
                result = ingest_file(con, path, kind=args.kind, mapping=mapping, dry_run=args.dry_run,
                                     progress=None if args.json else _progress)
            except (duckdb.Error, OSError, MemoryError) as exc:
                message = describe_failure(exc)
                failed(name, f"{name}: {message}")
                if isinstance(exc, duckdb.Error):
                    broken = "the database failed on an earlier file in this command"
                continue
            outcome = result.to_dict()
            results.append(outcome)
            if not args.json:
                say(result.message)
                for note in result.date_notes:
                    say(f"  note: {note}")
                if len(result.rejects):
                    say(frame_text(result.rejects.head(10)))
    finally:
        try:
            con.close()
        except duckdb.Error:
            pass  # already invalidated by the failure reported above
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return EXIT_PROBLEMS if any(r["status"] == "failed" for r in results) else 0


def _failed(name: str, kind: str | None, message: str) -> dict:
    return {"file": name, "kind": kind, "batch_id": None, "status": "failed", **{c: 0 for c in COUNTS},
            "message": message}


def _batches(args) -> int:
    from analytics.ingest import list_batches

    with db.connect(args.db, read_only=True) as con:
        frame = list_batches(con)
    if args.json:
        print(frame.to_json(orient="records", date_format="iso"))
    elif frame.empty:
        say("No batches loaded yet.")
    else:
        say(frame_text(frame.drop(columns=["sha256"])))
    return 0


def _drop(args) -> int:
    from analytics.ingest import drop_batch

    if not db.database_path(args.db).exists():  # nothing to drop: never create a database at a mistyped path
        raise CliError(f"There is no database at {db.database_path(args.db)}; check the --db path or RAPPORT_DB.")
    with db.connect(args.db) as con:
        removed = drop_batch(con, args.batch_id)
    message = f"Dropped batch {args.batch_id}: {removed} rows removed."
    if args.json:
        print(json.dumps({"status": "dropped", "batch_id": args.batch_id, "rows_removed": removed,
                          "message": message}))
    else:
        say(message)
    return 0


def _rejects(args) -> int:
    from analytics import query
    from analytics.export import csv_bytes
    from analytics.ingest import rejected_rows

    with db.connect(args.db, read_only=True) as con:
        known = query.one(con, "select 1 from batches where batch_id = ?", [args.batch_id])
        if not known:
            raise CliError(f"There is no batch {args.batch_id} in {db.database_path(args.db)}; "
                           "`python -m analytics batches` lists the loaded ones.")
        frame = rejected_rows(con, args.batch_id)
    if args.csv:
        write_output(args.csv, csv_bytes(frame), what="rejected rows")
        message = f"Wrote {len(frame)} rejected rows to {args.csv}"
        print(json.dumps({"status": "written", "rows": len(frame), "file": args.csv})) if args.json else say(message)
    elif args.json:
        print(frame.to_json(orient="records"))
    elif frame.empty:
        say(f"Batch {args.batch_id} has no rejected rows.")
    else:
        say(frame_text(frame.head(TEXT_ROWS)))
        if len(frame) > TEXT_ROWS:
            say(f"… and {len(frame) - TEXT_ROWS:,} more rejected rows; write them all with --csv OUT (or --json).")
    return 0


def _sample(args) -> int:
    from analytics import query, sample

    with db.connect(args.db) as con:
        held = [b for (b,) in query.rows(
            con, "select batch_id from batches where file_name like 'sample:%' order by batch_id")]
        if held:
            raise CliError(f"{db.database_path(args.db)} already holds the sample portfolio (batches "
                           f"{', '.join(map(str, held))}); drop them with `python -m analytics drop-batch ID` "
                           "or pass a new --db.")
        options = {"seed": args.seed, "progress": None if args.json else _progress}
        if args.interactions is not None:
            options["interactions"] = args.interactions
        if args.engagements:
            options["engagements"] = args.engagements
        counts = sample.generate(con, **options)
    if args.json:
        print(json.dumps({"status": "generated", **counts}))
    else:
        say("Sample portfolio generated: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _seed_if_empty(args) -> int:
    from analytics import sample

    with db.connect(args.db) as con:
        seeded = sample.seed_if_empty(con)
    message = ("The database was empty: loaded the sample portfolio." if seeded
               else "The database already has data: nothing seeded.")
    print(json.dumps({"status": "seeded" if seeded else "unchanged", "message": message})) if args.json \
        else say(message)
    return 0
