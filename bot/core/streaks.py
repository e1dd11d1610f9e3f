"""Streaks: consecutive local days of real study, with one automatic freeze a week."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

FREEZE_EVERY_DAYS = 7  # at most one missed day bridged in any 7 days


@dataclass(frozen=True)
class Streak:
    current: int  # studied days in the live chain
    today_done: bool  # today already counts
    frozen: tuple[date, ...]  # missed days the freeze bridged, newest first
    best: int
    freeze_ready: bool  # a freeze is available should the learner miss a day now

    @property
    def at_risk(self) -> bool:
        """Today is still open and the chain ends if today is missed (no freeze left)."""
        return self.current > 0 and not self.today_done and not self.freeze_ready


def compute(days: Iterable[date], today: date) -> Streak:
    studied = set(days)
    frozen: list[date] = []
    count = 0
    cursor = today if today in studied else today - timedelta(days=1)
    while True:
        if cursor in studied:
            count += 1
            cursor -= timedelta(days=1)
            continue
        prev = cursor - timedelta(days=1)
        last_freeze = frozen[-1] if frozen else None
        can_freeze = last_freeze is None or (last_freeze - cursor).days >= FREEZE_EVERY_DAYS
        # a missed day inside the chain, or yesterday missed with the day before studied
        alive = count > 0 or cursor == today - timedelta(days=1)
        if alive and prev in studied and can_freeze:
            frozen.append(cursor)
            cursor = prev
            continue
        break
    recent_freeze = frozen[0] if frozen else None
    freeze_ready = recent_freeze is None or (today - recent_freeze).days >= FREEZE_EVERY_DAYS
    return Streak(
        current=count,
        today_done=today in studied,
        frozen=tuple(frozen),
        best=max(count, _best(studied)),
        freeze_ready=freeze_ready,
    )


def _best(studied: set[date]) -> int:
    best = run = 0
    last: date | None = None
    last_freeze: date | None = None
    for d in sorted(studied):
        if last is not None and (d - last).days == 1:
            run += 1
        elif (
            last is not None
            and (d - last).days == 2
            and (last_freeze is None or (d - last_freeze).days > FREEZE_EVERY_DAYS)
        ):
            last_freeze = d - timedelta(days=1)
            run += 1
        else:
            run = 1
            last_freeze = None
        last = d
        best = max(best, run)
    return best
