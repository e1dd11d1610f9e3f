"""Every command, declared once. Adapters build their platform's commands from this registry."""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bot.core.service import Ctx

ArgKind = Literal["text", "word", "int", "choice", "topic", "timezone", "time", "command"]

MAX_ARG_CHARS = 500


@dataclass(frozen=True)
class Arg:
    name: str
    help: str
    kind: ArgKind = "word"
    required: bool = False
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    example: str = ""
    pick: str = ""  # timezone: the button action (``tz``) that sets a suggested zone when the one typed is unknown

    @property
    def autocomplete(self) -> bool:
        """Adapters offer live suggestions for these (Discord autocomplete)."""
        return self.kind in ("topic", "timezone", "command")


Handler = Callable[["Ctx", dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    name: str
    help: str  # one line, <= 100 chars (Discord's limit for descriptions)
    handler: Handler = field(repr=False)
    args: tuple[Arg, ...] = ()
    admin: bool = False  # organisers only (Discord: Manage Server; Telegram: group admins)
    details: str = ""  # longer help for /help <command>
    # values of the first argument that only organisers may run (``/challenge start``); the handler checks
    # ``actor.is_admin`` at run time, and adapters compute is_admin whenever :meth:`may_need_admin` says so
    admin_actions: tuple[str, ...] = ()

    def may_need_admin(self, args: str | dict[str, Any]) -> bool:
        """Whether this invocation may need organiser rights (so an adapter should find out ``is_admin``)."""
        if self.admin:
            return True
        if not self.admin_actions or not self.args:
            return False
        first = self.args[0].name
        if isinstance(args, dict):
            value = str(args.get(first) or "")
        else:
            named = named_options(self, args)
            value = named.get(first, "") if named is not None else (args.split() or [""])[0]
        return value.strip().lower() in self.admin_actions

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for a in self.args:
            label = "|".join(a.choices) if a.kind == "choice" and len(a.choices) <= 4 else a.name
            parts.append(f"<{label}>" if a.required else f"[{label}]")
        return " ".join(parts)

    @property
    def example(self) -> str:
        ex = [f"/{self.name}"] + [a.example for a in self.args if a.example]
        return " ".join(ex)


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def add(self, command: Command) -> Command:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", command.name):
            raise ValueError(f"bad command name {command.name!r}")
        if command.name in self._commands:
            raise ValueError(f"command {command.name!r} declared twice")
        if len(command.help) > 100:
            raise ValueError(f"help of /{command.name} is over 100 characters")
        self._commands[command.name] = command
        return command

    def command(self, name: str, help: str, *args: Arg, admin: bool = False, details: str = "",
                admin_actions: tuple[str, ...] = ()):
        """Decorator form: ``@registry.command("next", "What to study now")``."""

        def wrap(fn: Handler) -> Handler:
            self.add(Command(name, help, fn, tuple(args), admin, details, admin_actions))
            return fn

        return wrap

    def get(self, name: str) -> Command | None:
        return self._commands.get(name.lower())

    def __iter__(self):
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def names(self) -> list[str]:
        return list(self._commands)

    def closest(self, name: str) -> list[str]:
        return difflib.get_close_matches(name.lower(), self.names(), n=2, cutoff=0.5)


def named_options(command: Command, text: str) -> dict[str, str] | None:
    """``start topic:linear algebra days:7 time:19:00 Europe/Berlin`` as {name: text}; None when the text
    names no option of the command (then arguments are positional).

    Words before the first named option fill the command's arguments in order; a word after a named
    ``text`` or ``topic`` option continues it (names have spaces); other bare words fill the next
    arguments not named. Unknown leftovers come back under ``""`` so the caller can refuse them.
    """
    if len(command.args) < 2:
        return None
    kinds = {a.name: a.kind for a in command.args}
    words = text.split()
    if not any(w.partition(":")[0].lower() in kinds and ":" in w for w in words):
        return None
    items: dict[str, str] = {}
    bare: list[str] = []
    current: str | None = None
    for w in words:
        key, sep, value = w.partition(":")
        if sep and key.lower() in kinds:
            current = key.lower()
            items[current] = value
        elif current is not None and kinds[current] in ("text", "topic"):
            items[current] = f"{items[current]} {w}".strip()
        else:
            bare.append(w)
    free = [a.name for a in command.args if a.name not in items]
    for name, w in zip(free, bare, strict=False):
        items[name] = w
    if len(bare) > len(free):
        items[""] = " ".join(bare[len(free):])
    return items
