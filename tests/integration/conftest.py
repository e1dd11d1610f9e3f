"""The integration tier: storage on SQLite and PostgreSQL, the adapters against the fake platforms.

``test_*_on_postgresql.py`` collect a unit module's tests again with a PostgreSQL database; only the tests
that use a database (the ``db_url`` fixture, directly or through ``repo`` / ``core``) are collected there.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_pycollect_makeitem(collector, name, obj):
    made = yield
    if not collector.name.endswith("_on_postgresql.py") or made is None:
        return made
    items = list(made) if isinstance(made, list | tuple) or hasattr(made, "__next__") else [made]
    return [i for i in items if not isinstance(i, pytest.Function) or "db_url" in i.fixturenames]
