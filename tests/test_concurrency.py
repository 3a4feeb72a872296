"""Several Streamlit sessions on one database at once, and a second process on a held file.

The sessions are real AppTest runs of app.py in parallel threads, sharing the app's one
cached DuckDB connection (ui/cached.py) exactly as browser sessions of one server do:
two upload the Data page's files and press Load together while readers change the
sidebar filters. Afterwards every batch must be whole, nothing lost or doubled, and no
session may have seen an error.

The sessions are ordered by what the code reports, never by the clock: the first upload
to report "Inserting" through ingest's progress callback holds its open write
transaction until every reader has finished its filter changes, so the reads provably
overlap a half-written batch and the second upload provably waits on the write lock,
however slow the machine is.
"""
from __future__ import annotations

import builtins
import subprocess
import sys
import threading
import traceback

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.runtime import Runtime
from streamlit.testing.v1 import AppTest

from analytics import db, ingest, maintenance, sample
from tests.builders import REPO, app_test

# Sizes: enough rows that each upload spends real time inside its write transaction, two readers to
# read at once, and filter changes both with and without a provider filter. The overlap itself is
# ordered by events (Rendezvous), so bigger numbers would only make the test slower.
UPLOAD_ROWS = 1_000
SAMPLE_INTERACTIONS = 1_000
READERS = 2
FILTER_CHANGES = 2
PART_ROWS = 500
# An engagement of the sample portfolio (analytics/sample.py), so the uploads join its scorecards.
PROVIDER, ACCOUNT = "Apex Contact Solutions", "Northwind Telecom — Care"
# The progress message ingest_file reports inside its write transaction, as the rows go in
# (analytics/ingest/load.py).
INSERTING = "Inserting"


def _export(prefix: str, month: int, rows: int) -> bytes:
    """An interactions export for a sample engagement, with unique ids: every row is new by design."""
    lines = ["Call ID,Call Start,Vendor,Program,Media Type,Wrap-up Code,AHT,CSAT"]
    lines += [f"{prefix}-{i},2024-{month:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,{PROVIDER},"
              f"{ACCOUNT},{('Phone', 'Chat', 'Email')[i % 3]},Reason {i % 7},{3 + i % 5}:{i % 60:02d},"
              f"{1 + i % 5}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


_COMPILE = builtins.compile
_COMPILE_LOCK = threading.RLock()


def _serialised_compile(*args, **kwargs):
    # CPython 3.11 can raise "SystemError: AST constructor recursion depth mismatch" when threads build or
    # compile ASTs at the same moment (each AppTest session compiles its page scripts in its own thread).
    # Not Rapport's code and not what this test is about, so compilation — and only that — is serialised.
    with _COMPILE_LOCK:
        return _COMPILE(*args, **kwargs)


_GET_OPTION = st_config.get_option


def _app_test_get_option(name: str):
    # AppTest.run switches the config option global.appTest on by patching config.get_option for the length of
    # the run and restoring what it found at the end. With sessions in several threads, one run ending restored
    # the real get_option under another that was still running, whose widgets then lacked their AppTest
    # metadata (KeyError on "$$ID-…" inside AppTest's element tree). Not Rapport's code: the option — which only
    # records that metadata and keeps dataframes eager, as in any AppTest run — stays on for the whole test.
    return True if name == "global.appTest" else _GET_OPTION(name)


class _LatestRuntime:
    """AppTest.run installs a mock Runtime (`Runtime._instance`) when it starts and sets it back to None when it
    ends. With sessions in several threads, one run ending left another that was just starting its script
    without a runtime ("Runtime hasn't been created!" from the script thread). Not Rapport's code either: for
    this test `Runtime.instance()` answers with the runtime the latest run installed — each mock holds only
    in-memory media, dataframe sources and caches, as one real server's runtime serves every session."""

    latest: Runtime | None = None

    @classmethod
    def instance(cls) -> Runtime:
        if Runtime._instance is not None:
            cls.latest = Runtime._instance
        if cls.latest is None:
            raise RuntimeError("Runtime hasn't been created!")
        return cls.latest


@pytest.fixture
def shared_database(tmp_path, monkeypatch):
    """A database file with a small sample portfolio, RAPPORT_DB pointing at it, fresh Streamlit caches."""
    monkeypatch.setattr(builtins, "compile", _serialised_compile)
    monkeypatch.setattr(st_config, "get_option", _app_test_get_option)
    _LatestRuntime.latest = None
    monkeypatch.setattr(Runtime, "instance", _LatestRuntime.instance)
    path = tmp_path / "shared.duckdb"
    con = db.connect(path)
    sample.generate(con, interactions=SAMPLE_INTERACTIONS)
    con.close()
    monkeypatch.setenv("RAPPORT_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()  # closes nothing explicitly, but drops the app's connection to this file


class Rendezvous:
    """Orders the sessions on events they report. Every wait ends when an event fires or a
    session gives up (fails), never on a timeout, so a loaded machine only makes the test slower."""

    def __init__(self, uploads: int, readers: int) -> None:
        # Both uploads have their file on the page and a Load button to press. A session that
        # fails before it gets there aborts the barrier, which releases the other with an error.
        self.ready_to_load = threading.Barrier(uploads)
        self.writing = threading.Event()     # an upload is inside its write transaction (or gave up)
        self.reads_done = threading.Event()  # every reader has finished (or failed)
        self._readers_left = readers
        self._lock = threading.Lock()
        self.held_by: str | None = None      # the upload that held its transaction open for the readers
        self.inserting_seen: list[str] = []

    def on_progress(self, upload: str, message: str) -> None:
        """Ingest's progress callback of `upload`: the first to insert holds until the readers are done."""
        if not message.startswith(INSERTING):
            return
        with self._lock:
            self.inserting_seen.append(upload)
            first = self.held_by is None
            if first:
                self.held_by = upload
        if first:
            self.writing.set()
            self.reads_done.wait()

    def upload_finished(self, *, failed: bool) -> None:
        """Release everyone who could still be waiting for this upload (readers, if nothing held)."""
        if failed:
            self.ready_to_load.abort()
        self.writing.set()

    def reader_finished(self) -> None:
        with self._lock:
            self._readers_left -= 1
            if self._readers_left == 0:
                self.reads_done.set()


@pytest.fixture
def rendezvous(monkeypatch) -> Rendezvous:
    """Routes the Data page's ingest progress (which already feeds its progress bar) through the rendezvous."""
    meeting = Rendezvous(uploads=2, readers=READERS)
    real_ingest_file = ingest.ingest_file

    def observed_ingest_file(con, path, *, file_name=None, progress=None, **kwargs):
        def report(fraction, message):
            if progress is not None:
                progress(fraction, message)
            meeting.on_progress(file_name, message)
        return real_ingest_file(con, path, file_name=file_name, progress=report, **kwargs)

    monkeypatch.setattr(ingest, "ingest_file", observed_ingest_file)  # pages/data.py calls ingest.ingest_file
    return meeting


def _problems(at: AppTest) -> list[str]:
    details = " | ".join(c.value for c in at.code)  # state.section puts the exception text in st.code
    return ([f"exception: {e.value}" for e in at.exception]
            + [f"error: {e.value} {details}" for e in at.error])


def _uploader(name: str, payload: bytes, meeting: Rendezvous, outcome: dict) -> None:
    try:
        at = app_test()  # app.py with the run cap and the process's one component scan
        at.switch_page("pages/data.py")
        at.run()
        at.file_uploader(key="data_uploads").set_value((name, payload, "text/csv")).run()
        load = next(b for b in at.button if b.key and b.key.endswith("_load"))
        meeting.ready_to_load.wait()  # press Load together
        load.click().run()
        outcome["problems"] = _problems(at)
        outcome["result"] = at.session_state[load.key.replace("_load", "_result")]
    except Exception:  # noqa: BLE001 — reported to the main thread, which fails the test
        outcome["problems"] = [traceback.format_exc()]
    finally:
        meeting.upload_finished(failed="result" not in outcome)


def _reader(meeting: Rendezvous, outcome: dict, offset: int) -> None:
    """Opens shared links, without and then with a provider filter, while an upload is half written.

    Each filter change is a fresh session opened from a link (query parameters), as a colleague
    opening a copied URL does. Changing a widget in one long-lived AppTest from several threads
    failed intermittently inside AppTest's own widget bookkeeping (KeyError on its testing key), which
    says nothing about the app; fresh sessions exercise the same reads on the shared connection.
    """
    try:
        meeting.writing.wait()
        outcome["during_write"] = meeting.held_by is not None and not meeting.reads_done.is_set()
        runs, options = [], []
        for change in range(FILTER_CHANGES):
            at = app_test()  # app.py with the run cap and the process's one component scan
            pick = options[(offset + change) % len(options)] if options else None
            if change % 2 == 1:  # every other link names a provider from the options the unfiltered run showed
                at.query_params["provider"] = pick
            at.run()
            provider = next(w for w in at.multiselect if w.key == "provider")
            options = options or list(provider.options)
            expected = [pick] if change % 2 == 1 else []
            runs.append(_problems(at) + ([] if provider.value == expected else [f"filter {provider.value} != "
                                                                                 f"{expected}"]))
        outcome["runs"] = len(runs)
        outcome["problems"] = [p for run in runs for p in run]
    except Exception:  # noqa: BLE001
        outcome["problems"] = [traceback.format_exc()]
    finally:
        meeting.reader_finished()


def test_two_uploads_and_filtering_readers_at_once_lose_and_double_nothing(shared_database, rendezvous):
    files = {"north.csv": _export("n", 1, UPLOAD_ROWS), "south.csv": _export("s", 2, UPLOAD_ROWS)}
    uploads = {name: {} for name in files}
    readers = [{} for _ in range(READERS)]
    threads = [threading.Thread(target=_uploader, args=(name, payload, rendezvous, uploads[name]))
               for name, payload in files.items()]
    threads += [threading.Thread(target=_reader, args=(rendezvous, outcome, i)) for i, outcome in enumerate(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # every session ends: each wait above is released by an event or by a failure

    # every session's problems at once: one failing session breaks the barrier for the other
    assert {name: outcome["problems"] for name, outcome in uploads.items()} == {name: [] for name in uploads}
    for name, outcome in uploads.items():
        result = outcome["result"]
        assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected,
                result.rows_duplicate) == ("loaded", UPLOAD_ROWS, UPLOAD_ROWS, 0, 0), result.message
    for outcome in readers:
        assert outcome["problems"] == [] and outcome["runs"] == FILTER_CHANGES, outcome
    # The overlap really happened: one upload held its open transaction while all readers read,
    # and both uploads reported inserting. A renamed progress message fails here, not by hanging.
    assert rendezvous.held_by in files and sorted(rendezvous.inserting_seen) == sorted(files), (
        f"expected both uploads to report a progress message starting {INSERTING!r}; saw "
        f"{rendezvous.inserting_seen}")
    assert all(outcome["during_write"] for outcome in readers)

    from ui.cached import cursor  # the app's own connection: a second one in this process would clash

    cur = cursor()
    batch_ids = {outcome["result"].batch_id for outcome in uploads.values()}
    assert len(batch_ids) == 2
    for batch_id in batch_ids:
        assert cur.execute("select count(*), count(distinct interaction_id) from interactions where batch_id = ?",
                           [batch_id]).fetchone() == (UPLOAD_ROWS, UPLOAD_ROWS)
    assert cur.execute("select count(*) from interactions").fetchone() == (SAMPLE_INTERACTIONS + 2 * UPLOAD_ROWS,)
    check = maintenance.check_database(cur)
    assert check.ok, (check.problems, check.rollup_mismatches)


def test_concurrent_ingests_on_the_shared_connection_are_serialised(shared_database, tmp_path):
    """Four threads call ingest_file on the app's connection at once; the write lock orders them."""
    from analytics.ingest import ingest_file
    from ui.cached import connection

    con = connection()
    paths = []
    for i in range(4):
        path = tmp_path / f"part{i}.csv"
        path.write_bytes(_export(f"p{i}", 3 + i, PART_ROWS))
        paths.append(path)
    results: dict[int, object] = {}
    errors: list[str] = []

    def load(i: int) -> None:
        try:
            results[i] = ingest_file(con, paths[i])
        except Exception:  # noqa: BLE001
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted((r.status, r.rows_loaded) for r in results.values()) == [("loaded", PART_ROWS)] * 4
    assert len({r.batch_id for r in results.values()}) == 4
    cur = con.cursor()
    assert cur.execute("select count(*) from interactions").fetchone() == (SAMPLE_INTERACTIONS + 4 * PART_ROWS,)
    assert maintenance.check_database(cur).ok


# ---- a second process on a file this process holds -------------------------------------------------------

# One second process checks connect(), the CLI commands and the app in turn (each import costs a second):
# every line it prints is one finding, asserted below.
SECOND_PROCESS = r"""
import contextlib, io, os, sys
from analytics import db
from analytics.cli import main

path, missing_csv = sys.argv[1], sys.argv[2]
try:
    db.connect(path)
    print("CONNECT opened the held file")
except db.DatabaseBusyError as exc:
    print("CONNECT BUSY", exc)
for args in (["batches"], ["ingest", missing_csv], ["check"]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([*args, "--db", path])
    print("CLI", args[0], code, err.getvalue().replace(chr(10), " "))
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.testing.v1 import AppTest
os.environ["RAPPORT_DB"] = path
at = AppTest.from_file("app.py", default_timeout=600)
# The app defines no components: an empty registry spares the scan of every installed package (as
# tests.builders.app_test spares it in the test process), which would cost this process ≈ 0.4 CPU s.
at._bidi_component_manager = BidiComponentManager()
at.run()
print("APP EXC", len(at.exception), " | ".join(e.value for e in at.exception).replace(chr(10), " "))
print("APP ERR", " ".join(e.value for e in at.error).replace(chr(10), " "))
"""


def test_a_second_process_gets_a_clear_busy_message_from_connect_the_cli_and_the_app(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = db.connect(path)
    try:
        done = subprocess.run([sys.executable, "-c", SECOND_PROCESS, str(path), str(tmp_path / "any.csv")],
                              cwd=REPO, capture_output=True, text=True)
    finally:
        holder.close()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Traceback" not in done.stdout, done.stdout
    (connect,) = [line for line in lines if line.startswith("CONNECT")]
    assert connect.startswith("CONNECT BUSY") and "open for writing in another process" in connect, connect
    assert "RAPPORT_DB" in connect
    cli = [line for line in lines if line.startswith("CLI")]
    assert [line.split()[1] for line in cli] == ["batches", "ingest", "check"], lines
    for line in cli:
        assert line.split()[2] != "0" and "open for writing in another process" in line, line
    assert [line for line in lines if line.startswith("APP EXC")] == ["APP EXC 0 "], lines
    (app_error,) = [line for line in lines if line.startswith("APP ERR")]
    assert "open for writing in another process" in app_error, lines
