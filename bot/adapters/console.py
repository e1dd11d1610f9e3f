"""The console chat: the same commands in a terminal.

Buttons are shown as ``[/1] Hint``: typing ``/1`` presses one. Anything else typed while a question is open is an
answer (a bare ``2`` answers 2), so a button can never be pressed by an answer. While the chat is open, the
learner's reminders come at their time, as on the platforms (:class:`ConsoleReminders`).
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.core.markup import to_plain
from bot.core.model import Actor, Button, Reply, Terms
from bot.core.ports import Clock, Destination
from bot.core.reminders import ReminderService
from bot.core.service import Core
from bot.scheduler import Scheduler

if TYPE_CHECKING:
    from bot.content.loader import Catalog


PRESS = re.compile(r"/(\d{1,9})")  # how a button is pressed: its number after a slash, /1 .. /N


def button_label(n: int, button: Button) -> str:
    return f"[/{n}] {button.label}"


class ConsoleChat:
    def __init__(self, core: Core, user: str, out: TextIO = sys.stdout, files_dir: Path = Path("data/exports")):
        self.core = core
        self.actor = Actor("console", user, user, chat_id=f"console:{user}", is_private=True)
        self.out = out
        self.files_dir = files_dir
        self.buttons: list[Button] = []
        self.prompting = False  # "you> " is on screen, waiting for a line

    async def show(self, replies: list[Reply]) -> None:
        # Buttons stay pressable until a newer message brings its own, as in a chat.
        if any(r.buttons for r in replies):
            self.buttons = []
        pictures = [await self._pictures(r) for r in replies]  # drawn before anything is written
        if self.prompting:  # a reminder arrives while the learner is at the prompt: start on a fresh line
            self.out.write("\n")
        for reply, shown in zip(replies, pictures, strict=True):
            self.out.write(to_plain(reply.text) + "\n")
            for line in shown:
                self.out.write(line + "\n")
            if reply.file is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / Path(reply.file.filename).name
                path.write_bytes(reply.file.data)
                self.out.write(f"(file saved: {path})\n")
            if reply.buttons:
                labels = []
                for b in reply.all_buttons:
                    self.buttons.append(b)
                    labels.append(button_label(len(self.buttons), b))
                self.out.write("  ".join(labels) + "\n")
            self.out.write("\n")
        if self.prompting:
            self.out.write("you> ")
        self.out.flush()

    async def _pictures(self, reply: Reply) -> list[str]:
        """A terminal shows no images: a line with the PNG file of each of the reply's figures to open."""
        if not reply.figures:
            return []
        from bot.render.figures import figure_file_async

        lines = []
        for spec in reply.figures:
            path = await figure_file_async(spec)
            title = f" ({spec.caption})" if spec.caption else ""
            lines.append(f"🖼 Figure{title}: {path.resolve()}" if path is not None
                         else f"🖼 Figure{title}: could not be drawn just now.")
        return lines

    async def handle(self, line: str) -> list[Reply]:
        line = line.strip()
        press = PRESS.fullmatch(line)
        if press:
            n = int(press.group(1))
            if 1 <= n <= len(self.buttons):
                return await self.core.press(self.actor, self.buttons[n - 1].action)
            if not self.buttons:
                return [Reply("There are no buttons to press right now. Type /next to carry on.")]
            return [Reply(f"There is no button /{n}: {self._which()}.")]
        if line.isdecimal() and self.buttons and not await self.core.has_open_question(self.actor):
            # a bare number and no question open (an open one takes it as its answer, below): the core's reply
            # without its buttons, so that the ones shown stay as they are, and how to press one of them
            n = int(line[:9])
            which = f"/{n} is “{self.buttons[n - 1].label}”" if 1 <= n <= len(self.buttons) else self._which()
            return [*(replace(r, buttons=()) for r in await self.core.handle_text(self.actor, line)),
                    Reply(f"To press a button, type its number after a slash: {which}.")]
        return await self.core.handle_text(self.actor, line)

    def _which(self) -> str:
        """The buttons there are to press, for a number that is none of them."""
        return "the only button is /1" if len(self.buttons) == 1 else f"the buttons are /1 to /{len(self.buttons)}"

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        interactive = stdin.isatty()
        if interactive:
            self.out.write("ML maths study companion — console chat. Type /start, /help, or /quit to leave.\n"
                           "Buttons look like [/1] Hint: type /1 to press one. While a question is open, "
                           "anything else you type is your answer.\n\n")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write("you> ")
                self.out.flush()
                self.prompting = True
            line = await loop.run_in_executor(None, stdin.readline)
            self.prompting = False
            if not line:
                break
            if line.strip() in ("/quit", "/exit"):
                break
            if not interactive and line.strip():
                self.out.write(f"> {line.strip()}\n")
            if not line.strip():
                continue
            await self.show(await self.handle(line))


class ConsoleReminders:
    """The console learner's own reminders while the chat is open, as the platforms send them: the same sweep
    (:class:`bot.core.reminders.ReminderService`), run once at start — a reminder that came due while the chat
    was closed is shown then, within the grace period; older ones are skipped — and at second 0 of every
    minute after. Only this learner's reminders are claimed: others sharing the database (``--user``, or a
    platform bot on the same PostgreSQL) keep theirs."""

    terms = Terms()  # the neutral words: the console is one private chat

    def __init__(self, chat: ConsoleChat, catalog: Catalog, repo: Any, clock: Clock, grace_minutes: int = 60):
        self.chat = chat
        self.repo = repo
        self.service = ReminderService(catalog, repo, clock, {"console": self}, grace_minutes=grace_minutes,
                                       rates={})
        self.scheduler: Scheduler | None = None

    async def send(self, destination: Destination, reply: Reply) -> None:
        """The Messenger side: show the reminder in the chat; today's prompt it carries becomes the open
        question, so the reply typed next answers it."""
        await self.chat.show([reply])
        if reply.expects_answer:
            await self.chat.core.press(self.chat.actor, "dy")  # opens today's prompt (its text is shown above)

    async def sweep(self) -> None:
        learner = await self.repo.find_learner(self.chat.actor.platform, self.chat.actor.user_id)
        if learner is not None and learner.reminder_next_at is not None:
            await self.service.sweep(learner_ids=[learner.id])

    async def start(self) -> None:
        await self.sweep()
        self.scheduler = Scheduler()
        self.scheduler.every_minute("console-reminders", self.sweep)
        self.scheduler.start()

    def stop(self) -> None:
        self.service.stop()
        if self.scheduler is not None:
            self.scheduler.shutdown()
