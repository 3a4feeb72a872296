"""Killing an ingest in any phase never leaves a half-loaded batch.

A child process loads a large export with a progress callback that announces each phase and
then waits for the test's go-ahead on stdin. The test SIGKILLs it in each phase of the load
transaction: mid-phase (right after the go-ahead — the kill lands in that phase or, at the
latest, while the child waits at the next announcement) and finally while it waits at "Done",
the last step before the commit. The kill is ordered by what the child reports, never by the
clock, and always lands before the commit, on any machine speed. After each kill the database
must open, the interrupted batch must be wholly absent (rollups match the raw rows), an earlier
batch must be untouched — and finally loading the same file with the CLI must succeed.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import db, maintenance, rollups

REPO = Path(__file__).resolve().parents[1]
BIG_ROWS = 30_000
# Phases of ingest_file inside its write transaction (analytics/ingest/load.py), matched as substrings
# of its progress messages. "Done" is reported inside the transaction too, just before the commit.
KILL_PHASES = ["Staging rows", "Parsing and validating", "Removing duplicates", "Inserting", "daily rollup", "Done"]
# The child: ingest_file with a progress callback that announces a phase and waits for the parent.
CHILD = """
import sys
from analytics import db
from analytics.ingest import ingest_file

def announce_and_wait(fraction, message):
    print(message, flush=True)
    sys.stdin.readline()

result = ingest_file(db.connect(sys.argv[1]), sys.argv[2], progress=announce_and_wait)
print("FINISHED", result.status, flush=True)
"""


def _write_big_export(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Call ID,Call Start,Vendor,Program,Media Type,Wrap-up Code,AHT,CSAT,Customer\n")
        out.writelines(
            f"b-{i},2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,Vendor {i % 5},"
            f"Program {i % 7},{('Phone', 'Chat', 'Email')[i % 3]},Reason {i % 40},{3 + i % 5}:{i % 60:02d},"
            f"{1 + i % 5},cust-{i % 50_000}\n" for i in range(rows))


def _fingerprint(con, batch_id: int) -> tuple:
    return con.execute("select count(*), sum(hash(i)) from interactions i where batch_id = ?", [batch_id]).fetchone()


def _assert_consistent(path: Path) -> list[tuple[int, int]]:
    """Open the database and check every batch is whole; returns (batch_id, rows_loaded)."""
    con = db.connect(path)
    try:
        result = maintenance.check_database(con)
        assert result.ok, (result.problems.to_dict("records"), result.rollup_mismatches)
        assert rollups.mismatches(con) == 0
        for batch_id, rows_loaded in con.execute("select batch_id, rows_loaded from batches").fetchall():
            (rows,) = con.execute("select count(*) from interactions where batch_id = ?", [batch_id]).fetchone()
            assert rows == rows_loaded, (batch_id, rows, rows_loaded)
        return con.execute("select batch_id, rows_loaded from batches order by batch_id").fetchall()
    finally:
        con.close()


def test_sigkill_during_a_large_load_leaves_the_database_as_it_was(tmp_path):
    big = tmp_path / "big.csv"
    _write_big_export(big, BIG_ROWS)
    database = tmp_path / "crash.duckdb"

    # An earlier batch that every kill must leave untouched.
    small = tmp_path / "earlier.csv"
    _write_big_export(small, 500)
    small.write_text(small.read_text().replace("b-", "e-"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "analytics", "ingest", str(small), "--db", str(database)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    con = db.connect(database)
    (earlier,) = con.execute("select batch_id from batches").fetchone()
    before = _fingerprint(con, earlier)
    con.close()

    for phase in KILL_PHASES:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(database), str(big)], cwd=REPO, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        seen = []
        for line in child.stdout:
            seen.append(line.strip())
            if line.startswith("FINISHED"):  # the load ran to its end: the phase never came
                break
            if phase in line:
                if phase != KILL_PHASES[-1]:
                    child.stdin.write("go\n")  # let the phase run: the kill lands in it or at the next announcement
                    child.stdin.flush()
                child.send_signal(signal.SIGKILL)
                break
            child.stdin.write("go\n")
            child.stdin.flush()
        child.wait()
        child.stdout.close()
        child.stdin.close()
        assert phase in " ".join(seen), f"ingest_file never reported a phase containing {phase!r}; it said {seen}"
        assert child.returncode == -signal.SIGKILL, (phase, seen)  # killed inside the load, not after it
        assert [rows for _, rows in _assert_consistent(database)] == [500], (phase, seen)
        con = db.connect(database)
        assert _fingerprint(con, earlier) == before
        con.close()

    final = subprocess.run([sys.executable, "-m", "analytics", "ingest", str(big), "--db", str(database)],
                           cwd=REPO, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert [rows for _, rows in _assert_consistent(database)] == [500, BIG_ROWS]
    con = db.connect(database)
    assert con.execute("select count(*) from interactions").fetchone() == (BIG_ROWS + 500,)
    assert _fingerprint(con, earlier) == before
    con.close()


@pytest.mark.parametrize("point", ["after_staging", "before_commit"])
def test_a_failure_inside_the_load_transaction_writes_nothing(con, tmp_path, monkeypatch, point):
    """The in-process twin of a kill: an exception at a late point rolls the whole batch back."""
    from analytics.ingest import ingest_file, load

    path = tmp_path / "calls.csv"
    _write_big_export(path, 2_000)
    version = db.data_version(con)

    class Boom(RuntimeError):
        pass

    def explode(*args, **kwargs):
        raise Boom(point)

    if point == "before_commit":  # the rollup is the last step inside the transaction
        monkeypatch.setattr(rollups, "add_batch", explode)
    else:
        monkeypatch.setattr(load, "_dedup", explode)
    with pytest.raises(Boom):
        ingest_file(con, path)
    assert con.execute("select (select count(*) from batches) + (select count(*) from interactions)"
                       " + (select count(*) from rejects) + (select count(*) from rollup_daily)").fetchone() == (0,)
    assert db.data_version(con) == version
    monkeypatch.undo()
    assert ingest_file(con, path).rows_loaded == 2_000
