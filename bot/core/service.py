"""The core's entry points: text, commands with arguments, and button presses, all returning Replies."""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.markup import esc
from bot.core.model import Actor, Button, Reply
from bot.core.ports import Clock, Learner, Repository
from bot.core.registry import MAX_ARG_CHARS, Arg, Command, Registry, named_options
from bot.core.streaks import study_date

if TYPE_CHECKING:
    from bot.content.loader import Catalog

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000


def organisers_only(actor: Actor, command: str) -> Reply:
    """The refusal of an organiser command to someone who is not one here, in their platform's words."""
    terms = actor.terms
    whom = f"works in {terms.chat}, for its organisers" if actor.is_private else f"is for {terms.organisers}"
    return Reply(f"🚫 {command} {whom}. Nothing was changed.")


class UsageError(Exception):
    """Bad input: the message is shown to the learner (with ``buttons``, e.g. suggestions), nothing is changed."""

    def __init__(self, message: str, buttons: tuple[tuple[Button, ...], ...] = (), suggestions: Sequence[str] = (),
                 *, alert: bool = False):
        super().__init__(message)
        self.buttons = buttons
        self.suggestions = tuple(suggestions)  # close valid values, for callers that offer them as buttons
        self.alert = alert  # the answer to a button press is for the presser only (Reply.alert)


@dataclass
class Ctx:
    core: Core
    actor: Actor
    now: datetime
    _learner: Learner | None = field(default=None, repr=False)

    @property
    def catalog(self) -> Catalog:
        return self.core.catalog

    @property
    def repo(self) -> Repository:
        return self.core.repo

    async def learner(self) -> Learner:
        """The learner behind this actor, created on first use."""
        if self._learner is None:
            self._learner = await self.repo.get_or_create_learner(
                self.actor.platform, self.actor.user_id, self.actor.display_name,
                self.core.default_timezone, self.now,
                dm_chat_id=self.actor.chat_id if self.actor.is_private else None,
            )
        return self._learner

    async def existing_learner(self) -> Learner | None:
        if self._learner is None:
            self._learner = await self.repo.find_learner(self.actor.platform, self.actor.user_id)
        return self._learner

    async def refresh(self) -> Learner:
        self._learner = None
        return await self.learner()

    def local_date(self, learner: Learner) -> date:
        return self.now.astimezone(zone(learner.timezone)).date()

    def study_date(self, learner: Learner) -> date:
        """The local date a study now counts for (its streak's today): see :func:`bot.core.streaks.study_date`."""
        return study_date(self.now, self.local_date(learner), learner.study_day, learner.study_day_until)

    def study_mark(self, learner: Learner) -> tuple[date, datetime | None]:
        """What a study now writes: the date it counts for, and when that date is new, the instant it ends here
        (stored as the learner's ``study_day_until``); None when it counts for the last study day."""
        day = self.study_date(learner)
        if day == learner.study_day:
            return day, None
        return day, self.day_start(learner, 1)

    def day_start(self, learner: Learner, days: int = 0) -> datetime:
        """The instant (UTC) the learner's local day ``days`` after today begins: 0 today, 1 tomorrow."""
        from bot.core.reminders import local_instant  # reminders imports this module

        return local_instant(self.local_date(learner) + timedelta(days=days), datetime.min.time(), learner.timezone)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=1)
def all_zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def resolve_zone(text: str) -> str:
    """The IANA zone a learner named exactly (any case, spaces for underscores; ``UTC``), or UsageError with the
    closest zones as ``suggestions``: a partial name such as ``berlin`` is never taken as a guess."""
    t = text.strip().replace(" ", "_")
    if not t:
        raise UsageError("Tell me a time zone like `Europe/Berlin` or `America/New_York`.")
    if t.upper() == "UTC":
        return "UTC"
    if len(t) <= 64 and re.fullmatch(r"[A-Za-z0-9_+\-/]+", t):
        zones = all_zones()
        lower = {z.lower(): z for z in zones}
        if t.lower() in lower:
            return lower[t.lower()]
        close = [z for z in zones if z.lower().rsplit("/", 1)[-1] == t.lower()]  # a city: Berlin
        close = close or difflib.get_close_matches(t, zones, n=3, cutoff=0.6)
        if not close:
            city = {z.rsplit("/", 1)[-1].lower(): z for z in zones}
            close = [city[c] for c in difflib.get_close_matches(t.lower(), list(city), n=3, cutoff=0.6)]
        if not close:
            close = [z for z in zones if t.lower() in z.lower()][:3]  # part of a name: york
        if close:
            raise UsageError(
                f"I don't know the time zone “{esc(text.strip())}”. Did you mean " + " or ".join(f"`{c}`" for c in close[:3])
                + "? Time zones are full IANA names, like `Europe/Berlin`.", suggestions=close[:3],
            )
    raise UsageError(f"I don't know the time zone “{esc(text.strip()[:40])}”. Use an IANA name like `Europe/Berlin`.")


# ---------------------------------------------------------------- whose button it is

OWNER_MARK = "~"  # a personal reply's button in a shared chat: ``<action>~<owner tag>``
_TAG = re.compile(r"[0-9a-z]{1,13}")
_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# what a button of a personal message is, for the one who presses someone else's
_BELONGS = {"d": "lesson", "p": "lesson", "s": "lesson", "c": "question", "h": "question", "v": "question",
            "k": "question", "g": "question"}


def owner_tag(user_id: str) -> str:
    """A platform user id (Telegram's and Discord's are numbers) in base 36, as a button carries it; "" for an
    id that is not a number (the console's, always private)."""
    if not re.fullmatch(r"[0-9]{1,20}", user_id):
        return ""
    n, out = int(user_id), ""
    while True:
        n, d = divmod(n, 36)
        out = _DIGITS36[d] + out
        if not n:
            return out


def split_owner(action: str) -> tuple[str, str]:
    """A button's action without its owner tag, and the tag ("" when it has none)."""
    base, mark, tag = action.rpartition(OWNER_MARK)
    if mark and _TAG.fullmatch(tag):
        return base, tag
    return action, ""


def owned(actor: Actor, replies: list[Reply]) -> list[Reply]:
    """In a shared chat (a group, a server channel), the buttons of a personal reply carry the tag of the person
    it is for: anyone else who presses one is told it is not theirs (:meth:`Core.press`), and nothing changes.
    A button whose action would not fit in 64 bytes with the tag stays as it is (every action still acts only
    on the presser's own state)."""
    tag = owner_tag(actor.user_id)
    if actor.is_private or not tag:
        return replies

    def stamp(b: Button) -> Button:
        action = f"{b.action}{OWNER_MARK}{tag}"
        return dataclasses.replace(b, action=action) if len(action.encode()) <= 64 else b

    return [dataclasses.replace(r, buttons=tuple(tuple(stamp(b) for b in row) for row in r.buttons))
            if r.private and r.buttons else r for r in replies]


async def not_yours(ctx: Ctx, verb: str, tag: str) -> Reply:
    """Someone pressed (or replied to) a button of a message meant for another person: say whose, change nothing."""
    owner = await ctx.repo.find_learner(ctx.actor.platform, str(int(tag, 36)))
    whose = f"{esc(owner.display_name[:40])}'s" if owner is not None else "someone else's"
    thing = _BELONGS.get(verb)
    if thing:
        raise UsageError(f"🔒 This is {whose} {thing} — /next gives you yours.", alert=True)
    raise UsageError(f"🔒 This button is {whose}, so it does nothing for you. /next gives you your own next step.",
                     alert=True)


def suggest_zones(prefix: str, limit: int = 25) -> list[str]:
    p = prefix.strip().lower().replace(" ", "_")
    zones = all_zones()
    if not p:
        return list(zones[:limit])
    hits = [z for z in zones if z.lower().startswith(p)]
    hits += [z for z in zones if p in z.lower() and z not in hits]
    return hits[:limit]


class Core:
    def __init__(
        self,
        catalog: Catalog,
        repo: Repository,
        clock: Clock,
        registry: Registry | None = None,
        default_timezone: str = "UTC",
    ):
        from bot.core import commands

        self.catalog = catalog
        self.repo = repo
        self.clock = clock
        self.default_timezone = default_timezone
        self.registry = registry or commands.build_registry()
        self.actions = commands.ACTIONS
        self.text_actions = commands.TEXT_ACTIONS  # actions that take a typed text (Core.answer_to)
        # Optional: called as observer(event, **fields) — ("command", name, platform, seconds, outcome) for
        # every command, button and answer; ("answer_check", result) for every checked answer. The composition
        # root points it at the metrics; the core never depends on what it does, and its errors are ignored.
        self.observer: Callable[..., None] | None = None

    def ctx(self, actor: Actor) -> Ctx:
        return Ctx(self, actor, self.clock())

    def observe(self, event: str, **fields: Any) -> None:
        if self.observer is not None:
            try:
                self.observer(event, **fields)
            except Exception:
                log.debug("the observer failed on %s", event, exc_info=True)

    # ------------------------------------------------------------ entry points

    async def handle_text(self, actor: Actor, text: str, *, reply_actions: Sequence[str] = ()) -> list[Reply]:
        """A line typed by a learner: a command (``/next``, ``/answer 3/4``) or free text.

        ``reply_actions``: the button actions of the message this text replies to (Telegram groups); free text
        replying to a message with a button that takes text (a challenge post) goes to that action.
        """
        text = text.strip()
        if not text:
            return [Reply("Type /next to study, or /help to see what I can do.")]
        if text.startswith("/"):
            head, _, rest = text[1:].partition(" ")
            name = head.split("@", 1)[0]
            return await self.run(actor, name, rest)
        mine = owner_tag(actor.user_id)
        for action in reply_actions:
            base, tag = split_owner(action)
            if tag and tag != mine:  # a reply to someone else's lesson or question
                return await self._guard(actor, "answer", not_yours, base.partition(":")[0], tag)
        for action in reply_actions:
            if split_owner(action)[0].partition(":")[0] in self.text_actions:
                return await self.answer_to(actor, action, text)
        return await self._guard(actor, "answer", self._free_text, text)

    async def run(self, actor: Actor, name: str, args: str | dict[str, Any] = "") -> list[Reply]:
        """Run a command with raw text arguments (console, Telegram) or typed options (Discord)."""
        command = self.registry.get(name) if len(name) <= 40 else None
        if command is None:
            close = self.registry.closest(name[:40])
            shown = esc(name[:40])
            hint = f" Did you mean /{close[0]}?" if close else ""
            return [Reply(f"I don't know the command /{shown}.{hint} Type /help to see them all.")]
        return await self._guard(actor, name, self._run, command, args)

    async def press(self, actor: Actor, action: str) -> list[Reply]:
        """A button was pressed; ``action`` is what the core put in the Button (with its owner's tag in a shared
        chat: only that person's press acts)."""
        base, tag = split_owner(action)
        verb, _, arg = base.partition(":")
        handler = self.actions.get(verb)
        if handler is None or len(action) > 64:
            return [Reply("That button has expired. Type /next to carry on.", buttons=((NEXT_BUTTON,),))]
        if tag and tag != owner_tag(actor.user_id):
            return await self._guard(actor, f"button:{verb}", not_yours, verb, tag)
        return await self._guard(actor, f"button:{verb}", handler, arg)

    async def answer_to(self, actor: Actor, action: str, text: str) -> list[Reply]:
        """Text typed for a button that asks for it (Discord's modal; a Telegram reply to the message)."""
        base, tag = split_owner(action)
        verb, _, arg = base.partition(":")
        handler = self.text_actions.get(verb)
        if handler is None or len(action) > 64:
            return [Reply("That button has expired. Type /next to carry on.", buttons=((NEXT_BUTTON,),))]
        if len(text) > MAX_TEXT_CHARS:
            return [Reply("That answer is too long.")]
        if tag and tag != owner_tag(actor.user_id):
            return await self._guard(actor, f"text:{verb}", not_yours, verb, tag)
        return await self._guard(actor, f"text:{verb}", handler, arg, text.strip())

    async def has_open_question(self, actor: Actor) -> bool:
        learner = await self.repo.find_learner(actor.platform, actor.user_id)
        return bool(learner and learner.open_prompt)

    # ------------------------------------------------------------ internals

    async def _guard(self, actor: Actor, what: str, fn, *args: Any) -> list[Reply]:
        ctx = self.ctx(actor)
        started = time.perf_counter()
        outcome = "error"
        try:
            # one transaction, after this person's earlier commands (a double tap, a retried callback)
            async with self.repo.unit(actor.key):
                out = await fn(ctx, *args)
                replies = await self._tell_unreachable(ctx, out)
            outcome = "ok"
        except UsageError as exc:
            outcome = "usage"
            return owned(actor, [Reply(str(exc), buttons=exc.buttons, alert=exc.alert)])
        except Exception:
            log.exception("error while handling %s for %s:%s", what, actor.platform, actor.user_id)
            return [Reply("Sorry, something went wrong on my side. Please try again in a moment.")]
        finally:
            elapsed = time.perf_counter() - started
            log.debug("%s took %.1f ms", what, elapsed * 1000)
            self.observe("command", name=what, platform=actor.platform, seconds=elapsed, outcome=outcome)
        return owned(actor, replies)

    async def _tell_unreachable(self, ctx: Ctx, out: Any) -> list[Reply]:
        replies = [r for r in (out if isinstance(out, list) else [out]) if r is not None] or [Reply("Done.")]
        if ctx._learner is not None and ctx._learner.unreachable:
            # a reminder could not be delivered: reminders were turned off; say so now that they write
            await self.repo.update_learner(ctx._learner.id, unreachable=False)
            replies.insert(0, Reply(
                "📭 I couldn't deliver your last reminder (were my messages blocked?), so I turned reminders off. "
                "Turn them back on with `/remind HH:MM`."
            ))
        return replies

    async def _run(self, ctx: Ctx, command: Command, args: str | dict[str, Any]) -> Any:
        if command.admin and not ctx.actor.is_admin:
            return organisers_only(ctx.actor, f"/{command.name}")
        values = parse_args(self, command, args)
        return await command.handler(ctx, values)

    async def _free_text(self, ctx: Ctx, text: str) -> Any:
        from bot.core import learning

        learner = await ctx.existing_learner()
        if learner and learner.open_prompt:
            return await learning.answer(ctx, text)
        late = await learning.typed_after_close(ctx, learner, text) if learner else None
        if late is not None:
            raise late
        return Reply(
            "No question is open — /next gives you one. (/help shows everything I can do.)",
            buttons=((NEXT_BUTTON,),),
        )


NEXT_BUTTON = Button("Next ▶", "n", "primary")


def parse_args(core: Core, command: Command, raw: str | dict[str, Any]) -> dict[str, Any]:
    """Turn raw text (``"Europe/Berlin"``) or typed options into validated values, or raise UsageError."""
    usage = f"Usage: `{command.usage}`" + (f", e.g. `{command.example}`" if command.example != f"/{command.name}" else "")
    values: dict[str, Any] = {}
    if isinstance(raw, dict):
        unknown = set(raw) - {a.name for a in command.args}
        if unknown:
            raise UsageError(f"/{command.name} has no option {', '.join(sorted(unknown))}. {usage}")
        items = {k: ("" if v is None else str(v)) for k, v in raw.items()}
    else:
        if len(raw) > MAX_TEXT_CHARS:
            raise UsageError(f"That is too long for /{command.name}. {usage}")
        items = {}
        rest = raw.strip()
        named = named_options(command, rest)  # ``name:value`` words (``/challenge start days:7 ...``)
        if named is not None:
            rest = named.pop("", "")
            items, command_args = named, ()
        else:
            command_args = command.args
        for arg in command_args:
            if not rest:
                break
            if arg.kind == "text" or arg is command.args[-1]:
                items[arg.name], rest = rest, ""
            else:
                items[arg.name], _, rest = rest.partition(" ")
                rest = rest.strip()
        if rest:
            raise UsageError(f"/{command.name} takes {len(command.args) or 'no'} argument(s). {usage}")
    for arg in command.args:
        text = items.get(arg.name, "").strip()
        if not text:
            if arg.required:
                raise UsageError(f"/{command.name} needs {arg.name}: {arg.help}. {usage}")
            continue
        if len(text) > MAX_ARG_CHARS and arg.kind != "text":
            raise UsageError(f"That {arg.name} is too long. {usage}")
        values[arg.name] = convert(core, arg, text, usage)
    return values


def convert(core: Core, arg: Arg, text: str, usage: str) -> Any:
    if arg.kind in ("text", "word"):
        return text
    if arg.kind == "int":
        if arg.min is not None and arg.max is not None:
            allowed = f" from {arg.min} to {arg.max}"
        elif arg.min is not None or arg.max is not None:
            allowed = f" of at least {arg.min}" if arg.min is not None else f" of at most {arg.max}"
        else:
            allowed = ""
        if not re.fullmatch(r"[+-]?\d+", text):  # its length is bounded by MAX_ARG_CHARS
            raise UsageError(f"{arg.name} must be a whole number{allowed}. {usage}")
        n = int(text)
        if (arg.min is not None and n < arg.min) or (arg.max is not None and n > arg.max):
            given = f"; {esc(text)} is not" if len(text) <= 12 else ""
            raise UsageError(f"{arg.name} must be a whole number{allowed}{given}. {usage}")
        return n
    if arg.kind == "choice":
        low = text.lower()
        if low in arg.choices:
            return low
        raise UsageError(f"{arg.name} must be one of: {', '.join(arg.choices)}. {usage}")
    if arg.kind == "time":
        m = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", text)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise UsageError(f"{arg.name} must be a time like 07:30 or 19:00 (24-hour). {usage}")
        return f"{int(m.group(1)):02d}:{int(m.group(2)):02d}"
    if arg.kind == "topic":
        if text.lower() in arg.choices:  # fixed words a topic argument also takes, e.g. ``all``
            return text.lower()
        topic = core.catalog.find_topic(text)
        if topic is None:
            close = core.catalog.suggest_topics(text)
            known = ", ".join(f"`{t.id}`" for t in core.catalog.topics)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(f"I don't know a topic called “{esc(text[:60])}”.{hint} Topics: {known}.")
        return topic.id
    if arg.kind == "timezone":
        try:
            return resolve_zone(text)
        except UsageError as exc:
            if not (arg.pick and exc.suggestions):
                raise
            # the suggestions as buttons: one tap sets the zone meant
            buttons = tuple((Button(z, f"{arg.pick}:{z}"),) for z in exc.suggestions)
            raise UsageError(str(exc), buttons=buttons) from None
    if arg.kind == "command":
        name = text.lstrip("/").lower()
        if core.registry.get(name) is None:
            close = core.registry.closest(name[:40])
            hint = f" Did you mean /{close[0]}?" if close else ""
            raise UsageError(f"There is no command /{esc(name[:40])}.{hint}")
        return name
    raise AssertionError(arg.kind)
