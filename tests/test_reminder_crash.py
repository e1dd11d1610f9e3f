"""Kill a reminder process with SIGKILL in the middle of a sweep of 2,000 due reminders, restart it, and
check that nobody got two reminders and that at most the batch in flight (100) is missing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import insert

from bot.storage.db import create_engine, migrate
from bot.storage.tables import identities, learners
from tests.conftest import ROOT

N = 2000
BATCH = 100
NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


async def seed(url: str) -> None:
    engine = create_engine(url)
    await migrate(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(learners), [
            {"id": i, "created_at": NOW, "timezone": "UTC", "reminder_time": "07:00", "reminder_next_at": NOW}
            for i in range(1, N + 1)
        ])
        await conn.execute(insert(identities), [
            {"platform": "telegram", "user_id": str(i), "learner_id": i, "display_name": f"u{i}",
             "dm_chat_id": str(i)} for i in range(1, N + 1)
        ])
    await engine.dispose()


def worker(url: str, out: str, delay: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "reminder_worker.py"), url, out, "--now", NOW.isoformat(),
         "--delay", str(delay), "--batch", str(BATCH)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def lines(path: str) -> list[str]:
    try:
        with open(path) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def test_sigkill_mid_sweep_then_restart(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'crash.sqlite3'}"
    out = str(tmp_path / "sent.txt")
    asyncio.run(seed(url))
    first = worker(url, out, delay=0.005)
    deadline = time.monotonic() + 60
    while len(lines(out)) < 750 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.01)
    assert first.poll() is None, "the worker finished before it could be killed: " + first.stderr.read()
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    at_kill = len(lines(out))
    assert 0 < at_kill < N
    second = worker(url, out, delay=0.0)
    stdout, stderr = second.communicate(timeout=120)
    assert second.returncode == 0, stderr
    sent = lines(out)
    assert len(sent) == len(set(sent)), "a learner got two reminders"
    missing = N - len(set(sent))
    assert missing <= BATCH, f"{missing} reminders lost; the bound is one batch in flight ({BATCH})"
    print(f"killed after {at_kill} sends; after restart {len(set(sent))} of {N} delivered, {missing} lost")
