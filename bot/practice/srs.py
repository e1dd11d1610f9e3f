"""Spaced repetition with FSRS (the ``fsrs`` package, v6).

A learner's memory of one prompt is an FSRS card, stored as JSON text. Each answer reviews the card with a
rating and yields the next due instant. The clock is always injected (``now``) so scheduling is testable and
deterministic; fuzzing is disabled for the same reason.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

from fsrs import Card, Rating, Scheduler

RatingName = Literal["again", "hard", "good"]

_RATINGS: dict[str, Rating] = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good}

# One shared scheduler: it is immutable after construction and holds no per-card state.
SCHEDULER = Scheduler(enable_fuzzing=False)


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


def _load(card_json: str | None, now: datetime) -> Card:
    """The stored card, or a new one (nothing stored yet, or a placeholder from before FSRS: ``{"due": ..}``)."""
    if not card_json:
        return new_card(now)
    data = json.loads(card_json)
    if not isinstance(data, dict) or "card_id" not in data:
        return new_card(now)
    return Card.from_dict(data)  # type: ignore[arg-type]


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
    return card.to_json(), _utc(card.due)


def due_of(card_json: str) -> datetime:
    """The due instant (UTC) stored in a card's JSON."""
    return _utc(Card.from_json(card_json).due)
