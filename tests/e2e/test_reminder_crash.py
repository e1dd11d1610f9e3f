"""Kill a reminder process with SIGKILL in the middle of a sweep of 2,000 due reminders, restart it, and
check that nobody got two reminders and that at most the batch in flight (100) is missing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from tests.support import ROOT
from tests.support.seed import NOW, seed

N = 2000
BATCH = 100
def worker(url: str, out: str, delay: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "support" / "reminder_worker.py"), url, out, "--now", NOW.isoformat(),
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
    asyncio.run(seed(url, N))
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
