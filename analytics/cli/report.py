"""`python -m analytics report …` — print the frames the pages show.

    python -m analytics report trends --kpi fcr --grain quarter --provider "Apex Contact Solutions" --json
    python -m analytics report premium --kpi quality_score --csv premium.csv
"""
from __future__ import annotations

import argparse
import importlib
import json
from datetime import date
from typing import TYPE_CHECKING, Callable

from analytics import db
from analytics.cli.failures import CliError
from analytics.cli.output import frame_text, say, write_output
from analytics.kpis import kpi_ids

if TYPE_CHECKING:
    import pandas as pd

    from analytics.filters import Filters

Report = Callable[[object, argparse.Namespace, "Filters"], "pd.DataFrame"]
# The --grain and --split choices: analytics.kpi_frames.GRAINS and SPLITS, written out because the parser of
# every command is built at start-up and kpi_frames loads pandas and pyarrow (~0.7 s); tests/test_cli_report.py
# checks they are the same.
GRAINS = ("week", "month", "quarter", "year")
SPLITS = ("provider", "account", "engagement", "channel", "contact_reason", "customer_segment",
          "relationship_model")


class _Analysis:
    """An analysis module imported on first use: every CLI command starts fast (scipy loads only for a report)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(f"analytics.{self._name}"), attribute)


claims, findings, health, insight, premium, trends = (
    _Analysis(name) for name in ("claims", "findings", "health", "insight", "premium", "trends"))

REPORTS: dict[str, dict[str, Report]] = {
    "trends": {
        "series": lambda con, a, f: trends.kpi_trend(con, a.kpi, f, grain=a.grain, split=a.split),
        "tiles": lambda con, a, f: trends.kpi_tiles(con, (a.kpi,), f, grain=a.grain),
    },
    "health": {
        "scores": lambda con, a, f: health.health_scores(con, f, grain=a.grain),
        "overview": lambda con, a, f: health.health_overview(con, f, grain=a.grain),
        "kpis": lambda con, a, f: health.kpi_scores(con, f, grain=a.grain),
    },
    "insight": {
        "channel-mix": lambda con, a, f: insight.channel_mix(con, f, grain=a.grain),
        "reasons": lambda con, a, f: insight.reason_movers(con, f),
        "segments": lambda con, a, f: insight.segment_trends(con, f, grain=a.grain),
        "seasonality": lambda con, a, f: insight.seasonality(con, f, kpi_id=a.kpi),
        "repeats": lambda con, a, f: insight.repeat_contacts(con, f, grain=a.grain),
    },
    "premium": {
        "premium": lambda con, a, f: premium.premium_by_relationship_year(con, a.kpi, f),
        "curves": lambda con, a, f: premium.model_curves(con, a.kpi, f),
        "calendar": lambda con, a, f: premium.calendar_yoy(con, a.kpi, f),
        "trajectory": lambda con, a, f: premium.trajectory(con, a.kpi, f),
    },
    "claims": {"claims": lambda con, a, f: claims.claim_check(con, f),
               "exploratory": lambda con, a, f: claims.exploratory_premiums(con, f)},
    "findings": {"findings": lambda con, a, f: findings.findings(con, f)},
}
# Views whose --json is a richer contract than the frame's records (docs/METHODS.md): the premium per
# relationship year with its `adjusted` and `balanced` estimates nested, the claims with their verdicts.
JSON_REPORTS: dict[tuple[str, str], Callable[[object, argparse.Namespace, "Filters"], list]] = {
    ("premium", "premium"): lambda con, a, f: premium.premium_report(con, a.kpi, f),
    ("claims", "claims"): lambda con, a, f: claims.claims_report(con, f),
}
DEFAULT_KPI = {"trends": "contacts", "insight": "contacts", "premium": "quality_score"}
DEFAULT_GRAIN = {"trends": "month", "health": "quarter", "insight": "quarter"}


def _iso_date(text: str) -> date:
    """argparse type: a calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, e.g. 2024-01-31, got {text!r}") from None


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="print an analysis as a table, JSON or CSV",
        description="Print an analysis as a table; --json prints the frame as a JSON list of records (with "
                    "--csv: the outcome as JSON).")
    parser.add_argument("name", choices=sorted(REPORTS))
    parser.add_argument("--view", help="which frame of the report (default: the first; see --help)")
    parser.add_argument("--kpi", choices=kpi_ids(), help="KPI id (snake_case)")
    parser.add_argument("--grain", choices=GRAINS)
    parser.add_argument("--split", choices=[s for s in SPLITS])
    parser.add_argument("--from", dest="start", type=_iso_date, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=_iso_date, help="last day (inclusive), YYYY-MM-DD")
    for option in ("provider", "account", "engagement", "channel", "reason", "segment", "model"):
        parser.add_argument(f"--{option}", action="append", default=[], help="repeat for several values")
    parser.add_argument("--csv", metavar="OUT", help="write the frame to a CSV file (formulas neutralised)")
    parser.set_defaults(func=run)


def filters_from(args: argparse.Namespace) -> Filters:
    from analytics.filters import Filters

    return Filters(
        start=args.start, end=args.end, providers=tuple(args.provider), accounts=tuple(args.account),
        engagements=tuple(args.engagement), channels=tuple(args.channel), reasons=tuple(args.reason),
        segments=tuple(args.segment), models=tuple(args.model),
    )


def run(args: argparse.Namespace) -> int:
    from analytics.export import csv_bytes

    views = REPORTS[args.name]
    view = args.view or next(iter(views))
    if view not in views:
        raise CliError(f"report {args.name} has the views {', '.join(views)}; got {view!r} — pass one of them "
                       "with --view")
    if args.start and args.end and args.start > args.end:
        raise CliError(f"--from {args.start} is after --to {args.end}; swap them")
    args.kpi = args.kpi or DEFAULT_KPI.get(args.name, "contacts")
    args.grain = args.grain or DEFAULT_GRAIN.get(args.name, "month")
    with db.connect(args.db, read_only=True) as con:
        if args.json and (args.name, view) in JSON_REPORTS:
            records = JSON_REPORTS[(args.name, view)](con, args, filters_from(args))
            print(json.dumps(records, indent=2, default=lambda v: v.item() if hasattr(v, "item") else str(v)))
            return 0
        frame = views[view](con, args, filters_from(args))
    if args.csv:
        write_output(args.csv, csv_bytes(frame), what="report")
        if args.json:
            print(json.dumps({"status": "written", "rows": len(frame), "file": args.csv}))
        else:
            say(f"wrote {len(frame)} rows to {args.csv}")
    elif args.json:
        print(json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2))
    else:
        print(frame_text(frame) if len(frame) else "(no rows)")
    return 0
