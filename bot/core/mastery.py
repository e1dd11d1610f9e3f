"""Mastery levels per unit, as on Khan Academy: not started, attempted, familiar, proficient, mastered.

The rules (each event moves a unit's level; nothing else does):

- **Not started**: nothing studied or answered in the unit yet.
- **Attempted**: its lesson studied, or a question of it answered, none right yet.
- **Familiar**: a question of it answered right, or the unit skipped as known (its lesson's Skip, or the
  placement quiz).
- **Proficient**: the unit complete (its lesson and ``UNIT_GOAL`` different questions right), or a unit
  already closed (complete or known) brought back up by a clean review (below).
- **Mastered**: proficient, then right first time (no hint, no second try) on spaced reviews of
  ``MASTERED_AFTER`` different questions of the unit.

A review that closes wrong (the last try missed, the solution shown, a self-graded miss) moves the unit down one
level, never below attempted, and the count towards mastered starts again. A clean review of a closed unit below
proficient moves it up one level. Only the learner's own study counts: challenge posts and the placement quiz's
misses do not move levels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.ports import UnitState

NOT_STARTED, ATTEMPTED, FAMILIAR, PROFICIENT, MASTERED = range(5)
LEVELS = ("not started", "attempted", "familiar", "proficient", "mastered")
SYMBOLS = ("○", "◔", "◑", "◕", "●")  # how a level shows in text, from empty to full
MASTERED_AFTER = 2  # clean spaced reviews of different questions, after proficient, to reach mastered
CLOSED = ("done", "skipped")


def is_closed(states: dict[str, UnitState], unit_id: str) -> bool:
    """Whether the unit is closed: complete or known (it counts as done for prerequisites)."""
    st = states.get(unit_id)
    return st is not None and st.status in CLOSED


@dataclass(frozen=True)
class Mastery:
    level: int = NOT_STARTED
    wins: tuple[str, ...] = ()  # questions right first time on reviews since the unit became proficient

    @classmethod
    def of(cls, state: UnitState | None) -> Mastery:
        return cls(state.level, state.wins) if state is not None else cls()


def label(level: int) -> str:
    """A level as text shows it: its symbol and name."""
    return f"{SYMBOLS[level]} {LEVELS[level]}"


def after_lesson(m: Mastery, *, skipped: bool) -> Mastery:
    """The lesson studied (attempted), or skipped as known (familiar)."""
    return _at_least(m, FAMILIAR if skipped else ATTEMPTED)


def after_placement(m: Mastery) -> Mastery:
    """The unit placed as known by the placement quiz: familiar."""
    return _at_least(m, FAMILIAR)


def after_answer(m: Mastery, *, prompt_id: str, correct: bool, clean: bool, review: bool, unit_closed: bool,
                 completes: bool) -> Mastery:
    """A question of the unit closed: ``correct`` (right, at any try), ``clean`` (right first time, no hint, no
    solution), ``review`` (it came as a spaced review), ``unit_closed`` (complete or known before this answer),
    ``completes`` (this answer completes the unit)."""
    if completes:
        m = _at_least(m, PROFICIENT)
    if review and not correct:  # a missed review: down one level, and mastered is earned again
        return Mastery(max(ATTEMPTED, m.level - 1))
    if not correct:
        return _at_least(m, ATTEMPTED)
    if review and clean:
        if m.level >= PROFICIENT:
            wins = m.wins if prompt_id in m.wins else (*m.wins, prompt_id)
            return Mastery(MASTERED, ()) if m.level == PROFICIENT and len(wins) >= MASTERED_AFTER \
                else Mastery(m.level, wins if m.level == PROFICIENT else ())
        if unit_closed:
            return _at_least(m, min(PROFICIENT, max(m.level, ATTEMPTED) + 1))
    return _at_least(m, FAMILIAR)


def at_stake(m: Mastery, prompt_id: str, status: str | None) -> int:
    """How much a due review of ``prompt_id`` matters to its unit's level: 2 when right first time it raises
    the level (a proficient unit's question not yet counted towards mastered; a closed unit below proficient),
    1 when it protects a mastered or proficient level, 0 otherwise. ``/next`` shows the higher first."""
    closed = status in CLOSED
    if (m.level == PROFICIENT and prompt_id not in m.wins) or (closed and m.level < PROFICIENT):
        return 2
    return 1 if m.level >= PROFICIENT else 0


def counts(states: Iterable[UnitState | None]) -> tuple[int, ...]:
    """How many of the units (their states, None: never opened) are at each level."""
    n = [0] * len(LEVELS)
    for st in states:
        n[st.level if st is not None else NOT_STARTED] += 1
    return tuple(n)


RULES = (
    "**Mastery levels** of each unit:\n"
    f"{SYMBOLS[0]} **not started** · {SYMBOLS[1]} **attempted**: its lesson studied or a question answered · "
    f"{SYMBOLS[2]} **familiar**: a question of it right, or known (skipped, or placed by /placement) · "
    f"{SYMBOLS[3]} **proficient**: the unit complete (lesson and {{goal}} questions right) · "
    f"{SYMBOLS[4]} **mastered**: proficient, then right first time (no hint) on spaced reviews of "
    f"{MASTERED_AFTER} different questions of it.\n"
    "A missed review moves the unit down one level; a review right first time of a complete or known unit moves "
    "it back up. /next shows first the reviews that would raise or protect a level."
)


def _at_least(m: Mastery, level: int) -> Mastery:
    if m.level >= level:
        return m
    return Mastery(level, ())
