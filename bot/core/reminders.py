"""Daily reminders: when each learner's next one is due, what it says, and the sweep that sends them.

The scheduler runs :meth:`ReminderService.sweep` every minute. Each learner's next reminder instant (UTC)
is a stored, indexed column, so a sweep reads only due learners, in batches. For each claimed learner
the storage writes a unique (learner, local date, kind) log row *before* sending, in the same transaction
that moves the learner's next instant to the next local day: a crash, a restart or a second process
never sends the same day's reminder twice. A crash between that commit and the send loses at most the
batch in flight (``batch_size`` learners).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.content.model import Prompt
from bot.core import learning, streaks
from bot.core.markup import esc
from bot.core.model import DEFAULT_TERMS, Button, Reply
from bot.core.ports import Destination, Learner, Messenger, RateLimited, UnitState, Unreachable, terms_of
from bot.core.service import zone

if TYPE_CHECKING:
    from bot.content.loader import Catalog

log = logging.getLogger(__name__)

SNOOZE = timedelta(hours=1)
STREAK_WINDOW_DAYS = 400


# ---------------------------------------------------------------- local time


def parse_hhmm(text: str) -> dtime:
    h, m = text.split(":")
    return dtime(int(h), int(m))


@lru_cache(maxsize=4096)
def next_instant(hhmm: str, tz_name: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` at which the local clock in ``tz_name`` shows ``hhmm``.

    On a day that wall time does not exist (the clocks jump over it), the reminder fires at the first
    valid minute after the jump; on a day it exists twice (clocks go back), at its first occurrence.
    """
    tz = zone(tz_name)
    at = parse_hhmm(hhmm)
    local_day = after.astimezone(tz).date()
    for offset in range(0, 3):
        day = local_day + timedelta(days=offset)
        instant = local_instant(day, at, tz_name)
        if instant > after:
            return instant
    raise AssertionError("unreachable: a local time recurs within three days")


def local_instant(day: date, at: dtime, tz_name: str) -> datetime:
    """The UTC instant of wall time ``at`` on local ``day``; gaps move forward, repeats take the first."""
    tz = zone(tz_name)
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first  # exists (the first occurrence if repeated)
    # a gap: find the first minute after the jump (scan the at most few hours between the two readings)
    lo, hi = min(first, second), max(first, second)
    t = lo.replace(second=0, microsecond=0)
    while t <= hi + timedelta(hours=3):
        if t.astimezone(tz).replace(tzinfo=None) >= wall:
            return t
        t += timedelta(minutes=1)
    return hi


# ---------------------------------------------------------------- what a sweep decides per learner


@dataclass(frozen=True)
class Decision:
    send: bool
    local_date: date  # the local date the reminder is for
    kind: str  # "daily", or "s" + the local HH:MM of a snoozed one (several snoozes a day each send once)
    next_at: datetime | None  # the following reminder instant
    why: str = ""  # sent / late / too-late / paused


def decide(learner: Learner, now: datetime, grace: timedelta) -> Decision:
    """For a learner whose ``reminder_next_at`` is due: send now or skip, and when the next one is."""
    due = learner.reminder_next_at or now
    tz = learner.timezone
    local_date = due.astimezone(zone(tz)).date()
    kind = f"s{due.astimezone(zone(tz)):%H:%M}" if learner.reminder_snoozed else "daily"
    nxt = next_instant(learner.reminder_time, tz, now) if learner.reminder_time else None
    if now - due > grace:
        return Decision(False, local_date, kind, nxt, "too-late")
    if learner.reminder_paused_until is not None and local_date < learner.reminder_paused_until:
        return Decision(False, local_date, kind, nxt, "paused")
    return Decision(True, local_date, kind, nxt, "late" if now - due > timedelta(minutes=2) else "on-time")


@dataclass(frozen=True)
class Claim:
    learner: Learner
    destination: Destination | None
    decision: Decision
    fresh: bool  # the log row was new: this process sends it


@dataclass
class LearnerContext:
    """What a reminder needs to know about one learner, read in bulk for a batch."""

    study_days: list[date] = field(default_factory=list)
    due_review: str | None = None
    states: dict[str, UnitState] = field(default_factory=dict)
    correct: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- today's prompt


def choose_daily(catalog: Catalog, learner: Learner, ctx: LearnerContext) -> Prompt | None:
    """A due review, else the next practice prompt of the current unit, preferring prompts marked daily."""
    if ctx.due_review and ctx.due_review in catalog.prompt_by_id:
        return catalog.prompt_by_id[ctx.due_review]
    unit = _current_unit_cached(catalog, ctx.states, learner.focus_topic)
    if unit is None:
        pool = [p for u in catalog.units for p in u.prompts if p.daily]
        return pool[(learner.id * 7919) % len(pool)] if pool else None
    pending = [p for p in unit.prompts if p.id not in ctx.correct]
    pool = pending or list(unit.prompts)
    daily = [p for p in pool if p.daily]
    return min(daily or pool, key=lambda p: (p.difficulty, unit.prompts.index(p)))


_UNIT_MEMO: dict[tuple, object] = {}


def _current_unit_cached(catalog: Catalog, states: dict[str, UnitState], focus: str | None):
    """learning.current_unit, memoised on (catalog, the learner's unit states, focus): many learners share them."""
    key = (id(catalog), focus, frozenset((u, st.status) for u, st in states.items()))
    if key not in _UNIT_MEMO:
        if len(_UNIT_MEMO) > 10_000:
            _UNIT_MEMO.clear()
        _UNIT_MEMO[key] = learning.current_unit(catalog, states, focus)
    return _UNIT_MEMO[key]


def streak_line(s: streaks.Streak) -> str:
    if s.today_done:
        return f"🔥 Streak: **{s.current}** day{'s' if s.current != 1 else ''} — today already counts. Nice work!"
    if s.current == 0:
        return "🌱 Start a streak today: one question is enough."
    days = f"{s.current}-day streak"
    if s.freeze_ready:
        return f"🔥 Your {days} goes on to {s.current + 1} if you study today (a missed day would use your weekly freeze)."
    return f"🔥 Study today to keep your {days}: your streak freeze is used this week."


def reminder_reply(catalog: Catalog, learner: Learner, s: streaks.Streak, prompt: Prompt | None,
                   snoozed: bool = False, questions: dict[tuple, Reply] | None = None, *, day: date,
                   how: str = DEFAULT_TERMS.answer) -> Reply:
    """The reminder of the learner's local date ``day``: its Snooze button works on that date only; ``how``:
    how to answer its question in the learner's private chat, in their platform's words."""
    head = "⏰ Snoozed reminder" if snoozed else f"☀️ Hi {esc(learner.display_name)}, time to study"
    if s.today_done:
        return Reply(f"{head}\n\n{streak_line(s)}", buttons=((learning.NEXT_BUTTON,),))
    parts = [head, "", streak_line(s)]
    rows: list[tuple[Button, ...]] = []
    if prompt is not None:
        key = (prompt.id, prompt.question, prompt.answer.options, how)  # a template's instances differ
        q = questions.get(key) if questions is not None else None
        if q is None:
            q = learning.question_reply(catalog, prompt, "daily", how=how)
            if questions is not None:
                questions[key] = q
        parts += ["", q.text]
        rows += list(q.buttons)
    rows.append((Button("Snooze 1h", f"z:{day.isoformat()}"), Button("Next ▶", "n", "primary")))
    return Reply("\n".join(parts), buttons=tuple(rows), math=True, expects_answer=bool(prompt and
                 prompt.answer.kind not in ("choice", "self")))


def nice_work_reply(learner: Learner, s: streaks.Streak) -> Reply:
    return Reply(f"✨ Nice work today, {esc(learner.display_name)}! {streak_line(s)}")


# ---------------------------------------------------------------- rate limiting


class RateLimiter:
    """At most ``rate`` sends a second, as an async token bucket (monotonic time, no busy loop)."""

    def __init__(self, rate: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.rate = rate
        self.sleep = sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + 1.0 / self.rate
        if wait > 0:
            await self.sleep(wait)


DEFAULT_RATES = {"telegram": 25.0, "discord": 40.0}  # messages per second, per platform, below their limits


@dataclass
class SweepStats:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    unreachable: int = 0
    failed: int = 0
    released: int = 0  # claimed but not sent because the process is stopping: given back, sent later
    batches: int = 0

    def add(self, other: SweepStats) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))


class ReminderService:
    """Sends due reminders through the platforms' Messengers. Needs a repository with the reminder queries."""

    def __init__(
        self,
        catalog: Catalog,
        repo,
        clock: Callable[[], datetime],
        messengers: dict[str, Messenger],
        *,
        grace_minutes: int = 60,
        batch_size: int = 500,
        concurrency: int = 64,
        rates: dict[str, float] | None = None,
        max_retries: int = 3,
    ):
        self.catalog = catalog
        self.repo = repo
        self.clock = clock
        self.messengers = messengers
        self.grace = timedelta(minutes=grace_minutes)
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.limiters = {p: RateLimiter(r) for p, r in (DEFAULT_RATES if rates is None else rates).items()}
        self.max_retries = max_retries
        self.stopping = False

    def stop(self) -> None:
        """Graceful shutdown: sends in progress finish, no new batch is claimed, and the claimed reminders
        not yet sent are given back (sent later by another process or after the restart)."""
        self.stopping = True

    async def sweep(self, now: datetime | None = None, max_batches: int | None = None,
                    learner_ids: Collection[int] | None = None) -> SweepStats:
        """Send every reminder due at ``now`` (only those of ``learner_ids``, if given); returns what happened."""
        now = now or self.clock()
        total = SweepStats()
        while (max_batches is None or total.batches < max_batches) and not self.stopping:
            claims = await self.repo.claim_due_reminders(
                now, self.batch_size, lambda learner: decide(learner, now, self.grace), set(self.messengers),
                learner_ids,
            )
            if not claims:
                break
            total.add(await self._send_batch(claims, now))
            total.batches += 1
        if total.claimed:
            log.info("reminder sweep: %s", total)
        return total

    async def _send_batch(self, claims: list[Claim], now: datetime) -> SweepStats:
        stats = SweepStats(claimed=len(claims))
        to_send = [c for c in claims if c.fresh and c.decision.send and c.destination is not None]
        stats.skipped = len(claims) - len(to_send)
        if not to_send:
            return stats
        ids = [c.learner.id for c in to_send]
        earliest = min(c.decision.local_date for c in to_send) - timedelta(days=STREAK_WINDOW_DAYS)
        contexts = await self.repo.reminder_contexts(ids, now, earliest)
        replies: list[tuple[Claim, Reply | None]] = []
        dailies: list[tuple[int, date, str, str]] = []
        questions: dict[tuple, Reply] = {}  # many learners share today's prompt: build each question once
        for c in to_send:
            lc = contexts.get(c.learner.id, LearnerContext())
            lr = c.learner
            s = streaks.compute(lc.study_days, streaks.study_date(now, c.decision.local_date, lr.study_day,
                                                                  lr.study_day_until))
            if s.today_done:
                reply = nice_work_reply(c.learner, s) if c.learner.reminder_when_studied == "nice" else None
            else:
                prompt, new = None, False
                if c.learner.daily_date == c.decision.local_date and c.learner.daily_prompt in self.catalog.prompt_by_id:
                    prompt = self.catalog.prompt_by_id[c.learner.daily_prompt]
                else:
                    prompt = choose_daily(self.catalog, c.learner, lc)
                    new = prompt is not None
                if prompt is not None:  # a template: as the open question was asked, else the day's numbers
                    drawn = learning.as_asked(prompt, c.learner) if c.learner.open_prompt == prompt.id else \
                        learning.daily_instance(prompt, c.learner.id, c.decision.local_date)
                    prompt = drawn.prompt
                    if new:
                        dailies.append((c.learner.id, c.decision.local_date, prompt.id, drawn.stored))
                reply = reminder_reply(self.catalog, c.learner, s, prompt, snoozed=c.decision.kind != "daily",
                                       questions=questions, day=c.decision.local_date,
                                       how=terms_of(self.messengers.get(c.destination.platform)
                                                    if c.destination is not None else None).answer)
            replies.append((c, reply))
        if dailies:
            await self.repo.set_daily_prompts(dailies, now)
        outcomes: list[tuple[int, date, str, str]] = []
        released: list[Claim] = []
        queue = iter(replies)

        async def worker() -> None:  # a fixed pool of senders: bounded concurrency, no task per learner
            for c, reply in queue:
                if self.stopping and reply is not None:
                    released.append(c)
                    continue
                if reply is None:
                    outcomes.append((c.learner.id, c.decision.local_date, c.decision.kind, "studied"))
                    stats.skipped += 1
                    continue
                outcome = await self._deliver(c, reply)
                outcomes.append((c.learner.id, c.decision.local_date, c.decision.kind, outcome))
                if outcome == "sent":
                    stats.sent += 1
                elif outcome == "unreachable":
                    stats.unreachable += 1
                else:
                    stats.failed += 1

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(replies)))))
        await self.repo.record_reminder_outcomes(outcomes)
        if released:
            await self.repo.release_reminder_claims([
                (c.learner.id, c.decision.local_date, c.decision.kind, c.learner.reminder_next_at,
                 c.learner.reminder_snoozed, c.decision.next_at) for c in released
            ])
            stats.released = len(released)
            log.info("stopping: %d claimed reminders given back, to be sent later", len(released))
        return stats

    async def _deliver(self, c: Claim, reply: Reply) -> str:
        assert c.destination is not None
        messenger = self.messengers[c.destination.platform]
        limiter = self.limiters.get(c.destination.platform)
        for attempt in range(self.max_retries + 1):
            if limiter is not None:
                await limiter.acquire()
            try:
                await messenger.send(c.destination, reply)
                return "sent"
            except Unreachable:
                await self.repo.update_learner(c.learner.id, unreachable=True, reminder_next_at=None)
                log.info("learner %s unreachable on %s: reminders off", c.learner.id, c.destination.platform)
                return "unreachable"
            except RateLimited as exc:
                log.warning("rate limited on %s; waiting %.1fs", c.destination.platform, exc.retry_after)
                await asyncio.sleep(min(exc.retry_after, 60))
            except Exception:
                log.exception("reminder to learner %s failed (attempt %d)", c.learner.id, attempt + 1)
                await asyncio.sleep(min(2**attempt, 10) * 0.1)
        return "failed"

