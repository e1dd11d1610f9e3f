"""One of several reminder processes on one database (tests/e2e/test_scaleout.py): the real ReminderService and
storage, a Messenger that appends each delivery to this process's file, and a start line so that all the
processes begin their sweep together: each touches ``--ready`` when connected, then waits for ``--go``.

Prints one JSON line: what the sweep did and how long it took.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text  # noqa: E402

from bot.content.loader import load_catalog  # noqa: E402
from bot.core.reminders import ReminderService  # noqa: E402
from bot.storage.db import create_engine  # noqa: E402
from bot.storage.repo import SqlRepository  # noqa: E402
from tests.support import FIXTURE_CONTENT  # noqa: E402
from tests.support.reminder_worker import FileMessenger  # noqa: E402


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("db")
    p.add_argument("out")
    p.add_argument("--now", required=True)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--ready", required=True)
    p.add_argument("--go", required=True)
    a = p.parse_args()
    now = datetime.fromisoformat(a.now)
    engine = create_engine(a.db)
    async with engine.connect() as conn:  # connected before the start line: the race is the sweep's alone
        await conn.execute(text("SELECT 1"))
    service = ReminderService(load_catalog(FIXTURE_CONTENT), SqlRepository(engine), lambda: now,
                              {"telegram": FileMessenger(a.out, a.delay)}, rates={}, batch_size=a.batch,
                              concurrency=a.concurrency)
    ready, go = Path(a.ready), Path(a.go)
    ready.touch()  # noqa: ASYNC240 - nothing else runs in this process meanwhile
    deadline = time.monotonic() + 60
    while not go.exists():  # noqa: ASYNC240
        if time.monotonic() > deadline:
            raise SystemExit("no start signal within 60 s")
        await asyncio.sleep(0.005)
    t0 = time.perf_counter()
    stats = await service.sweep(now)
    elapsed = time.perf_counter() - t0
    await engine.dispose()
    print(json.dumps({"sent": stats.sent, "claimed": stats.claimed, "skipped": stats.skipped,
                      "batches": stats.batches, "seconds": elapsed}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
