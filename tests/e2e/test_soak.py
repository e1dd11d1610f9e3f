"""A soak: 30 simulated days, 1,000 learners studying at random, daily reminders, on a real Core and SQLite.

The learners live in ``SOAK_SHARDS`` (default 2) independent worlds, each its own database, clock and
challenge group, run as separate tests so that test workers share them; each world is recounted in full.

Time is a FakeClock moved in 15-minute steps (every zone's offset is a multiple of 15 minutes, so every
reminder instant is a step, daylight-saving gaps included: America/New_York and America/St_Johns change on
8 March 2026, Europe/Berlin on 29 March). At each step the ReminderService sweeps (a RecordingMessenger per
platform stands for Telegram and Discord), then the learners whose session starts then study: ``/next``,
Done (or Practice, or Skip) on lessons, answers right and wrong (typed, choice buttons, self-graded),
hints, solutions, unreadable answers, and sometimes a tap on the reminder they just got (its prompt's
button, Snooze, Next). Some learners change zone, pause reminders, or block the bot.

The test keeps its own log of what each learner did and what that must mean, and at the end recounts,
independently of the bot's code: the attempts (against the attempts table), the study days (against the
study_days table), each learner's current and best streak (one missed day a week bridged), units done
(lesson done + 3 different prompts right, or skipped; against unit_progress), accuracy — all compared with
each learner's ``/progress`` — and the reminders: exactly one daily reminder per learner and local day
when one is due (none when paused, none when they already studied unless they chose "nice", none after they
blocked the bot), never two dailies on one day, and each Snooze answered an hour later.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.content.loader import load_catalog
from bot.core.challenges import posted
from bot.core.learning import daily_instance
from bot.core.model import Actor, Reply
from bot.core.reminders import ReminderService

try:  # study challenges (bot/core/challenges.py)
    from bot.core import challenges
except ImportError:  # pragma: no cover - the soak runs without them
    challenges = None
from bot.core.service import Core
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository
from bot.storage.tables import attempts, study_days, unit_progress
from tests.support import FIXTURE_CONTENT, ROOT, FakeClock
from tests.support.conversation import asked
from tests.support.fakes import RecordingMessenger

LEARNERS = int(os.environ.get("SOAK_LEARNERS", "1000"))  # in all worlds together
SHARDS = int(os.environ.get("SOAK_SHARDS", "2"))
DAYS = 30
STEP = timedelta(minutes=15)
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns",
         "Asia/Tokyo")
# (chance to study on a given day, share of learners): most learners study now and then, a few most days
ACTIVITY = ((0.03, 0.35), (0.1, 0.3), (0.25, 0.2), (0.5, 0.15))
UNIT_GOAL = 3  # the README's rule: a unit is complete with 3 different prompts right (all if fewer)
FREEZE_GAP = 7  # one missed day bridged in any 7 days
# The challenge: a Telegram group, 4 days of posts at 19:00 Berlin across the switch to summer time (29 March).
GROUP = "-100500"
CHALLENGE_DAYS = 4
CHALLENGE_START = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)  # the organiser's /challenge start
POINTS, FIRST, RUN, RUN_MAX, PRACTICE = 10, (5, 3, 1), 2, 10, 2  # the scoring rules, as the README states them


# ---------------------------------------------------------------- the independent recount


def streak_on(days: set[date], today: date) -> int:
    """Studied days in the chain that ends today (or yesterday, while today is open); a single missed day
    is bridged when the day before it was studied and no other bridged day is within 7 days of it."""
    d = today if today in days else today - timedelta(days=1)
    count, bridged = 0, None
    while True:
        if d in days:
            count += 1
        elif ((count or d == today - timedelta(days=1)) and d - timedelta(days=1) in days
              and (bridged is None or (bridged - d).days >= FREEZE_GAP)):
            bridged = d
        else:
            return count
        d -= timedelta(days=1)


def best_streak(days: set[date]) -> int:
    """The longest streak ever shown: the streak at the end of each studied day, at its best."""
    return max((streak_on({x for x in days if x <= t}, t) for t in days), default=0)


@dataclass
class Person:
    n: int
    actor: Actor
    zone: str
    activity: float
    remind: str | None = None  # HH:MM local
    nice: bool = False
    reactive: float = 0.0  # chance to tap the reminder they just got
    paused_until: date | None = None  # local date reminders resume
    blocked_from: datetime | None = None
    new_zone: tuple[datetime, str] | None = None
    # the log
    attempts: list[tuple[datetime, str, bool, str]] = field(default_factory=list)  # (at, prompt, correct, how)
    study: set[date] = field(default_factory=set)  # local dates with study
    study_times: list[datetime] = field(default_factory=list)  # instants of study (lesson done, answers)
    lessons: dict[str, datetime] = field(default_factory=dict)  # unit -> lesson done (Done or Practice)
    skipped_units: set[str] = field(default_factory=set)
    snoozes: list[datetime] = field(default_factory=list)  # when Snooze was pressed (a reminder promised at +1h)
    reminders: list[tuple[datetime, str, bool]] = field(default_factory=list)  # (sent at, kind, a nice-work note)
    unreadable: int = 0
    open_tries: tuple[str, list[str]] | None = None  # the open question's wrong tries, as this model counts

    def tries_at(self, prompt_id: str) -> list[str]:
        return self.open_tries[1] if self.open_tries and self.open_tries[0] == prompt_id else []

    def zone_at(self, at: datetime) -> str:
        return self.new_zone[1] if self.new_zone and at >= self.new_zone[0] else self.zone

    def local(self, at: datetime) -> date:
        return at.astimezone(ZoneInfo(self.zone_at(at))).date()

    def studied(self, at: datetime) -> None:
        self.study.add(self.local(at))
        self.study_times.append(at)


class Soak:
    def __init__(self, core: Core, people: list[Person], clock: FakeClock, messengers: dict[str, RecordingMessenger],
                 shard: int = 0):
        self.core, self.people, self.clock, self.messengers = core, people, clock, messengers
        self.catalog = core.catalog
        self.by_chat = {(p.actor.platform, p.actor.chat_id): p for p in people}
        self.calls = 0
        self.rng = random.Random(11 + shard)
        self.organiser: Person | None = None
        self.members: list[Person] = []
        self.joined: dict[int, datetime] = {}  # person -> joined at
        self.posts: dict[int, tuple[datetime, list[str]]] = {}  # day -> (posted at, its buttons)
        self.day_prompts: dict[int, str] = {}
        self.day_asked: dict[int, Any] = {}
        self.answers_due: dict[datetime, list[tuple[Person, int]]] = defaultdict(list)
        self.counted: dict[tuple[int, int], tuple[datetime, bool]] = {}  # (person, day) -> (answered at, right)
        self.post_instants: dict[int, datetime] = {}  # day -> post instant (the model's own computation)
        self.challenge_end = START

    async def say(self, p: Person, text: str) -> list[Reply]:
        self.calls += 1
        replies = await self.core.handle_text(p.actor, text)
        assert replies and not any("went wrong" in r.text for r in replies), (p.n, text, replies)
        return replies

    async def press(self, p: Person, action: str, actor: Actor | None = None) -> list[Reply]:
        self.calls += 1
        replies = await self.core.press(actor or p.actor, action)
        assert replies and not any("went wrong" in r.text for r in replies), (p.n, action, replies)
        return replies

    # ------------------------------------------------------------ the challenge

    def group_actor(self, p: Person) -> Actor:
        return Actor("telegram", p.actor.user_id, p.actor.display_name, chat_id=GROUP, is_private=False,
                     is_admin=p is self.organiser, guild_id=GROUP)

    async def challenge_post(self, reply: Reply, t: datetime) -> None:
        """A post arrived in the group: members answer it at random times of its day (a few late, a few twice)."""
        actions = [b.action for b in reply.all_buttons]
        ref = next((a for a in actions if a.startswith(("cc:", "ca:"))), None)
        if ref is None:
            return  # the final results
        _, cid, day, *_ = ref.split(":")
        self.posts[int(day)] = (t, actions)
        post = await self.core.repo.challenge_post(int(cid), int(day))  # which prompt the post shows
        self.day_prompts[int(day)] = post.prompt_id
        ch = await self.core.repo.get_challenge(int(cid))  # and with which numbers (a template's)
        self.day_asked[int(day)] = posted(self.catalog.prompt_by_id[post.prompt_id], ch, int(day)).prompt
        for p in self.members:
            if self.rng.random() < 0.8:
                at = t + STEP * self.rng.randrange(1, 96 + (8 if self.rng.random() < 0.1 else 0))
                self.answers_due[at].append((p, int(day)))
                if self.rng.random() < 0.05:
                    self.answers_due[at + STEP].append((p, int(day)))

    async def challenge_answer(self, p: Person, day: int) -> None:
        posted_at, actions = self.posts[day]
        now = self.clock()
        closes = self.post_instants[day + 1] if day < CHALLENGE_DAYS else self.challenge_end
        right = self.rng.random() < 0.7
        choice = [a for a in actions if a.startswith("cc:")]
        if choice:
            pid = self.day_prompts[day]
            k = self.day_asked[day].answer.options.index(self.day_asked[day].answer.value)
            n = len(choice)
            replies = await self.press(p, choice[k if right else (k + 1) % n], self.group_actor(p))
        else:
            pid = self.day_prompts[day]
            prompt = self.day_asked[day]
            right = right or not prompt.mistakes
            text = prompt.answer.value if right else prompt.mistakes[0].answer
            self.calls += 1
            ref = next(a for a in actions if a.startswith("ca:"))
            replies = await self.core.answer_to(self.group_actor(p), ref, text)
        counted = now < closes and (p.n, day) not in self.counted
        text = replies[0].text
        if counted:
            assert ("Right!" in text) == right and ("Not quite" in text) != right, (p.n, day, right, text[:200])
            self.counted[(p.n, day)] = (now, right)
            p.attempts.append((now, pid, right, "challenge"))
            p.studied(now)
        else:
            assert "Right!" not in text and "Not quite" not in text, (p.n, day, text[:200])

    def answered(self, p: Person, prompt_id: str, correct: bool, replies: list[Reply], source: str = "",
                 wrong: str = "") -> None:
        """An answer and what it must have said: right closes the question; a wrong try (``wrong``: what was
        tried) leaves it open, unless it was the third, or left one option; a solution or a grade closes it."""
        now = self.clock()
        text = replies[-1].text
        tries = p.tries_at(prompt_id)
        if correct or not wrong:
            closes = True
        else:
            tries = [*tries, wrong]
            a = self.catalog.prompt_by_id[prompt_id].answer
            closes = len(tries) >= 3 or (a.kind == "choice" and len(a.options) - len(tries) <= 1)
        expect = "✅ Right" if correct else "worked solution" if source == "solution" else "Not quite this time" \
            if source == "self" else "your last try" if closes else "Not quite yet"
        assert expect in text and ("✅ Right" in text) == correct, (p.n, prompt_id, correct, tries, text[:200])
        p.open_tries = None if closes else (prompt_id, tries)
        p.attempts.append((now, prompt_id, correct, source))
        p.studied(now)

    def wrong_try(self, p: Person, prompt) -> str | None:
        """A wrong answer not tried yet at this question: another option, or a listed mistake; None: none left."""
        a, tried = prompt.answer, p.tries_at(prompt.id)
        if a.kind == "choice":
            return next((str(i) for i, o in enumerate(a.options) if o != a.value and str(i) not in tried), None)
        return next((m.answer for m in prompt.mistakes if m.answer not in tried), None)

    async def study_step(self, p: Person) -> None:
        """One thing a studying learner does next, decided from what is open (what their chat shows)."""
        rng, now = self.rng, self.clock()
        learner = await self.core.repo.find_learner(p.actor.platform, p.actor.user_id)
        if learner is not None and learner.lesson_unit:
            unit = learner.lesson_unit
            r = rng.random()
            if r < 0.85:
                await self.press(p, f"d:{unit}")
                p.lessons.setdefault(unit, now)
                p.studied(now)
            elif r < 0.93:
                await self.press(p, f"p:{unit}")
                p.lessons.setdefault(unit, now)
            else:
                await self.say(p, "/skip")
                p.skipped_units.add(unit)
            return
        prompt = asked(self.catalog, learner) if learner and learner.open_prompt else None
        if prompt is None:
            await self.say(p, "/next")
            return
        a, r = prompt.answer, rng.random()
        if a.kind == "self":
            replies = await self.say(p, "/solution")
            grade = r < 0.7
            replies = await self.press(p, f"g:{prompt.id}:{int(grade)}")
            self.answered(p, prompt.id, grade, replies, "self")
        elif r < 0.05:
            replies = await self.say(p, "/solution")
            self.answered(p, prompt.id, False, replies, "solution")
        elif r < 0.09:
            before = await self._rows(p)
            replies = await self.say(p, "/answer this is not maths ¿")
            if a.kind != "choice":
                assert "couldn't read" in replies[0].text.lower() or "read" in replies[0].text, replies[0].text
                assert await self._rows(p) == before, "an unreadable answer changed stored data"
                p.unreadable += 1
            else:  # not one of the options: never a try either
                assert "not one of the options" in replies[0].text, replies[0].text
                assert await self._rows(p) == before, "an unreadable choice changed stored data"
                p.unreadable += 1
        elif r < 0.12:
            await self.say(p, "/hint")
            await self._answer(p, prompt, rng.random() < 0.8)
        else:
            await self._answer(p, prompt, rng.random() < 0.72)

    async def _answer(self, p: Person, prompt, right: bool) -> None:
        a = prompt.answer
        wrong = None if right else self.wrong_try(p, prompt)
        right = wrong is None
        if a.kind == "choice":
            pick = a.options.index(a.value) if right else int(wrong)
            replies = await self.press(p, f"c:{prompt.id}:{pick}")
        else:
            replies = await self.say(p, a.value if right else wrong)
        self.answered(p, prompt.id, right, replies, wrong=wrong or "")

    async def _rows(self, p: Person) -> tuple:
        repo = self.core.repo
        learner = await repo.find_learner(p.actor.platform, p.actor.user_id)
        async with repo.engine.connect() as conn:
            a = (await conn.execute(select(attempts).where(attempts.c.learner_id == learner.id))).all()
            s = (await conn.execute(select(study_days).where(study_days.c.learner_id == learner.id))).all()
        return learner, sorted(map(tuple, a)), sorted(map(tuple, s))

    async def react(self, p: Person, reply: Reply) -> None:
        """A tap on the reminder just received: its prompt's button, Snooze 1h, or Next."""
        actions = [b.action for b in reply.all_buttons]
        choice = [x for x in actions if x.startswith("c:")]
        r = self.rng.random()
        if choice and r < 0.6:
            pid = choice[0].split(":")[1]
            learner = await self.core.repo.find_learner(p.actor.platform, p.actor.user_id)
            if learner.open_prompt != pid:  # the tap opens today's prompt afresh, with the day's numbers
                p.open_tries = None
                prompt = daily_instance(self.catalog.prompt_by_id[pid], learner.id, learner.daily_date).prompt
            else:  # the reminder shows the open question as it was asked
                prompt = asked(self.catalog, learner)
            wrong = None if self.rng.random() < 0.7 else self.wrong_try(p, prompt)
            pick = prompt.answer.options.index(prompt.answer.value) if wrong is None else int(wrong)
            replies = await self.press(p, f"c:{pid}:{pick}")
            self.answered(p, pid, wrong is None, replies, wrong=wrong or "")
        elif any(x.startswith("z:") for x in actions) and r < 0.75:  # a snoozed reminder can be snoozed again
            replies = await self.press(p, next(x for x in actions if x.startswith("z:")))
            assert "Snoozed" in replies[0].text
            p.snoozes.append(self.clock())
        elif "n" in actions:
            await self.press(p, "n")


def plan(people: list[Person], rng: random.Random) -> dict[datetime, list[Person]]:
    """Who starts a study session at which step: random days, a random local time of day."""
    sessions: dict[datetime, list[Person]] = defaultdict(list)
    for p in people:
        for day in range(DAYS):
            if rng.random() >= p.activity:
                continue
            local = datetime(2026, 3, 1, tzinfo=ZoneInfo(p.zone)) + timedelta(days=day, minutes=15 * rng.randrange(96))
            at = local.astimezone(UTC)
            at -= timedelta(minutes=at.minute % 15, seconds=at.second)
            for _ in range(rng.choice((1, 1, 2))):
                sessions[at].append(p)
    return sessions


def people(rng: random.Random, shard: int = 0) -> list[Person]:
    """The learners of one world: its block of the numbers 0 .. LEARNERS - 1 (both platforms in each)."""
    out = []
    size = -(-LEARNERS // SHARDS)
    for n in range(shard * size, min(LEARNERS, (shard + 1) * size)):
        platform = "telegram" if n % 2 else "discord"
        actor = Actor(platform, str(10_000 + n), f"Learner {n}", chat_id=str(10_000 + n))
        activity = rng.choices([a for a, _ in ACTIVITY], [w for _, w in ACTIVITY])[0]
        p = Person(n, actor, rng.choice(ZONES), activity)
        if rng.random() < 0.5:
            p.remind = "02:30" if p.zone == "America/New_York" and n % 7 == 0 else \
                rng.choice(("07:00", "07:30", "19:00", "21:45", "00:00"))
            p.nice = rng.random() < 0.3
            p.reactive = rng.choice((0.0, 0.0, 0.05, 0.25))
        out.append(p)
    return out


# ---------------------------------------------------------------- the run


@pytest.fixture(params=range(SHARDS), ids=lambda k: f"world{k + 1}of{SHARDS}")
async def soak(request, tmp_path):
    shard = request.param
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'soak.sqlite3'}")
    await migrate(engine)
    clock = FakeClock(START)
    core = Core(load_catalog(ROOT / "content"), SqlRepository(engine), clock)
    rng = random.Random(2026 + shard)
    ps = people(rng, shard)
    messengers = {"telegram": RecordingMessenger(), "discord": RecordingMessenger()}
    yield Soak(core, ps, clock, messengers, shard), rng
    await engine.dispose()


async def test_thirty_days_of_a_thousand_learners(soak):
    s, rng = soak
    started = time.perf_counter()
    core, ps, clock = s.core, s.people, s.clock
    service = ReminderService(core.catalog, core.repo, clock, s.messengers, rates={}, grace_minutes=60)
    # day 0: reminders and zones; a few learners change zone later, pause, or block the bot
    for p in ps:
        if p.remind:
            await s.say(p, f"/remind {p.remind} {p.zone} {'nice' if p.nice else 'skip'}")
        else:
            await s.say(p, f"/timezone {p.zone}")
    with_reminders = [p for p in ps if p.remind]
    for p in with_reminders[:10]:
        p.new_zone = (START + timedelta(days=12, hours=rng.randrange(24)), "Pacific/Chatham")  # +13:45, DST
    for p in with_reminders[10:20]:
        p.paused_until = (START + timedelta(days=5)).date()  # set on day 2 (below), 3 days
    for p in with_reminders[20:25]:
        p.blocked_from = START + timedelta(days=8)
    sessions = plan(ps, rng)
    events: dict[datetime, list[Person]] = defaultdict(list)  # zone changes, pauses, blocks
    for p in ps:
        for at in (p.blocked_from, p.new_zone and p.new_zone[0], p.paused_until and START + timedelta(days=2)):
            if at:
                events[at].append(p)
    # Sweeps at every instant a reminder is due by the learners' settings (the model's own computation), and
    # every hour besides: a reminder the bot scheduled at another instant would go out late, and be caught.
    sweeps = {START + timedelta(hours=h) for h in range(DAYS * 24)}
    for p in ps:
        if p.remind:
            day = p.local(START) - timedelta(days=1)
            while day <= p.local(START + timedelta(days=DAYS)):
                sweeps.add(reminder_instant(p, day) or START)
                day += timedelta(days=1)
    challenge_service = challenge_sweeps = None
    if challenges is not None and "challenge" in core.registry.names():
        challenge_service = challenges.ChallengeService(core.catalog, core.repo, clock, s.messengers, rates={})
        s.organiser = next(p for p in ps if p.actor.platform == "telegram" and not p.blocked_from)
        candidates = [p for p in ps if p.actor.platform == "telegram" and not p.blocked_from and p is not s.organiser]
        early, late = candidates[:35], candidates[35:42]
        berlin = ZoneInfo("Europe/Berlin")
        s.post_instants = {d: datetime(2026, 3, 25 + d, 19, 0, tzinfo=berlin).astimezone(UTC)
                           for d in range(1, CHALLENGE_DAYS + 1)}
        s.challenge_end = datetime(2026, 3, 26 + CHALLENGE_DAYS, 19, 0, tzinfo=berlin).astimezone(UTC)
        challenge_sweeps = set(s.post_instants.values()) | {s.challenge_end}
        events[CHALLENGE_START].append(s.organiser)
        for p in early:
            events[CHALLENGE_START + timedelta(hours=1)].append(p)
        for p in late:
            events[s.post_instants[2] + timedelta(hours=2)].append(p)
    sent_seen = {k: 0 for k in s.messengers}
    sweep_s, n_sweeps = 0.0, 0
    t = START
    end = START + timedelta(days=DAYS)
    while t < end:
        clock.set(t)
        for p in events.get(t, ()):
            if p.blocked_from == t:
                s.messengers[p.actor.platform].unreachable.add(p.actor.chat_id)
            if p.new_zone and p.new_zone[0] == t:
                await s.say(p, f"/timezone {p.new_zone[1]}")
            if p.paused_until and t == START + timedelta(days=2):
                await s.say(p, "/pause 3")
                p.paused_until = p.local(t) + timedelta(days=3)
            if challenge_service is not None and t == CHALLENGE_START and p is s.organiser:
                s.calls += 1
                reply = (await core.handle_text(s.group_actor(p), "/challenge start all 4 19:00 Europe/Berlin"))[0]
                assert "New study challenge" in reply.text, reply.text
            elif challenge_service is not None and t >= CHALLENGE_START + timedelta(hours=1) and \
                    p is not s.organiser and p.n not in s.joined:
                s.calls += 1
                reply = (await core.handle_text(s.group_actor(p), "/challenge join"))[0]
                assert "You're in" in reply.text, reply.text
                s.joined[p.n] = t
                s.members.append(p)
        if challenge_sweeps and t in challenge_sweeps:
            await challenge_service.sweep(t)
        if t in sweeps:
            t0 = time.perf_counter()
            await service.sweep(t)
            sweep_s, n_sweeps = sweep_s + time.perf_counter() - t0, n_sweeps + 1
        for platform, m in s.messengers.items():
            for dest, reply in m.sent[sent_seen[platform]:]:
                if dest.chat_id == GROUP:
                    await s.challenge_post(reply, t)
                    continue
                p = s.by_chat[(platform, dest.chat_id)]
                kind = "snooze" if t - timedelta(hours=1) in p.snoozes else "daily"
                p.reminders.append((t, kind, reply.text.startswith("✨ Nice work")))
                if p.reactive and rng.random() < p.reactive:
                    await s.react(p, reply)
                    if p.snoozes and p.snoozes[-1] == t:
                        sweeps.add(t + timedelta(hours=1))
            sent_seen[platform] = len(m.sent)
        for p, day in s.answers_due.pop(t, ()):
            await s.challenge_answer(p, day)
        for p in sessions.get(t, ()):
            if p.blocked_from is None or t < p.blocked_from:
                await s.study_step(p)
        t += STEP
    simulated = time.perf_counter() - started
    await check(s)
    if challenge_service is not None:
        await check_challenge(s)
    else:
        print("the challenge part is not in this soak: bot/core/challenges.py has no registered commands")
    elapsed = time.perf_counter() - started
    print(f"\nsoak: {len(ps)} learners x {DAYS} days: {s.calls} core calls, "
          f"{sum(len(m.sent) for m in s.messengers.values())} reminders, simulated in {simulated:.1f}s "
          f"({n_sweeps} sweeps: {sweep_s:.1f}s), "
          f"checked in {elapsed - simulated:.1f}s")
    assert elapsed < 240, "the soak must stay fast (about a minute on a quiet 2-core machine)"


# ---------------------------------------------------------------- the checks


def units_done(s: Soak, p: Person) -> set[str]:
    """Recount, from the log: skipped units, and units whose lesson was done and that then got a right answer
    bringing its different right prompts to the goal (earlier right answers count towards the goal)."""
    done = set(p.skipped_units)
    right: dict[str, set[str]] = defaultdict(set)
    for at, pid, correct, how in sorted(p.attempts):
        unit = s.catalog.unit_of_prompt[pid]
        if not correct:
            continue
        right[unit].add(pid)
        goal = min(UNIT_GOAL, len(s.catalog.unit_by_id[unit].prompts))
        # a challenge post's answer counts towards a unit, but only one's own practice completes it
        if how != "challenge" and unit in p.lessons and p.lessons[unit] <= at and len(right[unit]) >= goal:
            done.add(unit)
    return done


async def check(s: Soak) -> None:
    repo = s.core.repo
    problems: list[str] = []
    async with repo.engine.connect() as conn:
        rows_attempts = defaultdict(list)
        for r in await conn.execute(select(attempts)):
            rows_attempts[r.learner_id].append((r.at, r.prompt_id, r.correct, r.source))
        rows_days = defaultdict(set)
        for r in await conn.execute(select(study_days)):
            rows_days[r.learner_id].add(r.day)
        rows_units = defaultdict(dict)
        for r in await conn.execute(select(unit_progress)):
            rows_units[r.learner_id][r.unit_id] = r.status
    totals: Counter = Counter()
    for p in s.people:
        learner = await repo.find_learner(p.actor.platform, p.actor.user_id)
        me = f"learner {p.n} ({p.zone})"
        # attempts and study days, as logged
        mine = sorted((at, pid, correct) for at, pid, correct, _ in p.attempts)
        stored = sorted((at, pid, correct) for at, pid, correct, src in rows_attempts[learner.id] if src != "skip")
        if mine != stored:
            problems.append(f"{me}: attempts differ: logged {len(mine)}, stored {len(stored)}")
        if p.study != rows_days[learner.id]:
            problems.append(f"{me}: study days differ: logged-only {sorted(p.study - rows_days[learner.id])}, "
                            f"stored-only {sorted(rows_days[learner.id] - p.study)}")
        # units
        done = units_done(s, p)
        closed = {u for u, st in rows_units[learner.id].items() if st in ("done", "skipped")}
        if done != closed:
            problems.append(f"{me}: units done differ: recount-only {sorted(done - closed)}, "
                            f"stored-only {sorted(closed - done)}")
        # what /progress says
        text = next(r.text for r in await s.say(p, "/progress") if "Progress of" in r.text)
        today = p.local(s.clock())
        streak = int(re.search(r"Streak: \*\*(\d+)\*\*", text).group(1))
        best = int(re.search(r"Best streak: (\d+)", text).group(1))
        units = int(re.search(r"Units: (\d+)/", text).group(1))
        if streak != streak_on(p.study, today):
            problems.append(f"{me}: streak {streak}, recount {streak_on(p.study, today)} (days {sorted(p.study)})")
        if best != best_streak(p.study):
            problems.append(f"{me}: best streak {best}, recount {best_streak(p.study)} (days {sorted(p.study)})")
        if units != len(done):
            problems.append(f"{me}: /progress says {units} units, recount {len(done)}")
        answered = len(p.attempts)
        acc = re.search(r"Accuracy: (\d+)% of (\d+)", text)
        if answered:
            right = sum(1 for a in p.attempts if a[2])
            if acc is None or int(acc.group(2)) != answered or int(acc.group(1)) != round(100 * right / answered):
                problems.append(f"{me}: accuracy line {acc and acc.group(0)!r}, recount {right}/{answered}")
        elif "no answers yet" not in text:
            problems.append(f"{me}: /progress shows answers that were never given")
        # reminders: one daily per local day at most; exactly the due dailies and snoozes
        dailies = Counter(p.local(at) for at, k, _ in p.reminders if k == "daily")
        twice = [day for day, n in dailies.items() if n > 1]  # (each snooze is checked on its own instant)
        if twice:
            problems.append(f"{me}: two daily reminders on {twice}")
        problems += reminder_problems(s, p, me, learner)
        totals["attempts"] += answered
        totals["study days"] += len(p.study)
        totals["units"] += len(done)
        totals["reminders"] += len(p.reminders)
        totals["streak>=5"] += streak >= 5
    print(f"soak recount: {dict(totals)}")
    assert not problems, f"{len(problems)} mismatches, e.g.:\n" + "\n".join(problems[:15])


def reminder_problems(s: Soak, p: Person, me: str, learner) -> list[str]:
    """The reminders sent against the ones due: every local day at the reminder time (a daylight-saving gap
    moves it to the first minute after the jump), and an hour after each Snooze; none while paused or after
    blocking the bot; none on a day already studied before it, or a short nice-work note in "nice" mode."""
    if not p.remind:
        return [f"{me}: got reminders without asking"] if p.reminders else []
    due: list[tuple[datetime, str]] = [(at + timedelta(hours=1), "snooze") for at in p.snoozes]
    day = p.local(START) - timedelta(days=1)
    while day <= p.local(s.clock()):
        at = reminder_instant(p, day)
        if at is not None and START < at <= s.clock():
            due.append((at, "daily"))
        day += timedelta(days=1)
    sent = {(at, kind): nice for at, kind, nice in p.reminders}
    out = []
    for at, kind in sorted(due):
        if at > s.clock() or (p.new_zone and abs((at - p.new_zone[0]).total_seconds()) < 86400):
            continue  # the day of a zone change may have its reminder in either zone: not counted
        studied = any(p.local(x) == p.local(at) and x < at for x in p.study_times)
        blocked = p.blocked_from is not None and at >= p.blocked_from
        paused = p.paused_until is not None and at >= START + timedelta(days=2) and p.local(at) < p.paused_until
        expected = not (blocked or paused or (studied and not p.nice))
        what = f"{kind} reminder at {at:%d %b %H:%M} UTC ({p.remind} {p.zone_at(at)})"
        if expected and (at, kind) not in sent:
            out.append(f"{me}: no {what}")
        elif not expected and (at, kind) in sent:
            out.append(f"{me}: a {what} that should not go ({'blocked' if blocked else 'paused' if paused else 'studied'})")
        elif expected and sent[(at, kind)] != studied:
            out.append(f"{me}: the {what} should {'' if studied else 'not '}be a nice-work note")
    unexpected = {(at, kind) for at, kind in set(sent) - set(due)
                  if not (p.new_zone and abs((at - p.new_zone[0]).total_seconds()) < 86400)}
    if unexpected:
        out.append(f"{me}: reminders nobody asked for at {sorted(at for at, _ in unexpected)}")
    if p.blocked_from is not None and not learner.unreachable:
        out.append(f"{me}: blocked the bot but is not marked unreachable")
    return out


def reminder_instant(p: Person, day: date) -> datetime | None:
    """The UTC instant of the reminder time on a local date, in the zone in effect at that instant (after a
    zone change, the new zone's; before it, the old one's); a wall time skipped by a clock change moves to
    the first minute after the jump."""
    if p.new_zone:
        at = _wall_instant(p.remind, day, ZoneInfo(p.new_zone[1]))
        if at is not None and at >= p.new_zone[0]:
            return at
    return _wall_instant(p.remind, day, ZoneInfo(p.zone))


def _wall_instant(hhmm: str, day: date, zone: ZoneInfo) -> datetime | None:
    h, m = map(int, hhmm.split(":"))
    wall = datetime(day.year, day.month, day.day, h, m)
    for minutes in range(0, 180, 15):
        candidate = (wall + timedelta(minutes=minutes)).replace(tzinfo=zone)
        back = candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back == wall + timedelta(minutes=minutes):
            return candidate.astimezone(UTC)
    return None


async def check_challenge(s: Soak) -> None:
    """Each member's points, recounted from the log by the README's rules, against /leaderboard."""
    ids = {p.n: (await s.core.repo.find_learner(p.actor.platform, p.actor.user_id)).id for p in s.members}
    rights: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)  # day -> (at, learner id, person)
    for (n, day), (at, right) in s.counted.items():
        if right:
            rights[day].append((at, ids[n], n))
    place = {(n, day): i for day, rs in rights.items() for i, (_, _, n) in enumerate(sorted(rs)[:len(FIRST)])}
    problems, shown = [], Counter()
    for p in s.members:
        points, run = 0, 0
        for day in range(1, CHALLENGE_DAYS + 1):
            answer = s.counted.get((p.n, day))
            if answer is None or not answer[1]:
                run = 0
                continue
            run += 1
            points += POINTS + (FIRST[place[(p.n, day)]] if (p.n, day) in place else 0) + min(RUN * (run - 1), RUN_MAX)
        practice = {pid for at, pid, correct, how in p.attempts
                    if correct and how != "challenge" and s.joined[p.n] <= at < s.challenge_end}
        points += PRACTICE * len(practice)
        s.calls += 1
        text = (await s.core.handle_text(s.group_actor(p), "/leaderboard"))[0].text
        m = re.search(r"\*\*You:\*\* #(\d+) of (\d+) — (\d+) point", text)
        if m is None or int(m.group(3)) != points or int(m.group(2)) != len(s.members):
            problems.append(f"member {p.n}: leaderboard {m and m.group(0)!r}, recount {points} points "
                            f"(days {[s.counted.get((p.n, d)) for d in range(1, CHALLENGE_DAYS + 1)]}, "
                            f"{len(practice)} practice prompts)")
        shown["points"] += points
        shown["answers"] += sum(1 for d in range(1, CHALLENGE_DAYS + 1) if (p.n, d) in s.counted)
    final = "final" in text
    print(f"challenge recount: {len(s.members)} members, {len(s.posts)} posts, {dict(shown)}, "
          f"leaderboard {'final' if final else 'not final'}")
    assert len(s.posts) == CHALLENGE_DAYS, f"posts on days {sorted(s.posts)}"
    assert final, "the challenge did not end"
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems[:10])


# ---------------------------------------------------------------- bugs the soak found (fixed since)


def test_the_best_streak_is_never_below_a_streak_once_shown():
    """Found by the soak: the best streak bridged missed days oldest-first, the current streak newest-first."""
    from bot.core import streaks

    days = {date(2026, 3, d) for d in (3, 5, 6, 7, 9, 10, 11, 12)}
    shown = streaks.compute(days, date(2026, 3, 12)).current  # what /progress said on 12 March
    assert shown == 7 == streak_on(days, date(2026, 3, 12))
    assert streaks.compute(days, date(2026, 3, 30)).best >= shown  # what it says on 30 March (it was 4)


async def test_a_second_snooze_on_one_day_arrives(tmp_path):
    """Found by the soak: a second snooze of a day was confirmed but never sent (one log row per day)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'snooze.sqlite3'}")
    await migrate(engine)
    clock = FakeClock(datetime(2026, 3, 10, 6, 0, tzinfo=UTC))
    core = Core(load_catalog(FIXTURE_CONTENT), SqlRepository(engine), clock)
    messenger = RecordingMessenger()
    service = ReminderService(core.catalog, core.repo, clock, {"telegram": messenger}, rates={})
    ann = Actor("telegram", "1", "Ann", chat_id="1")
    try:
        await core.handle_text(ann, "/remind 07:00 UTC")
        for hour in (7, 8, 9):
            clock.set(datetime(2026, 3, 10, hour, 0, tzinfo=UTC))
            await service.sweep(clock())
            assert len(messenger.sent) == hour - 6, f"no reminder at {hour}:00"
            replies = await core.press(ann, "z:2026-03-10")
            assert f"{hour + 1:02d}:00" in replies[0].text  # "Snoozed: I'll remind you again at ..."
    finally:
        await engine.dispose()
