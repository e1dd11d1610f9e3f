"""Composition root: settings -> storage, catalog, core (and later scheduler, adapters)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings, redact_url
from bot.content.loader import Catalog, load_catalog
from bot.core.ports import Clock
from bot.core.service import Core
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository

log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


def formula_problems(prompt) -> list[str]:
    """Every formula of a prompt (question, hints, solution) must render as an image."""
    from bot.render.formulas import text_formula_errors

    out: list[str] = []
    for where, text in (("question", prompt.question), *(("hint", h) for h in prompt.hints),
                        ("solution", prompt.solution)):
        out += [f"formula in {where} does not render: {e}" for e in text_formula_errors(text)]
    return out


def content_checks() -> list:
    """The per-prompt checks check-content runs: the answer checker and formula rendering."""
    from bot.practice.check import validate_prompt

    return [validate_prompt, formula_problems]


def load_content(settings: Settings, *, full_check: bool = False) -> Catalog:
    return load_catalog(settings.content_dir, content_checks() if full_check else ())


@dataclass
class App:
    settings: Settings
    catalog: Catalog
    repo: SqlRepository
    core: Core

    async def close(self) -> None:
        await self.repo.engine.dispose()


async def build_app(settings: Settings, *, clock: Clock = system_clock, catalog: Catalog | None = None) -> App:
    catalog = catalog or load_content(settings)
    from bot.practice.check import warm_up

    warm_up()  # sympy's one-time set-up now, not on a learner's first answer
    log.info("%s", catalog.summary_line())
    engine = create_engine(settings.database_url)
    log.info("database %s", redact_url(settings.database_url))
    await migrate(engine)
    repo = SqlRepository(engine)
    core = Core(catalog, repo, clock, default_timezone=settings.default_timezone)
    return App(settings, catalog, repo, core)


async def run_platforms(app: App, stop: asyncio.Event | None = None, *, clock: Clock = system_clock) -> None:
    """Run every platform that has a token, in this process and event loop, with the reminder sweep,
    until ``stop`` is set or SIGTERM/SIGINT arrives; then stop taking updates and close cleanly."""
    from bot.core.reminders import ReminderService
    from bot.scheduler import Scheduler

    settings = app.settings
    adapters: dict[str, Any] = {}
    if settings.telegram_token:
        from bot.adapters.telegram import TelegramAdapter

        adapters["telegram"] = TelegramAdapter(app.core, settings)
    if settings.discord_token:
        from bot.adapters.discord import DiscordAdapter

        adapters["discord"] = DiscordAdapter(app.core, settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started: list[Any] = []
    scheduler = Scheduler()
    try:
        for name, adapter in adapters.items():
            await adapter.start()
            started.append(adapter)
            log.info("%s adapter started", name)
        reminders = ReminderService(
            app.catalog, app.repo, clock, {n: a.messenger for n, a in adapters.items()},
            grace_minutes=settings.reminder_grace_minutes,
        )
        scheduler.every_minute("reminder-sweep", reminders.sweep)
        scheduler.start()
        log.info("ready: %s", ", ".join(adapters) or "no platform")
        await stop.wait()
        log.info("shutting down")
    finally:
        scheduler.shutdown()
        for adapter in reversed(started):
            try:
                await asyncio.wait_for(adapter.stop(), timeout=10)
            except Exception:
                log.exception("error while stopping an adapter")
        await app.close()
