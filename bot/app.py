"""Composition root: settings -> storage, catalog, core (and later scheduler, adapters)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings, redact_url
from bot.content.loader import Catalog, load_catalog
from bot.core.ports import Clock
from bot.core.service import Core
from bot.storage.db import open_database
from bot.storage.repo import SqlRepository

log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


def formula_problems(prompt) -> list[str]:
    """Every formula of a prompt (question, hints, solution, the hints of its listed mistakes) must render as an
    image."""
    from bot.render.formulas import text_formula_errors

    out: list[str] = []
    for where, text in (("question", prompt.question), *(("hint", h) for h in prompt.hints),
                        ("solution", prompt.solution), *(("mistake hint", m.hint) for m in prompt.mistakes)):
        out += [f"formula in {where} does not render: {e}" for e in text_formula_errors(text)]
    return out


def prompt_figure_problems(prompt) -> list[str]:
    return [f"figure {m}" for m in figure_problems(prompt.figure)] if prompt.figure is not None else []


def content_checks() -> list:
    """The per-prompt checks check-content runs: the answer checker and formula rendering; a template's on
    instances it draws (:func:`bot.practice.template.sample_problems`)."""
    from bot.practice.check import validate_prompt
    from bot.practice.template import sample_problems

    def check(prompt) -> list[str]:
        if prompt.params:
            return sample_problems(prompt, [validate_prompt], [formula_problems, prompt_figure_problems])
        return validate_prompt(prompt) + formula_problems(prompt) + prompt_figure_problems(prompt)

    return [check]


def figure_problems(spec) -> list[str]:
    """A figure must draw (:mod:`bot.render.figures`); it is drawn afresh, not taken from the cache."""
    from bot.render.figures import FigureError, check

    try:
        check(spec)
    except FigureError as exc:
        return [f"does not draw: {exc}"]
    return []


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
    log.info("%s; %s", catalog.summary_line(), catalog.template_line())
    log.info("database %s", redact_url(settings.database_url))
    engine = await open_database(settings.database_url, wait=settings.database_wait_seconds)
    from bot.practice.check import warm_up

    warm_up()  # sympy's one-time set-up now, not on a learner's first answer
    repo = SqlRepository(engine)
    core = Core(catalog, repo, clock, default_timezone=settings.default_timezone)
    return App(settings, catalog, repo, core)


# SIGTERM to exit: under the 10 s a container runtime (docker stop) waits before it sends SIGKILL
SHUTDOWN_SECONDS = 8.5


async def run_platforms(app: App, stop: asyncio.Event | None = None, *, clock: Clock = system_clock) -> None:
    """Run every platform that has a token, in this process and event loop, with the reminder sweep (and
    ``/healthz`` + ``/metrics`` when OPS_PORT is set), until ``stop`` is set or SIGTERM/SIGINT arrives; then
    shut down gracefully within ``SHUTDOWN_SECONDS``: see :func:`_shutdown`."""
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
    state = {"status": "starting"}
    reminders: ReminderService | None = None
    sweeps: set[asyncio.Task[Any]] = set()
    ops = metrics = None
    try:
        if settings.ops_port is not None:
            metrics, ops = await start_ops(app, sorted(adapters), state)
        for name, adapter in adapters.items():
            await adapter.start()
            started.append(adapter)
            log.info("%s adapter started", name)
        reminders = ReminderService(
            app.catalog, app.repo, clock, {n: a.messenger for n, a in adapters.items()},
            grace_minutes=settings.reminder_grace_minutes,
        )

        def track(fn: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
            """A scheduled job whose runs a shutdown waits for (within its time budget)."""

            async def job() -> Any:
                task = asyncio.current_task()
                assert task is not None
                sweeps.add(task)
                try:
                    return await fn()
                finally:
                    sweeps.discard(task)

            return job

        async def sweep() -> None:
            assert reminders is not None
            t0 = time.perf_counter()
            stats = await reminders.sweep()
            if metrics is not None:
                metrics.sweep(stats, time.perf_counter() - t0)

        scheduler.every_minute("reminder-sweep", track(sweep))
        # challenge and channel daily posts (and a challenge's final results): one indexed sweep as well
        from bot.core.challenges import ChallengeService

        challenge_posts = ChallengeService(app.catalog, app.repo, clock, {n: a.messenger for n, a in adapters.items()})
        scheduler.every_minute("challenge-sweep", track(challenge_posts.sweep))
        scheduler.start()
        state["status"] = "ready"
        if metrics is not None:
            metrics.up.set(1)
        log.info("ready: %s", ", ".join(adapters) or "no platform")
        await stop.wait()
        log.info("shutting down")
    finally:
        state["status"] = "stopping"
        if metrics is not None:
            metrics.up.set(0)
        await _shutdown(app, scheduler, reminders, sweeps, started, ops, metrics)


async def _shutdown(app: App, scheduler: Any, reminders: Any, sweeps: set[asyncio.Task[Any]],
                    adapters: list[Any], ops: Any, metrics: Any) -> None:
    """Stop taking updates and start no new sweep; let the sends in progress finish (claimed reminders
    not yet sent are given back for later); stop the adapters (in-flight replies finish); close the database.
    Each step has its share of ``SHUTDOWN_SECONDS``; what overruns it is cancelled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SHUTDOWN_SECONDS

    def left(reserve: float = 0.0) -> float:
        return max(0.1, deadline - reserve - loop.time())

    scheduler.shutdown()
    if reminders is not None:
        reminders.stop()
    draining = [asyncio.ensure_future(a.stop_intake()) for a in adapters if hasattr(a, "stop_intake")]
    draining += list(sweeps)
    if draining:
        _, late = await asyncio.wait(draining, timeout=left(reserve=3.5))
        for task in late:
            log.warning("shutdown: %s did not finish in time; cancelled", task.get_name())
            task.cancel()
    for adapter in reversed(adapters):
        try:
            await asyncio.wait_for(adapter.stop(), timeout=left(reserve=1.0))
        except TimeoutError:
            log.warning("shutdown: %s did not stop in time", type(adapter).__name__)
        except Exception:
            log.exception("error while stopping an adapter")
    if ops is not None:
        await ops.close()
    if metrics is not None:
        metrics.close()
    await app.close()
    log.info("stopped")


async def start_ops(app: App, platforms: list[str], state: dict[str, str]) -> tuple[Any, Any]:
    """Metrics wired to the core, and the ``/healthz`` + ``/metrics`` server on OPS_PORT."""
    from bot.ops import Metrics, OpsServer
    from bot.storage.db import ping

    metrics = Metrics()
    metrics.count_logged_errors()
    app.core.observer = metrics.observe

    async def health() -> tuple[bool, dict[str, Any]]:
        db = await ping(app.repo.engine)
        return db and state["status"] == "ready", {
            "status": state["status"], "database": "ok" if db else "unreachable", "platforms": platforms,
        }

    ops = OpsServer(metrics, health)
    await ops.start(app.settings.ops_listen, app.settings.ops_port or 0)
    return metrics, ops
