"""APScheduler wiring: a few periodic sweeps, never one job per learner."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self) -> None:
        self._sched = AsyncIOScheduler(timezone=UTC)

    def every_minute(self, job_id: str, fn: Callable[[], Awaitable[object]]) -> None:
        """Run ``fn`` at second 0 of every minute; a run still going makes the next one wait (no overlap)."""

        async def run() -> None:
            try:
                await fn()
            except Exception:
                log.exception("scheduled job %s failed", job_id)

        self._sched.add_job(
            run, CronTrigger(second=0, timezone=UTC), id=job_id, max_instances=1, coalesce=True,
            misfire_grace_time=50, replace_existing=True,
        )

    @property
    def job_ids(self) -> list[str]:
        return [j.id for j in self._sched.get_jobs()]

    def start(self) -> None:
        self._sched.start()

    def shutdown(self) -> None:
        if self._sched.running:
            self._sched.shutdown(wait=False)
