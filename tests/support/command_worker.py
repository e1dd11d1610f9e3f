"""A bot process for the crash test (``tests/e2e/test_command_crash.py``): the real core on a SQLite file, sent a
stream of learners' commands chosen at random from what each learner can do now (lessons, answers right and
wrong, choices, hints, solutions, skips, self-grades, /daily, /review, settings).

Before each command it copies the database (``before.sqlite3``, replaced atomically) and appends
``start <n> <spec>`` to a journal; after it, ``end <n>``. Each command runs at its own instant
(``instant(n)``), so a command killed half way can be replayed exactly from the copy. After every write
statement the process sleeps a moment, so that a SIGKILL often lands between two writes of one command.

    python tests/support/command_worker.py <sqlite file> <journal> --first N --count M --seed S
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import event  # noqa: E402

from bot.content.loader import Catalog, load_catalog  # noqa: E402
from bot.core.model import Actor  # noqa: E402
from bot.core.service import Core  # noqa: E402
from bot.storage.db import create_engine, migrate  # noqa: E402
from bot.storage.repo import SqlRepository  # noqa: E402
from tests.support import FIXTURE_CONTENT, written_table  # noqa: E402

START = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
STEP = timedelta(minutes=23)  # about 60 commands a day: new days, /daily and due reviews come round
PEOPLE = 6


def instant(n: int) -> datetime:
    return START + n * STEP


def actor(who: int) -> Actor:
    return Actor("telegram", str(1000 + who), f"Learner {who}", chat_id=str(1000 + who))


def choose(rng: random.Random, catalog: Catalog, learner) -> list:
    """A command for a learner as they stand: [kind, text or action]."""
    if learner is None or rng.random() < 0.08:
        return ["text", rng.choice(["/next", "/daily", "/review", "/progress", "/remind 07:30", "/pause 2"])]
    if learner.lesson_unit:
        unit = learner.lesson_unit
        return rng.choice([["press", f"d:{unit}"], ["press", f"d:{unit}"], ["press", f"p:{unit}"],
                           ["press", f"s:{unit}"], ["text", "/done"], ["text", "/skip"]])
    prompt = catalog.prompt_by_id.get(learner.open_prompt or "")
    if prompt is None:
        return ["text", rng.choice(["/next", "/next", "/daily", "/review"])]
    a, pid = prompt.answer, prompt.id
    if a.kind == "self":
        if learner.open_revealed:
            return ["press", f"g:{pid}:{rng.choice('01')}"]
        return rng.choice([["press", f"v:{pid}"], ["press", f"h:{pid}:{learner.open_hints + 1}"]])
    moves = [["press", f"h:{pid}:{learner.open_hints + 1}"], ["text", "/hint"], ["press", f"v:{pid}"],
             ["press", f"k:{pid}"], ["text", "/skip"], ["text", "/next"]]
    if a.kind == "choice":
        for i, _ in enumerate(a.options):
            moves += [["press", f"c:{pid}:{i}"]] * 2
    else:
        wrong = [m.answer for m in prompt.mistakes] or ["12345"]
        moves += [["text", a.value]] * 4 + [["text", f"/answer {rng.choice(wrong)}"]] * 2
    return rng.choice(moves)


async def run(core: Core, who: int, spec: list) -> None:
    kind, what = spec
    if kind == "press":
        await core.press(actor(who), what)
    else:
        await core.handle_text(actor(who), what)


def snapshot(db: str, to: str) -> None:
    tmp = to + ".tmp"
    with sqlite3.connect(db) as src, sqlite3.connect(tmp) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    os.replace(tmp, to)


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("db")
    p.add_argument("journal")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pause", type=float, default=0.005, help="seconds to sleep after each write statement")
    a = p.parse_args()
    url = f"sqlite+aiosqlite:///{a.db}"
    engine = create_engine(url)
    await migrate(engine)

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _slowly(_conn, _cursor, statement: str, *_: object) -> None:
        if written_table(statement) is not None:
            time.sleep(a.pause)  # in the driver's thread: widens the window between two writes

    catalog = load_catalog(FIXTURE_CONTENT)
    now = [instant(a.first)]
    core = Core(catalog, SqlRepository(engine), lambda: now[0])
    rng = random.Random(a.seed)
    before = str(Path(a.journal).with_name("before.sqlite3"))
    journal = os.open(a.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)  # one write a line: a kill
    for n in range(a.first, a.first + a.count):                                  # leaves whole lines
        who = rng.randrange(PEOPLE)
        learner = await core.repo.find_learner("telegram", actor(who).user_id)
        spec = choose(rng, catalog, learner)
        snapshot(a.db, before)
        now[0] = instant(n)
        os.write(journal, f"start {n} {who} {json.dumps(spec)}\n".encode())
        await run(core, who, spec)
        os.write(journal, f"end {n}\n".encode())
    os.close(journal)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
