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
    asyncio.run(_reset_pg(PG_URL))
    return PG_URL


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
