"""Fake outgoing ports for core tests (the adapters have their own fake platform servers)."""

from __future__ import annotations

from bot.core.model import Reply
from bot.core.ports import Destination, RateLimited, Unreachable


class RecordingMessenger:
    def __init__(self) -> None:
        self.sent: list[tuple[Destination, Reply]] = []
        self.unreachable: set[str] = set()
        self.rate_limit_once: set[str] = set()

    async def send(self, destination: Destination, reply: Reply) -> None:
        if destination.chat_id in self.unreachable:
            raise Unreachable(destination.chat_id)
        if destination.chat_id in self.rate_limit_once:
            self.rate_limit_once.discard(destination.chat_id)
            raise RateLimited(0.01)
        self.sent.append((destination, reply))

    def to(self, chat_id: str) -> list[Reply]:
        return [r for d, r in self.sent if d.chat_id == chat_id]
