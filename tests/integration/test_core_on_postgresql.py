"""The core's use cases (``tests/unit/test_core.py``, on SQLite there) again on PostgreSQL, the scale-out engine."""

from __future__ import annotations

import pytest

from tests.support.pg import fresh_pg_url
from tests.unit.test_core import *  # noqa: F403  (the same tests, collected here with this module's engine)


@pytest.fixture
def db_url() -> str:
    return fresh_pg_url()
