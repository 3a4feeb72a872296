"""`python -m analytics …` — the command-line interface.

Subcommands live in small modules (cli_data.py: ingest, batches, drop-batch, rejects,
sample, seed-if-empty; cli_report.py: report …; cli_maintenance.py: check, backup,
restore; cli_rollups.py: rollups …); each exposes `register(subparsers)` and sets
`func(args) -> int` on its parser.

The CLI is one whole: every command takes `--db` (else $RAPPORT_DB, else
data/rapport.duckdb) and `--json`, and runs through one error wrapper
(`cli_common.run_command`), so any failure — a bad argument included — is one sentence
and a non-zero exit code, or with `--json` an object `{"status": "failed", "message": …}`.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from analytics.cli_common import EXIT_FAILED, run_command, terminal_safe

COMMAND_MODULES = ("cli_data", "cli_report", "cli_maintenance", "cli_rollups")
DB_HELP = "database file (default: $RAPPORT_DB or data/rapport.duckdb)"


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analytics", description="Rapport analytics engine")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"analytics.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"analytics.{name}":
                continue  # an optional command group that is not installed in this tree
            raise
        module.register(subparsers)
    for sub in subparsers.choices.values():
        options = sub._option_string_actions
        if "--db" not in options:
            sub.add_argument("--db", help=DB_HELP)
        if "--json" not in options:
            sub.add_argument("--json", action="store_true", help="print the outcome as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _Parser.json_errors = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (already reported)
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
