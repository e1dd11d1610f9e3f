"""Operations: Prometheus metrics and a small HTTP server for ``GET /healthz`` and ``GET /metrics``.

The core knows nothing of Prometheus: it calls a plain observer (``Core.observer``) with events, and the
composition root (``bot/app.py``) points that observer at :meth:`Metrics.observe`. Reminder sweeps report
their :class:`~bot.core.reminders.SweepStats`; every log record at ERROR or above counts as an error.

The server is a few lines of asyncio (no web framework): it answers GET/HEAD on two paths, reads at most
16 KiB of request head within 5 seconds, and closes each connection after one answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REMINDER_OUTCOMES = ("sent", "failed", "skipped", "unreachable", "released")

Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


class Metrics:
    """The bot's metrics, in a registry of their own (several apps in one test process do not collide)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        disable_created_metrics()  # no *_created series: half the text for nothing a dashboard uses
        r = self.registry = registry or CollectorRegistry()
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            with contextlib.suppress(Exception):
                collector(registry=r)
        self.commands = Counter(
            "bot_commands", "Commands, button presses and answers handled, by name, platform and outcome "
            "(ok, usage: a bad input answered with usage help, error: failed on our side)",
            ["command", "platform", "outcome"], registry=r)
        self.command_seconds = Histogram(
            "bot_command_duration_seconds", "Time to handle a command (until its replies are ready)",
            ["platform"], buckets=LATENCY_BUCKETS, registry=r)
        self.answer_checks = Counter(
            "bot_answer_checks", "Answers checked, by result (right, wrong, unreadable, nudge)", ["result"], registry=r)
        self.reminders = Counter(
            "bot_reminders", "Reminders by outcome: sent, failed (after retries), skipped (late, paused, "
            "already studied, already sent), unreachable (blocked), released (shutdown, sent later)",
            ["outcome"], registry=r)
        self.sweep_seconds = Histogram(
            "bot_reminder_sweep_duration_seconds", "Time of one reminder sweep",
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120), registry=r)
        self.errors = Counter("bot_errors", "Errors logged (ERROR and above), by logger", ["logger"], registry=r)
        self.up = Gauge("bot_up", "1 while the bot is ready, 0 while starting or stopping", registry=r)
        for outcome in REMINDER_OUTCOMES:  # present (at 0) from the start, so rates work from the first sweep
            self.reminders.labels(outcome)
        self._log_handler: logging.Handler | None = None

    # ------------------------------------------------------------ the core's observer

    def observe(self, event: str, **f: Any) -> None:
        if event == "command":
            self.commands.labels(f["name"], f["platform"], f["outcome"]).inc()
            self.command_seconds.labels(f["platform"]).observe(f["seconds"])
        elif event == "answer_check":
            self.answer_checks.labels(f["result"]).inc()

    def sweep(self, stats: Any, seconds: float) -> None:
        """What one reminder sweep did (a :class:`~bot.core.reminders.SweepStats`)."""
        for outcome in REMINDER_OUTCOMES:
            n = getattr(stats, outcome, 0)
            if n:
                self.reminders.labels(outcome).inc(n)
        self.sweep_seconds.observe(seconds)

    # ------------------------------------------------------------ errors from the logs

    def count_logged_errors(self) -> None:
        """Count every ERROR record of any logger from now on (until :meth:`close`)."""
        if self._log_handler is None:
            self._log_handler = _ErrorCounter(self.errors)
            logging.getLogger().addHandler(self._log_handler)

    def close(self) -> None:
        if self._log_handler is not None:
            logging.getLogger().removeHandler(self._log_handler)
            self._log_handler = None

    def text(self) -> bytes:
        return generate_latest(self.registry)


class _ErrorCounter(logging.Handler):
    def __init__(self, counter: Counter):
        super().__init__(logging.ERROR)
        self.counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        self.counter.labels(".".join(record.name.split(".")[:3])).inc()


# ---------------------------------------------------------------- the HTTP server


class OpsServer:
    """``GET /healthz`` (200 ``{"status": "ready", ...}`` or 503) and ``GET /metrics`` (Prometheus text)."""

    HEAD_LIMIT = 16 * 1024
    READ_TIMEOUT = 5.0

    def __init__(self, metrics: Metrics | None, health: Health):
        self.metrics = metrics
        self.health = health
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._serve, host, port, limit=self.HEAD_LIMIT)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("ops: GET /healthz and /metrics on %s:%d", host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.READ_TIMEOUT)
            method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
            status, ctype, body = await self._answer(method, target.split("?", 1)[0])
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                f"Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode("latin-1")
                + (b"" if method == "HEAD" else body)
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        except Exception:
            log.exception("ops: answering a request failed")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, method: str, path: str) -> tuple[str, str, bytes]:
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", "text/plain; charset=utf-8", b"GET only\n"
        if path == "/healthz":
            try:
                ok, detail = await self.health()
            except Exception as exc:
                ok, detail = False, {"status": "error", "error": type(exc).__name__}
            body = (json.dumps(detail, sort_keys=True) + "\n").encode()
            return ("200 OK" if ok else "503 Service Unavailable"), "application/json", body
        if path == "/metrics" and self.metrics is not None:
            return "200 OK", CONTENT_TYPE_LATEST, self.metrics.text()
        return "404 Not Found", "text/plain; charset=utf-8", b"not found: try /healthz or /metrics\n"


def probe(host: str, port: int, timeout: float = 5.0) -> tuple[bool, str]:
    """``GET /healthz`` of a running bot (the ``healthcheck`` command): (healthy, body or reason)."""
    import urllib.error
    import urllib.request

    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - a local, fixed URL
            return resp.status == 200, resp.read().decode(errors="replace").strip()
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode(errors="replace").strip() or str(exc)
    except OSError as exc:
        return False, f"no answer from {url}: {exc}"
