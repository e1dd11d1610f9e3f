"""Streaks: consecutive local days of real study, with one automatic freeze a week.

One rule, used for the current streak and for the best one: walking back from a studied day, a missed
day is bridged (frozen) when the day before it was studied and no other bridged day lies within the
7 days after it; two missed days in a row, or a second missed day within a week, end the chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

FREEZE_EVERY_DAYS = 7  # at most one missed day bridged in any 7 days
_DAY = timedelta(days=1)


def _chain(studied: frozenset[date], start: date, today: date | None = None) -> tuple[int, list[date]]:
    """Studied days in the chain that ends at ``start`` (walking back), and the days it bridged, newest first.

    With ``today`` given and ``start`` the day before it, ``start`` itself may be the missed day.
    """
    frozen: list[date] = []
    count = 0
    cursor = start
    while True:
        if cursor in studied:
            count += 1
            cursor -= _DAY
            continue
        prev = cursor - _DAY
        can_freeze = not frozen or (frozen[-1] - cursor).days >= FREEZE_EVERY_DAYS
        alive = count > 0 or (today is not None and cursor == today - _DAY)
        if alive and prev in studied and can_freeze:
            frozen.append(cursor)
            cursor = prev
            continue
        return count, frozen


@dataclass(frozen=True)
class Streak:
    current: int  # studied days in the live chain
    today_done: bool  # today already counts
    frozen: tuple[date, ...]  # missed days the freeze bridged, newest first
    freeze_ready: bool  # a freeze is available should the learner miss a day now
    studied: frozenset[date] = field(default=frozenset(), repr=False, compare=False)

    @cached_property
    def best(self) -> int:
        """The longest chain by the same rule (computed only when asked: /progress, not reminders)."""
        ends = [d for d in self.studied if d + _DAY not in self.studied]
        return max([self.current, *(_chain(self.studied, d)[0] for d in ends)])

    @property
    def at_risk(self) -> bool:
        """Today is still open and the chain ends if today is missed (no freeze left)."""
        return self.current > 0 and not self.today_done and not self.freeze_ready


def compute(days: Iterable[date], today: date) -> Streak:
    studied = frozenset(days)
    start = today if today in studied else today - _DAY
    count, frozen = _chain(studied, start, today)
    recent_freeze = frozen[0] if frozen else None
    freeze_ready = recent_freeze is None or (today - recent_freeze).days >= FREEZE_EVERY_DAYS
    return Streak(count, today in studied, tuple(frozen), freeze_ready, studied)


def study_date(now: datetime, local_today: date, last_day: date | None, last_until: datetime | None) -> date:
    """The local date a study at ``now`` counts for: a day counts once per local date, across zone changes.

    ``last_day`` is the last date studied and ``last_until`` the instant it ends in the zone it was earned in.
    Until that instant a study still counts for ``last_day``, whatever the zone now says (moving east at
    23:30 does not make a second day of the same sitting; moving west never goes back to an earlier date);
    after it, the local date now, and never one before ``last_day``.
    """
    if last_day is None:
        return local_today
    if last_until is not None and now < last_until:
        return last_day
    return max(local_today, last_day)
