"""Shared fixtures: tiny real DuckDB databases. Plain builder functions are in tests/builders.py.

RAPPORT_TEST_COST=1 prints what each test module costs at the end of the run: wall seconds and
CPU seconds (this process plus the subprocesses it waited for). CPU time barely moves when other
work loads the machine, so it compares runs made on a busy machine.
"""
from __future__ import annotations

import os
import resource
import time
from collections import defaultdict

import pytest

from analytics import db
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE


@pytest.fixture
def con():
    """An empty in-memory Rapport database with the schema created."""
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def tables():
    return {"interactions": INTERACTIONS, "performance": PERFORMANCE, "engagements": ENGAGEMENTS}


# ---- per-module cost (opt-in) -----------------------------------------------------------------------

_COST: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
_TEST_CPU: dict[str, float] = {}
SLOWEST_SHOWN = 15


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if os.environ.get("RAPPORT_TEST_COST") != "1":
        yield
        return
    wall, cpu = time.perf_counter(), _cpu_seconds()
    yield
    cost = _COST[item.nodeid.split("::")[0]]
    cost[0] += time.perf_counter() - wall
    spent = _cpu_seconds() - cpu
    cost[1] += spent
    _TEST_CPU[item.nodeid] = spent


def pytest_terminal_summary(terminalreporter):
    if not _COST:
        return
    terminalreporter.section("cost per module (wall s, CPU s)")
    for module, (wall, cpu) in sorted(_COST.items(), key=lambda kv: -kv[1][1]):
        terminalreporter.write_line(f"{wall:8.1f} {cpu:8.1f}  {module}")
    walls, cpus = zip(*_COST.values())
    terminalreporter.write_line(f"{sum(walls):8.1f} {sum(cpus):8.1f}  total")
    terminalreporter.section(f"the {SLOWEST_SHOWN} tests that cost the most CPU (s)")
    for nodeid, spent in sorted(_TEST_CPU.items(), key=lambda kv: -kv[1])[:SLOWEST_SHOWN]:
        terminalreporter.write_line(f"{spent:8.1f}  {nodeid}")
