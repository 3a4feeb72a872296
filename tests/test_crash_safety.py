"""Killing an ingest in any phase never leaves a half-loaded batch.

A loader process imports Rapport once and, for each kill, forks a fresh child that runs ingest_file
with a progress callback that announces each phase and then waits for the test's go-ahead on stdin
(forking spares a second of imports per kill; each child is a real process that opens the database
file, takes the write lock and dies by SIGKILL). The test SIGKILLs the child in each phase of the
load: mid-phase (right after the go-ahead — the kill lands in that phase or, at the latest, while the
child waits at the next announcement) and finally while it waits at "Done", the last step before the
commit. The kill is ordered by what the child reports, never by the clock, and always lands before
the commit, on any machine speed. After each kill the database must open, the interrupted batch must
be wholly absent (rollups match the raw rows), an earlier batch must be untouched — and finally
loading the same file with the CLI must succeed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import db, maintenance, rollups
from analytics.cli import main

REPO = Path(__file__).resolve().parents[1]
# Big enough that every phase has real work to interrupt; the kill is ordered by the phases the child
# announces, not by how long a phase takes, so more rows would only make the test slower.
BIG_ROWS = 3_000
EARLIER_ROWS = 500
# Phases of ingest_file (analytics/ingest/load.py), matched as substrings of its progress messages: the
# staging phases run before the write transaction, the rest inside it. "Done" is reported inside the
# transaction too, just before the commit.
KILL_PHASES = ["Staging rows", "Parsing and validating", "Removing duplicates", "Inserting", "daily rollup", "Done"]
# The loader: imports once, then per "load" line forks a child that runs ingest_file with a progress
# callback announcing each phase and waiting for the parent's go-ahead, and reports how the child ended.
# Nothing in the loader opens DuckDB, so each child starts with no database state of its own.
LOADER = r"""
import os, sys
from analytics import db
from analytics.ingest import ingest_file

def announce_and_wait(fraction, message):
    print(message, flush=True)
    sys.stdin.readline()

print("READY", flush=True)
for command in sys.stdin:
    if not command.startswith("load\t"):  # a go-ahead that a killed child never read
        continue
    _, database, export = command.rstrip("\n").split("\t")
    pid = os.fork()
    if pid == 0:
        try:
            print("CHILD", os.getpid(), flush=True)
            result = ingest_file(db.connect(database), export, progress=announce_and_wait)
            print("FINISHED", result.status, flush=True)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    print("EXIT", os.waitstatus_to_exitcode(status), flush=True)
"""


def _write_big_export(path: Path, rows: int, prefix: str = "b") -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Call ID,Call Start,Vendor,Program,Media Type,Wrap-up Code,AHT,CSAT,Customer\n")
        out.writelines(
            f"{prefix}-{i},2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,Vendor {i % 5},"
            f"Program {i % 7},{('Phone', 'Chat', 'Email')[i % 3]},Reason {i % 40},{3 + i % 5}:{i % 60:02d},"
            f"{1 + i % 5},cust-{i % 50_000}\n" for i in range(rows))


def _fingerprint(con, batch_id: int) -> tuple:
    return con.execute("select count(*), sum(hash(i)) from interactions i where batch_id = ?", [batch_id]).fetchone()


def _assert_consistent(path: Path) -> tuple[list[tuple[int, int]], dict[int, tuple]]:
    """Open the database and check every batch is whole; returns (batch_id, rows_loaded) and each batch's
    fingerprint."""
    con = db.connect(path)
    try:
        result = maintenance.check_database(con)
        assert result.ok, (result.problems.to_dict("records"), result.rollup_mismatches)
        assert rollups.mismatches(con) == 0
        for batch_id, rows_loaded in con.execute("select batch_id, rows_loaded from batches").fetchall():
            (rows,) = con.execute("select count(*) from interactions where batch_id = ?", [batch_id]).fetchone()
            assert rows == rows_loaded, (batch_id, rows, rows_loaded)
        batches = con.execute("select batch_id, rows_loaded from batches order by batch_id").fetchall()
        return batches, {batch_id: _fingerprint(con, batch_id) for batch_id, _ in batches}
    finally:
        con.close()


def _kill_in(loader: subprocess.Popen, phase: str, database: Path, export: Path) -> list[str]:
    """Start one load in a fresh child, SIGKILL it in `phase`; returns what it said, ending with its exit."""
    loader.stdin.write(f"load\t{database}\t{export}\n")
    loader.stdin.flush()
    first = loader.stdout.readline().split()
    assert first[:1] == ["CHILD"], first  # an empty line: the loader died (its stderr is in loader.err)
    child = int(first[1])
    seen = []
    for line in loader.stdout:
        seen.append(line.strip())
        if line.startswith("EXIT"):  # the child ended by itself: the phase never came
            return seen
        if line.startswith("FINISHED"):  # the load ran to its end: the phase never came
            break
        if phase in line:
            if phase != KILL_PHASES[-1]:
                loader.stdin.write("go\n")  # let the phase run: the kill lands in it or at the next announcement
                loader.stdin.flush()
            os.kill(child, signal.SIGKILL)
            break
        loader.stdin.write("go\n")
        loader.stdin.flush()
    for line in loader.stdout:  # the loader reaps the child and says how it ended
        seen.append(line.strip())
        if line.startswith("EXIT"):
            break
    return seen


def test_sigkill_during_a_large_load_leaves_the_database_as_it_was(tmp_path, capsys):
    big = tmp_path / "big.csv"
    _write_big_export(big, BIG_ROWS)
    database = tmp_path / "crash.duckdb"

    # An earlier batch that every kill must leave untouched.
    small = tmp_path / "earlier.csv"
    _write_big_export(small, EARLIER_ROWS, prefix="e")
    assert main(["ingest", str(small), "--db", str(database)]) == 0, capsys.readouterr().err
    ([(earlier, _)], fingerprints) = _assert_consistent(database)
    before = fingerprints[earlier]

    with (tmp_path / "loader.err").open("w") as errors:
        loader = subprocess.Popen([sys.executable, "-c", LOADER], cwd=REPO, text=True, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=errors)
    try:
        assert loader.stdout.readline().strip() == "READY", (tmp_path / "loader.err").read_text()
        for phase in KILL_PHASES:
            seen = _kill_in(loader, phase, database, big)
            assert phase in " ".join(seen), f"ingest_file never reported a phase containing {phase!r}; it said {seen}"
            assert seen[-1] == f"EXIT {-signal.SIGKILL}", (phase, seen)  # killed inside the load, not after it
            batches, fingerprints = _assert_consistent(database)
            assert batches == [(earlier, EARLIER_ROWS)] and fingerprints[earlier] == before, (phase, seen)
    finally:
        loader.stdin.close()
        loader.wait()
    assert loader.returncode == 0, (tmp_path / "loader.err").read_text()

    assert main(["ingest", str(big), "--db", str(database)]) == 0, capsys.readouterr().err
    batches, fingerprints = _assert_consistent(database)
    assert [rows for _, rows in batches] == [EARLIER_ROWS, BIG_ROWS] and fingerprints[earlier] == before
    assert sum(rows for rows, _ in fingerprints.values()) == BIG_ROWS + EARLIER_ROWS  # counted from the table


@pytest.mark.parametrize("point", ["after_staging", "before_commit"])
def test_a_failure_inside_the_load_transaction_writes_nothing(con, tmp_path, monkeypatch, point):
    """The in-process twin of a kill: an exception at a late point rolls the whole batch back."""
    from analytics.ingest import ingest_file, load

    path = tmp_path / "calls.csv"
    _write_big_export(path, 300)
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
    assert ingest_file(con, path).rows_loaded == 300
