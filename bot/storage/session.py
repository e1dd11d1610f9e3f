"""Connections for the repository: one per command (a unit of work), or one per call outside a command.

Through SQLAlchemy's async adaptor each pooled connection checkout, statement and return costs several hops
to the driver's thread (aiosqlite) or round trips (asyncpg); a command that runs three to seven statements
paid the checkout and the rollback-on-return for each. Inside ``unit()`` every query of the command shares
one connection; each write still commits on its own, at the end of the method that made it, so what a
command has written is durable as soon as that method returns, exactly as without a unit.

On SQLite the engine has one connection (``bot.storage.db.create_engine``), so commands take turns on the
database: SQLite has one writer at a time anyway, and a second connection that finds the file locked
*sleeps* in SQLite's busy handler (1, 2, 5 ... 100 ms) instead of waking when the lock is free.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Connections:
    """Mixed into the repository: ``unit()`` for the core, ``_reading()`` / ``_writing()`` for its queries."""

    engine: AsyncEngine

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # per repository (and so per engine): a unit of one database never lends its connection to another
        self._current: ContextVar[AsyncConnection | None] = ContextVar(f"connection_{id(self)}", default=None)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[None]:
        """Share one connection among the queries made inside (in this task); nested units join the outer one."""
        if self._current.get() is not None:
            yield
            return
        async with self.engine.connect() as conn:
            token = self._current.set(conn)
            try:
                yield
            finally:
                self._current.reset(token)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        conn = self._current.get()
        if conn is not None:
            yield conn
            return
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that is committed when the block ends and rolled back when it raises."""
        conn = self._current.get()
        if conn is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        try:
            yield conn
        except BaseException:
            await conn.rollback()
            raise
        await conn.commit()
