"""The PySpark script users submit: job_template.py with the contract and transpiled SQL embedded."""
from __future__ import annotations

import pprint
from pathlib import Path

import sqlglot

from analytics import contracts
from analytics.spark import CONTRACT_VERSION, definition

TEMPLATE = Path(__file__).resolve().parent / "job_template.py"
_BEGIN = "# >>> embedded by `python -m analytics rollups job`\n"
_END = "# <<< embedded\n"
REPEAT_WINDOW_DAYS = 7  # must match repeat_flags.sql (604800000000 µs); a test checks both


def embedded_values() -> dict:
    """What the generated script carries: contract, SQL hash, columns and the Spark SQL of each step."""
    steps = definition.spark_sql()
    return {
        "contract": CONTRACT_VERSION,
        "sql_hash": definition.sql_hash(steps),
        "generator": f"rapport (sqlglot {sqlglot.__version__})",
        "columns": [[c.name, c.spark_type] for c in definition.contract_columns()],
        "source_columns": [[c.name, c.spark_type] for c in definition.source_columns()],
        "unassigned": contracts.UNASSIGNED,
        "csat_five_share": contracts.CSAT_FIVE_SHARE,
        "repeat_window_days": REPEAT_WINDOW_DAYS,
        "steps": steps,
    }


def job_script() -> str:
    """The self-contained PySpark script, as text."""
    template = TEMPLATE.read_text()
    head, rest = template.split(_BEGIN, 1)
    _, tail = rest.split(_END, 1)
    literal = pprint.pformat(embedded_values(), width=110, sort_dicts=False)
    return f"{head}{_BEGIN}EMBEDDED: dict = {literal}\n{_END}{tail}"
