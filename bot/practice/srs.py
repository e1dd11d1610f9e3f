"""Spaced repetition with FSRS (the ``fsrs`` package, v6).

A learner's memory of one prompt is an FSRS card, stored as JSON text. Each answer reviews the card with a
rating and yields the next due instant. The clock is always injected (``now``) so scheduling is testable and
deterministic; fuzzing is disabled for the same reason.

The parameters in use are the constants below, and only they. FSRS's default learning steps (1 and 10 minutes)
suit flashcards; a maths prompt answered right first time has shown the skill, so there are no steps: its first
review is FSRS's own interval (2 days for "good", 1 day for "hard"). Only a prompt missed or revealed ("again")
comes back the same day, ``MISSED_COMES_BACK_AFTER`` later, when the learner has moved on to other prompts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Literal

from fsrs import Card, Rating, Scheduler, State

RatingName = Literal["again", "hard", "good"]

_RATINGS: dict[str, Rating] = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good}

# ---- the FSRS parameters in use (FSRS-6 with its default weights)
DESIRED_RETENTION = 0.9  # the chance to still know a prompt when its review comes due; FSRS sets intervals by it
LEARNING_STEPS: tuple[timedelta, ...] = ()  # none: right first time, the first review is days away
RELEARNING_STEPS: tuple[timedelta, ...] = ()  # none: a lapse is rescheduled by FSRS's memory model
MISSED_COMES_BACK_AFTER = timedelta(hours=1)  # "again" (missed or revealed): later the same day
MAXIMUM_INTERVAL_DAYS = 365  # even a well-known prompt comes back within a year

# One shared scheduler: it is immutable after construction and holds no per-card state.
SCHEDULER = Scheduler(
    desired_retention=DESIRED_RETENTION, learning_steps=LEARNING_STEPS, relearning_steps=RELEARNING_STEPS,
    maximum_interval=MAXIMUM_INTERVAL_DAYS, enable_fuzzing=False,
)


def _utc(now: datetime) -> datetime:
    """``now`` as an aware UTC instant (a naive datetime is taken to be UTC already)."""
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def rating_for(correct: bool, helped: bool, revealed: bool) -> RatingName:
    """How a question went, once it closes: right first time = good; right after a wrong try or a hint
    (``helped``) = hard; never right, or the solution revealed = again."""
    if revealed or not correct:
        return "again"
    return "hard" if helped else "good"


def new_card(now: datetime) -> Card:
    now = _utc(now)
    # Card() without an id reads the wall clock and sleeps 1 ms; derive the id from the injected clock instead.
    return Card(card_id=int(now.timestamp() * 1000), due=now)


def _stored(card_json: str | None) -> Card | None:
    """The stored card; None for nothing stored yet, or a placeholder from before FSRS (``{"due": ..}``)."""
    data = json.loads(card_json) if card_json else None
    if not isinstance(data, dict) or "card_id" not in data:
        return None
    return Card.from_dict(data)  # type: ignore[arg-type]


def _load(card_json: str | None, now: datetime) -> Card:
    """The stored card, or a new one."""
    return _stored(card_json) or new_card(now)


def review(card_json: str | None, rating: RatingName, now: datetime) -> tuple[str, datetime]:
    """Review a card (``None`` = first time) with ``rating`` at ``now``; return (card JSON, next due in UTC)."""
    if rating not in _RATINGS:
        raise ValueError(f"unknown rating {rating!r}: expected one of {sorted(_RATINGS)}")
    now = _utc(now)
    card = _load(card_json, now)
    # Cards written by an older store may carry a naive or non-UTC due; fsrs needs aware UTC throughout.
    card.due = _utc(card.due)
    if card.last_review is not None:
        card.last_review = _utc(card.last_review)
    card, _log = SCHEDULER.review_card(card, _RATINGS[rating], review_datetime=now)
    if rating == "again":  # FSRS's memory update stands; only the next sight of it is brought forward
        card.due = now + MISSED_COMES_BACK_AFTER
    return card.to_json(), _utc(card.due)


def deferred(card_json: str, until: datetime) -> str:
    """The card with its due moved to ``until`` (a review skipped: no rating, its memory unchanged)."""
    card = Card.from_json(card_json)
    card.due = _utc(until)
    return card.to_json()


def due_of(card_json: str) -> datetime:
    """The due instant (UTC) stored in a card's JSON."""
    return _utc(Card.from_json(card_json).due)


def settled(card_json: str) -> tuple[str, datetime] | None:
    """A card an older schedule left in a learning step (FSRS's default 1 and 10 minutes), moved on as the
    parameters here schedule it: to review, due at the interval FSRS gives its stability after its last
    review. None: nothing to move (a review card, or one never reviewed)."""
    card = _stored(card_json)
    if card is None or card.state == State.Review or card.last_review is None or card.stability is None:
        return None
    card.state, card.step = State.Review, None
    card.due = _utc(card.last_review) + timedelta(days=SCHEDULER._next_interval(stability=card.stability))
    return card.to_json(), _utc(card.due)
