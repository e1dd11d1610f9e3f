"""SIGKILL a bot process at random points of a stream of learners' commands on SQLite, again and again, and
check after every kill that the command in flight is all or nothing and that the database holds together.

The worker (``tests/support/command_worker.py``) journals each command before and after running it and keeps a
copy of the database from just before it. After a kill, the command in flight (started, not ended) is replayed
on that copy: the database must equal the copy (nothing of it was kept) or the replay (all of it was). Beside
that exact check, invariants written down here must hold for every learner:

1. no review card without an attempt at its prompt;
2. an open question has no closing attempt (right, solution shown, or skipped) since it opened, and its
   wrong tries since it opened are exactly the tries the learner's row remembers;
3. each attempt's study day exists (skips aside, which are not study);

and ``PRAGMA integrity_check`` says ok.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.support import ROOT
from tests.support.command_worker import instant, run

WORKER = ROOT / "tests" / "support" / "command_worker.py"
COMMANDS = 200  # at least this many commands in all, over at least KILLS processes killed
KILLS = 25


def journal_of(path: Path) -> tuple[dict[int, tuple[int, list]], set[int]]:
    started: dict[int, tuple[int, list]] = {}
    ended: set[int] = set()
    if path.exists():
        for line in path.read_text().splitlines():
            word, n, *rest = line.split(" ", 3)
            if word == "start" and len(rest) == 2:
                started[int(n)] = (int(rest[0]), json.loads(rest[1]))
            elif word == "end":
                ended.add(int(n))
    return started, ended


def dump(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'sqlite_%' AND name != 'alembic_version' ORDER BY name")]
        out = {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    con.close()
    return out


def broken_invariants(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        found = []
        if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            found.append("PRAGMA integrity_check is not ok")
        cards = con.execute(
            "SELECT learner_id, prompt_id FROM review_cards c WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE "
            "a.learner_id = c.learner_id AND a.prompt_id = c.prompt_id)").fetchall()
        found += [f"review card without an attempt: {c}" for c in cards]
        closed = con.execute(
            "SELECT l.id, l.open_prompt FROM learners l JOIN attempts a ON a.learner_id = l.id AND "
            "a.prompt_id = l.open_prompt AND a.at > l.open_at AND a.source != 'challenge' AND "
            "(a.correct OR a.revealed OR a.source = 'skip')").fetchall()
        found += [f"open question with a closing attempt since it opened: {c}" for c in closed]
        for learner_id, prompt_id, opened, tried in con.execute(
                "SELECT id, open_prompt, open_at, open_tried FROM learners WHERE open_prompt IS NOT NULL"):
            tries = con.execute(
                "SELECT count(*) FROM attempts WHERE learner_id = ? AND prompt_id = ? AND at >= ? AND NOT correct "
                "AND NOT revealed AND source NOT IN ('skip', 'challenge')", (learner_id, prompt_id, opened),
            ).fetchone()[0]
            if tries != len([t for t in tried.split("\n") if t]):
                found.append(f"learner {learner_id}: {tries} wrong attempts since {prompt_id} opened, "
                             f"tries remembered: {tried!r}")
        days = con.execute(
            "SELECT learner_id, at FROM attempts a WHERE source != 'skip' AND NOT EXISTS (SELECT 1 FROM study_days d "
            "WHERE d.learner_id = a.learner_id AND d.day IN (date(a.at), date(a.at, '-1 day')))").fetchall()
        found += [f"attempt without its study day: {d}" for d in days]
    con.close()
    return found


async def replayed(before: Path, to: Path, n: int, who: int, spec: list) -> dict[str, list[tuple]]:
    """The database ``before`` with command ``n`` run on it to its end, as the worker would have."""
    from bot.content.loader import load_catalog
    from bot.core.service import Core
    from bot.storage.db import create_engine
    from bot.storage.repo import SqlRepository
    from tests.support import FIXTURE_CONTENT

    shutil.copyfile(before, to)
    engine = create_engine(f"sqlite+aiosqlite:///{to}")
    await run(Core(load_catalog(FIXTURE_CONTENT), SqlRepository(engine), lambda: instant(n)), who, spec)
    await engine.dispose()
    return dump(to)


def test_sigkill_at_random_points_leaves_every_command_all_or_nothing(tmp_path):
    db, journal = tmp_path / "bot.sqlite3", tmp_path / "journal.txt"
    rng = random.Random(33)
    kills, kept, undone, first = 0, 0, 0, 0
    while kills < KILLS or len(journal_of(journal)[1]) < COMMANDS:
        started_before = len(journal_of(journal)[0])
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), str(db), str(journal), "--first", str(first), "--seed", str(first)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        target = started_before + rng.randint(1, 15)
        deadline = time.monotonic() + 60
        while len(journal_of(journal)[0]) < target and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.025))  # into the command: its reads, its writes, its commit
        assert worker.poll() is None, f"the worker ended before it was killed: {worker.stderr.read()}"
        os.kill(worker.pid, signal.SIGKILL)
        worker.communicate()
        kills += 1

        assert broken_invariants(db) == [], f"after kill {kills}"
        started, ended = journal_of(journal)
        in_flight = [n for n in started if n >= first and n not in ended]  # this process's
        assert len(in_flight) <= 1
        if in_flight:
            n = in_flight[0]
            who, spec = started[n]
            now = dump(db)
            if now == dump(tmp_path / "before.sqlite3"):
                undone += 1
            else:
                after = asyncio.run(replayed(tmp_path / "before.sqlite3", tmp_path / "replay.sqlite3", n, who, spec))
                assert now == after, f"command {n} {spec} of learner {who} was left half done by kill {kills}"
                kept += 1
        first = max(started) + 1
    print(f"{kills} kills over {len(journal_of(journal)[1])} finished commands; of the commands in flight, "
          f"{undone} left nothing and {kept} were kept whole")
    assert undone >= 3, "too few kills landed inside a command to show anything"
