"""`python -m analytics ingest | batches | drop-batch | rejects | sample | seed-if-empty`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analytics import db
from analytics.export import csv_bytes
from analytics.ingest import IngestError, Mapping, drop_batch, ingest_file, list_batches, rejected_rows

COUNTS = ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")


def register(subparsers) -> None:
    def command(name: str, help_text: str, func) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text)
        parser.add_argument("--db", help="database file (default: $RAPPORT_DB or data/rapport.duckdb)")
        parser.set_defaults(func=_friendly(func))
        return parser

    ingest = command("ingest", "load CSV files, one batch each", _ingest)
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--kind", choices=("interactions", "performance", "engagements"))
    ingest.add_argument("--mapping", metavar="FILE.json", help="explicit column mapping (see docs/DATA.md)")
    ingest.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    ingest.add_argument("--json", action="store_true", help="print one JSON object per file")

    batches = command("batches", "list loaded batches", _batches)
    batches.add_argument("--json", action="store_true")

    drop = command("drop-batch", "undo a batch: delete its rows, rejects and rollup rows", _drop)
    drop.add_argument("batch_id", type=int, metavar="ID")

    rejects = command("rejects", "show the rejected rows of a batch", _rejects)
    rejects.add_argument("batch_id", type=int, metavar="BATCH_ID")
    rejects.add_argument("--csv", metavar="OUT", help="write them to a CSV file")
    rejects.add_argument("--json", action="store_true")

    sample = command("sample", "generate the sample portfolio", _sample)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--interactions", type=int, default=None, help="number of interactions")

    command("seed-if-empty", "load the sample portfolio when the database is empty", _seed_if_empty)


def _friendly(func):
    def run(args) -> int:
        try:
            return func(args)
        except (IngestError, db.DatabaseBusyError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return run


def _progress(fraction: float, message: str) -> None:
    print(f"  {fraction:4.0%}  {message}", file=sys.stderr)


def _ingest(args) -> int:
    mapping = Mapping.from_file(args.mapping) if args.mapping else None
    con = db.connect(args.db)
    try:
        results = []
        for name in args.files:
            path = Path(name)
            if not path.is_file():
                results.append({"file": name, "kind": args.kind, "batch_id": None, "status": "failed",
                                **{c: 0 for c in COUNTS}, "message": f"{name}: no such file"})
                continue
            result = ingest_file(con, path, kind=args.kind, mapping=mapping, dry_run=args.dry_run,
                                 progress=None if args.json else _progress)
            results.append(result.to_dict())
            if not args.json:
                print(result.message)
                if len(result.rejects):
                    print(result.rejects.head(10).to_string(index=False))
    finally:
        con.close()
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 1 if any(r["status"] == "failed" for r in results) else 0


def _batches(args) -> int:
    con = db.connect(args.db)
    try:
        frame = list_batches(con)
    finally:
        con.close()
    if args.json:
        print(frame.to_json(orient="records", date_format="iso"))
    elif frame.empty:
        print("No batches loaded yet.")
    else:
        print(frame.drop(columns=["sha256"]).to_string(index=False))
    return 0


def _drop(args) -> int:
    con = db.connect(args.db)
    try:
        removed = drop_batch(con, args.batch_id)
    finally:
        con.close()
    print(f"Dropped batch {args.batch_id}: {removed} rows removed.")
    return 0


def _rejects(args) -> int:
    con = db.connect(args.db)
    try:
        known = con.execute("select 1 from batches where batch_id = ?", [args.batch_id]).fetchone()
        frame = rejected_rows(con, args.batch_id)
    finally:
        con.close()
    if not known:
        raise IngestError(f"there is no batch {args.batch_id}; `python -m analytics batches` lists the loaded ones")
    if args.csv:
        Path(args.csv).write_bytes(csv_bytes(frame))
        print(f"Wrote {len(frame)} rejected rows to {args.csv}")
    elif args.json:
        print(frame.to_json(orient="records"))
    elif frame.empty:
        print(f"Batch {args.batch_id} has no rejected rows.")
    else:
        print(frame.to_string(index=False))
    return 0


def _sample(args) -> int:
    from analytics import sample

    con = db.connect(args.db)
    try:
        options = {"seed": args.seed, "progress": _progress}
        if args.interactions is not None:
            options["interactions"] = args.interactions
        counts = sample.generate(con, **options)
    finally:
        con.close()
    print("Sample portfolio generated: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _seed_if_empty(args) -> int:
    from analytics import sample

    con = db.connect(args.db)
    try:
        seeded = sample.seed_if_empty(con)
    finally:
        con.close()
    print("The database was empty: loaded the sample portfolio." if seeded
          else "The database already has data: nothing seeded.")
    return 0
