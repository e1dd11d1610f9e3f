"""Second tries (``tests/unit/test_second_tries.py``, on SQLite there) again on PostgreSQL, the scale-out
engine: the open question's tries are a learner column written with the wrong try's answer row."""

from __future__ import annotations

import pytest

from tests.support.pg import fresh_pg_url
from tests.unit.test_second_tries import *  # noqa: F403  (the same tests, collected here with this module's engine)


@pytest.fixture
def db_url() -> str:
    return fresh_pg_url()
