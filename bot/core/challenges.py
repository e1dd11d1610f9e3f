"""Study challenges and channel daily posts: a Discord channel or a Telegram group studies together.

A *schedule* belongs to one chat (``platform``, ``chat_id``): a scored **challenge** (``kind="challenge"``:
a topic, 1-60 days, members, a leaderboard, a final post) or a **daily post** (``kind="daily"``: one study
prompt a day, no scores, no end). Every day at the schedule's local time the sweep posts the day's prompt in
the chat through the platform's ``Messenger`` (one claimed row per schedule and day, written before sending,
so a post never goes out twice). Members answer it with its buttons (Discord: a modal), by replying to it
(Telegram) or with ``/answer`` in the chat, as each platform's ``Terms`` say; the answer is checked by the
practice engine, counts once per prompt, and is also recorded as a practice attempt (source ``challenge``)
for the member's own streak, accuracy and reviews.

Scoring (challenges; also in the README):

- ``POINTS_CORRECT`` for a right answer to the day's prompt, while that day is open;
- ``FIRST_BONUS`` for the first three right answers of the day (by time of answer);
- a run bonus: ``RUN_BONUS`` for each earlier consecutive posted day also answered right, up to
  ``RUN_BONUS_MAX``;
- ``PRACTICE_POINTS`` per different prompt of the challenge's topic answered right in one's own practice
  (``/next``, ``/review``, ``/daily``, reminders) between joining and the end;
- ties break by the smaller total time from each post to one's right answer to it.

Nothing here imports a platform, the scheduler or SQL: storage is reached through :class:`ChallengeStore`
(implemented by ``bot.storage.challenges``), time comes from the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakKeyDictionary

from bot.content.model import Prompt
from bot.core.learning import answer_markup, with_reading
from bot.core.markup import esc
from bot.core.model import DEFAULT_TERMS, Button, Reply, Terms
from bot.core.ports import AnswerRecord, Destination, Messenger, RateLimited, Unreachable, terms_of
from bot.core.reminders import DEFAULT_RATES, RateLimiter, local_instant, next_instant, parse_hhmm
from bot.core.service import UsageError, organisers_only, zone
from bot.practice import srs, template
from bot.practice.check import check_prompt, example_for
from bot.practice.display import option_label
from bot.practice.template import Instance

if TYPE_CHECKING:
    from bot.content.loader import Catalog
    from bot.core.service import Core, Ctx

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- rules

POINTS_CORRECT = 10
FIRST_BONUS = (5, 3, 1)  # the day's first, second and third right answers
RUN_BONUS = 2  # per earlier consecutive posted day answered right
RUN_BONUS_MAX = 10
PRACTICE_POINTS = 2  # per different practice prompt of the topic answered right during the challenge
MAX_DAYS = 60
LEADERBOARD_SIZE = 10
ANSWER_GAP = timedelta(seconds=2)  # per member: at most one answer to a post every 2 s ...
ANSWERS_PER_MINUTE = 10  # ... and at most this many a minute
ADMIN_ACTIONS = ("start", "end", "status", "resume")
MEMBER_ACTIONS = ("join", "leave")
CHALLENGE = "challenge"
DAILY = "daily"
MEDALS = ("🥇", "🥈", "🥉")


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Challenge:
    """A schedule of a chat; the fields follow the ``challenges`` table's columns."""

    id: int
    kind: str  # challenge | daily
    platform: str
    chat_id: str
    guild_id: str | None
    status: str  # active | paused | ended
    topic: str | None  # None: all topics
    days: int | None  # None: a daily post
    post_time: str
    timezone: str
    start_date: date
    ends_at: datetime | None
    next_day: int
    next_post_at: datetime | None
    organiser_id: int | None
    created_at: datetime
    ended_at: datetime | None = None
    paused_reason: str | None = None

    @property
    def open(self) -> bool:
        return self.status != "ended"


@dataclass(frozen=True)
class Post:
    challenge_id: int
    day: int
    prompt_id: str
    local_date: date
    posted_at: datetime
    closes_at: datetime
    outcome: str  # claimed | sent | unreachable | failed


@dataclass(frozen=True)
class Member:
    learner_id: int
    name: str
    joined_at: datetime
    left_at: datetime | None

    @property
    def current(self) -> bool:
        return self.left_at is None


@dataclass(frozen=True)
class Answer:
    day: int
    learner_id: int
    answered_at: datetime
    correct: bool
    ms: int  # from the post to the answer


@dataclass(frozen=True)
class Decision:
    """What the sweep does for a due schedule: post day ``day``, skip it (a daily post while a challenge
    runs in the same chat), or end the challenge."""

    action: str  # post | skip | end
    day: int
    next_day: int
    next_at: datetime | None
    prompt_id: str | None = None
    local_date: date | None = None
    closes_at: datetime | None = None


@dataclass(frozen=True)
class PostClaim:
    challenge: Challenge
    decision: Decision
    fresh: bool  # this process claimed it and sends it


@dataclass(frozen=True)
class Standing:
    learner_id: int
    name: str
    points: int
    right: int  # days answered right
    answered: int  # days answered
    practice: int  # practice prompts counted
    ms: int  # total time of right answers
    rank: int = 0


class ChallengeStore(Protocol):
    """What the challenges need from storage (``bot.storage.challenges.ChallengeQueries``)."""

    async def create_challenge(self, **values: Any) -> Challenge | None: ...
    async def open_challenge(self, platform: str, chat_id: str, kind: str) -> Challenge | None: ...
    async def latest_challenge(self, platform: str, chat_id: str, kind: str) -> Challenge | None: ...
    async def get_challenge(self, challenge_id: int) -> Challenge | None: ...
    async def update_challenge(self, challenge_id: int, **fields: Any) -> None: ...
    async def end_challenge(self, challenge_id: int, now: datetime) -> bool: ...
    async def pause_challenge(self, challenge_id: int, reason: str) -> bool: ...
    async def join_challenge(self, challenge_id: int, learner_id: int, now: datetime) -> str: ...
    async def leave_challenge(self, challenge_id: int, learner_id: int, now: datetime) -> bool: ...
    async def challenge_member(self, challenge_id: int, learner_id: int) -> Member | None: ...
    async def challenge_members(self, challenge_id: int) -> list[Member]: ...
    async def challenge_post(self, challenge_id: int, day: int) -> Post | None: ...
    async def challenge_posts(self, challenge_id: int) -> list[Post]: ...
    async def challenge_answers(self, challenge_id: int) -> list[Answer]: ...
    async def has_challenge_answer(self, challenge_id: int, day: int, learner_id: int) -> bool: ...
    async def record_challenge_answer(self, challenge_id: int, day: int, rec: AnswerRecord, ms: int) -> bool: ...
    async def practice_attempts(
        self, learner_ids: list[int], since: datetime, until: datetime, unit_ids: list[str] | None,
    ) -> list[tuple[int, str, datetime]]: ...
    async def claim_due_challenges(
        self, now: datetime, limit: int, decide: Callable[[Challenge, set[str], bool], Decision],
        platforms: set[str],
    ) -> list[PostClaim]: ...
    async def record_post_outcome(self, challenge_id: int, day: int, outcome: str) -> None: ...
    async def organiser_destination(self, challenge_id: int) -> Destination | None: ...


# ---------------------------------------------------------------- time


def day_instant(ch: Challenge, day: int) -> datetime:
    """The UTC instant of day ``day``'s post (day 1 is ``start_date``), DST-correct."""
    return local_instant(ch.start_date + timedelta(days=day - 1), parse_hhmm(ch.post_time), ch.timezone)


def first_post(post_time: str, tz: str, now: datetime) -> tuple[date, datetime]:
    """The local date and instant of the first post: the next time the clock there shows ``post_time``."""
    at = next_instant(post_time, tz, now)
    return at.astimezone(zone(tz)).date(), at


def due_day(ch: Challenge, now: datetime) -> int:
    """The latest day whose post time has come (0: none yet). Days missed during downtime are skipped, never
    posted as a burst; a day claimed before is not posted again (its row says so)."""
    day = (now.astimezone(zone(ch.timezone)).date() - ch.start_date).days + 1
    while day >= 1 and day_instant(ch, day) > now:
        day -= 1
    while day_instant(ch, day + 1) <= now:
        day += 1
    return max(day, 0)


def local_text(at: datetime, tz: str) -> str:
    return f"{at.astimezone(zone(tz)):%a %d %b %H:%M}"


def duration_text(ms: int) -> str:
    s = ms // 1000
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


# ---------------------------------------------------------------- prompts


def prompt_pool(catalog: Catalog, topic: str | None) -> list[Prompt]:
    """Prompts the engine can check (not self-graded) of a topic, or of every topic."""
    units = catalog.units if topic is None else catalog.units_of(topic)
    return [p for u in units for p in u.prompts if p.answer.kind != "self"]


def prompt_order(catalog: Catalog, ch: Challenge) -> list[str]:
    """The schedule's own order: short ``daily`` prompts first, each group shuffled by the schedule's id."""
    rng = random.Random(f"challenge:{ch.id}")
    pool = prompt_pool(catalog, ch.topic)
    short = [p.id for p in pool if p.daily]
    rest = [p.id for p in pool if not p.daily]
    rng.shuffle(short)
    rng.shuffle(rest)
    return short + rest


def choose_prompt(catalog: Catalog, ch: Challenge, used: set[str]) -> str | None:
    """The next prompt not posted yet by this schedule (never repeated within a challenge); a daily post
    that has used them all starts the order again."""
    order = prompt_order(catalog, ch)
    for pid in order:
        if pid not in used:
            return pid
    if ch.kind == DAILY and order:
        return order[len(used) % len(order)]
    return None


def decide(catalog: Catalog, ch: Challenge, now: datetime, used: set[str], challenge_here: bool) -> Decision:
    day = due_day(ch, now)
    if ch.days is not None and day > ch.days:
        return Decision("end", day, day, None)
    if day < 1:  # resumed before day 1: wait for it
        return Decision("skip", day, 1, day_instant(ch, 1))
    next_at = day_instant(ch, day + 1)
    if ch.kind == DAILY and challenge_here:
        return Decision("skip", day, day + 1, next_at)
    pid = choose_prompt(catalog, ch, used)
    if pid is None:  # the content changed under a running challenge: nothing left to post
        return Decision("end", day, day, None) if ch.kind == CHALLENGE else Decision("skip", day, day + 1, next_at)
    return Decision("post", day, day + 1, next_at, pid, ch.start_date + timedelta(days=day - 1), next_at)


# ---------------------------------------------------------------- scoring


def standings(members: Iterable[Member], answers: Iterable[Answer], posted_days: Iterable[int],
              practice: dict[int, int]) -> list[Standing]:
    """The leaderboard of the current members, best first (see the module's scoring rules)."""
    current = [m for m in members if m.current]
    ids = {m.learner_id for m in current}
    by_learner: dict[int, dict[int, Answer]] = {}
    right_by_day: dict[int, list[Answer]] = {}
    for a in answers:
        by_learner.setdefault(a.learner_id, {})[a.day] = a
        if a.correct:
            right_by_day.setdefault(a.day, []).append(a)
    place = {  # (day, learner) -> 0, 1, 2 for the day's first three right answers (of anyone who answered)
        (day, a.learner_id): i
        for day, rights in right_by_day.items()
        for i, a in enumerate(sorted(rights, key=lambda a: (a.answered_at, a.learner_id))[: len(FIRST_BONUS)])
    }
    days = sorted(set(posted_days))
    out: list[Standing] = []
    for m in current:
        mine = by_learner.get(m.learner_id, {})
        points = right = ms = run = 0
        for day in days:
            a = mine.get(day)
            if a is None or not a.correct:
                run = 0
                continue
            run += 1
            right += 1
            ms += a.ms
            points += day_points(place.get((day, m.learner_id)), run)
        n_practice = practice.get(m.learner_id, 0)
        points += PRACTICE_POINTS * n_practice
        out.append(Standing(m.learner_id, m.name, points, right, len(mine), n_practice, ms))
    out.sort(key=lambda s: (-s.points, s.ms, s.name.lower(), s.learner_id))
    ranked: list[Standing] = []
    for i, s in enumerate(out):
        same = ranked and (ranked[-1].points, ranked[-1].ms) == (s.points, s.ms)
        ranked.append(replace(s, rank=ranked[-1].rank if same else i + 1))
    assert ids == {s.learner_id for s in ranked}
    return ranked


def day_points(place: int | None, run: int) -> int:
    """Points of one right answer: base, a first-three bonus (``place`` 0-2), a run bonus (run >= 1)."""
    bonus = FIRST_BONUS[place] if place is not None and place < len(FIRST_BONUS) else 0
    return POINTS_CORRECT + bonus + min(RUN_BONUS * (run - 1), RUN_BONUS_MAX)


async def challenge_standings(ctx_repo: Any, catalog: Catalog, ch: Challenge, now: datetime) -> list[Standing]:
    members = await ctx_repo.challenge_members(ch.id)
    answers = await ctx_repo.challenge_answers(ch.id)
    posts = await ctx_repo.challenge_posts(ch.id)
    posted = [p.day for p in posts if p.outcome in ("sent", "claimed")]
    current = [m for m in members if m.current]
    practice: dict[int, int] = {}
    if current:
        until = min(now, ch.ended_at or now, ch.ends_at or now)
        units = None if ch.topic is None else [u.id for u in catalog.units_of(ch.topic)]
        joined = {m.learner_id: m.joined_at for m in current}
        seen: set[tuple[int, str]] = set()
        for learner_id, prompt_id, at in await ctx_repo.practice_attempts(
            list(joined), ch.created_at, until, units
        ):
            if at >= joined[learner_id]:
                seen.add((learner_id, prompt_id))
        for learner_id, _ in seen:
            practice[learner_id] = practice.get(learner_id, 0) + 1
    return standings(members, answers, posted, practice)


# ---------------------------------------------------------------- flood control


class AnswerLimiter:
    """Per member: one answer to a post every ``gap``, at most ``per_minute`` a minute (injected time)."""

    def __init__(self, gap: timedelta = ANSWER_GAP, per_minute: int = ANSWERS_PER_MINUTE):
        self.gap = gap
        self.per_minute = per_minute
        self._seen: dict[str, deque[datetime]] = {}

    def wait(self, key: str, now: datetime) -> float:
        """0 and counts the attempt when allowed; else the seconds to wait (nothing counted)."""
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] >= timedelta(minutes=1):
            seen.popleft()
        waits = []
        if seen and now - seen[-1] < self.gap:
            waits.append((seen[-1] + self.gap - now).total_seconds())
        if len(seen) >= self.per_minute:
            waits.append((seen[0] + timedelta(minutes=1) - now).total_seconds())
        if waits:
            return max(max(waits), 0.1)
        seen.append(now)
        if len(self._seen) > 50_000:  # forget members quiet for a minute
            self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < timedelta(minutes=1)}
        return 0.0


_LIMITERS: WeakKeyDictionary[Core, AnswerLimiter] = WeakKeyDictionary()


def limiter(core: Core) -> AnswerLimiter:
    if core not in _LIMITERS:
        _LIMITERS[core] = AnswerLimiter()
    return _LIMITERS[core]


# ---------------------------------------------------------------- texts


def topic_title(catalog: Catalog, topic: str | None) -> str:
    if topic is None:
        return "All topics"
    t = catalog.topic_by_id.get(topic)
    return t.title if t else topic


def scoring_text(catalog: Catalog, ch: Challenge) -> str:
    topic = "any topic" if ch.topic is None else esc(topic_title(catalog, ch.topic))
    first = "/".join(f"+{b}" for b in FIRST_BONUS)
    return (
        f"**Scoring:** {POINTS_CORRECT} points for a right answer · {first} for the day's first three right · "
        f"+{RUN_BONUS} for each earlier day in a row you got right (up to +{RUN_BONUS_MAX}) · "
        f"+{PRACTICE_POINTS} for each practice prompt of {topic} you get right during the challenge. "
        "Ties: the smaller total time to your right answers wins."
    )


def _board_buttons(ch: Challenge) -> tuple[Button, ...]:
    return (Button("Join 🙋", f"cj:{ch.id}", "success"), Button("Leaderboard 🏆", f"cl:{ch.id}"))


def announcement(catalog: Catalog, ch: Challenge, terms: Terms = DEFAULT_TERMS) -> Reply:
    first = day_instant(ch, 1)
    text = (
        f"🏁 **New study challenge: {esc(topic_title(catalog, ch.topic))}**\n"
        f"{ch.days} day{'s' if ch.days != 1 else ''} · a prompt here every day at {ch.post_time} ({ch.timezone}) · "
        f"the first on {local_text(first, ch.timezone)}\n\n"
        f"Press **Join** (or type `/challenge join`) to take part. Answer each day's prompt {terms.posts_answered} "
        "(or `/answer <your answer>` here): your first answer counts, until the next post.\n\n"
        f"{scoring_text(catalog, ch)}\n\n`/leaderboard` shows the standings."
    )
    return Reply(text, buttons=(_board_buttons(ch),), private=False)


def posted(prompt: Prompt, ch: Challenge, day: int) -> Instance:
    """A day's prompt as posted: everyone in the chat gets the same numbers of a template (seeded by the
    challenge and the day), so the leaderboard stays fair."""
    return template.instance(prompt, None, "challenge", ch.id, day)


def post_reply(catalog: Catalog, ch: Challenge, day: int, prompt: Prompt, closes_at: datetime,
               terms: Terms = DEFAULT_TERMS) -> Reply:
    prompt = posted(prompt, ch, day).prompt
    if ch.kind == CHALLENGE:
        head = f"📅 **Day {day} of {ch.days}** · {esc(topic_title(catalog, ch.topic))} challenge"
    else:
        head = "☀️ **Today's study prompt**"
    a = prompt.answer
    rows: list[tuple[Button, ...]] = []
    if a.kind == "choice":
        how = "Choose your answer below"
        rows += [(Button(option_label(opt), f"cc:{ch.id}:{day}:{i}"),) for i, opt in enumerate(a.options)]
    else:
        how = f"{terms.answer_post} ({example_for(a)})"
        rows.append((Button("Answer ✍️", f"ca:{ch.id}:{day}", "primary", asks_text=True),))
    counts = ("your first answer counts (no second tries, so the scoring is fair)" if ch.kind == CHALLENGE
              else "one answer each, and it counts for your own streak")
    lines = [head, "", prompt.question.strip(), "",
             f"{how}: {counts}, until {local_text(closes_at, ch.timezone)} ({ch.timezone})."]
    if ch.kind == CHALLENGE:
        rows.append(_board_buttons(ch))
    return Reply("\n".join(lines), buttons=tuple(rows), math=True, private=False)


def board_lines(board: list[Standing], limit: int | None = LEADERBOARD_SIZE) -> list[str]:
    lines = []
    for s in board[:limit]:
        medal = MEDALS[s.rank - 1] if s.rank <= len(MEDALS) and s.points else f"{s.rank}."
        extra = f" · {s.right} right" + (f" · ⏱ {duration_text(s.ms)}" if s.right else "")
        if s.practice:
            extra += f" · {s.practice} practice"
        lines.append(f"{medal} {esc(s.name)} — **{s.points}** point{'s' if s.points != 1 else ''}{extra}")
    return lines


def final_reply(catalog: Catalog, ch: Challenge, board: list[Standing]) -> Reply:
    title = esc(topic_title(catalog, ch.topic))
    lines = [f"🏁 **Challenge over: {title}** ({ch.days} day{'s' if ch.days != 1 else ''})", ""]
    winners = [s for s in board if s.rank <= len(MEDALS) and s.points > 0]
    if not board:
        lines.append("Nobody joined this time.")
    elif not winners:
        lines.append("Nobody scored this time — next time!")
    else:
        lines.append("**Winners:** " + ", ".join(f"{MEDALS[s.rank - 1]} {esc(s.name)} ({s.points})" for s in winners))
    if board:
        lines += ["", "**Everyone's result**"]
        lines += [line.replace("🥇", "1.").replace("🥈", "2.").replace("🥉", "3.")
                  for line in board_lines(board, None)]
    lines += ["", "Thanks for studying together! Organisers start the next one with `/challenge start`."]
    return Reply("\n".join(lines), private=False)


# ---------------------------------------------------------------- helpers of the use cases


def _in_group(ctx: Ctx, what: str) -> None:
    if ctx.actor.is_private or not ctx.actor.chat_id:
        raise UsageError(f"{what} works in {ctx.actor.terms.chat}: run it there.")


async def _current(ctx: Ctx, kind: str = CHALLENGE) -> Challenge | None:
    assert ctx.actor.chat_id is not None
    return await ctx.repo.open_challenge(ctx.actor.platform, ctx.actor.chat_id, kind)


async def _of_this_chat(ctx: Ctx, cid_text: str) -> Challenge:
    """The schedule a button names, if it belongs to the chat the button was pressed in."""
    ch = await ctx.repo.get_challenge(int(cid_text)) if cid_text.isdecimal() and len(cid_text) < 12 else None
    if ch is None or ch.platform != ctx.actor.platform or ch.chat_id != ctx.actor.chat_id:
        raise UsageError("That button has expired.")
    return ch


def _no_challenge() -> UsageError:
    return UsageError("There is no challenge running here. Organisers start one with "
                      "`/challenge start all 7 19:00 Europe/Berlin` (topic, days, time, zone).")


# ---------------------------------------------------------------- /challenge


async def challenge_command(ctx: Ctx, a: dict[str, Any]) -> Reply | list[Reply]:
    action = a["action"]
    _in_group(ctx, "/challenge")
    if action in ADMIN_ACTIONS and not ctx.actor.is_admin:
        return organisers_only(ctx.actor, f"/challenge {action}")
    if action == "start":
        return await start(ctx, a)
    if action == "join":
        return await join(ctx, await _current(ctx))
    ch = await _current(ctx)
    if ch is None:
        raise _no_challenge()
    if action == "end":
        return await end(ctx, ch)
    if action == "status":
        return await status(ctx, ch)
    if action == "resume":
        return await resume(ctx, ch)
    if action == "leave":
        return await leave(ctx, ch)
    raise UsageError(f"Unknown action {esc(action)}.")


async def start(ctx: Ctx, a: dict[str, Any]) -> Reply:
    if "days" not in a or "time" not in a:
        raise UsageError("To start a challenge give its days and time, e.g. "
                         "`/challenge start all 7 19:00 Europe/Berlin` (topic or all, 1-60 days, HH:MM, zone).")
    existing = await _current(ctx)
    if existing is not None:
        state = "paused" if existing.status == "paused" else "running"
        raise UsageError(f"A challenge is already {state} here (one per channel or group). "
                         "`/challenge status` shows it; `/challenge end` ends it.")
    topic = a.get("topic", "all")
    topic = None if topic == "all" else topic
    days = a["days"]
    pool = prompt_pool(ctx.catalog, topic)
    if len(pool) < days:
        raise UsageError(f"{esc(topic_title(ctx.catalog, topic))} has {len(pool)} prompts I can check, so a "
                         f"challenge on it can last at most {len(pool)} days (prompts never repeat).")
    organiser = await ctx.learner()
    tz = a.get("zone") or organiser.timezone
    start_date, first = first_post(a["time"], tz, ctx.now)
    probe = Challenge(0, CHALLENGE, "", "", None, "active", topic, days, a["time"], tz, start_date, None, 1, first,
                      None, ctx.now)
    ch = await ctx.repo.create_challenge(
        kind=CHALLENGE, platform=ctx.actor.platform, chat_id=ctx.actor.chat_id, guild_id=ctx.actor.guild_id,
        status="active", topic=topic, days=days, post_time=a["time"], timezone=tz, start_date=start_date,
        ends_at=day_instant(probe, days + 1), next_day=1, next_post_at=first, organiser_id=organiser.id,
        created_at=ctx.now,
    )
    if ch is None:  # another organiser was quicker
        raise UsageError("A challenge is already running here (one per channel or group).")
    log.info("challenge %s started in %s:%s (%s days)", ch.id, ch.platform, ch.chat_id, days)
    return announcement(ctx.catalog, ch, ctx.actor.terms)


async def end(ctx: Ctx, ch: Challenge) -> Reply:
    if not await ctx.repo.end_challenge(ch.id, ctx.now):
        raise UsageError("That challenge has already ended.")
    ended = await ctx.repo.get_challenge(ch.id)
    board = await challenge_standings(ctx.repo, ctx.catalog, ended, ctx.now)
    return final_reply(ctx.catalog, ended, board)


async def status(ctx: Ctx, ch: Challenge) -> Reply:
    members = [m for m in await ctx.repo.challenge_members(ch.id) if m.current]
    posts = await ctx.repo.challenge_posts(ch.id)
    answers = await ctx.repo.challenge_answers(ch.id)
    lines = [f"📋 **{esc(topic_title(ctx.catalog, ch.topic))} challenge** · {ch.days} days at {ch.post_time} "
             f"({ch.timezone})"]
    if ch.status == "paused":
        lines.append(f"⏸ Paused: {esc(ch.paused_reason or 'posting failed')}. `/challenge resume` carries on, "
                     "`/challenge end` ends it.")
    last = max(posts, key=lambda p: p.day, default=None)
    if last is None:
        lines.append(f"Day 1 is posted on {local_text(day_instant(ch, 1), ch.timezone)}.")
    else:
        today = sum(1 for a in answers if a.day == last.day)
        lines.append(f"Day {last.day} of {ch.days} posted; {today} answer{'s' if today != 1 else ''} so far.")
        if ch.next_post_at and ch.status == "active":
            what = "the end" if ch.next_day > (ch.days or 0) else f"day {ch.next_day}"
            lines.append(f"Next: {what} on {local_text(ch.next_post_at, ch.timezone)}.")
    lines.append(f"Members: {len(members)}" + (": " + ", ".join(esc(m.name) for m in members[:30]) if members else ""))
    return Reply("\n".join(lines))


async def resume(ctx: Ctx, ch: Challenge) -> Reply:
    if ch.status != "paused":
        raise UsageError("This challenge is not paused.")
    await ctx.repo.update_challenge(ch.id, status="active", paused_reason=None, next_post_at=ctx.now)
    return Reply("▶️ Resumed: the current day's prompt is posted here within a minute.", private=False)


async def join(ctx: Ctx, ch: Challenge | None) -> Reply:
    if ch is None:
        raise _no_challenge()
    learner = await ctx.learner()
    state = await ctx.repo.join_challenge(ch.id, learner.id, ctx.now)
    # personal replies: the person's own screen (Discord) or quoted under their name (Telegram groups), so the
    # name is not said again
    if state == "already":
        return Reply("You're already in this challenge. `/leaderboard` shows the standings.")
    back = " again" if state == "back" else ""
    return Reply(f"🙋 You're in{back}! Answer each day's prompt here; `/leaderboard` shows the standings.")


async def leave(ctx: Ctx, ch: Challenge) -> Reply:
    learner = await ctx.existing_learner()
    if learner is None or not await ctx.repo.leave_challenge(ch.id, learner.id, ctx.now):
        raise UsageError("You're not in this challenge.")
    return Reply("👋 You left the challenge: your answers no longer count and you're off the leaderboard. "
                 "`/challenge join` brings you back with your earlier answers.")


# ---------------------------------------------------------------- /leaderboard


async def leaderboard(ctx: Ctx, ch: Challenge | None = None) -> Reply:
    _in_group(ctx, "/leaderboard")
    assert ctx.actor.chat_id is not None
    if ch is None:
        ch = await _current(ctx) or await ctx.repo.latest_challenge(ctx.actor.platform, ctx.actor.chat_id, CHALLENGE)
    if ch is None:
        raise _no_challenge()
    board = await challenge_standings(ctx.repo, ctx.catalog, ch, ctx.now)
    posts = await ctx.repo.challenge_posts(ch.id)
    day = max((p.day for p in posts), default=0)
    when = "final" if ch.status == "ended" else (f"day {day} of {ch.days}" if day else "not started yet")
    lines = [f"🏆 **Leaderboard** · {esc(topic_title(ctx.catalog, ch.topic))} challenge · {when}", ""]
    lines += board_lines(board) or ["Nobody has joined yet: `/challenge join`."]
    learner = await ctx.existing_learner()
    mine = next((s for s in board if learner is not None and s.learner_id == learner.id), None)
    lines.append("")
    if mine is not None:
        lines.append(f"**You:** #{mine.rank} of {len(board)} — {mine.points} point{'s' if mine.points != 1 else ''}")
    elif ch.status != "ended":
        lines.append("You haven't joined: `/challenge join`.")
    return Reply("\n".join(lines).strip())


# ---------------------------------------------------------------- answers


async def answer_post(ctx: Ctx, ch: Challenge, day: int, text: str) -> Reply:
    """A member's answer to day ``day``'s post: checked, counted once, also a practice attempt. The same answer
    sent twice (a double tap, two devices) finds the first one counted and is told so."""
    post = await ctx.repo.challenge_post(ch.id, day)
    if post is None:
        raise UsageError("That prompt is not posted.")
    label = f"Day {day}'s prompt" if ch.kind == CHALLENGE else "That prompt"
    if ch.status == "ended" or ctx.now >= post.closes_at:
        return Reply(f"⌛ {label} closed at {local_text(post.closes_at, ch.timezone)} ({ch.timezone}); answers no "
                     "longer count. The next one comes at the usual time.")
    if not text.strip():
        raise UsageError("Type your answer, e.g. `/answer 3/4`.")
    learner = await ctx.learner()
    if ch.kind == CHALLENGE:
        member = await ctx.repo.challenge_member(ch.id, learner.id)
        if member is None:
            return Reply("Join the challenge first: press **Join** or type `/challenge join`, then answer.")
        if not member.current:
            return Reply("You left this challenge, so answers don't count. `/challenge join` brings you back.")
    if await ctx.repo.has_challenge_answer(ch.id, day, learner.id):
        return Reply(f"You already answered {label.lower() if ch.kind == DAILY else label}: one answer counts.")
    # answers are checked at a steady pace (the checker's work), after the cheap refusals above
    wait = limiter(ctx.core).wait(ctx.actor.key, ctx.now)
    if wait:
        return Reply(f"⏳ Easy there: one answer every {ANSWER_GAP.seconds} seconds, at most "
                     f"{ANSWERS_PER_MINUTE} a minute. Try again in {max(1, round(wait))}s.")
    prompt = ctx.catalog.prompt_by_id.get(post.prompt_id)
    if prompt is None:
        raise UsageError("That prompt no longer exists.")
    asked = posted(prompt, ch, day)
    prompt = asked.prompt
    verdict = check_prompt(prompt, text)
    if not verdict.counts:  # unreadable, or not in the form asked for: not the one answer that counts
        return Reply(verdict.feedback or f"I couldn't read that: {example_for(prompt.answer)}.")
    unit_id = ctx.catalog.unit_of_prompt[prompt.id]
    card, due = srs.review(await ctx.repo.card(learner.id, prompt.id),
                           srs.rating_for(correct=verdict.right, helped=False, revealed=False), ctx.now)
    studied, until = ctx.study_mark(learner)
    rec = AnswerRecord(
        learner_id=learner.id, prompt_id=prompt.id, unit_id=unit_id, at=ctx.now, correct=verdict.right,
        hinted=False, revealed=False, answer=text, source="challenge", study_day=studied,
        card=card, card_due=due, complete_unit=False, study_until=until, params=asked.stored,
    )
    ms = max(0, int((ctx.now - post.posted_at).total_seconds() * 1000))
    if not await ctx.repo.record_challenge_answer(ch.id, day, rec, ms):
        return Reply(f"You already answered {label}: one answer counts.")
    if verdict.right:
        head = "✅ Right!"
        if ch.kind == CHALLENGE:
            head += " " + await _points_line(ctx, ch, day, learner.id)
        else:
            head += " It counts for your streak."
    else:
        head = "❌ Not quite." + (f" 💡 {verdict.feedback}" if verdict.feedback else "")
        if prompt.answer.value:
            head += f"\nThe answer is {answer_markup(prompt)}."
        if ch.kind == CHALLENGE:
            head += ("\nIn a challenge your first answer is the one that counts, so there is no second try. "
                     "No points today; tomorrow's prompt is a fresh chance.")
        else:
            head += "\nOne answer counts on a shared post; /next gives you practice with second tries."
    return with_reading(verdict, [Reply(f"{head}\n\n**Solution:** {prompt.solution.strip()}", math=True,
                                        public_text="✓ counted")])[0]


async def _points_line(ctx: Ctx, ch: Challenge, day: int, learner_id: int) -> str:
    answers = await ctx.repo.challenge_answers(ch.id)
    posts = [p.day for p in await ctx.repo.challenge_posts(ch.id) if p.outcome in ("sent", "claimed")]
    rights = sorted((a for a in answers if a.day == day and a.correct), key=lambda a: (a.answered_at, a.learner_id))
    place = next((i for i, a in enumerate(rights) if a.learner_id == learner_id), None)
    mine = {a.day for a in answers if a.learner_id == learner_id and a.correct}
    run = 0
    for d in sorted((d for d in posts if d <= day), reverse=True):
        if d not in mine:
            break
        run += 1
    points = day_points(place, max(run, 1))
    notes = []
    if place is not None and place < len(FIRST_BONUS):
        notes.append(f"{('1st', '2nd', '3rd')[place]} right today")
    if run > 1:
        notes.append(f"{run} days in a row")
    return f"+{points} points" + (f" ({', '.join(notes)})" if notes else "") + "."


async def answer_in_chat(ctx: Ctx, text: str) -> Reply | None:
    """``/answer`` typed in a group or channel: the chat's open post, if the person takes part and has not
    answered it yet (or has no question of their own open; a non-member with none is told to join first);
    None: answer one's own question as usual."""
    if ctx.actor.is_private or not ctx.actor.chat_id:
        return None
    for kind in (CHALLENGE, DAILY):
        ch = await _current(ctx, kind)
        if ch is None or ch.status != "active":
            continue
        posts = await ctx.repo.challenge_posts(ch.id)
        post = max(posts, key=lambda p: p.day, default=None)
        if post is None or ctx.now >= post.closes_at:
            continue
        learner = await ctx.existing_learner()
        if kind == CHALLENGE:
            member = await ctx.repo.challenge_member(ch.id, learner.id) if learner else None
            if member is None or not member.current:
                if learner is None or not learner.open_prompt:
                    return await answer_post(ctx, ch, post.day, text)  # says: join first / you left
                continue
        answered = learner is not None and await ctx.repo.has_challenge_answer(ch.id, post.day, learner.id)
        if answered and learner is not None and learner.open_prompt:
            return None
        return await answer_post(ctx, ch, post.day, text)
    return None


# ---------------------------------------------------------------- /daily post


async def daily_post_command(ctx: Ctx, a: dict[str, Any]) -> Reply:
    _in_group(ctx, "/daily post")
    if not ctx.actor.is_admin:
        return organisers_only(ctx.actor, "/daily post")
    when = (a.get("time") or "").strip().lower()
    if not when:
        raise UsageError("Give the time: `/daily post 19:00 Europe/Berlin`, or `/daily post off`.")
    ch = await _current(ctx, DAILY)
    if when == "off":
        if ch is None or not await ctx.repo.end_challenge(ch.id, ctx.now):
            raise UsageError("There is no daily post here.")
        return Reply("🔕 No more daily study prompts here. `/daily post HH:MM` brings them back.", private=False)
    from bot.core.commands import convert_time

    hhmm = convert_time(when)
    organiser = await ctx.learner()
    tz = a.get("zone") or (ch.timezone if ch else organiser.timezone)
    start_date, first = first_post(hhmm, tz, ctx.now)
    if ch is None:
        ch = await ctx.repo.create_challenge(
            kind=DAILY, platform=ctx.actor.platform, chat_id=ctx.actor.chat_id, guild_id=ctx.actor.guild_id,
            status="active", topic=None, days=None, post_time=hhmm, timezone=tz, start_date=start_date,
            ends_at=None, next_day=1, next_post_at=first, organiser_id=organiser.id, created_at=ctx.now,
        )
        if ch is None:
            raise UsageError("Someone just set a daily post here; `/daily post HH:MM` again changes its time.")
    else:
        posts = await ctx.repo.challenge_posts(ch.id)
        last = max(posts, key=lambda p: p.day, default=None)
        if last is not None and last.local_date >= start_date:  # today's prompt is out: the new time from tomorrow
            first = local_instant(last.local_date + timedelta(days=1), parse_hhmm(hhmm), tz)
            start_date = last.local_date + timedelta(days=1)
        await ctx.repo.update_challenge(
            ch.id, post_time=hhmm, timezone=tz, start_date=start_date - timedelta(days=ch.next_day - 1),
            next_post_at=first, status="active", paused_reason=None,
        )
    return Reply(
        f"☀️ Done: a study prompt here every day at {hhmm} ({tz}), the first on {local_text(first, tz)}. "
        f"Everyone can answer it {ctx.actor.terms.posts_answered}; it counts for their own streak and practice, "
        "no scores. `/daily post off` stops it.", private=False,
    )


# ---------------------------------------------------------------- buttons and typed answers


async def press_join(ctx: Ctx, arg: str) -> Reply:
    ch = await _of_this_chat(ctx, arg)
    if not ch.open:
        raise UsageError("That challenge has ended.")
    return await join(ctx, ch)


async def press_leaderboard(ctx: Ctx, arg: str) -> Reply:
    return await leaderboard(ctx, await _of_this_chat(ctx, arg))


def _post_ref(arg: str) -> tuple[str, int, str]:
    cid, _, rest = arg.partition(":")
    day, _, extra = rest.partition(":")
    if not day.isdecimal() or len(day) > 4:
        raise UsageError("That button has expired.")
    return cid, int(day), extra


async def press_choice(ctx: Ctx, arg: str) -> Reply:
    cid, day, index = _post_ref(arg)
    ch = await _of_this_chat(ctx, cid)
    post = await ctx.repo.challenge_post(ch.id, day)
    prompt = ctx.catalog.prompt_by_id.get(post.prompt_id) if post else None
    if prompt is None or not index.isdecimal() or int(index) >= len(prompt.answer.options):
        raise UsageError("That button has expired.")
    return await answer_post(ctx, ch, day, posted(prompt, ch, day).prompt.answer.options[int(index)])


async def press_answer(ctx: Ctx, arg: str) -> Reply:
    """The post's Answer button where a platform cannot ask for text (Telegram): how to answer."""
    cid, day, _ = _post_ref(arg)
    await _of_this_chat(ctx, cid)
    return Reply("✍️ Reply to the post with your answer, or type `/answer <your answer>` here.")


async def text_answer(ctx: Ctx, arg: str, text: str) -> Reply:
    """Text for a post: Discord's answer modal, or a Telegram reply to the post (``ca`` / ``cc`` actions)."""
    cid, day, _ = _post_ref(arg)
    return await answer_post(ctx, await _of_this_chat(ctx, cid), day, text)


# ---------------------------------------------------------------- the sweep


@dataclass
class ChallengeSweepStats:
    claimed: int = 0
    posted: int = 0
    skipped: int = 0
    ended: int = 0
    paused: int = 0
    failed: int = 0


class ChallengeService:
    """Posts due challenge and daily prompts (and final results) through the platforms' Messengers.

    The scheduler runs :meth:`sweep` every minute; due schedules are read by their indexed ``next_post_at``.
    A schedule whose chat cannot be reached (channel deleted, bot removed) is paused and its organiser told by
    DM where possible.
    """

    def __init__(self, catalog: Catalog, repo: Any, clock: Callable[[], datetime], messengers: dict[str, Messenger],
                 *, batch_size: int = 100, rates: dict[str, float] | None = None, max_retries: int = 3):
        self.catalog = catalog
        self.repo = repo
        self.clock = clock
        self.messengers = messengers
        self.batch_size = batch_size
        self.limiters = {p: RateLimiter(r) for p, r in (DEFAULT_RATES if rates is None else rates).items()}
        self.max_retries = max_retries

    async def sweep(self, now: datetime | None = None) -> ChallengeSweepStats:
        now = now or self.clock()
        stats = ChallengeSweepStats()

        def decide_one(ch: Challenge, used: set[str], challenge_here: bool) -> Decision:
            return decide(self.catalog, ch, now, used, challenge_here)

        while True:
            claims = await self.repo.claim_due_challenges(now, self.batch_size, decide_one, set(self.messengers))
            if not claims:
                break
            for claim in claims:
                stats.claimed += 1
                if not claim.fresh or claim.decision.action == "skip":
                    stats.skipped += 1
                    continue
                try:
                    await self._carry_out(claim, now, stats)
                except Exception:
                    stats.failed += 1
                    log.exception("challenge %s: %s of day %s failed", claim.challenge.id, claim.decision.action,
                                  claim.decision.day)
            if len(claims) < self.batch_size:
                break
        if stats.claimed:
            log.info("challenge sweep: %s", stats)
        return stats

    async def _carry_out(self, claim: PostClaim, now: datetime, stats: ChallengeSweepStats) -> None:
        ch, d = claim.challenge, claim.decision
        where = Destination(ch.platform, ch.chat_id)
        if d.action == "end":
            ended = await self.repo.get_challenge(ch.id) or ch
            board = await challenge_standings(self.repo, self.catalog, ended, now)
            outcome = await self._deliver(where, final_reply(self.catalog, ended, board))
            stats.ended += 1
            if outcome == "unreachable":
                await self._tell_organiser(ch, "I couldn't post the final results of the challenge in its channel "
                                               "or group (deleted, or I was removed). The challenge has ended.")
            return
        assert d.prompt_id is not None and d.closes_at is not None
        prompt = self.catalog.prompt_by_id[d.prompt_id]
        outcome = await self._deliver(where, post_reply(self.catalog, ch, d.day, prompt, d.closes_at,
                                                        terms_of(self.messengers[ch.platform])))
        await self.repo.record_post_outcome(ch.id, d.day, outcome)
        if outcome == "sent":
            stats.posted += 1
        elif outcome == "unreachable":
            stats.paused += 1
            what = f"day {d.day} of the challenge" if ch.kind == CHALLENGE else "the daily study prompt"
            await self.repo.pause_challenge(ch.id, "I could not post in the channel or group")
            log.info("challenge %s paused: %s:%s unreachable", ch.id, ch.platform, ch.chat_id)
            resume = ("`/challenge resume` there carries on, `/challenge end` ends it" if ch.kind == CHALLENGE
                      else "`/daily post HH:MM` there starts it again")
            await self._tell_organiser(ch, f"⏸ I couldn't post {what} in its channel or group (was it deleted, or "
                                           f"was I removed?), so I paused it. {resume}.")
        else:
            stats.failed += 1

    async def _tell_organiser(self, ch: Challenge, text: str) -> None:
        dest = await self.repo.organiser_destination(ch.id)
        if dest is None:
            return
        try:
            await self.messengers[ch.platform].send(dest, Reply(text))
        except Exception as exc:  # DMs closed too: nothing more to do
            log.info("challenge %s: could not tell the organiser (%s)", ch.id, type(exc).__name__)

    async def _deliver(self, where: Destination, reply: Reply) -> str:
        messenger = self.messengers[where.platform]
        limiter_ = self.limiters.get(where.platform)
        for attempt in range(self.max_retries + 1):
            if limiter_ is not None:
                await limiter_.acquire()
            try:
                await messenger.send(where, reply)
                return "sent"
            except Unreachable:
                return "unreachable"
            except RateLimited as exc:
                log.warning("challenge post rate limited on %s; waiting %.1fs", where.platform, exc.retry_after)
                await asyncio.sleep(min(exc.retry_after, 60))
            except Exception:
                log.exception("challenge post to %s:%s failed (attempt %d)", where.platform, where.chat_id,
                              attempt + 1)
                await asyncio.sleep(min(2**attempt, 10) * 0.1)
        return "failed"
