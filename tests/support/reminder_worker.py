"""A reminder process for the crash test: the real ReminderService and storage, with a Messenger that
appends each delivery to a file (flushed per line), so a SIGKILL leaves an exact record."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.content.loader import load_catalog  # noqa: E402
from bot.core.reminders import ReminderService  # noqa: E402
from bot.storage.db import create_engine, migrate  # noqa: E402
from bot.storage.repo import SqlRepository  # noqa: E402
from tests.support import FIXTURE_CONTENT  # noqa: E402


class FileMessenger:
    def __init__(self, path: str, delay: float):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.delay = delay

    async def send(self, destination, reply) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        os.write(self.fd, f"{destination.chat_id}\n".encode())


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("db")
    p.add_argument("out")
    p.add_argument("--now", required=True)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--batch", type=int, default=100)
    a = p.parse_args()
    engine = create_engine(a.db)
    await migrate(engine)
    service = ReminderService(load_catalog(FIXTURE_CONTENT), SqlRepository(engine), lambda: now,
                              {"telegram": FileMessenger(a.out, a.delay)}, rates={}, batch_size=a.batch,
                              concurrency=8)
    now = datetime.fromisoformat(a.now)
    stats = await service.sweep(now)
    print(f"sent={stats.sent} claimed={stats.claimed}", flush=True)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
