"""One bot process per SQLite file: an OS lock on ``<database>.lock`` next to the database.

SQLite has one writer and no row locks to share reminder claims across processes, so ``run`` and
``console`` take this lock at start; a second process on the same file stops with one clear line instead of
double-sending reminders. The lock is ``flock`` on an open file: the kernel drops it when the process
ends, however it ends (SIGKILL, a crash), so a stale lock file never blocks a restart. PostgreSQL needs no
lock: there several processes share the work with ``FOR UPDATE SKIP LOCKED``. Read-only helpers
(``healthcheck``, ``backup``, ``migrate``) do not take it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, SQLite's own locking still prevents corruption
    fcntl = None  # type: ignore[assignment]


class AlreadyRunning(Exception):
    """Another process holds the lock; the message is one line for the person starting the bot."""


def lock_path_for(database_url: str) -> Path | None:
    """``<file>.lock`` for a SQLite file database; None for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + ".lock")


class ProcessLock:
    """An exclusive, non-blocking ``flock`` held until :meth:`release` or the end of the process."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> ProcessLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 64).decode(errors="replace").strip()
                os.close(fd)
                database = str(self.path)[: -len(".lock")]
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise AlreadyRunning(
                    f"another bot process{who} is already running on {database}; SQLite allows one bot process "
                    f"per database file. Stop it first, or use PostgreSQL (DATABASE_URL) to run several."
                ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> ProcessLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_database(database_url: str) -> ProcessLock | None:
    """Take the one-process lock of a SQLite database (raises :class:`AlreadyRunning`); None if not needed."""
    path = lock_path_for(database_url)
    return ProcessLock(path).acquire() if path is not None else None
