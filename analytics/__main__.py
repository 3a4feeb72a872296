"""`python -m analytics …` — the command-line interface (built in analytics/cli/)."""
from __future__ import annotations

import sys

from analytics.cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
