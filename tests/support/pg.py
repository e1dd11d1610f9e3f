"""PostgreSQL for tests: the server at 127.0.0.1:5432 (database ``test``, trust auth) or ``TEST_PG_URL``.

Each test process (each pytest-xdist worker too) works in a scratch database of its own, named after its
process id, so that several runs and workers share one server without resetting each other's tables.
"""

from __future__ import annotations

import asyncio
import os
import socket

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

_SCRATCH: dict[str, str] = {}


def pg_available() -> str | None:
    """None if PostgreSQL answers, else the reason it is skipped."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError as exc:
        return f"no PostgreSQL server answers at 127.0.0.1:5432 ({exc}); set TEST_PG_URL to run these"
    return None


async def _admin(*statements: str) -> None:
    """Run statements on the server's base database (``test``), one connection for all."""
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    conn = await asyncpg.connect(host=base.host, port=base.port or 5432, user=base.username,
                                 password=base.password, database=base.database)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def pg_url() -> str:
    """A scratch database of this test process, made on the server behind PG_URL (database ``test``).

    Falls back to PG_URL itself where the role may not create databases.
    """
    if "url" in _SCRATCH:
        return _SCRATCH["url"]
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"{base.database}_{os.getpid()}"

    async def create() -> bool:
        try:
            await _admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
            return True
        except Exception:
            return False

    _SCRATCH["url"] = base.set(database=name).render_as_string(hide_password=False) if asyncio.run(create()) \
        else PG_URL
    if _SCRATCH["url"] != PG_URL:
        _SCRATCH["name"] = name
    return _SCRATCH["url"]


def drop_scratch() -> None:
    """Drop this process's scratch database, if it made one."""
    name = _SCRATCH.get("name")
    if not name:
        return
    try:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception:
        pass


async def reset_pg(url: str) -> None:
    """Empty a database: its public schema dropped and made anew."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def fresh_pg_url() -> str:
    """An empty scratch database of this process (the test is skipped, with the reason, when none answers)."""
    import pytest

    reason = pg_available()
    if reason:
        pytest.skip(reason)
    url = pg_url()
    asyncio.run(reset_pg(url))
    return url
