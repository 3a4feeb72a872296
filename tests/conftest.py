"""Shared fixtures: tiny real DuckDB databases. Plain builder functions are in tests/builders.py.

RAPPORT_TEST_COST=1 prints what each test module costs at the end of the run: wall seconds and
CPU seconds (this process and every process it started: app servers, Chromium, the Spark JVM). CPU
time barely moves when other work loads the machine, so it compares runs made on a busy machine.
"""
from __future__ import annotations

import os
import resource
from collections import defaultdict

import psutil
import pytest

from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from tests.builders import empty_database, schema_template as schema_template_in


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory):
    """The database file db.connect creates, built once per process (per xdist worker)."""
    return schema_template_in(tmp_path_factory.mktemp("schema"))


@pytest.fixture
def con(schema_template):
    """An empty in-memory Rapport database with the schema created: a copy of what db.connect(":memory:")
    creates, since copying the built schema is a third of the cost of creating it."""
    connection = empty_database(schema_template)
    yield connection
    connection.close()


@pytest.fixture
def tables():
    return {"interactions": INTERACTIONS, "performance": PERFORMANCE, "engagements": ENGAGEMENTS}


# ---- running on two workers (pytest-xdist, `make test`) ----------------------------------------------
#
# `make test` runs `pytest -n 2 --dist loadfile --no-loadscope-reorder`, public options only: each test FILE
# runs whole on one worker, so what a module builds once (module-scoped databases, the one Spark session) is
# built once. xdist hands the files out in collection order, one more to a worker as it nears the end of its
# last, so the run starts with the costliest (HEAVIEST_FIRST, from the slowest modules of recent full runs)
# and the cheap ones fill in at the end: neither worker is left with a long module while the other has
# nothing to do. A file not listed keeps its place after them.
#   - tests/browser/: test_real_upload.py has its own server; the other files share one sample server per
#     worker (session-scoped, tests/browser/conftest.py) — a worker that runs any of them starts one, and
#     its Chromium compiles the app's frontend once for that server. So those files (SAMPLE_SERVER_FILES) are
#     handed out as one unit, to one worker: when they landed on both workers (a full run at cc0c44f), each
#     built its own sample database, server and Chromium and opened a second server for test_links' deep
#     link (≈ 15-20 CPU s in all), and both workers drove a browser at once;
#   - tests/test_real_exports.py runs whole on one worker, its databases built once each.

HEAVIEST_FIRST = (
    "tests/browser/test_real_upload.py",
    "tests/browser/test_pages.py",
    "tests/browser/test_links.py",
    "tests/browser/test_qbr.py",
    "tests/browser/test_upload.py",
    "tests/test_spark_rollups.py",
    "tests/test_app_pages.py",
    "tests/test_cli_hostile.py",
    "tests/test_fuzz_csv.py",
    "tests/test_crash_safety.py",
    "tests/test_concurrency.py",
    "tests/test_app_data.py",
    "tests/test_real_exports.py",
    "tests/test_app_qbr.py",
    "tests/test_fuzz_parse.py",
)


SAMPLE_SERVER_FILES = frozenset({"tests/browser/test_pages.py", "tests/browser/test_links.py",
                                 "tests/browser/test_qbr.py", "tests/browser/test_upload.py"})


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: called once, in the controlling process
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with SAMPLE_SERVER_FILES as one work unit (the rest: one unit per file, as loadfile)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SampleServerOnce(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return "tests/browser: the sample server's files" if module in SAMPLE_SERVER_FILES else module

    return SampleServerOnce(config, log)


def _rank(module: str) -> int:
    return HEAVIEST_FIRST.index(module) if module in HEAVIEST_FIRST else len(HEAVIEST_FIRST)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering (by fixture scope) and any deselection
def pytest_collection_modifyitems(config, items):
    # A stable sort by file: a module's tests keep their order (and module-scoped fixtures their single setup).
    items.sort(key=lambda item: _rank(_module(item)))


# ---- per-module cost (opt-in) -----------------------------------------------------------------------
#
# Measured around each phase (setup, call, teardown) in the process that runs the test, and carried on the
# phase's report, so the figures add up the same with or without workers (xdist sends reports to the
# controlling process, which prints the table).

_COST: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
_TEST_CPU: dict[str, float] = defaultdict(float)
SLOWEST_SHOWN = 15
_PHASE_CPU = pytest.StashKey[dict]()
_CPU_CLOCK = [0.0]
_SPAN: dict[str, list] = {}  # module → [worker, first start, last stop] (wall clock)


def _measuring() -> bool:
    return os.environ.get("RAPPORT_TEST_COST") == "1"


def _cpu_seconds() -> float:
    """CPU seconds of this process's whole tree: itself, every live descendant (an app server, Chromium, the
    Spark JVM) and every one already reaped, so a long-lived helper's CPU counts while it works, not only in
    the phase that reaps it. Each process's own time plus its reaped children's: a process that exits moves
    its totals into its parent's children times, so the sum never counts one twice."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.Error:  # it exited meanwhile: its time moves to its parent's children times
            continue
        total += times.user + times.system + times.children_user + times.children_system
    # A helper that ends unreaped (Chromium's processes, as the browser closes) takes its time out of the sum:
    # the clock stays where it was until the tree has spent that much again, so no phase comes out negative.
    _CPU_CLOCK[0] = max(_CPU_CLOCK[0], total)
    return _CPU_CLOCK[0]


def _timed_phase(item, when: str):
    if not _measuring():
        yield
        return
    cpu = _cpu_seconds()
    try:
        yield
    finally:
        item.stash.setdefault(_PHASE_CPU, {})[when] = _cpu_seconds() - cpu


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    yield from _timed_phase(item, "setup")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    yield from _timed_phase(item, "call")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield from _timed_phase(item, "teardown")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if _measuring():
        report.rapport_cpu_seconds = item.stash.get(_PHASE_CPU, {}).get(call.when, 0.0)
        report.rapport_worker = os.environ.get("PYTEST_XDIST_WORKER", "-")
        report.rapport_stop = call.stop
    return report


def pytest_runtest_logreport(report):
    spent = getattr(report, "rapport_cpu_seconds", None)
    if spent is None:
        return
    module = report.nodeid.split("::")[0]
    cost = _COST[module]
    cost[0] += report.duration
    cost[1] += spent
    _TEST_CPU[report.nodeid] += spent
    span = _SPAN.setdefault(module, [report.rapport_worker, report.rapport_stop - report.duration, 0.0])
    span[1] = min(span[1], report.rapport_stop - report.duration)
    span[2] = max(span[2], report.rapport_stop)


def pytest_terminal_summary(terminalreporter):
    if not _COST or hasattr(terminalreporter.config, "workerinput"):  # a worker's summary is never shown
        return
    terminalreporter.section("cost per module (wall s, CPU s)")
    for module, (wall, cpu) in sorted(_COST.items(), key=lambda kv: -kv[1][1]):
        terminalreporter.write_line(f"{wall:8.1f} {cpu:8.1f}  {module}")
    walls, cpus = zip(*_COST.values())
    terminalreporter.write_line(f"{sum(walls):8.1f} {sum(cpus):8.1f}  total")
    terminalreporter.section(f"the {SLOWEST_SHOWN} tests that cost the most CPU (s)")
    for nodeid, spent in sorted(_TEST_CPU.items(), key=lambda kv: -kv[1])[:SLOWEST_SHOWN]:
        terminalreporter.write_line(f"{spent:8.1f}  {nodeid}")
    # Which worker ran what, when (s from the first test's start): the worker that ends last decides the run.
    terminalreporter.section("modules per worker (start s, end s)")
    origin = min(start for _, start, _ in _SPAN.values())
    for worker in sorted({w for w, _, _ in _SPAN.values()}):
        spans = sorted((start, stop, module) for module, (w, start, stop) in _SPAN.items() if w == worker)
        terminalreporter.write_line(f"{worker}: ends at {max(stop for _, stop, _ in spans) - origin:.1f}")
        for start, stop, module in spans:
            terminalreporter.write_line(f"  {start - origin:7.1f} {stop - origin:7.1f}  {module}")


# ---- hypothesis: the suite's profile ------------------------------------------------------------------
#
# Loaded before any test module is imported, so every `settings(max_examples=…)` in a module inherits it.
# No deadline: an example's time says nothing on a machine loaded by other work, and a deadline would only
# make the property tests flaky there. The suppressed health checks are about time and size too (an
# example that runs a whole ingest is slow by design; a module-scoped connection is shared on purpose).
# Examples stay random (no derandomize); each module sets its own count, and RAPPORT_SOAK=1 raises it.

from hypothesis import HealthCheck, settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile(
    "rapport", deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
hypothesis_settings.load_profile("rapport")
