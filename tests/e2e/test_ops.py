"""Operations: /healthz and /metrics over real HTTP, JSON logs, a graceful SIGTERM (in-flight replies finish,
exit 0 within 10 s) of a real ``python -m bot run``, and ``python -m bot backup`` while another connection
writes."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import build_app, run_platforms
from bot.config import Settings
from bot.core.model import Actor
from bot.core.reminders import SweepStats
from bot.logs import setup_logging
from bot.ops import Metrics, OpsServer, probe
from bot.storage.backup import BackupError, backup_sqlite, sqlite_file_of
from bot.storage.db import create_engine
from bot.storage.repo import SqlRepository
from bot.storage.tables import learners
from tests.support import FIXTURE_CONTENT, ROOT, free_port
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram import TOKEN, bot_process


async def get(url: str, method: str = "GET") -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.request(method, url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


def sample(metrics_text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics_text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        if key == (f"{name}{{{want}}}" if labels else name):
            return float(value)
    return None


# ---------------------------------------------------------------- the ops server in the app


async def test_healthz_and_metrics_of_a_running_app(tmp_path, catalog):
    port = free_port()
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'ops.sqlite3'}",
                        content_dir=FIXTURE_CONTENT, ops_port=port, ops_listen="127.0.0.1")
    app = await build_app(settings, catalog=catalog)
    stop = asyncio.Event()
    task = asyncio.create_task(run_platforms(app, stop))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                status, ctype, body = await get(f"{base}/healthz")
                if status == 200:
                    break
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)
        assert status == 200 and ctype == "application/json"
        assert json.loads(body) == {"status": "ready", "database": "ok", "platforms": []}

        ann = Actor("console", "ann", "Ann", chat_id="ann", is_private=True)
        await app.core.handle_text(ann, "/start")
        await app.core.handle_text(ann, "/next")
        await app.core.handle_text(ann, "/timezone Mars/Olympus")  # usage error
        await app.core.handle_text(ann, "/nxt")  # unknown: not a command that ran
        await app.core.press(ann, "d:b-one")  # lesson done: a practice question opens
        await app.core.handle_text(ann, "/answer 6")
        logging.getLogger("bot.test").error("something broke")

        status, ctype, text = await get(f"{base}/metrics")
        assert status == 200 and ctype.startswith("text/plain")
        assert sample(text, "bot_commands_total", command="start", platform="console", outcome="ok") == 1
        assert sample(text, "bot_commands_total", command="timezone", platform="console", outcome="usage") == 1
        assert sample(text, "bot_command_duration_seconds_count", platform="console") >= 4
        assert sum(sample(text, "bot_answer_checks_total", result=r) or 0 for r in ("right", "wrong", "unreadable")) == 1
        assert sample(text, "bot_errors_total", logger="bot.test") == 1
        assert sample(text, "bot_reminders_total", outcome="sent") == 0  # present before the first sweep
        assert sample(text, "bot_up") == 1
        assert "process_resident_memory_bytes" in text

        assert (await get(f"{base}/nope"))[0] == 404
        assert (await get(f"{base}/metrics", "POST"))[0] == 405
        status, _, body = await get(f"{base}/healthz", "HEAD")
        assert status == 200 and body == ""
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    with pytest.raises(aiohttp.ClientConnectionError):  # closed with the app
        await get(f"{base}/healthz")


async def test_unhealthy_is_503_with_the_reason_and_healthcheck_exits_1():
    state = {"ok": False}

    async def health():
        return state["ok"], {"status": "ready" if state["ok"] else "stopping", "database": "ok"}

    server = OpsServer(None, health)
    await server.start("127.0.0.1", 0)
    try:
        status, _, body = await get(f"http://127.0.0.1:{server.port}/healthz")
        assert status == 503 and json.loads(body)["status"] == "stopping"
        assert (await get(f"http://127.0.0.1:{server.port}/metrics"))[0] == 404  # no metrics: none served
        ok, detail = await asyncio.to_thread(probe, "0.0.0.0", server.port)
        assert not ok and "stopping" in detail
        cmd = [sys.executable, "-m", "bot", "healthcheck"]
        env = {**os.environ, "OPS_PORT": str(server.port), "DATABASE_URL": "sqlite+aiosqlite:///nowhere/x.db"}
        p = await asyncio.create_subprocess_exec(*cmd, env=env, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE)
        out, err = await p.communicate()
        assert p.returncode == 1 and b"unhealthy" in err and b"stopping" in err
        state["ok"] = True
        p = await asyncio.create_subprocess_exec(*cmd, env=env, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE)
        out, err = await p.communicate()
        assert p.returncode == 0 and out.strip() == b"ok", err
    finally:
        await server.close()
    ok, detail = await asyncio.to_thread(probe, "127.0.0.1", server.port, 1.0)
    assert not ok and "no answer" in detail


async def test_the_server_survives_garbage_and_slow_clients():
    async def health():
        return True, {"status": "ready"}

    server = OpsServer(Metrics(), health)
    server.READ_TIMEOUT = 0.3
    await server.start("127.0.0.1", 0)
    try:
        for junk in (b"\r\n\r\n", b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"x" * 20000 + b"\r\n\r\n", b"GET /healthz"):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(junk)
            await writer.drain()
            await asyncio.wait_for(reader.read(), 2)  # closed, with or without an answer, never hangs
            writer.close()
        assert (await get(f"http://127.0.0.1:{server.port}/healthz"))[0] == 200
    finally:
        await server.close()


def test_sweep_stats_become_reminder_counters():
    m = Metrics()
    m.sweep(SweepStats(claimed=9, sent=5, skipped=2, unreachable=1, failed=1), 0.25)
    m.sweep(SweepStats(claimed=1, sent=1), 0.1)
    text = m.text().decode()
    assert sample(text, "bot_reminders_total", outcome="sent") == 6
    assert sample(text, "bot_reminders_total", outcome="failed") == 1
    assert sample(text, "bot_reminders_total", outcome="skipped") == 2
    assert sample(text, "bot_reminders_total", outcome="unreachable") == 1
    assert sample(text, "bot_reminder_sweep_duration_seconds_count") == 2


def test_json_logs_are_one_object_a_line_with_secrets_redacted():
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    noisy = {n: logging.getLogger(n).level for n in ("httpx", "httpcore", "aiosqlite", "alembic",
                                                     "apscheduler.executors.default")}
    setup_logging("INFO", "json", ["webhook-secret-123", "Zq_9k", "webhook-secret-1234"], stream=out)
    try:
        log = logging.getLogger("bot.x")
        log.info("token %s and secret %s", TOKEN, "webhook-secret-123")
        log.info("short %s, longer %s", "Zq_9k", "webhook-secret-1234")  # any length; the longer one whole
        log.info("headers {'X-Telegram-Bot-Api-Secret-Token': 'guess-1'} and secret_token=guess-2")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name, lvl in noisy.items():
            logging.getLogger(name).setLevel(lvl)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["level"] for r in records] == ["INFO"] * 3 + ["ERROR"]
    assert records[0]["msg"] == "token *** and secret ***" and records[0]["logger"] == "bot.x"
    assert records[1]["msg"] == "short ***, longer ***"
    assert records[2]["msg"] == "headers {'X-Telegram-Bot-Api-Secret-Token': '***'} and secret_token=***"
    assert "ValueError: boom" in records[3]["exc"]


# ---------------------------------------------------------------- the shutdown sequence


async def test_shutdown_order_intake_then_sends_in_flight_then_adapters_then_database(tmp_path, catalog):
    from bot.app import SHUTDOWN_SECONDS, _shutdown
    from bot.core.reminders import ReminderService
    from bot.scheduler import Scheduler
    from tests.support.seed import NOW, seed

    url = f"sqlite+aiosqlite:///{tmp_path / 'stop.sqlite3'}"
    await seed(url, 300)
    app = await build_app(Settings(_env_file=None, database_url=url, content_dir=FIXTURE_CONTENT), catalog=catalog)
    events: list[str] = []
    sending = asyncio.Event()

    class Messenger:
        async def send(self, destination, reply) -> None:
            sending.set()
            await asyncio.sleep(0.02)
            events.append("sent")

    class Adapter:
        messenger = Messenger()

        async def stop_intake(self) -> None:
            events.append("intake stopped")

        async def stop(self) -> None:
            events.append("adapter stopped")

    reminders = ReminderService(catalog, app.repo, lambda: NOW, {"telegram": Adapter.messenger}, rates={},
                                batch_size=200, concurrency=4)
    sweep = asyncio.create_task(reminders.sweep(NOW))
    await sending.wait()
    t0 = asyncio.get_running_loop().time()
    await _shutdown(app, Scheduler(), reminders, {sweep}, [Adapter()], None, None)
    assert asyncio.get_running_loop().time() - t0 < SHUTDOWN_SECONDS
    stats = sweep.result()
    assert stats.claimed == 200 and stats.sent + stats.released == 200 and stats.released > 100
    assert events[0] == "intake stopped" and events.count("sent") == stats.sent
    assert events[-1] == "adapter stopped"  # after the last send in flight
    engine = create_engine(url)  # the given-back reminders are due again, for another process or the restart
    assert len(await SqlRepository(engine).reminder_log_rows()) == stats.sent
    async with engine.connect() as conn:
        waiting = (await conn.execute(select(func.count()).where(learners.c.reminder_next_at <= NOW))).scalar_one()
    await engine.dispose()
    assert waiting == 300 - stats.sent


# ---------------------------------------------------------------- SIGTERM on a real process


async def test_sigterm_finishes_the_reply_in_flight_and_exits_0_within_10s(tmp_path):
    fake = FakeTelegram(TOKEN)
    await fake.start()
    port = free_port()
    proc = await bot_process(fake, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}", LOG_FORMAT="json",
                             OPS_PORT=str(port), OPS_LISTEN="127.0.0.1")
    try:
        await fake.wait_for(lambda: fake.calls_of("getUpdates"), within=60)
        for _ in range(200):
            ok, _ = await asyncio.to_thread(probe, "127.0.0.1", port, 1.0)
            if ok:
                break
            await asyncio.sleep(0.05)
        assert ok
        zoe = fake.user(61, "Zoe")
        fake.say(fake.private_chat(zoe), zoe, "/start")
        await fake.wait_for(lambda: fake.shown(zoe["id"]), within=30)
        _, _, text = await get(f"http://127.0.0.1:{port}/metrics")
        assert sample(text, "bot_commands_total", command="start", platform="telegram", outcome="ok") == 1

        fake.slow["sendMessage"] = 2.0  # the next reply is still on its way when SIGTERM comes
        fake.say(fake.private_chat(zoe), zoe, "/topics")
        await fake.wait_for(lambda: len(fake.calls_of("sendMessage")) == 2, within=30)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 15)
        elapsed = time.monotonic() - t0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
    assert proc.returncode == 0, err.decode()[-3000:]
    assert elapsed < 10, f"took {elapsed:.1f}s to stop"
    assert fake.calls_of("sendMessage")[-1].status == 200, "the reply in flight was abandoned"
    assert len(fake.shown(zoe["id"])) == 2  # the welcome, then the reply that was in flight
    lines = [json.loads(line) for line in err.decode().splitlines() if line.strip()]  # every line is JSON
    msgs = [r["msg"] for r in lines]
    assert "shutting down" in msgs and msgs[-1] == "stopped"
    assert not [r for r in lines if r["level"] in ("ERROR", "CRITICAL")], lines
    assert TOKEN.split(":")[1] not in err.decode()


# ---------------------------------------------------------------- backup


def _writer(path: Path, stop: threading.Event, counts: list[int]) -> None:
    """Another connection writing all the time: each transaction adds one row to both tables."""
    con = sqlite3.connect(path, timeout=30)
    con.execute("PRAGMA journal_mode=WAL")
    n = 0
    while not stop.is_set():
        with con:
            con.execute("INSERT INTO a (v) VALUES (?)", (n,))
            con.execute("INSERT INTO b (v) VALUES (?)", (n,))
        n += 1
    counts.append(n)
    con.close()


def test_backup_is_a_consistent_copy_while_another_connection_writes(tmp_path):
    db = tmp_path / "live.sqlite3"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, v INTEGER)")
    con.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, v INTEGER, pad TEXT DEFAULT (hex(randomblob(200))))")
    con.executemany("INSERT INTO a (v) VALUES (?)", [(i,) for i in range(20000)])
    con.executemany("INSERT INTO b (v) VALUES (?)", [(i,) for i in range(20000)])
    con.commit()
    con.close()
    stop, counts = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(db, stop, counts))
    writer.start()
    try:
        copies = []
        for i in range(5):
            time.sleep(0.05)
            copies.append(backup_sqlite(db, tmp_path / f"copy-{i}.sqlite3").path)
    finally:
        stop.set()
        writer.join()
    assert counts[0] > 0, "the writer wrote during the backups"
    seen = []
    for path in copies:
        c = sqlite3.connect(path)
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        na, nb = (c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("a", "b"))
        assert na == nb, "a torn copy: one table has rows of a transaction the other lacks"
        seen.append(na)
        c.close()
        assert not Path(f"{path}-wal").exists()
    assert seen == sorted(seen) and seen[-1] > 20000


def test_python_m_bot_backup(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                              cwd=ROOT, timeout=120)

    p = run("backup", str(tmp_path / "b.sqlite3"))
    assert p.returncode == 2 and p.stderr.startswith("error: no database file")
    assert run("migrate").returncode == 0
    p = run("backup", f"{tmp_path / 'backups'}/")  # a folder (made if need be): a dated name in it
    assert p.returncode == 0, p.stderr
    [copy] = (tmp_path / "backups").iterdir()
    assert copy.name.startswith("bot-") and str(copy) in p.stdout and "revision" in p.stdout
    c = sqlite3.connect(copy)
    assert {"learners", "reminder_log", "alembic_version"} <= {
        r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    c.close()
    env["DATABASE_URL"] = "postgresql+asyncpg://bot@db/bot"
    p = run("backup", str(tmp_path / "pg.sqlite3"))
    assert p.returncode == 2 and "pg_dump" in p.stderr


def test_backup_refuses_to_overwrite_the_database_itself(tmp_path):
    db = tmp_path / "x.sqlite3"
    sqlite3.connect(db).close()
    with pytest.raises(BackupError, match="itself"):
        backup_sqlite(db, db)
    with pytest.raises(BackupError, match="in memory"):
        sqlite_file_of("sqlite+aiosqlite:///:memory:")
