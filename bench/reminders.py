"""Reminder sweep throughput on SQLite against one APScheduler job per learner, measured in one run.

    python bench/reminders.py [--learners 100000]

Prints figures as it goes; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bot.content.loader import load_catalog  # noqa: E402
from bot.core.reminders import ReminderService  # noqa: E402
from bot.storage.db import create_engine, migrate  # noqa: E402
from bot.storage.repo import SqlRepository  # noqa: E402
from bot.storage.tables import identities, learners  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


class NullMessenger:
    def __init__(self) -> None:
        self.count = 0

    async def send(self, destination, reply) -> None:
        self.count += 1


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def seed(url: str, total: int, due: int) -> None:
    engine = create_engine(url)
    await migrate(engine)
    later = NOW + timedelta(hours=5)
    async with engine.begin() as conn:
        for start in range(1, total + 1, 20000):
            ids = range(start, min(total, start + 19999) + 1)
            await conn.execute(insert(learners), [
                {"id": i, "created_at": NOW, "timezone": "UTC", "reminder_time": "07:00" if i <= due else "12:00",
                 "reminder_next_at": NOW if i <= due else later} for i in ids
            ])
            await conn.execute(insert(identities), [
                {"platform": "telegram", "user_id": str(i), "learner_id": i, "display_name": f"u{i}",
                 "dm_chat_id": str(i)} for i in ids
            ])
    await engine.dispose()


async def sweep(url: str, catalog) -> tuple[float, int]:
    engine = create_engine(url)
    messenger = NullMessenger()
    service = ReminderService(catalog, SqlRepository(engine), lambda: NOW, {"telegram": messenger}, rates={},
                              batch_size=1000, concurrency=256)
    t0 = time.perf_counter()
    stats = await service.sweep(NOW)
    elapsed = time.perf_counter() - t0
    await engine.dispose()
    assert stats.sent == messenger.count
    return elapsed, messenger.count


async def naive(n: int, catalog) -> tuple[float, float]:
    """One APScheduler job per learner (the design we do not use): time to schedule and fire, and memory."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.date import DateTrigger

    from bot.core.model import Reply
    from bot.core.ports import Destination

    messenger = NullMessenger()
    done = asyncio.Event()

    async def job(i: int) -> None:
        await messenger.send(Destination("telegram", str(i)), Reply("reminder"))
        if messenger.count == n:
            done.set()

    gc.collect()
    before = rss_mb()
    sched = AsyncIOScheduler(timezone=UTC)
    sched.start(paused=True)
    t0 = time.perf_counter()
    run_at = datetime.now(UTC) + timedelta(seconds=1)
    for i in range(n):
        sched.add_job(job, DateTrigger(run_date=run_at), args=(i,), id=str(i), misfire_grace_time=3600)
    added = rss_mb()
    sched.resume()
    await asyncio.wait_for(done.wait(), timeout=1800)
    elapsed = time.perf_counter() - t0
    sched.shutdown(wait=False)
    return elapsed, added - before


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--learners", type=int, default=100_000)
    p.add_argument("--naive-only", action="store_true", help="(internal) run the naive measure in this process")
    a = p.parse_args()
    n = a.learners
    if a.naive_only:
        t, mem = await naive(n, None)
        print(json.dumps({"t": t, "mem": mem}))
        return
    catalog = load_catalog(ROOT / "content")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/all-due.sqlite3"
        await seed(url, n, n)
        t, sent = await sweep(url, catalog)
        figures["sweep_per_s"] = round(sent / t)
        print(f"sweep: {sent} due of {n} learners sent in {t:.2f}s = {sent / t:,.0f}/s")
        for total, key in ((n // 10, "sweep_ms_10k_total"), (n, "sweep_ms_100k_total")):
            url = f"sqlite+aiosqlite:///{tmp}/some-due-{total}.sqlite3"
            await seed(url, total, 1000)
            t, sent = await sweep(url, catalog)
            figures[key] = round(t * 1000, 1)
            print(f"sweep: 1000 due among {total} learners: {t * 1000:.0f} ms ({sent} sent)")
    # in a fresh process, so the memory figure is not blurred by what the sweep measures freed
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--learners", str(n), "--naive-only", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    res = json.loads(out.decode().strip().splitlines()[-1])
    t, mem = res["t"], res["mem"]
    figures["naive_per_s"] = round(n / t)
    figures["naive_rss_mb"] = round(mem, 1)
    figures["ratio_vs_naive"] = round(figures["sweep_per_s"] / figures["naive_per_s"], 2)
    print(f"naive: {n} APScheduler jobs scheduled and fired in {t:.2f}s = {n / t:,.0f}/s, +{mem:.0f} MB RSS")
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
