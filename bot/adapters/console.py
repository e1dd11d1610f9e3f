"""The console chat: the same commands in a terminal; buttons shown numbered, type the number to press."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.core.markup import to_plain
from bot.core.model import Actor, Button, Reply
from bot.core.service import Core


class ConsoleChat:
    def __init__(self, core: Core, user: str, out: TextIO = sys.stdout, files_dir: Path = Path("data/exports")):
        self.core = core
        self.actor = Actor("console", user, user, chat_id=f"console:{user}", is_private=True)
        self.out = out
        self.files_dir = files_dir
        self.buttons: list[Button] = []

    def show(self, replies: list[Reply]) -> None:
        # Buttons stay pressable until a newer message brings its own, as in a chat.
        if any(r.buttons for r in replies):
            self.buttons = []
        for reply in replies:
            self.out.write(to_plain(reply.text) + "\n")
            if reply.file is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / Path(reply.file.filename).name
                path.write_bytes(reply.file.data)
                self.out.write(f"(file saved: {path})\n")
            if reply.buttons:
                labels = []
                for b in reply.all_buttons:
                    self.buttons.append(b)
                    labels.append(f"[{len(self.buttons)}] {b.label}")
                self.out.write("  ".join(labels) + "\n")
            self.out.write("\n")
        self.out.flush()

    async def handle(self, line: str) -> list[Reply]:
        line = line.strip()
        if line.isdecimal() and len(line) <= 9 and self.buttons:
            n = int(line)
            if 1 <= n <= len(self.buttons):
                return await self.core.press(self.actor, self.buttons[n - 1].action)
            which = "the only button is 1" if len(self.buttons) == 1 else f"the buttons are 1 to {len(self.buttons)}"
            return [Reply(f"There is no button {n}: {which}.")]
        return await self.core.handle_text(self.actor, line)

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        interactive = stdin.isatty()
        if interactive:
            self.out.write("ML maths study companion — console chat. Type /start, /help, or /quit to leave.\n\n")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write("you> ")
                self.out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            if line.strip() in ("/quit", "/exit"):
                break
            if not interactive and line.strip():
                self.out.write(f"> {line.strip()}\n")
            if not line.strip():
                continue
            self.show(await self.handle(line))
