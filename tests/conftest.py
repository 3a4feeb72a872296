"""Shared fixtures: tiny real DuckDB databases. Plain builder functions are in tests/builders.py."""
from __future__ import annotations

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
