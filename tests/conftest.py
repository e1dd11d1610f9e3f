"""Shared fixtures: the test catalog, a clock tests can move, and repositories on real engines.

PostgreSQL tests use the server at 127.0.0.1:5432 (database ``test``, trust auth) or ``TEST_PG_URL``;
they are skipped, with the reason shown, when no server answers.
"""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.loader import Catalog, load_catalog

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"
PG_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self.now = now

    def advance(self, **kw) -> None:
        from datetime import timedelta

        self.now += timedelta(**kw)


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


def pg_available() -> str | None:
    """None if PostgreSQL answers, else the reason it is skipped."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError as exc:
        return f"no PostgreSQL server answers at 127.0.0.1:5432 ({exc}); set TEST_PG_URL to run these"
    return None


_SCRATCH: dict[str, str] = {}


def pg_url() -> str:
    """A scratch database of this test process, made on the server behind PG_URL (database ``test``).

    Several test runs can share one server (developers, CI) without resetting each other's tables.
    Falls back to PG_URL itself where the role may not create databases.
    """
    if "url" in _SCRATCH:
        return _SCRATCH["url"]
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"{base.database}_{os.getpid()}"

    async def create() -> bool:
        import asyncpg

        conn = await asyncpg.connect(host=base.host, port=base.port or 5432, user=base.username,
                                     password=base.password, database=base.database)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
            return True
        except Exception:
            return False
        finally:
            await conn.close()

    _SCRATCH["url"] = base.set(database=name).render_as_string(hide_password=False) if asyncio.run(create()) \
        else PG_URL
    if _SCRATCH["url"] != PG_URL:
        _SCRATCH["name"] = name
    return _SCRATCH["url"]


def pytest_sessionfinish(session, exitstatus):
    name = _SCRATCH.get("name")
    if not name:
        return
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)

    async def drop() -> None:
        import asyncpg

        conn = await asyncpg.connect(host=base.host, port=base.port or 5432, user=base.username,
                                     password=base.password, database=base.database)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    try:
        asyncio.run(drop())
    except Exception:
        pass


async def _reset_pg(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database on each engine."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    url = pg_url()
    asyncio.run(_reset_pg(url))
    return url


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
