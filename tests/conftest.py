"""Shared fixtures: tiny real DuckDB databases. Plain builder functions are in tests/builders.py.

RAPPORT_TEST_COST=1 prints what each test module costs at the end of the run: wall seconds and
CPU seconds (this process plus the subprocesses it waited for). CPU time barely moves when other
work loads the machine, so it compares runs made on a busy machine.
"""
from __future__ import annotations

import os
import resource
from collections import defaultdict

import pytest
from _pytest.nodeid import NodeId

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
# `make test` runs `pytest -n 2 --dist loadgroup --no-loadscope-reorder`. Every test gets an xdist group,
# and a group runs whole on one worker, so what a module builds once (module-scoped databases, the one
# Spark session, the one app server of tests/browser) is built once, not once per worker:
#   - the tests under tests/browser/ are in two groups, so both workers drive a browser: "browser-real"
#     (test_real_upload.py, on its own server) and "browser" (the rest, on the one sample server); each
#     worker starts its own Chromium;
#   - a module listed in SPLIT_BY_PARAM is split by the parameter of its module-scoped fixture, so its
#     databases are shared out between the workers (each is still built once);
#   - every other test is in its module's group.
# Groups are handed out in collection order, so the run starts with the costliest (HEAVIEST_FIRST, from the
# slowest tests of recent full runs) and the cheap ones fill in at the end: neither worker is left with a long
# module while the other has nothing to do. A module not listed keeps its place after them.

BROWSER_GROUP = "browser"
BROWSER_REAL_GROUP = "browser-real"
BROWSER_REAL_MODULE = "tests/browser/test_real_upload.py"
SPLIT_BY_PARAM = {"tests/test_real_exports.py": "real_database"}
HEAVIEST_FIRST = (
    BROWSER_GROUP,
    BROWSER_REAL_GROUP,
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


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def xdist_group_of(item: pytest.Item) -> str:
    module = _module(item)
    if module == BROWSER_REAL_MODULE:
        return BROWSER_REAL_GROUP
    if module.startswith("tests/browser/"):
        return BROWSER_GROUP
    param = SPLIT_BY_PARAM.get(module)
    callspec = getattr(item, "callspec", None)
    if param and callspec is not None and param in callspec.params:
        # not "module[value]": xdist's loadgroup reads a node id ending in "]" as having no group at all
        return f"{module}::{callspec.params[param]}"
    return module


def _rank(group: str) -> int:
    base = group.split("::")[0]
    return HEAVIEST_FIRST.index(base) if base in HEAVIEST_FIRST else len(HEAVIEST_FIRST)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks (it appends "@group" to each node id)
def pytest_collection_modifyitems(config, items):
    groups = {id(item): xdist_group_of(item) for item in items}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[id(item)]))
    # A stable sort: a module's tests keep their order (and module-scoped fixtures their single setup).
    items.sort(key=lambda item: _rank(groups[id(item)]))


@pytest.hookimpl(tryfirst=True)  # before xdist's worker sends the collected node ids to the scheduler
def pytest_collection_finish(session):
    """Give each node id its "@group" suffix, which is all xdist's loadgroup scheduler reads.

    xdist 3.8 appends it by assigning `item._nodeid`, but pytest 9.2 builds `nodeid` from a structured id
    (`item._id`), so the assignment is lost and every test was scheduled alone — a module's tests spread
    over both workers, each building the module's fixtures (pytest-dev/pytest-xdist#1386). Skipped where
    the suffix is already there (an xdist that sets it itself, or an older pytest)."""
    if not getattr(session.config.option, "loadgroup", False):  # set on xdist workers of --dist loadgroup
        return
    for item in session.items:
        group = xdist_group_of(item)
        if not item.nodeid.endswith(f"@{group}"):
            item._id = NodeId.parse(f"{item.nodeid}@{group}")


# ---- per-module cost (opt-in) -----------------------------------------------------------------------
#
# Measured around each phase (setup, call, teardown) in the process that runs the test, and carried on the
# phase's report, so the figures add up the same with or without workers (xdist sends reports to the
# controlling process, which prints the table).

_COST: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
_TEST_CPU: dict[str, float] = defaultdict(float)
SLOWEST_SHOWN = 15
_PHASE_CPU = pytest.StashKey[dict]()


def _measuring() -> bool:
    return os.environ.get("RAPPORT_TEST_COST") == "1"


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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
    return report


def pytest_runtest_logreport(report):
    spent = getattr(report, "rapport_cpu_seconds", None)
    if spent is None:
        return
    cost = _COST[report.nodeid.split("::")[0]]
    cost[0] += report.duration
    cost[1] += spent
    _TEST_CPU[report.nodeid.split("@")[0]] += spent


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
