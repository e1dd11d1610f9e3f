"""aiosqlite for SQLAlchemy with one trip to the driver's thread per statement instead of four.

aiosqlite runs every call on its connection's thread; SQLAlchemy's adaptor makes four such calls per statement
(create a cursor, execute, fetch all, close), each a queue hand-off to the thread and a wake-up of the event
loop back, which together cost more than SQLite's own work on an indexed lookup. Here one function does all
four in the thread and hands back what SQLAlchemy reads of a cursor afterwards. The rest (connections,
transactions, errors, the dialect) is SQLAlchemy's own ``sqlite+aiosqlite``; this module only supplies the
DBAPI object through ``create_async_engine(..., module=one_trip_dbapi())``.

Commit and rollback make no trip when sqlite3 has no transaction open.

It uses two attributes of ``aiosqlite.Connection`` that SQLAlchemy's adaptor uses too: ``_conn`` (the sqlite3
connection, touched only in its thread) and ``_execute`` (queue a function for that thread).
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class _Outcome:
    """What a sqlite3 cursor says after one statement, read in the driver's thread; closes like a cursor."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize", "rows")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self.rows: list[Any] = []

    def close(self) -> None:
        pass


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        out = _Outcome()
        out.description = cursor.description
        if out.description:
            out.rows = cursor.fetchall()
        out.rowcount, out.lastrowid = cursor.rowcount, cursor.lastrowid  # after the fetch: RETURNING counts
        return out
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False  # nothing is open in the driver's thread after a statement

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Outcome()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._run(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._run(operation, seq_of_parameters, True)

    async def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            out = await self._connection._execute(_run, self._connection._conn, operation, parameters, many)
        self._cursor = out
        self._rows = collections.deque(out.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    # Every pooled connection is rolled back when returned; after reads alone (sqlite3 opens a transaction
    # only for writes) there is nothing to end, and asking the thread to do nothing costs a trip.
    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def _in_transaction(self) -> bool:
        sqlite = self._connection._connection  # None once closed: let SQLAlchemy's methods say so
        return sqlite is None or sqlite.in_transaction  # a flag read, safe from any thread


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        return OneTripConnection(self, super().connect(*arg, **kw)._connection)


def one_trip_dbapi() -> OneTripDbapi:
    return OneTripDbapi(aiosqlite, sqlite3)
