"""Adding an interactions KPI is one registry entry plus one line of rollup SQL (docs/ARCHITECTURE.md).

The test does exactly that to a copy of the `analytics` package: it loads a batch with the code as it
is, adds the line to rollup_daily.sql and the entry to kpis.py — nothing else — and opens the same
database with the changed copy. The new measure must become a column of both rollup tables, the
batch loaded before must be recomputed, a batch loaded after must be aggregated, and the new KPI must
come out of kpi_frame with the values worked out by hand below. Each step runs in its own Python, as
an upgrade would.
"""
from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

NEW_SQL_LINE = ("        cast(count(*) filter (where escalated and not resolved_first_contact) as bigint)"
                " as escalated_unresolved,\n")
NEW_ENTRY = '''    Kpi(id="escalated_unresolved_rate", label="Escalated and unresolved",
        source=_I, numerator="sum(escalated_unresolved)", denominator="sum(contacts)", requires=("escalated",),
        unit="fraction", fmt="pct", direction=-1,
        description="Contacts escalated and not resolved on first contact / contacts."),
'''

# (occurred_at, escalated, resolved_first_contact) — batch 1 is loaded before the KPI exists
BATCH_1 = [("2025-01-03 09:00:00", True, False), ("2025-01-04 10:00:00", True, False),
           ("2025-01-05 11:00:00", True, True), ("2025-01-06 12:00:00", False, True),
           ("2025-01-07 13:00:00", False, False),
           ("2025-02-03 09:00:00", True, False), ("2025-02-04 09:00:00", False, True),
           ("2025-02-05 09:00:00", False, True), ("2025-02-06 09:00:00", False, True)]
BATCH_2 = [("2025-02-10 09:00:00", True, False), ("2025-02-11 09:00:00", True, False),
           ("2025-02-12 09:00:00", False, True), ("2025-02-13 09:00:00", False, True)]

LOAD = '''
import json, sys
from analytics import db, rollups
path, batch_id, rows = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
con = db.connect(path)
with db.write_transaction(con) as cur:
    cur.execute("insert into batches (batch_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected, "
                "rows_duplicate) values (?, ?, ?, 'interactions', ?, ?, 0, 0)",
                [batch_id, f"b{batch_id}.csv", f"sha-{batch_id}", len(rows), len(rows)])
    cur.executemany("insert into interactions (batch_id, interaction_id, occurred_at, provider, account, escalated, "
                    "resolved_first_contact) values (?, ?, cast(? as timestamp), 'P', 'A', ?, ?)",
                    [[batch_id, f"{batch_id}-{i}", *row] for i, row in enumerate(rows)])
    rollups.add_batch(cur, batch_id)
con.close()
'''

READ = '''
import json, sys
from analytics import db
from analytics.filters import Filters
from analytics.kpi_frames import kpi_frame
con = db.connect(sys.argv[1])
frame = kpi_frame(con, ["escalated_unresolved_rate", "fcr"], Filters(), grain="month")
columns = {t: [r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = ?", [t]).fetchall()]
           for t in ("rollup_daily", "rollup_monthly")}
monthly = con.execute("select strftime(day, '%Y-%m'), sum(escalated_unresolved) from rollup_monthly "
                      "group by all order by 1").fetchall()
print(json.dumps({"values": [[p.strftime("%Y-%m"), k, v] for p, k, v in
                             frame[["period", "kpi", "value"]].itertuples(index=False)],
                  "columns": columns, "monthly": monthly}))
con.close()
'''


def _run(code: str, root: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _changes(original: Path, copy: Path) -> dict[str, list[str]]:
    """Lines added per file of the copy (files compared by relative path); fails on a removed line."""
    found = {}
    for path in sorted(copy.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(copy).as_posix()
        old, new = (original / relative).read_text().splitlines(), path.read_text().splitlines()
        diff = list(difflib.unified_diff(old, new, lineterm="", n=0))[2:]
        assert not [line for line in diff if line.startswith("-")], relative
        added = [line[1:] for line in diff if line.startswith("+")]
        if added:
            found[relative] = added
    return found


def _add_the_kpi(root: Path) -> None:
    sql = root / "analytics" / "sql" / "rollups" / "rollup_daily.sql"
    lines = sql.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.rstrip().endswith("as contacts,"))
    sql.write_text("".join(lines[:at + 1] + [NEW_SQL_LINE] + lines[at + 1:]))
    registry = root / "analytics" / "kpis.py"
    text = registry.read_text()
    end = text.index("\n)\n", text.index("KPIS: tuple[Kpi, ...] = ("))
    registry.write_text(text[:end + 1] + NEW_ENTRY + text[end + 1:])


def test_one_registry_entry_and_one_sql_line_add_a_kpi_to_an_existing_database(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "analytics", root / "analytics", ignore=shutil.ignore_patterns("__pycache__"))
    database = str(tmp_path / "rapport.duckdb")
    _run(LOAD, root, database, "1", json.dumps(BATCH_1))

    _add_the_kpi(root)
    assert _changes(REPO / "analytics", root / "analytics") == {  # the SQL line and the entry, nothing else
        "kpis.py": NEW_ENTRY.splitlines(), "sql/rollups/rollup_daily.sql": [NEW_SQL_LINE.rstrip("\n")]}

    before = json.loads(_run(READ, root, database))
    # the batch loaded before the KPI existed was recomputed when the database was opened
    assert sorted(before["values"]) == [["2025-01", "escalated_unresolved_rate", 2 / 5], ["2025-01", "fcr", 2 / 5],
                                ["2025-02", "escalated_unresolved_rate", 1 / 4], ["2025-02", "fcr", 3 / 4]]
    for table in ("rollup_daily", "rollup_monthly"):
        assert "escalated_unresolved" in before["columns"][table]
    assert before["monthly"] == [["2025-01", 2], ["2025-02", 1]]

    after = json.loads(_run(LOAD + READ, root, database, "2", json.dumps(BATCH_2)))  # the upgrade is behind us
    assert sorted(after["values"]) == [["2025-01", "escalated_unresolved_rate", 2 / 5], ["2025-01", "fcr", 2 / 5],
                               ["2025-02", "escalated_unresolved_rate", 3 / 8], ["2025-02", "fcr", 5 / 8]]
    assert after["monthly"] == [["2025-01", 2], ["2025-02", 3]]


def test_a_fresh_database_made_by_the_changed_copy_has_the_new_measure(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "analytics", root / "analytics", ignore=shutil.ignore_patterns("__pycache__"))
    _add_the_kpi(root)
    database = str(tmp_path / "fresh.duckdb")
    # no upgrade between loading and reading here, so one Python does both
    got = json.loads(_run(LOAD + READ, root, database, "1", json.dumps(BATCH_2)))
    assert sorted(got["values"]) == [["2025-02", "escalated_unresolved_rate", 2 / 4], ["2025-02", "fcr", 2 / 4]]
    assert got["columns"]["rollup_daily"].index("escalated_unresolved") == \
        got["columns"]["rollup_daily"].index("contacts") + 1
