"""The schema, as SQLAlchemy Core tables. Migrations in ``migrations/`` build exactly this."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)


class UTCDateTime(TypeDecorator):
    """Instants stored as naive UTC (portable across SQLite and PostgreSQL), returned tz-aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC instant")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


metadata = MetaData()

learners = Table(
    "learners",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("focus_topic", String(40)),
    # what the learner is in the middle of
    Column("lesson_unit", String(40)),  # a lesson was shown and waits for Done / Skip
    Column("open_prompt", String(60)),  # a question is open
    Column("open_source", String(16)),  # practice | review | daily
    Column("open_hints", Integer, nullable=False, server_default="0"),  # hints shown so far
    Column("open_revealed", Boolean, nullable=False, server_default="0"),
    Column("open_at", UTCDateTime),
    # reminders
    Column("reminder_time", String(5)),  # local HH:MM, NULL = off
    Column("reminder_next_at", UTCDateTime),  # next instant to send, UTC; indexed for the sweep
    Column("reminder_paused_until", Date),
    Column("reminder_when_studied", String(8), nullable=False, server_default="skip"),
    Column("unreachable", Boolean, nullable=False, server_default="0"),
    Column("reminder_snoozed", Boolean, nullable=False, server_default="0"),  # the next send is a snooze
    # today's prompt, stable for the learner's local day (/daily and the reminder carry it)
    Column("daily_date", Date),
    Column("daily_prompt", String(60)),
    # the open question's wrong tries so far, one normalised answer a line (a choice: the option's text)
    Column("open_tried", Text, nullable=False, server_default=""),
    # the last local date studied and the instant it ends in the zone it was earned in: until then a study
    # counts for that date, whatever the zone now (a zone change never makes a second day of one sitting)
    Column("study_day", Date),
    Column("study_day_until", UTCDateTime),
    # a pending destructive confirm (/forget): its single-use nonce and when it expires
    Column("confirm_nonce", String(32)),
    Column("confirm_until", UTCDateTime),
    # the open question's template parameters as drawn (JSON; "" for a fixed prompt)
    Column("open_params", Text, nullable=False, server_default=""),
    # a placement quiz under way or stopped (JSON, bot.core.placement; "" for none)
    Column("placement", Text, nullable=False, server_default=""),
    Index("ix_learners_reminder_next_at", "reminder_next_at"),
)

identities = Table(
    "identities",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("dm_chat_id", String(64)),
    Index("ix_identities_learner", "learner_id"),
)

unit_progress = Table(
    "unit_progress",
    metadata,
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", String(40), primary_key=True),
    Column("status", String(10), nullable=False),  # learning | done | skipped
    Column("lesson_done_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    # the mastery level, 0 not started .. 4 mastered (bot.core.mastery), and the prompts right on spaced
    # reviews since it became proficient (one a line)
    Column("level", Integer, nullable=False, server_default="0"),
    Column("level_wins", Text, nullable=False, server_default=""),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
    Column("prompt_id", String(60), nullable=False),
    Column("unit_id", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("hinted", Boolean, nullable=False, server_default="0"),
    Column("revealed", Boolean, nullable=False, server_default="0"),
    Column("answer", Text, nullable=False, server_default=""),
    Column("source", String(16), nullable=False, server_default="practice"),
    Column("params", Text, nullable=False, server_default=""),  # a template's parameters as asked (JSON)
    Index("ix_attempts_learner_unit", "learner_id", "unit_id"),
)

review_cards = Table(
    "review_cards",
    metadata,
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    Column("prompt_id", String(60), primary_key=True),
    Column("card", Text, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Index("ix_review_cards_due", "learner_id", "due_at"),
)

study_days = Table(
    "study_days",
    metadata,
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
)

# One row per learner, local date and kind, written before sending: a crash, a restart or a second
# process can never send the same day's reminder twice.
reminder_log = Table(
    "reminder_log",
    metadata,
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("kind", String(8), primary_key=True),  # daily | s<HH:MM> (a snoozed reminder)
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("outcome", String(12), nullable=False, server_default="claimed"),  # claimed | sent | unreachable | failed
)

# ---------------------------------------------------------------- challenges and channel daily posts
# A row per schedule of a channel / group: a scored challenge (kind "challenge") or a daily study post
# (kind "daily", no scores, no end). At most one open (not ended) schedule of each kind per chat, enforced by
# a partial unique index. ``next_post_at`` (indexed) is the next post or, after the last day, the end.
challenges = Table(
    "challenges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # challenge | daily
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),  # the channel / group
    Column("guild_id", String(64)),  # the Discord server (Telegram: the group)
    Column("status", String(8), nullable=False),  # active | paused | ended
    Column("topic", String(40)),  # NULL: all topics
    Column("days", Integer),  # NULL: a daily post, no end
    Column("post_time", String(5), nullable=False),  # local HH:MM
    Column("timezone", String(64), nullable=False),
    Column("start_date", Date, nullable=False),  # the local date of day 1
    Column("ends_at", UTCDateTime),  # after the last day's window (challenges)
    Column("next_day", Integer, nullable=False),  # the day number next_post_at is for
    Column("next_post_at", UTCDateTime),  # UTC; NULL when paused or ended
    Column("organiser_id", Integer, ForeignKey("learners.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("paused_reason", String(200)),
    Index("ix_challenges_next_post_at", "next_post_at"),
    Index("ix_challenges_chat", "platform", "chat_id"),
    Index("uq_challenges_open", "platform", "chat_id", "kind", unique=True,
          sqlite_where=text("status != 'ended'"), postgresql_where=text("status != 'ended'")),
)

challenge_members = Table(
    "challenge_members",
    metadata,
    Column("challenge_id", Integer, ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    Column("joined_at", UTCDateTime, nullable=False),
    Column("left_at", UTCDateTime),  # NULL: a member now
    Index("ix_challenge_members_learner", "learner_id"),
)

# One row per schedule and day, written before the post is sent: a crash, a restart or a second process
# never posts the same day twice.
challenge_posts = Table(
    "challenge_posts",
    metadata,
    Column("challenge_id", Integer, ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("prompt_id", String(60), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),  # claimed (then sent) at
    Column("closes_at", UTCDateTime, nullable=False),  # answers count until then
    Column("outcome", String(12), nullable=False, server_default="claimed"),  # claimed | sent | unreachable | failed
)

# A member's one counted answer per post (the primary key makes it one).
challenge_answers = Table(
    "challenge_answers",
    metadata,
    Column("challenge_id", Integer, ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    Column("answered_at", UTCDateTime, nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("ms", Integer, nullable=False),  # from the post to the answer
    Column("answer", Text, nullable=False, server_default=""),
    Index("ix_challenge_answers_learner", "learner_id"),
)
