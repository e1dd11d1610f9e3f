"""Engines and migrations: SQLite (aiosqlite, WAL) by default, PostgreSQL (asyncpg) for scale-out."""

from __future__ import annotations

import ast
import asyncio
import functools
import logging
import os
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
    version row): alembic, slow to import, is loaded only to actually migrate. A schema this code does not know
    (a newer version of the bot migrated it) is left alone: :class:`DatabaseProblem`."""
    head = head_revision()
    current = await current_revision(engine)
    if current is not None and current not in known_revisions():
        raise DatabaseProblem(
            f"the database schema is at revision {current}, which this version of the bot does not know (its "
            f"newest is {head}): a newer version has used this database. Run that version, or restore a backup "
            f"made by this one")
    if current != head:
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


def known_revisions() -> frozenset[str]:
    """Every revision in migrations/versions."""
    return _revisions()[0]


def head_revision() -> str:
    """The newest revision in migrations/versions: the one no script names as its down_revision. Read from
    the scripts' source, as alembic's ScriptDirectory would import alembic and run every script."""
    revisions, parents = _revisions()
    heads = revisions - parents
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {', '.join(sorted(heads))}")
    return next(iter(heads), "")


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The revisions of the migration scripts, and those some script names as its down_revision (read once)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = _revision_ids(path)
        if "revision" in found:
            revisions.add(found["revision"])
            down = found.get("down_revision")
            parents.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions), frozenset(parents)


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
    connection errors with backoff, each try bounded by the time left, one log line per retry; SQLite needs no
    wait. The last error is raised after ``within`` seconds."""
    if engine.dialect.name == "sqlite":
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    delay = 0.5
    where = _server(engine.url)
    while True:
        try:
            async with asyncio.timeout(max(0.5, deadline - loop.time())), engine.connect():
                return
        except (OSError, ConnectionError, TimeoutError) as exc:  # refused, unresolvable host: not up yet
            if loop.time() >= deadline:
                raise
            reason = type(exc).__name__
        except Exception as exc:
            cause = exc.__cause__ or exc.__context__
            starting = "starting up" in str(exc) or isinstance(cause, OSError | ConnectionError)
            if not starting or loop.time() >= deadline:
                raise
            reason = "starting up" if "starting up" in str(exc) else type(cause).__name__
        left = deadline - loop.time()
        log.info("waiting for the database at %s (%s); %.0f s left", where, reason, left)
        await asyncio.sleep(min(delay, left))
        delay = min(delay * 2, 5.0)


# ---------------------------------------------------------------- start-up problems, one line each


_DETAILS = "LOG_LEVEL=DEBUG python -m bot migrate shows the details"


class DatabaseProblem(Exception):
    """The database cannot be used; the message is one line naming the problem and what to do."""


async def open_database(url: str, *, wait: float) -> AsyncEngine:
    """An engine on a database that answers (a PostgreSQL server is waited for up to ``wait`` seconds) with its
    schema current. Any failure is a :class:`DatabaseProblem` (see :func:`explain`)."""
    try:
        engine = create_engine(url)
    except OSError as exc:
        raise DatabaseProblem(explain(exc, url)) from exc
    try:
        await wait_for_database(engine, wait)
        await migrate(engine)
    except BaseException as exc:
        await engine.dispose()
        if isinstance(exc, DatabaseProblem) or not isinstance(exc, Exception):
            raise
        raise DatabaseProblem(explain(exc, url, waited=wait)) from exc
    return engine


def _chain(exc: BaseException) -> list[BaseException]:
    """An exception and what caused it (SQLAlchemy's wrapped driver error, the OS error under that...)."""
    out: list[BaseException] = []
    at: BaseException | None = exc
    while at is not None and at not in out:
        out.append(at)
        at = getattr(at, "orig", None) or at.__cause__ or at.__context__
    return out


def _server(url: Any) -> str:
    u = make_url(url) if isinstance(url, str) else url
    return f"{u.host or 'localhost'}:{u.port or 5432}"


def explain(exc: BaseException, url: str, *, waited: float | None = None) -> str:
    """One line for a database the bot cannot start on: what is wrong, and what to do about it."""
    u = make_url(url)
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    text = " | ".join(str(e).splitlines()[0] if str(e) else type(e).__name__ for e in chain).lower()
    if u.get_backend_name() == "sqlite":
        path = Path(u.database or "")
        if "file is not a database" in text or "malformed" in text or "disk image" in text:
            return (f"the database file {path} is damaged ({_first(chain, 'sqlite')}). Restore your "
                    f"latest backup over it (python -m bot backup makes them), or move it away to start afresh")
        if names & {"PermissionError", "ReadOnlyError"} or "readonly" in text or "read-only" in text \
                or "unable to open database file" in text or "permission denied" in text:
            return (f"cannot write the database {path} in {path.parent.resolve()} (permission denied or a read-only "
                    f"disk): make that folder and its files writable for this user (uid {_uid()}), or point "
                    f"DATABASE_URL elsewhere")
        return f"the database {path} cannot be opened: {_first(chain)} ({_DETAILS})"
    server, db, user = _server(u), u.database or "", u.username or ""
    if "InvalidCatalogNameError" in names or f'database "{db}" does not exist' in text:
        return (f"PostgreSQL at {server} has no database {db!r}: create it (createdb -h {u.host or 'localhost'} "
                f"{db}), or fix DATABASE_URL")
    if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"} \
            or "authentication failed" in text or ("role" in text and "does not exist" in text):
        return f"PostgreSQL at {server} refused user {user!r}: check the user and password in DATABASE_URL"
    if names & {"ConnectionRefusedError", "TimeoutError", "gaierror", "OSError", "ConnectionError",
                "CannotConnectNowError", "ConnectionDoesNotExistError"}:
        waited_for = f" within {waited:g} s" if waited is not None else ""
        return (f"PostgreSQL at {server} does not answer{waited_for} ({_first(chain)}): is the server running, "
                f"and is DATABASE_URL right? To wait longer for a server that is starting, set "
                f"DATABASE_WAIT_SECONDS")
    return f"the database at {server} cannot be used: {_first(chain)} ({_DETAILS})"


def _first(chain: list[BaseException], prefer: str = "") -> str:
    """The driver's own words: the deepest error's first line (of a ``prefer`` module when there is one)."""
    e = ([x for x in chain if prefer and prefer in type(x).__module__] or chain)[-1]
    line = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {line}" if line else type(e).__name__


def _uid() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else "?"
