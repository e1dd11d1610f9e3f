"""Driving the real python-telegram-bot Application against the fake Bot API: people who type and press,
a restartable bot on a real Core and SQLite file, and a harness that waits until each update is handled.

A handler added last marks each update as handled; PTB runs it after the adapter's handlers have sent every
reply, so tests wait without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.adapters.telegram import TelegramAdapter
from bot.config import Settings
from bot.core.service import Core
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository
from tests.support import FIXTURE_CONTENT
from tests.support.conversation import asked
from tests.support.fake_telegram import FakeTelegram, Shown

TOKEN = "123456789:AAH-fake-token-for-tests-0123456789abcdef"
GROUP = -1001234567890
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the fake does not decode images


class Person:
    """Someone in a chat: what they type and press, and what the chat then shows."""

    def __init__(self, bot: Bot, user: dict, chat: dict):
        self.bot, self.user, self.chat = bot, user, chat

    @property
    def id(self) -> int:
        return self.user["id"]

    async def say(self, text: str, *, reply_to: Shown | None = None) -> list[Shown]:
        return await self.bot.handled(self.chat, lambda: self.bot.fake.say(self.chat, self.user, text,
                                                                            reply_to=reply_to))

    async def press(self, message: Shown, label_start: str) -> list[Shown]:
        return await self.press_data(message, message.data(label_start))

    async def press_data(self, message: Shown, data: str) -> list[Shown]:
        return await self.bot.handled(self.chat, lambda: self.bot.fake.press(self.chat, self.user, message, data))


class Bot:
    """The fake server, a real Core on SQLite, and the adapter; restartable."""

    def __init__(self, fake: FakeTelegram, core: Core, settings: Settings, **adapter_options: Any):
        self.fake, self.core, self.settings, self.options = fake, core, settings, adapter_options
        self.adapter: TelegramAdapter | None = None
        self._done: dict[int, asyncio.Event] = {}

    async def start(self, **options: Any) -> TelegramAdapter:
        opts = {"poll_timeout": 1, "network_retry_delays": (0.01, 0.02), **self.options, **options}
        self.adapter = TelegramAdapter(self.core, self.settings, **opts)
        self.adapter.application.add_handler(TypeHandler(Update, self._mark), group=1000)
        await self.adapter.start()
        return self.adapter

    async def stop(self) -> None:
        if self.adapter is not None:
            await self.adapter.stop()
            self.adapter = None

    async def _mark(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self._done.setdefault(update.update_id, asyncio.Event()).set()

    async def handled(self, chat: dict, inject) -> list[Shown]:
        """Inject one update, wait until the bot has handled it, return the bot's new messages in the chat."""
        before = len(self.fake.shown(chat["id"]))
        update_id = inject()
        await asyncio.wait_for(self._done.setdefault(update_id, asyncio.Event()).wait(), 20)
        return self.fake.shown(chat["id"])[before:]

    def person(self, user_id: int, first_name: str, last_name: str | None = None, *,
               group: dict | None = None) -> Person:
        user = self.fake.user(user_id, first_name, last_name)
        return Person(self, user, group if group is not None else self.fake.private_chat(user))

    async def answer_for(self, person: Person, right: bool) -> str:
        """What a learner who knows (or does not know) the answer to their open question types."""
        learner = await self.core.repo.find_learner("telegram", str(person.id))
        prompt = asked(self.core.catalog, learner)
        return prompt.answer.value if right else prompt.mistakes[0].answer


@contextlib.asynccontextmanager
async def running(tmp_path, catalog, clock, registry=None, **options: Any):
    fake = FakeTelegram(TOKEN)
    await fake.start()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'tg.sqlite3'}")
    await migrate(engine)
    core = Core(catalog, SqlRepository(engine), clock, registry=registry)
    settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_base_url=fake.base_url)
    bot = Bot(fake, core, settings, **options)
    try:
        await bot.start()
        yield bot
    finally:
        await bot.stop()
        await fake.stop()
        await engine.dispose()
    assert not fake.unanswered_callbacks, "every button press is answered"


async def bot_process(fake: FakeTelegram, cwd, database_url: str, **env: str) -> asyncio.subprocess.Process:
    """A real ``python -m bot run`` on Telegram, against ``fake``, on the fixture curriculum; ``env`` adds or
    overrides settings (``TELEGRAM_WEBHOOK_URL=...``, ``OPS_PORT=...``). Its stdout and stderr are piped."""
    settings = {**os.environ, "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "DISCORD_TOKEN": "",
                "DATABASE_URL": database_url, "CONTENT_DIR": str(FIXTURE_CONTENT), **env}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=cwd, env=settings,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
