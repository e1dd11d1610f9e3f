"""What the core needs from the outside world, as protocols and plain records.

Storage (``bot.storage``) and the adapters implement these; the core never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.model import DEFAULT_TERMS, Reply, Terms

Clock = Callable[[], datetime]  # returns an aware UTC instant


@dataclass(frozen=True)
class Learner:
    id: int
    display_name: str
    created_at: datetime  # fields from here on are in the order of the learners table's columns
    timezone: str
    focus_topic: str | None = None
    lesson_unit: str | None = None
    open_prompt: str | None = None
    open_source: str | None = None
    open_hints: int = 0
    open_revealed: bool = False
    open_at: datetime | None = None
    reminder_time: str | None = None
    reminder_next_at: datetime | None = None
    reminder_paused_until: date | None = None
    reminder_when_studied: str = "skip"
    unreachable: bool = False
    reminder_snoozed: bool = False
    daily_date: date | None = None
    daily_prompt: str | None = None
    open_tried: str = ""  # the open question's wrong tries, one normalised answer a line
    study_day: date | None = None  # the last local date studied (streaks.study_date)
    study_day_until: datetime | None = None  # when that date ends in the zone it was earned in
    confirm_nonce: str | None = None  # a pending /forget confirm: the nonce its buttons carry
    confirm_until: datetime | None = None  # when that confirm expires
    open_params: str = ""  # the open question's template parameters as drawn (JSON; "" for a fixed prompt)
    placement: str = ""  # a placement quiz under way or stopped (JSON, bot.core.placement; "" for none)

    @property
    def tried(self) -> tuple[str, ...]:
        """The open question's wrong tries so far (an unreadable answer is never one)."""
        return tuple(self.open_tried.split("\n")) if self.open_tried else ()


# the learner's columns when no question is open (a question closed, or a placement quiz stopped)
NO_OPEN_QUESTION: dict[str, Any] = {"open_prompt": None, "open_source": None, "open_hints": 0, "open_revealed": False,
                                    "open_at": None, "open_tried": "", "open_params": ""}


@dataclass(frozen=True)
class UnitState:
    status: str  # learning | done | skipped
    lesson_done: bool
    level: int = 0  # the mastery level (bot.core.mastery.LEVELS)
    wins: tuple[str, ...] = ()  # prompts right on spaced reviews since the unit became proficient


@dataclass(frozen=True)
class LastAttempt:
    """The newest attempt row of a learner's own practice (challenge answers aside): what closed a question."""

    prompt_id: str
    at: datetime
    correct: bool
    revealed: bool
    source: str  # practice | review | daily | skip
    params: str = ""  # a template's parameters as asked


@dataclass(frozen=True)
class PromptStats:
    """Per prompt of one unit: how often tried, whether ever right."""

    tries: int
    correct: bool


@dataclass(frozen=True)
class AnswerRecord:
    """Everything one checked answer changes, written in one transaction."""

    learner_id: int
    prompt_id: str
    unit_id: str
    at: datetime
    correct: bool
    hinted: bool
    revealed: bool
    answer: str
    source: str
    study_day: date | None  # the local date it counts for in the streak; None: no study
    card: str | None  # new review card (FSRS JSON), None to leave it
    card_due: datetime | None
    complete_unit: bool  # the unit is now complete
    # None: the answer closes the open question; else it stays open and these learner fields are set
    keep_open: dict[str, Any] | None = None
    study_until: datetime | None = None  # a new study day: the instant it ends here (Learner.study_day_until)
    params: str = ""  # a template's parameters as asked (JSON; "" for a fixed prompt)
    level: tuple[int, tuple[str, ...]] | None = None  # the unit's new mastery level and wins; None: unchanged


class Repository(Protocol):
    def unit(self, key: str | None = None) -> AbstractAsyncContextManager[None]:
        """One unit of work (a command): one transaction, committed when it ends, rolled back on an error;
        units with the same ``key`` (a person) take turns, across processes too."""
        ...

    async def find_learner(self, platform: str, user_id: str) -> Learner | None: ...
    async def get_or_create_learner(
        self, platform: str, user_id: str, display_name: str, timezone: str, now: datetime,
        dm_chat_id: str | None = None,
    ) -> Learner: ...
    async def update_learner(self, learner_id: int, **fields: Any) -> None: ...
    async def unit_states(self, learner_id: int) -> dict[str, UnitState]: ...
    async def set_unit(
        self, learner_id: int, unit_id: str, status: str, *, lesson_done_at: datetime | None = None,
        completed_at: datetime | None = None, study_day: date | None = None, study_until: datetime | None = None,
        level: int | None = None,
    ) -> None: ...
    async def prompt_stats(self, learner_id: int, unit_id: str) -> dict[str, PromptStats]: ...
    async def record_answer(self, rec: AnswerRecord) -> None: ...
    async def card(self, learner_id: int, prompt_id: str) -> str | None: ...
    async def due_reviews(self, learner_id: int, now: datetime, limit: int = 1) -> list[str]: ...
    async def review_schedule(self, learner_id: int, until: datetime) -> list[tuple[str, datetime]]:
        """(prompt id, due) of the cards due before ``until``, earliest first."""
        ...
    async def recent_attempts(self, learner_id: int, limit: int) -> list[tuple[str, str, str]]:
        """(prompt id, unit id, source) of the learner's last ``limit`` attempt rows, newest first."""
        ...
    async def answered_since(self, learner_id: int, prompt_id: str, since: datetime) -> bool | None:
        """None: no answer to the prompt since ``since`` (skips aside); else whether one of them was right."""
        ...
    async def last_attempt(self, learner_id: int, prompt_id: str | None = None) -> LastAttempt | None:
        """The learner's newest practice attempt (of ``prompt_id`` only, if given); None if there is none."""
        ...
    async def next_review_at(self, learner_id: int) -> datetime | None: ...
    async def study_days(self, learner_id: int, since: date) -> list[date]: ...
    async def attempt_totals(self, learner_id: int) -> tuple[int, int]: ...
    async def export_learner(self, learner_id: int) -> dict[str, Any]: ...
    async def forget_learner(self, learner_id: int) -> None: ...


class Unreachable(Exception):
    """The platform says this destination cannot be messaged (blocked the bot, left, DMs closed)."""


class RateLimited(Exception):
    def __init__(self, retry_after: float):
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Destination:
    platform: str
    chat_id: str  # a DM chat / user id / channel / group
    user_id: str | None = None


class Messenger(Protocol):
    """Outgoing messages for reminders and challenge posts. Raises Unreachable / RateLimited.

    ``terms``: the platform's words, for the texts of what it sends (a messenger without them gets the
    neutral defaults, see :func:`terms_of`)."""

    terms: Terms

    async def send(self, destination: Destination, reply: Reply) -> None: ...


def terms_of(messenger: Messenger | None) -> Terms:
    """The words of a messenger's platform; the neutral ones for none, or a messenger without its own."""
    terms = getattr(messenger, "terms", None)
    return terms if isinstance(terms, Terms) else DEFAULT_TERMS
