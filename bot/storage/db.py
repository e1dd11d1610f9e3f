"""Engines and migrations: SQLite (aiosqlite, WAL) by default, PostgreSQL (asyncpg) for scale-out."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.sqlite_driver import one_trip_dbapi

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK_KEY = 0x6D6C6D62  # "mlmb": the PostgreSQL advisory lock held while migrating


def create_engine(url: str) -> AsyncEngine:
    """An async engine; for SQLite the file's folder is created and WAL, busy timeout and FKs are on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # aiosqlite with one trip to its thread per statement (bot.storage.sqlite_driver)
        engine = create_async_engine(url, connect_args={"timeout": 30}, module=one_trip_dbapi())

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


async def migrate(engine: AsyncEngine) -> str:
    """Bring the schema to the newest revision; returns it."""
    cfg = _alembic_config()

    def run(sync_conn) -> None:
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, "head")

    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # several processes starting at once on a new database: one migrates, the others wait for it
            # here and then find the schema current (the lock ends with this transaction)
            from sqlalchemy import text

            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await conn.run_sync(run)
    head = ScriptDirectory.from_config(cfg).get_current_head() or ""
    log.info("database schema at revision %s", head)
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


async def ping(engine: AsyncEngine, within: float = 3.0) -> bool:
    """True when the database answers ``SELECT 1`` within ``within`` seconds (health checks)."""
    from sqlalchemy import text

    async def run() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(run(), within)
    except Exception:
        return False
    return True


async def wait_for_database(engine: AsyncEngine, within: float = 60.0) -> None:
    """Wait until a PostgreSQL server accepts connections (a container that starts with the bot), retrying
    connection errors with backoff; SQLite needs no wait. The last error is raised after ``within`` seconds."""
    if engine.dialect.name == "sqlite":
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    delay = 0.5
    while True:
        try:
            async with engine.connect():
                return
        except (OSError, ConnectionError) as exc:  # refused, unresolvable host: the server is not up yet
            if loop.time() + delay > deadline:
                raise
            log.info("waiting for the database (%s)", type(exc).__name__)
        except Exception as exc:
            cause = exc.__cause__ or exc.__context__
            starting = "starting up" in str(exc) or isinstance(cause, OSError | ConnectionError)
            if not starting or loop.time() + delay > deadline:
                raise
            log.info("waiting for the database (%s)", type(exc).__name__)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)
