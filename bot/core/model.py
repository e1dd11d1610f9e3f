"""Platform-neutral values that cross the boundary between the core and the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.content.figures import FigureSpec


@dataclass(frozen=True)
class Terms:
    """A platform's words for what the core's texts mention: each adapter gives its own (Actor.terms, and its
    Messenger's ``terms`` for posts and reminders), so no reply names another platform's things. These
    defaults are the console's, and read right anywhere."""

    chat: str = "a group chat"  # where challenges and daily posts run: "/challenge works in {chat}"
    organisers: str = "the chat's organisers"  # who may run organiser commands there: "is for {organisers}"
    community: str = "study group"  # whose organisers start challenges: "ask your {community}'s organisers"
    answer: str = "Type your answer"  # how an open question is answered in a private chat ...
    answer_shared: str = "Reply to this message with your answer"  # ... and in a shared one
    again: str = "Type your next try."  # how to answer again after a wrong try, in a private chat ...
    again_shared: str = "Reply to this message with your next try."  # ... and in a shared one
    # how a challenge or daily post is answered by typing (it also has an **Answer ✍️** button) ...
    answer_post: str = "Press **Answer ✍️** or reply to this message"
    posts_answered: str = "with its buttons or by replying to it"  # ... said once, when a challenge starts


DEFAULT_TERMS = Terms()


@dataclass(frozen=True)
class Actor:
    """Who is talking to the bot, and where."""

    platform: str  # "discord" | "telegram" | "console"
    user_id: str  # the platform's user id, as text
    display_name: str
    chat_id: str | None = None  # where the message came from (channel / group / DM)
    is_private: bool = True  # a DM / private chat / console
    is_admin: bool = False  # may run organiser commands here (Manage Server; group admin)
    guild_id: str | None = None  # Discord server or Telegram group the chat belongs to
    terms: Terms = field(default_factory=Terms)  # this platform's words (the adapter's)

    @property
    def answer_how(self) -> str:
        """How to answer an open question here, in this platform's words."""
        return self.terms.answer if self.is_private else self.terms.answer_shared

    @property
    def answer_again(self) -> str:
        """How to answer an open question again here (after a wrong try)."""
        return self.terms.again if self.is_private else self.terms.again_shared

    @property
    def key(self) -> str:
        """The person, whatever the chat: ``platform:user_id`` (their commands take turns on it)."""
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Button:
    """A button; ``action`` is opaque to adapters and comes back to the core when pressed (<= 64 bytes)."""

    label: str
    action: str
    style: str = "secondary"  # "primary" | "secondary" | "success" | "danger"
    # pressing asks for a typed text first (Discord: a modal); the text comes back with the action through
    # Core.answer_to. Where a platform cannot ask, the press goes to Core.press as usual.
    asks_text: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """What the core wants shown.

    ``text`` uses a small neutral markup (see :mod:`bot.core.markup`): ``**bold**``, ``_italic_``,
    ``[label](url)``, ```code```, and LaTeX between ``$...$``. Adapters turn it into their platform's format.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    image: bytes | None = None  # a PNG (chart) to show with the text
    file: Attachment | None = None
    private: bool = True  # personal: ephemeral on Discord, quoted reply in Telegram groups
    math: bool = False  # the text has formulas worth rendering as an image where images are shown
    expects_answer: bool = False  # a question is open: free text from this learner is an answer
    # lessons, resources: a title for embeds; the text's first line is the heading that names it in bold, which
    # an embed does not repeat (see bot.adapters.discord.embed_heading)
    title: str = ""
    links: tuple[tuple[str, str], ...] = ()  # lessons: (label, url) for embeds / link lists
    chart: ProgressSnapshot | None = None  # adapters that show images render it (bot.render.charts)
    figures: tuple[FigureSpec, ...] = ()  # pictures of the lesson or question (bot.render.figures)
    # shown instead of ``text`` in a shared chat that cannot show this reply privately (Telegram groups);
    # the full reply then goes to the person's DM where the platform allows (they started the bot)
    public_text: str = ""
    # personal data (/export, /progress, /settings, the /forget confirm): never shown in a shared chat. Discord
    # shows it ephemeral; a Telegram group gets ``public_text`` (or a short "sent privately") and the reply goes
    # to the person's private chat; when they have not started the bot there, the group gets a line saying how
    confidential: bool = False
    alert: bool = False  # a short answer to a button press, for the presser only (Telegram: a popup)

    @property
    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


@dataclass(frozen=True)
class TopicProgress:
    topic_id: str
    title: str
    done: int
    total: int
    levels: tuple[int, ...] = ()  # how many of its units are at each mastery level (bot.core.mastery.LEVELS)


@dataclass(frozen=True)
class ReviewForecast:
    """How many reviews come when, by the learner's calendar: due now, later today, tomorrow, and after
    tomorrow within the week; ``next_at``: the next due instant when none comes within the week."""

    due_now: int
    later_today: int
    tomorrow: int
    this_week: int
    next_at: datetime | None = None


@dataclass(frozen=True)
class ProgressSnapshot:
    """Everything /progress shows; also the input of the progress chart."""

    display_name: str
    topics: tuple[TopicProgress, ...]
    attempts: int
    correct: int
    streak: int
    best_streak: int
    freezes_left: int
    study_dates: tuple[date, ...]  # local dates with real study, recent weeks
    today: date
    reviews_due: int  # due now
    frozen_dates: tuple[date, ...] = field(default_factory=tuple)
    reviews: ReviewForecast = field(default_factory=lambda: ReviewForecast(0, 0, 0, 0))
    timezone: str = "UTC"

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None
