"""Core latency: /next, /answer and /progress p50 / p99 in-process, with 10,000 and 100,000 learners on SQLite.

    python bench/core.py [--learners 100000] [--small 10000] [--samples 2000] [--rounds 4]

Both databases are seeded with bulk inserts and a realistic mix of progress (new learners, a few units
done, a few advanced; attempts, review cards some of which are due, study days, open lessons and open
questions, reminders), then measured with the real ``Core`` on the real ``SqlRepository``, in one run and
in alternating rounds (10k, 100k, 10k, ...) so that the machine's noise falls on both sizes alike.

- ``/next``: a learner's first ``/next`` of the run: whatever is next for them (an open question, a due
  review, a lesson, a practice question); it writes when it opens something.
- ``/answer``: a prompt is opened first (``/next``, then ``/done`` for a lesson; not timed), then the answer
  is timed, alternating right and wrong, so each timed call checks the answer and writes the attempt and
  the study day; a right one also the review card and possibly the unit's completion, a wrong one (a
  first try) the open question's tries.
- ``/progress``: the core's reply, which carries the chart's data; drawing the chart is the adapters'
  work (Discord, Telegram) and is not included.

Each call is timed on its own (``time.perf_counter``). Prints figures as it goes; the last line is one
JSON object. Targets: ``/next`` p99 < 5 ms at 100k learners; the 10k and 100k figures within 2x.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from bot.content.loader import Catalog, load_catalog  # noqa: E402
from bot.core.learning import as_asked  # noqa: E402
from bot.core.model import Actor  # noqa: E402
from bot.core.reminders import next_instant  # noqa: E402
from bot.core.service import Core  # noqa: E402
from bot.practice import srs  # noqa: E402
from bot.practice.check import warm_up  # noqa: E402
from bot.storage.db import create_engine, migrate  # noqa: E402
from bot.storage.repo import SqlRepository  # noqa: E402
from bot.storage.tables import (  # noqa: E402
    attempts,
    identities,
    learners,
    review_cards,
    study_days,
    unit_progress,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/London", "America/Sao_Paulo",
         "Asia/Tokyo", "Australia/Sydney")
PLATFORM = "telegram"
CHUNK = 5000  # learners per bulk insert


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def actor(i: int) -> Actor:
    """The seeded learner ``i`` as the Telegram adapter would describe them (same name: no rename write)."""
    return Actor(PLATFORM, str(i), f"learner {i}", chat_id=str(i))


def _units_done(rng: random.Random, total: int) -> int:
    """How far a learner got: many new or early, some in the middle, a few far along."""
    r = rng.random()
    if r < 0.30:
        return 0
    if r < 0.75:
        return rng.randint(1, 3)
    if r < 0.95:
        return rng.randint(4, min(12, total))
    return rng.randint(13, total)


def learner_rows(i: int, catalog: Catalog, rng: random.Random, card_json: str, now: datetime = NOW
                 ) -> dict[str, list[dict]]:
    """Every row of one seeded learner: its state follows the curriculum's study order and the unit rule."""
    units = catalog.units
    k = _units_done(rng, len(units))
    tz = rng.choice(ZONES)
    out: dict[str, list[dict]] = {"attempts": [], "review_cards": [], "unit_progress": [], "study_days": []}
    span = max(k * 2, 1) + rng.randint(0, 60)  # days since they started
    days_ago = 0 if (k and rng.random() < 0.4) else rng.randint(1, 90)  # last active
    first = now - timedelta(days=days_ago + span)
    day_set: set = set()

    def answer(unit, prompt, at: datetime, correct: bool) -> None:
        out["attempts"].append({
            "learner_id": i, "prompt_id": prompt.id, "unit_id": unit.id, "at": at, "correct": correct,
            "hinted": False, "revealed": False, "answer": prompt.answer.value if correct else "0",
            "source": "practice",
        })
        day_set.add(at.date())

    cards: dict[str, datetime] = {}
    for j in range(k):
        unit = units[j]
        at = first + timedelta(days=span * j / max(k, 1), hours=rng.randint(0, 10))
        if rng.random() < 0.1:
            out["unit_progress"].append({"learner_id": i, "unit_id": unit.id, "status": "skipped",
                                         "lesson_done_at": None, "completed_at": at})
            continue
        out["unit_progress"].append({"learner_id": i, "unit_id": unit.id, "status": "done", "lesson_done_at": at,
                                     "completed_at": at + timedelta(minutes=30)})
        gradable = [p for p in unit.prompts if p.answer.kind != "self"] or list(unit.prompts)
        for n, p in enumerate(gradable[: min(3, len(unit.prompts))]):
            answer(unit, p, at + timedelta(minutes=5 * n), True)
            cards[p.id] = now + timedelta(days=rng.uniform(-10, 60))
        if len(gradable) > 3 and rng.random() < 0.5:
            answer(unit, gradable[3], at + timedelta(minutes=20), False)
            cards[gradable[3].id] = now + timedelta(days=rng.uniform(-3, 3))
    learner: dict = {
        "id": i, "created_at": first, "timezone": tz, "focus_topic": None, "lesson_unit": None,
        "open_prompt": None, "open_source": None, "open_hints": 0, "open_revealed": False, "open_at": None,
        "reminder_time": None, "reminder_next_at": None, "reminder_paused_until": None,
        "reminder_when_studied": "skip", "unreachable": False, "reminder_snoozed": False,
        "daily_date": None, "daily_prompt": None, "open_tried": "",
    }
    if k < len(units):  # the unit they are on
        unit = units[k]
        r = rng.random()
        if r < 0.6:
            at = now - timedelta(days=days_ago, hours=1)
            out["unit_progress"].append({"learner_id": i, "unit_id": unit.id, "status": "learning",
                                         "lesson_done_at": at, "completed_at": None})
            day_set.add(at.date())
            gradable = [p for p in unit.prompts if p.answer.kind != "self"]
            for n in range(rng.randint(0, 2)):
                answer(unit, gradable[n], at + timedelta(minutes=5 * n), rng.random() < 0.7)
                cards[gradable[n].id] = now + timedelta(days=rng.uniform(-2, 5))
            if rng.random() < 0.4:
                learner.update(open_prompt=gradable[2].id, open_source="practice", open_at=at)
        elif r < 0.8 and k:
            learner["lesson_unit"] = unit.id  # a lesson shown, waiting for Done
    if k and rng.random() < 0.3:  # a live streak
        for d in range(rng.randint(1, 20)):
            day_set.add((now - timedelta(days=d + (days_ago > 0))).date())
    if rng.random() < 0.4:
        hhmm = f"{rng.choice((6, 7, 8, 12, 18, 19, 20, 21)):02d}:{rng.choice(('00', '30')):s}"
        learner.update(reminder_time=hhmm, reminder_next_at=next_instant(hhmm, tz, now))
    if rng.random() < 0.1:
        learner["focus_topic"] = rng.choice(catalog.topics).id
    out["learners"] = [learner]
    out["identities"] = [{"platform": PLATFORM, "user_id": str(i), "learner_id": i, "display_name": f"learner {i}",
                          "dm_chat_id": str(i)}]
    out["review_cards"] = [{"learner_id": i, "prompt_id": p, "card": card_json, "due_at": due}
                           for p, due in cards.items()]
    out["study_days"] = [{"learner_id": i, "day": d} for d in sorted(day_set)]
    return out


TABLES = {"learners": learners, "identities": identities, "unit_progress": unit_progress, "attempts": attempts,
          "review_cards": review_cards, "study_days": study_days}


async def seed(url: str, n: int, catalog: Catalog, *, seed_value: int = 1, now: datetime = NOW) -> dict[str, int]:
    """Create the schema and ``n`` learners (ids 1..n, Telegram user ids "1".."n") as they are at ``now``;
    returns the rows per table."""
    engine = create_engine(url)
    await migrate(engine)
    rng = random.Random(seed_value)
    card_json, _ = srs.review(None, "good", now - timedelta(days=3))
    counts = dict.fromkeys(TABLES, 0)
    async with engine.begin() as conn:
        for start in range(1, n + 1, CHUNK):
            batch: dict[str, list[dict]] = {name: [] for name in TABLES}
            for i in range(start, min(n, start + CHUNK - 1) + 1):
                for name, rows in learner_rows(i, catalog, rng, card_json, now).items():
                    batch[name] += rows
            for name, table in TABLES.items():  # parents first
                if batch[name]:
                    await conn.execute(insert(table), batch[name])
                    counts[name] += len(batch[name])
    await engine.dispose()
    return counts


# ---------------------------------------------------------------- measuring


class QueryCounter:
    """SQL statements the engine ran (a diagnostic: latency is mostly round trips through aiosqlite)."""

    def __init__(self, engine) -> None:
        self.n = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_: object) -> None:
        self.n += 1


class Size:
    def __init__(self, label: str, n: int, url: str, catalog: Catalog):
        self.label, self.n = label, n
        self.engine = create_engine(url)
        self.repo = SqlRepository(self.engine)
        self.core = Core(catalog, self.repo, lambda: NOW)
        self.queries = QueryCounter(self.engine)
        self.times: dict[str, list[float]] = {"next": [], "answer": [], "progress": []}
        self.statements: dict[str, int] = {"next": 0, "answer": 0, "progress": 0}
        self.verdicts = {"right": 0, "wrong": 0, "other": 0}
        self.answer_skipped = 0
        ids = list(range(1, n + 1))
        random.Random(n).shuffle(ids)
        self.free = iter(ids)  # each learner is measured once per run: a first touch, as in real traffic
        self.right_next = True

    async def timed(self, what: str, a: Actor, text: str) -> list:
        q = self.queries.n
        t = time.perf_counter()
        replies = await self.core.handle_text(a, text)
        self.times[what].append((time.perf_counter() - t) * 1000)
        self.statements[what] += self.queries.n - q
        if "something went wrong" in replies[0].text:
            raise SystemExit(f"{what} failed for {a.user_id}: the core logged an error")
        return replies

    async def open_prompt(self, a: Actor):
        """Open a question for the learner, as they would: /next, and /done when it shows a lesson."""
        catalog = self.core.catalog
        await self.core.handle_text(a, "/next")
        for _ in range(3):
            learner = await self.repo.find_learner(PLATFORM, a.user_id)
            if learner.lesson_unit:
                await self.core.handle_text(a, "/done")
                continue
            if learner.open_prompt and catalog.prompt_by_id[learner.open_prompt].answer.kind != "self":
                return as_asked(catalog.prompt_by_id[learner.open_prompt], learner).prompt  # a template's numbers
            if learner.open_prompt:
                await self.core.handle_text(a, "/skip")
                continue
            return None  # the whole track is done
        return None

    async def round(self, samples: int) -> None:
        for _ in range(samples):
            await self.timed("next", actor(next(self.free)), "/next")
        done = 0
        while done < samples:
            a = actor(next(self.free))
            prompt = await self.open_prompt(a)
            if prompt is None:
                self.answer_skipped += 1
                continue
            right = self.right_next
            self.right_next = not right
            text = prompt.answer.value if right else wrong_answer(prompt)
            replies = await self.timed("answer", a, f"/answer {text}")
            key = "right" if "Right!" in replies[0].text else "wrong" if "Not quite" in replies[0].text else "other"
            self.verdicts[key] += 1
            done += 1
        for _ in range(samples):
            await self.timed("progress", actor(next(self.free)), "/progress")

    def figures(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for what, xs in self.times.items():
            out[f"{what}_p50_ms_{self.label}"] = round(statistics.median(xs), 3)
            out[f"{what}_p99_ms_{self.label}"] = round(percentile(xs, 99), 3)
            out[f"{what}_sql_per_call_{self.label}"] = round(self.statements[what] / len(xs), 1)
        return out


def file_mb(path: str) -> float:
    return os.path.getsize(path) / 1e6


def wrong_answer(prompt) -> str:
    a = prompt.answer
    if prompt.mistakes:
        return prompt.mistakes[0].answer
    if a.kind == "choice":
        return next(o for o in a.options if o != a.value)
    return "12345"


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=100_000, help="the large size")
    ap.add_argument("--small", type=int, default=10_000, help="the small size")
    ap.add_argument("--samples", type=int, default=2000, help="timed calls per command and size")
    ap.add_argument("--rounds", type=int, default=4, help="alternations between the sizes")
    args = ap.parse_args()
    catalog = load_catalog(ROOT / "content")
    warm_up()
    big, small = args.learners, args.small
    label = {small: f"{small // 1000}k" if small % 1000 == 0 else str(small),
             big: f"{big // 1000}k" if big % 1000 == 0 else str(big)}
    per_round = max(1, args.samples // args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        sizes = []
        for n in (small, big):
            url = f"sqlite+aiosqlite:///{tmp}/core-{n}.sqlite3"
            t = time.perf_counter()
            counts = await seed(url, n, catalog)
            size_mb = file_mb(f"{tmp}/core-{n}.sqlite3")
            print(f"seeded {n:,} learners in {time.perf_counter() - t:.1f}s ({size_mb:.0f} MB): "
                  + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
            sizes.append(Size(label[n], n, url, catalog))
        for r in range(args.rounds):
            for s in sizes:
                t = time.perf_counter()
                await s.round(per_round)
                print(f"round {r + 1}/{args.rounds} {s.label}: {time.perf_counter() - t:.1f}s", flush=True)
        figures: dict[str, float | int | bool] = {}
        for s in sizes:
            f = s.figures()
            figures |= f
            print(f"{s.label:>5} learners: " + "  ".join(
                f"/{w} p50 {f[f'{w}_p50_ms_{s.label}']:.2f} ms p99 {f[f'{w}_p99_ms_{s.label}']:.2f} ms "
                f"({f[f'{w}_sql_per_call_{s.label}']} SQL)" for w in ("next", "answer", "progress")))
            print(f"       answers: {s.verdicts}, learners with nothing left to answer: {s.answer_skipped}")
            await s.engine.dispose()
    lo, hi = label[small], label[big]
    for w in ("next", "answer", "progress"):
        figures[f"{w}_p99_ratio_{hi}_{lo}"] = round(figures[f"{w}_p99_ms_{hi}"] / figures[f"{w}_p99_ms_{lo}"], 2)
    figures["samples_per_command"] = per_round * args.rounds
    figures["next_target_met"] = figures[f"next_p99_ms_{hi}"] < 5
    figures["scaling_target_met"] = all(figures[f"{w}_p99_ratio_{hi}_{lo}"] <= 2 for w in ("next", "answer", "progress"))
    print("(/progress excludes drawing the chart: the adapters render it)")
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
