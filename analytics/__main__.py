"""`python -m analytics …` — the command-line interface.

Subcommands live in small modules (cli_data.py: ingest, batches, drop-batch, rejects,
sample, seed-if-empty, check; cli_report.py: report …); each exposes
`register(subparsers)` and sets `func(args) -> int` on its parser.
"""
from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from analytics import cli_data, cli_maintenance, cli_report

    parser = argparse.ArgumentParser(prog="python -m analytics", description="Rapport analytics engine")
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_data.register(subparsers)
    cli_report.register(subparsers)
    cli_maintenance.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
