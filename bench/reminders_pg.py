"""Reminder sweep throughput on PostgreSQL with one and with two bot processes sharing the work.

    python bench/reminders_pg.py [--learners 20000] [--repeat 3] [--send-ms 0] [--pg URL]

Each run seeds ``--learners`` due learners in a scratch database (made next to the one in ``--pg``, default
``TEST_PG_URL`` or the local test server, and dropped at the end), starts the worker processes (this script
with ``--worker``: the real ReminderService and storage, a Messenger that only records ids), lets them sweep
together from one start signal, and checks that every reminder went out exactly once. The figure is
reminders / second from the start signal until the last process is done; the best of ``--repeat`` runs.

Platform rate limits are off (they cap sends per bot, whatever the number of processes): this measures what
the processes and the database can claim, build and hand over. ``--send-ms`` adds a latency per send, like
a real Bot API round trip. Prints figures as it goes; the last line is one JSON object.

A run (2 CPUs, PostgreSQL 15 on the same machine, 20,000 reminders, best of 2):

    --send-ms 0:   1 process 2,895/s   2 processes 3,155/s   (x1.09: CPU-bound, 3 busy processes on 2 cores)
    --send-ms 50:  1 process   842/s   2 processes 1,498/s   (x1.78: each process waits on its sends)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.storage.db import create_engine  # noqa: E402
from tests.support.pg import reset_pg  # noqa: E402
from tests.support.seed import NOW  # noqa: E402
from tests.support.seed import seed as seed_due_learners  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


# ---------------------------------------------------------------- the worker process


class RecordingMessenger:
    def __init__(self, send_ms: float):
        self.ids: list[str] = []
        self.delay = send_ms / 1000

    async def send(self, destination, reply) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.ids.append(destination.chat_id)


async def worker(a: argparse.Namespace) -> None:
    from bot.content.loader import load_catalog
    from bot.core.reminders import ReminderService
    from bot.storage.repo import SqlRepository

    engine = create_engine(a.db)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    messenger = RecordingMessenger(a.send_ms)
    service = ReminderService(load_catalog(ROOT / "content"), SqlRepository(engine), lambda: NOW,
                              {"telegram": messenger}, rates={}, batch_size=a.batch, concurrency=a.concurrency)
    Path(a.ready).touch()  # noqa: ASYNC240 - nothing else runs in this process meanwhile
    while not Path(a.go).exists():  # noqa: ASYNC240, ASYNC110 - a file from another process
        await asyncio.sleep(0.002)
    t0 = time.perf_counter()
    stats = await service.sweep(NOW)
    elapsed = time.perf_counter() - t0
    await engine.dispose()
    Path(a.out).write_text("\n".join(messenger.ids))  # noqa: ASYNC240
    print(json.dumps({"sent": stats.sent, "batches": stats.batches, "seconds": elapsed}), flush=True)


# ---------------------------------------------------------------- the driver


async def scratch_database(base_url: str, create: bool) -> str:
    import asyncpg

    base = make_url(base_url)
    name = f"bench_reminders_{os.getpid()}"
    conn = await asyncpg.connect(host=base.host, port=base.port or 5432, user=base.username,
                                 password=base.password, database=base.database)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base.set(database=name).render_as_string(hide_password=False)


async def seed(url: str, n: int) -> None:
    """An empty scratch database, then ``n`` learners whose reminder is due at NOW (the tests' seeding)."""
    await reset_pg(url)
    await seed_due_learners(url, n)
    engine = create_engine(url)
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def run(url: str, n: int, processes: int, a: argparse.Namespace) -> dict:
    await seed(url, n)
    with tempfile.TemporaryDirectory() as tmp:
        go = Path(tmp) / "go"
        procs = []
        for k in range(processes):
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--worker", "--db", url, "--out", f"{tmp}/sent-{k}", "--ready",
                f"{tmp}/ready-{k}", "--go", str(go), "--batch", str(a.batch), "--concurrency", str(a.concurrency),
                "--send-ms", str(a.send_ms), stdout=asyncio.subprocess.PIPE,
            ))
        while not all(Path(f"{tmp}/ready-{k}").exists() for k in range(processes)):  # noqa: ASYNC240
            if any(p.returncode is not None for p in procs):
                raise SystemExit("a worker died before the start")
            await asyncio.sleep(0.01)
        t0 = time.perf_counter()
        go.touch()  # noqa: ASYNC240
        outs = [json.loads((await p.communicate())[0].decode().strip().splitlines()[-1]) for p in procs]
        wall = time.perf_counter() - t0
        sent = Counter(x for k in range(processes) for x in Path(f"{tmp}/sent-{k}").read_text().split())  # noqa: ASYNC240
    assert len(sent) == n and max(sent.values()) == 1, "a reminder was lost or sent twice"
    return {"per_s": n / wall, "wall": wall, "split": [o["sent"] for o in outs]}


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--learners", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--send-ms", type=float, default=0.0, help="simulated latency of each send, in ms")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--pg", default=DEFAULT_PG)
    p.add_argument("--worker", action="store_true", help="(internal) one sweeping process")
    p.add_argument("--db")
    p.add_argument("--out")
    p.add_argument("--ready")
    p.add_argument("--go")
    a = p.parse_args()
    if a.worker:
        await worker(a)
        return
    url = await scratch_database(a.pg, create=True)
    figures: dict[str, object] = {"learners": a.learners, "send_ms": a.send_ms, "cpus": os.cpu_count()}
    try:
        for processes in (1, 2):
            best = None
            for _ in range(a.repeat):
                r = await run(url, a.learners, processes, a)
                print(f"{processes} process(es): {a.learners:,} reminders in {r['wall']:.2f}s = {r['per_s']:,.0f}/s "
                      f"(split {r['split']})", flush=True)
                best = r if best is None or r["per_s"] > best["per_s"] else best
            assert best is not None
            figures[f"per_s_{processes}p"] = round(best["per_s"])
    finally:
        await scratch_database(a.pg, create=False)
    figures["speedup_2p"] = round(figures["per_s_2p"] / figures["per_s_1p"], 2)  # type: ignore[operator]
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
