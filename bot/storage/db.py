"""Engines and migrations: SQLite (aiosqlite, WAL) by default, PostgreSQL (asyncpg) for scale-out."""

from __future__ import annotations

import ast
import asyncio
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
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
        # aiosqlite with one trip to its thread per statement (bot.storage.sqlite_driver), on one connection:
        # SQLite writes one transaction at a time, and a second connection finding the file locked sleeps in
        # SQLite's busy handler; one connection (one driver thread) queues commands in the pool instead, and
        # spares the GIL hand-offs of a thread per connection (Telegram e2e: 8.7 -> 6.1 ms CPU per update)
        engine = create_async_engine(url, connect_args={"timeout": 30}, module=one_trip_dbapi(),
                                     pool_size=1, max_overflow=0)

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


async def migrate(engine: AsyncEngine) -> str:
    """Bring the schema to the newest revision; returns it. A schema already current is only read (its
    version row): alembic, slow to import, is loaded only to actually migrate."""
    head = head_revision()
    if await current_revision(engine) != head:
        await _upgrade(engine)
    log.info("database schema at revision %s", head)
    return head


async def _upgrade(engine: AsyncEngine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def run(sync_conn) -> None:
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, "head")

    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # several processes starting at once on a new database: one migrates, the others wait for it
            # here and then find the schema current (the lock ends with this transaction)
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await conn.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema's revision from alembic's version table; None for a database never migrated."""
    async with engine.connect() as conn:
        if not await conn.run_sync(lambda c: inspect(c).has_table("alembic_version")):
            return None
        return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()


def head_revision() -> str:
    """The newest revision in migrations/versions: the one no script names as its down_revision. Read from
    the scripts' source, as alembic's ScriptDirectory would import alembic and run every script."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = _revision_ids(path)
        if "revision" in found:
            revisions.add(found["revision"])
            down = found.get("down_revision")
            parents.update([down] if isinstance(down, str) else down or ())
    heads = revisions - parents
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {', '.join(sorted(heads))}")
    return heads.pop() if heads else ""


def _revision_ids(path: Path) -> dict[str, Any]:
    """``revision`` and ``down_revision`` of a migration script, as written at its top level."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    found[target.id] = ast.literal_eval(node.value)
    return found


async def ping(engine: AsyncEngine, within: float = 3.0) -> bool:
    """True when the database answers ``SELECT 1`` within ``within`` seconds (health checks)."""
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
