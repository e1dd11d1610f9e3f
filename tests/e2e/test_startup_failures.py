"""Every start-up failure is one line naming the problem and what to do, exit code 2, within 10 seconds: real
``python -m bot`` processes on a damaged SQLite file, a read-only folder, a schema newer than the code, and a
PostgreSQL server that is not there or has no such database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support import FIXTURE_CONTENT, free_port
from tests.support.pg import PG_URL, pg_available

STOPS_WITHIN = 10.0


def start(tmp_path, url: str, *command: str, env: dict | None = None,
          wrap: list[str] | None = None) -> tuple[subprocess.CompletedProcess, float]:
    e = {**os.environ, "DATABASE_URL": url, "CONTENT_DIR": str(FIXTURE_CONTENT), "DATA_DIR": str(tmp_path),
         "DISCORD_TOKEN": "", "TELEGRAM_TOKEN": ""}
    e.pop("DATABASE_WAIT_SECONDS", None)  # the default, unless a test sets it
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run([*(wrap or []), sys.executable, "-m", "bot", *(command or ("console",))], input="/start\n",
                       capture_output=True, text=True, timeout=120, env=e, cwd=tmp_path)
    return p, time.monotonic() - t0


def one_line(p: subprocess.CompletedProcess, took: float) -> str:
    assert p.returncode == 2, (p.returncode, p.stderr[-3000:])
    assert "Traceback" not in p.stderr + p.stdout
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr[-3000:]
    assert took < STOPS_WITHIN, f"took {took:.1f} s"
    return lines[0]


def a_database(tmp_path, name: str = "good.sqlite3") -> str:
    """A real, current database made by the bot (one learner in it)."""
    url = f"sqlite+aiosqlite:///{tmp_path / name}"
    p, _ = start(tmp_path, url)
    assert p.returncode == 0, p.stderr
    return str(tmp_path / name)


def test_a_file_that_is_not_a_database(tmp_path):
    (tmp_path / "bot.sqlite3").write_bytes(b"these are not the bytes of a SQLite database " * 40)
    line = one_line(*start(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"))
    assert f"the database file {tmp_path / 'bot.sqlite3'} is damaged (DatabaseError: file is not a database)" in line
    assert "Restore your latest backup" in line


def test_a_truncated_database(tmp_path):
    path = a_database(tmp_path)
    data = open(path, "rb").read()
    (tmp_path / "cut.sqlite3").write_bytes(data[: len(data) // 3])
    line = one_line(*start(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cut.sqlite3'}"))
    assert "is damaged" in line and "malformed" in line


def test_a_schema_newer_than_the_code_is_left_alone(tmp_path):
    path = a_database(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    for command in ("console", "migrate"):
        line = one_line(*start(tmp_path, f"sqlite+aiosqlite:///{path}", command))
        assert "the database schema is at revision 0099_from_the_future, which this version of the bot does not " \
               "know" in line and "Run that version, or restore a backup" in line
    with sqlite3.connect(path) as db:  # nothing was changed
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099_from_the_future",)]


def _without_file_permissions() -> list[str] | None:
    """How to run a process that file permissions apply to: as it is for other users; as root, without the
    capabilities that override them (setpriv); None when neither is possible."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    return None


@pytest.mark.parametrize("existing", [False, True], ids=["new-database", "existing-database"])
def test_a_read_only_data_folder(tmp_path, existing):
    wrap = _without_file_permissions()
    if wrap is None:
        pytest.skip("running as root without setpriv: permissions cannot be taken away")
    folder = tmp_path / "data"
    folder.mkdir()
    if existing:
        shutil.move(a_database(tmp_path), folder / "bot.sqlite3")
    folder.chmod(0o555)
    try:
        line = one_line(*start(tmp_path, f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}", wrap=wrap))
    finally:
        folder.chmod(0o755)
    assert f"cannot write the database {folder / 'bot.sqlite3'} in {folder}" in line
    assert "make that folder and its files writable for this user" in line


def test_an_unreachable_postgresql_server_is_waited_for_briefly(tmp_path):
    url = f"postgresql+asyncpg://bot@127.0.0.1:{free_port()}/bot"
    line = one_line(*start(tmp_path, url))
    assert "PostgreSQL at 127.0.0.1" in line and "does not answer within 5 s (ConnectionRefusedError" in line
    assert "set DATABASE_WAIT_SECONDS" in line


def test_a_longer_wait_says_so_on_each_retry(tmp_path):
    port = free_port()
    p, took = start(tmp_path, f"postgresql+asyncpg://bot@127.0.0.1:{port}/bot", "migrate",
                    env={"DATABASE_WAIT_SECONDS": "2.5", "LOG_LEVEL": "INFO"})
    lines = p.stderr.strip().splitlines()
    waits = [x for x in lines if f"waiting for the database at 127.0.0.1:{port} (ConnectionRefusedError)" in x]
    assert p.returncode == 2 and len(waits) >= 2 and "Traceback" not in p.stderr, p.stderr
    assert lines[-1].startswith(f"error: PostgreSQL at 127.0.0.1:{port} does not answer within 2.5 s")
    assert 2.5 <= took < STOPS_WITHIN


@pytest.mark.skipif(pg_available() is not None, reason=pg_available() or "")
def test_a_missing_postgresql_database(tmp_path):
    url = PG_URL.rsplit("/", 1)[0] + "/no_such_database_here"
    line = one_line(*start(tmp_path, url))
    assert "has no database 'no_such_database_here': create it (createdb" in line


def test_help_says_what_run_needs():
    p = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert "needs DISCORD_TOKEN or TELEGRAM_TOKEN" in " ".join(p.stdout.split())
    assert "else the console chat" not in p.stdout
