"""A consistent copy of a SQLite database while the bot runs, with SQLite's online backup API.

The copy is one snapshot: the backup reads the whole database in a single step inside one read transaction,
which in WAL mode does not block the bot's writers (they go on appending to the WAL). It is written to a
temporary file next to the target, checked with ``PRAGMA integrity_check``, switched to a self-contained
rollback journal (one file, no ``-wal``), and only then renamed over the target: a failed backup never
leaves a half-written file under the target's name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """One clear line: why no backup was made."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None


def sqlite_file_of(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError("backup copies a SQLite database; for PostgreSQL use pg_dump "
                          "(e.g. docker compose exec postgres pg_dump -U bot bot > bot.sql)")
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory: there is nothing to back up")
    path = Path(url.database)
    if not path.is_file():
        raise BackupError(f"no database file at {path}")
    return path


def target_for(target: Path | str, now: datetime | None = None) -> Path:
    """A folder (one that exists, or a path ending in ``/``) gets a dated file name in it; else the file."""
    if str(target).endswith(("/", os.sep)) or Path(target).is_dir():
        target = Path(target)
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        return target / f"bot-{stamp}.sqlite3"
    return Path(target)


def backup_sqlite(source: Path, target: Path | str) -> BackupResult:
    """Copy ``source`` to ``target`` (a file, or a folder for a dated name) as one consistent snapshot."""
    target = target_for(target)
    if target.resolve() == source.resolve():
        raise BackupError("the backup target is the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    src = sqlite3.connect(source, timeout=30)  # only read; one step = one read transaction
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            problems = [r[0] for r in dst.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed its integrity check: {'; '.join(problems[:3])}")
            revision = None
            with contextlib.suppress(sqlite3.Error):
                row = dst.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            dst.close()
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source}: {exc}") from None
    finally:
        src.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return BackupResult(target, target.stat().st_size, revision)
