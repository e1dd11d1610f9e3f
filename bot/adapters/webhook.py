"""The Telegram webhook server: tornado (what python-telegram-bot's own webhook server runs on), hardened.

PTB's server reads a whole request body (tornado allows 100 MB) before it checks the secret header, and logs the
wrong secrets it is sent. This one decides on the head alone, before a byte of the body is read:

- without ``X-Telegram-Bot-Api-Secret-Token`` equal to the secret (compared in constant time): 403, and the
  connection is closed, so a large body is never read;
- a body over ``MAX_BODY`` (Telegram's updates are a few KB; 1 MB is generous): 413 on its ``Content-Length``,
  or the connection closed when a chunked body grows past it;
- more than ``MAX_ACTIVE`` requests being read at once: 503 (Telegram sends it again later), and more than
  ``MAX_CONNECTIONS`` open connections: the newest is closed;
- heads of at most 16 KB within ``HEAD_SECONDS``, bodies within ``BODY_SECONDS``.

An accepted update goes to the PTB application's update queue, where polling would have put it. Nothing about
a request is logged above DEBUG, and no header value ever.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20
MAX_HEAD = 16 * 1024
MAX_ACTIVE = 40  # as many as Telegram opens at most by default (setWebhook's max_connections)
MAX_CONNECTIONS = 512
HEAD_SECONDS = 10.0
BODY_SECONDS = 20.0


class _Refused(Exception):
    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """One POST from Telegram: the head is checked in ``prepare`` (before tornado reads the body), the body
    collected up to ``MAX_BODY``, and the update queued in ``post``."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, server: WebhookServer) -> None:
        self.server = server
        self._chunks: list[bytes] = []
        self._size = 0
        self._counted = False

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.clear_header("Server")

    def prepare(self) -> None:
        try:
            self._check_head()
        except _Refused as no:
            log.debug("webhook: %d %s (from %s)", no.status, no.reason, self.request.remote_ip)
            self.set_status(no.status)
            for name, value in no.headers.items():
                self.set_header(name, value)
            # Finishing before the body is read makes tornado close the connection once this answer is sent;
            # until then what arrives of the body is dropped (data_received). No body limit for it, or tornado
            # would write its own "400" after this answer.
            self.request.connection.set_max_body_size(1 << 62)  # type: ignore[union-attr]
            self.finish(no.reason + "\n")

    def _check_head(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.server.secret):
            raise _Refused(403, "forbidden")
        media = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise _Refused(415, "expected application/json")
        length = self.request.headers.get("Content-Length")
        if length is not None:
            if not length.isdigit():
                raise _Refused(400, "bad Content-Length")
            if int(length) > MAX_BODY:
                raise _Refused(413, f"an update is at most {MAX_BODY} bytes")
        elif "chunked" not in self.request.headers.get("Transfer-Encoding", "").lower():
            raise _Refused(411, "Content-Length required")
        if self.server.active >= MAX_ACTIVE:
            raise _Refused(503, "busy, try again", {"Retry-After": "1"})
        self.server.active += 1
        self._counted = True
        self.request.connection.set_max_body_size(MAX_BODY)  # type: ignore[union-attr]
        self.request.connection.set_body_timeout(BODY_SECONDS)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        if not self._counted:  # a refused request: its answer is on its way and the connection closing
            return
        self._size += len(chunk)
        if self._size <= MAX_BODY:  # tornado stops a longer body itself; this is the belt to its braces
            self._chunks.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self._chunks))
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = self.server.to_update(data)
        except Exception as exc:  # malformed: Telegram would not send it; nobody else knows the secret
            log.warning("webhook: an update could not be read (%s); ignored", type(exc).__name__)
            self.set_status(400)
            self.finish("not an update\n")
            return
        finally:
            self._chunks = []
        await self.server.queue.put(update)
        self.finish("ok\n")

    def on_finish(self) -> None:
        self._release()

    def on_connection_close(self) -> None:
        self._release()

    def _release(self) -> None:
        if self._counted:
            self._counted = False
            self.server.active -= 1

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.debug("webhook: %s: %s", getattr(typ, "__name__", typ), value)


class _Application(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: the requests are Telegram's (refused ones are logged at DEBUG, without their headers)."""


class _BoundedServer(HTTPServer):
    """tornado's HTTP server, closing connections beyond ``MAX_CONNECTIONS`` as soon as they are accepted."""

    def handle_stream(self, stream: IOStream, address: tuple) -> None:
        if len(getattr(self, "_connections", ())) >= MAX_CONNECTIONS:
            stream.close()
            return
        super().handle_stream(stream, address)


class WebhookServer:
    """Listens on ``listen:port`` at ``path``; every accepted update is ``to_update(json)`` put on ``queue``."""

    def __init__(self, *, listen: str, port: int, path: str, secret: str, queue: asyncio.Queue,
                 to_update: Any):
        self.listen, self.port, self.path = listen, port, path.rstrip("/") or ""
        self.secret = secret.encode()
        self.queue = queue
        self.to_update = to_update
        self.active = 0
        app = _Application([(rf"{re.escape(self.path)}/?", _UpdateHandler, {"server": self})])
        self._http = _BoundedServer(app, max_header_size=MAX_HEAD, max_body_size=MAX_BODY,
                                    max_buffer_size=4 * MAX_BODY, idle_connection_timeout=HEAD_SECONDS,
                                    body_timeout=BODY_SECONDS)
        self.running = False

    async def start(self) -> None:
        self._http.listen(self.port, address=self.listen)
        self.running = True

    async def stop(self) -> None:
        """Stop listening and close every connection (requests being read are dropped: Telegram resends them)."""
        if not self.running:
            return
        self.running = False
        self._http.stop()
        await self._http.close_all_connections()
