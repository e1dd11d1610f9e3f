"""Units of work: one command is one database transaction, and one person's commands take turns.

Inside ``unit(key)`` every query of the command shares one connection and one transaction: what it reads is
read in the transaction that writes, nothing commits on its own, and the whole command is committed when the
unit ends (when its replies are decided) or rolled back when it raises. A crash in the middle leaves nothing
half done, and a failed write undoes the writes before it.

``key`` names whose command it is (the platform and user id: a learner's first command has no learner row
yet). Commands with the same key take turns:

- in this process, on an ``asyncio.Lock`` per key, taken *before* a pooled connection, so a waiting command
  does not hold one of the pool's connections;
- across processes on PostgreSQL, on a transaction-scoped advisory lock of the key
  (``pg_advisory_xact_lock``), released by the commit or rollback;
- on SQLite the engine has one connection (``bot.storage.db.create_engine``) and one bot process owns the
  file (``bot.storage.lock``), so the units of one database take turns anyway: SQLite writes one transaction
  at a time, and a second connection that finds the file locked *sleeps* in SQLite's busy handler (1, 2, 5 ...
  100 ms) instead of waking when the lock is free.

So the second of two identical answers sent at once reads the first one's result (the question is no longer
open) instead of both counting.

Outside a unit (the reminder and challenge sweeps, tests), each ``_writing()`` block is its own transaction,
committed when it ends: the sweeps commit a claim before they send and the outcome after.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def lock_key(key: str) -> int:
    """A signed 64-bit number for ``key`` (PostgreSQL's advisory lock ids are bigints)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class Connections:
    """Mixed into the repository: ``unit()`` for the core, ``_reading()`` / ``_writing()`` for its queries."""

    engine: AsyncEngine

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # per repository (and so per engine): a unit of one database never lends its connection to another
        self._current: ContextVar[AsyncConnection | None] = ContextVar(f"connection_{id(self)}", default=None)
        self._turns: dict[str, tuple[asyncio.Lock, list[int]]] = {}  # key -> (lock, [users]) while in use
        self._advisory = engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def unit(self, key: str | None = None) -> AsyncIterator[None]:
        """One transaction for everything inside (in this task), committed at the end, rolled back on an
        error; with ``key``, after the units with the same key that came first. Nested units join the outer."""
        if self._current.get() is not None:
            yield
            return
        async with self._turn(key), self.engine.connect() as conn:
            token = self._current.set(conn)
            try:
                if key is not None and self._advisory:
                    await conn.execute(_ADVISORY_LOCK, {"key": lock_key(key)})
                yield
            except BaseException:
                await conn.rollback()
                raise
            else:
                await conn.commit()
            finally:
                self._current.reset(token)

    @asynccontextmanager
    async def _turn(self, key: str | None) -> AsyncIterator[None]:
        """This process's queue for ``key``: one unit at a time; the lock is dropped when nobody waits."""
        if key is None:
            yield
            return
        entry = self._turns.get(key)
        if entry is None:
            entry = self._turns[key] = (asyncio.Lock(), [0])
        lock, users = entry
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._turns[key]

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
        """Writes: inside a unit, part of its transaction (an error propagates and the whole unit rolls back:
        where a unique index may say no, write ``ON CONFLICT DO NOTHING`` rather than catch the error, as
        PostgreSQL refuses every later statement of a failed transaction); outside a unit, a transaction of
        their own, committed when the block ends."""
        conn = self._current.get()
        if conn is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        yield conn
