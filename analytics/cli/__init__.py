"""`python -m analytics …` — the command line: the parser, the one `--db` option and the one error wrapper.

One module per command group, each exposing `register(subparsers)` and setting `func(args) -> int`
on its parsers:

* `analytics/cli/data.py` — ingest, batches, drop-batch, rejects, sample, seed-if-empty;
* `analytics/cli/report.py` — report …;
* `analytics/cli/maintenance.py` — check, backup, restore;
* `analytics/cli/rollups.py` — rollups job | import | golden.

The CLI is one whole: `build_parser` gives every parser (commands, groups and their subcommands)
the same `--db` (else $RAPPORT_DB, else data/rapport.duckdb) and `--json` options, written either
before or after a subcommand's own arguments; `main` runs every command through
`failures.run_command`, so any failure — a bad argument included — is one sentence and a non-zero
exit code, or with `--json` an object `{"status": "failed", "message": …}`.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Iterator

from analytics.cli.failures import EXIT_FAILED, run_command
from analytics.cli.output import terminal_safe

PROG = "python -m analytics"
COMMAND_GROUPS = ("data", "report", "maintenance", "rollups")
DB_HELP = "database file (default: $RAPPORT_DB or data/rapport.duckdb)"
JSON_HELP = "print the outcome as JSON (a failure too: {\"status\": \"failed\", \"message\": …})"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one clean sentence (JSON with --json), never a traceback."""

    json_errors = False

    def error(self, message: str):  # type: ignore[override]
        text = f"{self.prog}: {message}; run `{self.prog} --help` for the options."
        if _Parser.json_errors:
            print(json.dumps({"status": "failed", "command": None, "message": text}))
        else:
            self.print_usage(sys.stderr)
            print(terminal_safe(f"error: {text}"), file=sys.stderr)
        raise SystemExit(EXIT_FAILED)


def add_shared_options(parser: argparse.ArgumentParser) -> None:
    """The one `--db` and `--json` of every parser.

    Their defaults are suppressed on each parser (the root sets `db=None, json=False` once), so a
    value given on a command group (`rollups --db X import DIR`) survives its subcommand, and the
    subcommand's own (`rollups import DIR --db X`) is taken as well.
    """
    parser.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)


def parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser below `parser`, depth first, with its command path (`"rollups import"`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for path, deeper in parsers(sub):
                    yield f"{name} {path}", deeper


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Rapport analytics engine")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_GROUPS:
        importlib.import_module(f"analytics.cli.{name}").register(subparsers)
    add_shared_options(parser)
    parser.set_defaults(db=None, json=False)
    for _, sub in parsers(parser):
        add_shared_options(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _Parser.json_errors = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (already reported)
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    return run_command(args.func, args)
