"""The unit tier runs the core's rules on SQLite files in a temp dir; ``tests/integration`` runs the same
rules again on PostgreSQL (``test_*_on_postgresql.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def db_url(sqlite_url) -> str:
    return sqlite_url
