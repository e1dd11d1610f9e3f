"""FSRS scheduling with an injected clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.practice import srs

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def chain(ratings: list[str], start: datetime = T0, card: str | None = None) -> tuple[str | None, datetime, list]:
    """Review at each due instant in turn; returns the last card, its due and the intervals."""
    now, intervals = start, []
    due = start
    for r in ratings:
        card, due = srs.review(card, r, now)
        intervals.append(due - now)
        now = due
    return card, due, intervals


def test_rating_rule() -> None:
    assert srs.rating_for(correct=True, helped=False, revealed=False) == "good"
    assert srs.rating_for(correct=True, helped=True, revealed=False) == "hard"
    assert srs.rating_for(correct=False, helped=False, revealed=False) == "again"
    assert srs.rating_for(correct=False, helped=True, revealed=False) == "again"
    assert srs.rating_for(correct=True, helped=False, revealed=True) == "again"
    assert srs.rating_for(correct=True, helped=True, revealed=True) == "again"


def test_review_returns_json_and_aware_utc_due() -> None:
    card, due = srs.review(None, "good", T0)
    data = json.loads(card)
    assert {"card_id", "state", "stability", "difficulty", "due", "last_review"} <= set(data)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due > T0
    assert srs.due_of(card) == due


def test_again_is_due_before_good() -> None:
    _, due_again = srs.review(None, "again", T0)
    _, due_hard = srs.review(None, "hard", T0)
    _, due_good = srs.review(None, "good", T0)
    assert due_again < due_hard <= due_good
    # The same after some history.
    card, due, _ = chain(["good", "good", "good"])
    _, after_again = srs.review(card, "again", due)
    _, after_hard = srs.review(card, "hard", due)
    _, after_good = srs.review(card, "good", due)
    assert after_again < after_hard < after_good


def test_good_intervals_grow_up_to_the_maximum() -> None:
    _, _, intervals = chain(["good"] * 8)
    growing = [i for i in intervals if i < timedelta(days=srs.MAXIMUM_INTERVAL_DAYS)]
    assert all(b > a for a, b in zip(growing, growing[1:], strict=False)), intervals
    assert intervals[-1] == timedelta(days=srs.MAXIMUM_INTERVAL_DAYS)


def test_right_first_time_is_days_away_and_only_again_comes_back_the_same_day() -> None:
    """No learning steps: FSRS's first intervals (good 2 days, hard 1 day); "again" an hour later."""
    assert srs.SCHEDULER.learning_steps == srs.LEARNING_STEPS == ()
    assert srs.SCHEDULER.relearning_steps == srs.RELEARNING_STEPS == ()
    assert srs.SCHEDULER.desired_retention == srs.DESIRED_RETENTION
    assert srs.review(None, "good", T0)[1] - T0 == timedelta(days=2)
    assert srs.review(None, "hard", T0)[1] - T0 == timedelta(days=1)
    assert srs.review(None, "again", T0)[1] - T0 == srs.MISSED_COMES_BACK_AFTER < timedelta(hours=12)
    card, due, _ = chain(["good"] * 4)
    assert srs.review(card, "again", due)[1] - due == srs.MISSED_COMES_BACK_AFTER  # a lapse too
    # after a miss, the same-day review answered right moves it days away again
    card, due = srs.review(None, "again", T0)
    assert srs.review(card, "good", due)[1] - due >= timedelta(days=1)


def test_a_deferred_card_keeps_its_memory() -> None:
    card, due = srs.review(None, "good", T0)
    later = srs.deferred(card, due + timedelta(days=1))
    assert srs.due_of(later) == due + timedelta(days=1)
    before, after = json.loads(card), json.loads(later)
    assert {k: v for k, v in before.items() if k != "due"} == {k: v for k, v in after.items() if k != "due"}


def test_hard_grows_slower_than_good() -> None:
    _, due_hard, _ = chain(["good", "good"] + ["hard"] * 4)
    _, due_good, _ = chain(["good", "good"] + ["good"] * 4)
    assert due_hard < due_good


def test_lapse_resets_to_short_interval() -> None:
    card, due, _ = chain(["good"] * 6)
    _, after = srs.review(card, "again", due)
    assert after - due < timedelta(days=1)
    assert srs.review(card, "hard", due)[1] - due >= timedelta(days=1)


def test_deterministic_no_fuzz() -> None:
    a = chain(["good"] * 10)
    b = chain(["good"] * 10)
    assert a[1] == b[1]
    assert a[0] == b[0]
    assert not srs.SCHEDULER.enable_fuzzing


def test_clock_is_injected_not_read() -> None:
    past = datetime(2001, 1, 1, tzinfo=UTC)
    card, due = srs.review(None, "good", past)
    assert due.year == 2001
    assert json.loads(card)["card_id"] == int(past.timestamp() * 1000)


def test_other_timezones_and_naive_are_utc() -> None:
    paris = timezone(timedelta(hours=1))
    _, due_paris = srs.review(None, "good", T0.astimezone(paris))
    _, due_naive = srs.review(None, "good", T0.replace(tzinfo=None))
    _, due_utc = srs.review(None, "good", T0)
    assert due_paris == due_naive == due_utc
    assert due_paris.tzinfo == UTC


def test_interim_card_json_starts_a_new_card() -> None:
    # The interim scheduler stored {"due": ...}; such a card is treated as new rather than crashing.
    old = json.dumps({"due": T0.isoformat()})
    assert srs.review(old, "good", T0) == srs.review(None, "good", T0)


def test_unknown_rating() -> None:
    with pytest.raises(ValueError):
        srs.review(None, "easy", T0)  # type: ignore[arg-type]
