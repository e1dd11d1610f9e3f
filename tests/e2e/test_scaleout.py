"""Several bot processes: on PostgreSQL they share the reminder sweep and each reminder goes out once; on
SQLite a second process on the same file is refused with one clear line; a stopping process gives back the
reminders it claimed but did not send."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.reminders import ReminderService, decide
from bot.storage.db import create_engine, migrate
from bot.storage.lock import AlreadyRunning, lock_database, lock_path_for
from bot.storage.repo import SqlRepository
from tests.support import FIXTURE_CONTENT, ROOT
from tests.support.pg import fresh_pg_url
from tests.support.seed import NOW, seed

# ---------------------------------------------------------------- PostgreSQL: two processes share the work


def test_two_processes_on_postgresql_send_5000_reminders_exactly_once(tmp_path):
    n = 5000
    url = fresh_pg_url()
    asyncio.run(seed(url, n))
    go = tmp_path / "go"
    procs = []
    for k in range(2):
        procs.append(subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "support" / "scaleout_worker.py"), url, str(tmp_path / f"sent-{k}.txt"),
             "--now", NOW.isoformat(), "--batch", "100", "--ready", str(tmp_path / f"ready-{k}"), "--go", str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))
    try:
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"ready-{k}").exists() for k in range(2)):
            assert all(p.poll() is None for p in procs), "a worker died: " + "".join(
                p.stderr.read() for p in procs if p.poll() is not None)
            assert time.monotonic() < deadline, "the workers did not get ready"
            time.sleep(0.01)
        go.touch()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    per_process = [(tmp_path / f"sent-{k}.txt").read_text().split() for k in range(2)]
    sent = Counter(x for lines in per_process for x in lines)
    assert set(sent) == {str(i) for i in range(1, n + 1)}, f"{n - len(sent)} reminders were never sent"
    assert [x for x, c in sent.items() if c > 1] == [], "some learners got two reminders"
    assert all(per_process), f"one process sent everything: {[len(x) for x in per_process]}"
    assert [r["sent"] for r in results] == [len(x) for x in per_process]
    print(f"two processes: {[len(x) for x in per_process]} of {n}, "
          f"{n / max(r['seconds'] for r in results):,.0f} reminders/s together")

    async def logged() -> list:
        engine = create_engine(url)
        rows = await SqlRepository(engine).reminder_log_rows()
        await engine.dispose()
        return rows

    rows = asyncio.run(logged())
    assert len(rows) == n and {r[3] for r in rows} == {"sent"}


# ---------------------------------------------------------------- SQLite: one process per file


def test_the_lock_is_a_file_next_to_the_database(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}"
    assert lock_path_for(url) == Path(f"{tmp_path / 'one.sqlite3'}.lock")
    assert lock_path_for("postgresql+asyncpg://bot@db/bot") is None
    assert lock_path_for("sqlite+aiosqlite:///:memory:") is None
    assert lock_database("postgresql+asyncpg://bot@db/bot") is None
    with lock_database(url):  # in one process too: a second lock on the same file is refused
        with pytest.raises(AlreadyRunning, match="already running on .*one.sqlite3"):
            lock_database(url)
    lock_database(url).release()  # free again


def _bot(tmp_path: Path, db: str, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / db}", "CONTENT_DIR": str(FIXTURE_CONTENT),
           "TELEGRAM_TOKEN": "", "DISCORD_TOKEN": ""}
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def _wait_for_lock(tmp_path: Path, db: str, proc: subprocess.Popen) -> None:
    lock = tmp_path / f"{db}.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text() == str(proc.pid)):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path):
    first = _bot(tmp_path, "bot.sqlite3", "console", "--user", "ann")  # waits for input: holds the lock
    try:
        _wait_for_lock(tmp_path, "bot.sqlite3", first)
        seconds = [_bot(tmp_path, "bot.sqlite3", *args) for args in ((), ("console", "--user", "bob"))]
        other = _bot(tmp_path, "other.sqlite3", "console")  # another file: no conflict
        for second in seconds:
            out, err = second.communicate("/start\n", timeout=60)
            assert second.returncode == 2, err
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: another bot process"), err
            assert f"(pid {first.pid})" in lines[0] and "bot.sqlite3" in lines[0] and "PostgreSQL" in lines[0]
            assert out == ""
        out, err = other.communicate("/start\n", timeout=60)
        assert other.returncode == 0 and "Hi" in out, err
        out, err = first.communicate("/start\n", timeout=60)
        assert first.returncode == 0 and "Hi" in out, err
    finally:
        if first.poll() is None:
            first.kill()
    again = _bot(tmp_path, "bot.sqlite3", "console")  # the first has ended: the lock is free
    out, err = again.communicate("/start\n", timeout=60)
    assert again.returncode == 0, err


def test_the_lock_goes_with_a_killed_process(tmp_path):
    first = _bot(tmp_path, "bot.sqlite3", "console")
    _wait_for_lock(tmp_path, "bot.sqlite3", first)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    again = _bot(tmp_path, "bot.sqlite3", "console")  # a stale lock file does not block the restart
    out, err = again.communicate("/start\n", timeout=60)
    assert again.returncode == 0, err


# ---------------------------------------------------------------- a stopping process gives its claims back


class SlowMessenger:
    """Sends take a while; the test stops the service after ``stop_after`` sends."""

    def __init__(self, service_box: list, stop_after: int):
        self.sent: list[str] = []
        self.box = service_box
        self.stop_after = stop_after

    async def send(self, destination, reply) -> None:
        await asyncio.sleep(0.001)
        self.sent.append(destination.chat_id)
        if len(self.sent) == self.stop_after:
            self.box[0].stop()


async def test_stopping_mid_batch_gives_back_the_unsent_claims(db_url, catalog):
    await seed(db_url, 300)
    engine = create_engine(db_url)
    repo = SqlRepository(engine)
    try:
        box: list = []
        first = SlowMessenger(box, stop_after=40)
        service = ReminderService(catalog, repo, lambda: NOW, {"telegram": first}, rates={}, batch_size=200,
                                  concurrency=4)
        box.append(service)
        stats = await service.sweep(NOW)
        assert stats.batches == 1 and stats.claimed == 200  # no second batch once stopping
        assert stats.sent == len(first.sent) and 40 <= stats.sent < 50  # the sends in progress finished
        assert stats.released == 200 - stats.sent
        # another process (or the restart) sends the rest, a minute later: nobody twice, nobody missed
        box2: list = []
        second = SlowMessenger(box2, stop_after=10_000)
        later = ReminderService(catalog, repo, lambda: NOW, {"telegram": second}, rates={}, batch_size=200)
        box2.append(later)
        stats2 = await later.sweep(NOW + timedelta(minutes=1))
        assert stats2.sent == 300 - stats.sent
        everyone = Counter(first.sent + second.sent)
        assert len(everyone) == 300 and max(everyone.values()) == 1
        rows = await repo.reminder_log_rows()
        assert len(rows) == 300 and {r[3] for r in rows} == {"sent"}
    finally:
        await engine.dispose()


async def test_a_release_does_not_undo_a_change_the_learner_made(db_url, catalog):
    await seed(db_url, 1)
    engine = create_engine(db_url)
    repo = SqlRepository(engine)
    try:
        claims = await repo.claim_due_reminders(NOW, 10, lambda lr: decide(lr, NOW, timedelta(hours=1)), {"telegram"})
        [c] = claims
        await repo.update_learner(1, reminder_next_at=None, reminder_time=None)  # /remind off meanwhile
        await repo.release_reminder_claims([(1, c.decision.local_date, c.decision.kind, NOW, False,
                                             c.decision.next_at)])
        learner = await repo.find_learner("telegram", "1")
        assert learner.reminder_next_at is None and learner.reminder_time is None
        assert await repo.reminder_log_rows() == []
    finally:
        await engine.dispose()


def test_processes_starting_together_on_a_new_postgresql_database_migrate_once(tmp_path):
    url = fresh_pg_url()
    env = {**os.environ, "DATABASE_URL": url}
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "migrate"], env=env, cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in results]


# ---------------------------------------------------------------- Discord: shards spread over processes


def test_shard_settings_are_validated():
    from bot.config import SettingsError, load_settings

    s = load_settings(_env_file=None, discord_shard_ids="2, 0", discord_shard_count="4")
    assert s.discord_shard_ids == (0, 2) and s.discord_shard_count == 4
    assert load_settings(_env_file=None, discord_shard_ids="").discord_shard_ids is None
    for ids, count, why in (("0,1", None, "needs DISCORD_SHARD_COUNT"), ("0,4", "4", "from 0 to 3"),
                            ("1,1", "4", "distinct"), ("one", "4", "comma list")):
        with pytest.raises(SettingsError, match=f"^bad setting DISCORD_SHARD_IDS: .*{why}"):
            load_settings(_env_file=None, discord_shard_ids=ids, discord_shard_count=count)


async def test_two_discord_processes_each_run_their_shards(monkeypatch, catalog, clock, sqlite_url):
    """Two adapters (as two processes would) with DISCORD_SHARD_IDS 0 and 1 of DISCORD_SHARD_COUNT 2: each
    identifies for its shard only, only shard 0's syncs the commands, and each answers its servers."""
    import discord
    from discord.gateway import DiscordWebSocket

    from bot.adapters.discord import build_discord
    from bot.config import Settings
    from bot.core.service import Core
    from tests.support.fake_discord import FakeDiscord

    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    fake = await FakeDiscord().start()
    guilds = [fake.add_guild(f"Server {k}", shard=k, shards=2) for k in range(2)]
    ada = fake.add_user("ada", "Ada")
    for g in guilds:
        fake.add_member(g, ada)
    engine = create_engine(sqlite_url)
    await migrate(engine)
    repo = SqlRepository(engine)
    adapters, handled = [], []

    async def no_identify_pause(shard_id, *, initial=False):
        return None

    try:
        for k in range(2):
            core = Core(catalog, repo, clock)
            core.observer = lambda event, k=k, **f: handled.append((k, f["name"])) if event == "command" else None
            s = Settings(_env_file=None, discord_token="fake-bot-token", discord_api_base_url=fake.rest_url,
                         discord_gateway_url=fake.gateway_url, discord_shard_count=2, discord_shard_ids=str(k))
            adapter = build_discord(core, s)
            adapter.bot.before_identify_hook = no_identify_pause
            adapters.append(adapter)
            await adapter.start()
        await fake.wait_connected(2)
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
        assert [sorted(a.bot.shards) for a in adapters] == [[0], [1]]
        assert len(fake.command_puts) == 1  # synced once, by the process that runs shard 0
        for k, g in enumerate(guilds):
            it = await fake.slash(ada, "topics", g)
            await fake.responded(it)
            await adapters[k].wait_idle()
        assert handled == [(0, "topics"), (1, "topics")]  # each server's shard answered in its own process
    finally:
        for adapter in adapters:
            await adapter.stop()
        await fake.close()
        await engine.dispose()
