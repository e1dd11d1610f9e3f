"""Shared fixtures: the test catalog, a clock tests can move, and repositories on real engines.

The tiers: ``tests/unit`` (the rules: core, practice, content, render; in-process, SQLite in a temp dir),
``tests/integration`` (storage on SQLite and PostgreSQL, adapters against the fake platforms),
``tests/e2e`` (subprocesses, several processes, the soak). What they share lives in ``tests/support``.

PostgreSQL tests use the server at 127.0.0.1:5432 (database ``test``, trust auth) or ``TEST_PG_URL``;
they are skipped, with the reason shown, when no server answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import settings

from bot.content.loader import Catalog, load_catalog
from tests.support import FIXTURE_CONTENT, FakeClock
from tests.support.pg import drop_scratch, fresh_pg_url

# The fast loop (README, Development) runs ``--hypothesis-profile=fast``: fewer examples per property.
# The full run keeps the default profile and every test's own example count (see ``examples``).
settings.register_profile("fast", max_examples=10)


@pytest.fixture(autouse=True, scope="session")
def _formula_cache(tmp_path_factory):
    """Rendered formulas go to a temporary cache, not ./data of the checkout."""
    from bot.render.formulas import set_cache_dir

    set_cache_dir(tmp_path_factory.mktemp("formula-cache"))
    yield
    set_cache_dir(None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(FIXTURE_CONTENT)


def pytest_sessionfinish(session, exitstatus):
    drop_scratch()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database on each engine."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    return fresh_pg_url()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
async def repo(db_url):
    from bot.storage.db import create_engine, migrate
    from bot.storage.repo import SqlRepository

    engine = create_engine(db_url)
    await migrate(engine)
    yield SqlRepository(engine)
    await engine.dispose()


@pytest.fixture
async def core(repo, catalog, clock):
    from bot.core.service import Core

    return Core(catalog, repo, clock)
