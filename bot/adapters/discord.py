"""The Discord adapter: slash commands generated from the core registry, buttons, an answer modal, DMs.

Thin by design: every interaction becomes one core call (``core.run`` for commands and the answer modal,
``core.press`` for buttons, ``core.handle_text`` for text in DMs) and the Replies go back as Discord
messages. Nothing here knows a command, an argument rule or a learning rule.

- Slash commands are built from ``core.registry``: names, descriptions, typed options (integers with
  their range, choices), autocomplete for topics, time zones and command names; ``Command.admin`` commands
  need Manage Server by default and the core checks ``Actor.is_admin`` at run time.
- Buttons are ``DynamicItem`` s whose ``custom_id`` is ``b:<action>``: they are matched by a template, so
  buttons on old messages keep working after a restart. Replies that expect an answer get an **Answer**
  button (``custom_id`` ``answer``) that opens a modal; the modal's submission is routed in
  ``on_interaction`` by its ``custom_id`` for the same reason (discord.py only routes modals it sent itself).
- In servers, personal replies are ephemeral. Lessons are embeds; formulas and charts are attachments.
- :class:`DiscordMessenger` is the core's Messenger port: reminders go by DM.

Endpoints: ``DISCORD_API_BASE_URL`` replaces ``discord.http.Route.BASE`` (REST and interaction webhooks)
and ``DISCORD_GATEWAY_URL`` replaces ``DiscordWebSocket.DEFAULT_GATEWAY``. discord.py 2.7 connects a plain
client to ``DEFAULT_GATEWAY`` without asking ``/gateway``; an ``AutoShardedClient`` with no shard count asks
``GET /gateway/bot`` for the shard count *and* the URL, so with a configured gateway the adapter keeps the
count and replaces the URL. Resumes go to the ``resume_gateway_url`` of READY, which a gateway proxy must
rewrite to itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.adapters.common import reply_images, split_text
from bot.core.markup import esc, to_markdown, to_plain
from bot.core.model import Actor, Reply, Terms
from bot.core.ports import Destination, RateLimited, Unreachable
from bot.core.registry import Arg, Command
from bot.core.service import suggest_zones

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.service import Core

log = logging.getLogger(__name__)

PLATFORM = "discord"
MESSAGE_LIMIT = 2000
EMBED_LIMIT = 4096
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_CHOICES = 25
DESCRIPTION_LIMIT = 100
ANSWER_ID = "answer"  # custom_id of the Answer button, of the modal and of its text field
TEXT_PREFIX = "t:"  # custom_id of a button asking for text (and of its modal): t:<core action>
ANSWER_LABEL = "Answer ✍️"  # the button the adapter adds to replies that expect an answer
# Discord's words for the core's texts. The bot reads no server messages (no message intents there), so in a
# server an answer goes through the Answer button's modal or /answer, never a reply to a message.
TERMS = Terms(
    chat="a server channel",
    organisers="this server's organisers (members with **Manage Server**)",
    community="server",
    answer="Send your answer here",
    answer_shared=f"Press **{ANSWER_LABEL}** to answer",
    again=f"Press **{ANSWER_LABEL}** to try again (or just send it here).",
    again_shared=f"Press **{ANSWER_LABEL}** to try again.",
    answer_post=f"Press **{ANSWER_LABEL}** to answer",
    posts_answered="with its buttons",
)
ANSWER_MAX_CHARS = 1000
EMBED_COLOUR = discord.Colour(0x3B82F6)
# Non-privileged: guild events (for the guild cache) and DMs (free-text answers arrive with their content).
INTENTS = discord.Intents(guilds=True, dm_messages=True)
# Cannot send messages to this user (DMs closed, bot blocked, no shared server), missing access (left the
# server or channel), invalid recipient, unknown channel, unknown user.
UNREACHABLE_CODES = frozenset({50007, 50001, 50033, 10003, 10013})
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


# ---------------------------------------------------------------- endpoints


def rest_base(url: str) -> str:
    """``Route.BASE`` from DISCORD_API_BASE_URL; a bare host gets Discord's ``/api/v10`` path."""
    url = url.rstrip("/")
    if not urlsplit(url).path:
        url += f"/api/v{discord.http.INTERNAL_API_VERSION}"
    return url


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at the configured REST base and gateway (process-wide class attributes)."""
    if settings.discord_api_base_url:
        discord.http.Route.BASE = rest_base(settings.discord_api_base_url)
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


# ---------------------------------------------------------------- replies -> messages


@dataclass
class Outgoing:
    """One Discord message: keyword arguments for ``send_message`` / ``followup.send`` / ``channel.send``."""

    content: str = ""
    embed: discord.Embed | None = None
    files: list[discord.File] = field(default_factory=list)
    view: discord.ui.View | None = None

    def kwargs(self) -> dict[str, Any]:
        kw: dict[str, Any] = {}
        if self.content:
            kw["content"] = self.content
        if self.embed is not None:
            kw["embed"] = self.embed
        if self.files:
            kw["files"] = self.files
        if self.view is not None:
            kw["view"] = self.view
        return kw


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"b:(?P<action>.{1,64})"):
    """A core Button; the action rides in the custom_id and goes back to ``core.press``."""

    def __init__(self, action: str, label: str = "…", style: discord.ButtonStyle = discord.ButtonStyle.secondary):
        super().__init__(discord.ui.Button(label=label[:80], style=style, custom_id=f"b:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str]):
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _adapter(interaction).on_press(interaction, self.action)


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=ANSWER_ID):
    """Added by the adapter to replies that expect an answer: opens the answer modal."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label=ANSWER_LABEL, style=discord.ButtonStyle.primary, custom_id=ANSWER_ID))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str]):
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(answer_modal())


class TextActionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"t:(?P<action>.{1,64})"):
    """A core Button with ``asks_text`` (a challenge post's Answer): opens a modal that carries its action."""

    def __init__(self, action: str, label: str = "…", style: discord.ButtonStyle = discord.ButtonStyle.primary):
        super().__init__(discord.ui.Button(label=label[:80], style=style, custom_id=f"{TEXT_PREFIX}{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str]):
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(answer_modal(f"{TEXT_PREFIX}{self.action}"))


def answer_modal(custom_id: str = ANSWER_ID) -> discord.ui.Modal:
    modal = discord.ui.Modal(title="Your answer", custom_id=custom_id)
    field_ = discord.ui.TextInput(custom_id=ANSWER_ID, placeholder="e.g. 3/4", max_length=ANSWER_MAX_CHARS)
    modal.add_item(discord.ui.Label(text="Answer", component=field_))
    # Stopped before sending, so discord.py does not keep it: the submission is routed in on_interaction
    # by its custom_id, which also works after a restart.
    modal.stop()
    return modal


def _adapter(interaction: discord.Interaction) -> DiscordAdapter:
    return interaction.client.adapter  # type: ignore[attr-defined]


def pack_rows(rows: Sequence[Sequence[discord.ui.Item]]) -> list[list[discord.ui.Item]]:
    """Discord's grid: at most 5 rows of 5. Long rows wrap; extra rows merge into neighbours that fit."""
    out = [list(row[i : i + MAX_PER_ROW]) for row in rows for i in range(0, len(row), MAX_PER_ROW) if row]
    while len(out) > MAX_ROWS:
        fits = [i for i in range(len(out) - 1) if len(out[i]) + len(out[i + 1]) <= MAX_PER_ROW]
        if not fits:
            log.warning("a reply has more buttons than Discord shows; dropping %d row(s)", len(out) - MAX_ROWS)
            return out[:MAX_ROWS]
        i = min(fits, key=lambda j: len(out[j]) + len(out[j + 1]))
        out[i : i + 2] = [out[i] + out[i + 1]]
    return out


def build_view(reply: Reply) -> discord.ui.View | None:
    rows: list[list[discord.ui.Item]] = [
        [(TextActionButton if b.asks_text else ActionButton)(b.action, b.label,
                                                             STYLES.get(b.style, discord.ButtonStyle.secondary))
         for b in row]
        for row in reply.buttons
    ]
    if reply.expects_answer:
        rows.insert(0, [AnswerButton()])
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for r, row in enumerate(pack_rows(rows)):
        for item in row:
            item.row = r
            view.add_item(item)
    # Nothing to keep in memory: the DynamicItem templates route every press, old messages included.
    view.stop()
    return view


def _embed_markdown(text: str) -> str:
    """Embeds show no link previews, so the ``<url>`` preview guard of masked links is not needed there."""
    return re.sub(r"\]\(<(https?://[^>\s]+)>\)", r"](\1)", text)


def embed_heading(reply: Reply) -> tuple[str, str]:
    """An embed's title and the neutral text of its description. The text's first line is its heading, naming
    the title in bold (``📘 **Vectors** · Linear algebra · about 10 min``): the embed's title takes its start
    (``📘 Vectors``) and the description begins with the rest, so the title is not shown twice."""
    head, _, body = reply.text.partition("\n")
    before, bold, after = head.partition(f"**{esc(reply.title)}**")
    if not bold:
        return reply.title, reply.text
    rest = after.strip().removeprefix("·").strip()
    title = f"{to_plain(before).strip()} {reply.title}".strip()
    return title, f"_{rest}_\n{body}" if rest else body.lstrip("\n")


async def render(reply: Reply) -> list[Outgoing]:
    """A Reply as Discord messages: text split at Discord's limits, an embed for lessons (title + links),
    images and files as attachments, buttons on the last message."""
    messages: list[Outgoing] = []
    if reply.title:
        title, described = embed_heading(reply)
        parts = split_text(_embed_markdown(to_markdown(described)), EMBED_LIMIT)
        embed = discord.Embed(title=title[:256], description=parts[0], colour=EMBED_COLOUR,
                              url=reply.links[0][1] if reply.links else None)
        messages.append(Outgoing(embed=embed))
        messages += [Outgoing(content=p) for p in split_text("\n\n".join(parts[1:]), MESSAGE_LIMIT) if p]
    else:
        messages += [Outgoing(content=p) for p in split_text(to_markdown(reply.text), MESSAGE_LIMIT) if p]
    if not messages:
        messages.append(Outgoing(content="\u200b"))
    last = messages[-1]
    images = await reply_images(reply)
    last.files = [discord.File(io.BytesIO(png), filename=name) for name, png in images]
    figure = next((name for name, _ in images if name.startswith("figure-")), None)
    if figure and last.embed is not None:  # a lesson's figure shows inside its embed
        last.embed.set_image(url=f"attachment://{figure}")
    if reply.file is not None:
        last.files.append(discord.File(io.BytesIO(reply.file.data), filename=reply.file.filename))
    last.view = build_view(reply)
    return messages


# ---------------------------------------------------------------- slash commands from the registry


def _describe(text: str) -> str:
    text = " ".join(text.split()) or "…"
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _annotation(arg: Arg) -> Any:
    if arg.kind == "int":
        if arg.min is not None or arg.max is not None:
            return app_commands.Range[int, arg.min, arg.max]
        return int
    return str


def _match(options: Sequence[tuple[str, str]], current: str) -> list[app_commands.Choice[str]]:
    """(name, value) pairs whose name or value starts with, then contains, what was typed."""
    q = current.strip().lower()
    starts = [o for o in options if o[0].lower().startswith(q) or o[1].lower().startswith(q)]
    contains = [o for o in options if o not in starts and (q in o[0].lower() or q in o[1].lower())]
    return [app_commands.Choice(name=n[:100], value=v) for n, v in (starts + contains)[:MAX_CHOICES]]


class StudyBot(commands.AutoShardedBot):
    """The discord.py client; all behaviour lives in :class:`DiscordAdapter`."""

    def __init__(self, adapter: DiscordAdapter, **options: Any):
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice here: no warnings
        options.setdefault("intents", INTENTS)
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("max_ratelimit_timeout", 30.0)  # longer waits surface as RateLimited
        super().__init__(command_prefix=commands.when_mentioned, help_command=None, **options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton, AnswerButton, TextActionButton)
        await self.adapter.sync_commands()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
            if data.get("custom_id") == ANSWER_ID:
                await self.adapter.on_answer(interaction, _field_value(data, ANSWER_ID))
            elif str(data.get("custom_id", "")).startswith(TEXT_PREFIX):
                action = str(data["custom_id"])[len(TEXT_PREFIX):]
                await self.adapter.on_text_action(interaction, action, _field_value(data, ANSWER_ID))

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None and not message.author.bot and message.content.strip():
            await self.adapter.on_dm_text(message)


def _field_value(data: dict[str, Any], custom_id: str) -> str:
    """The value of a text field in a modal submission (inside a Label or a legacy action row)."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            yield node
            for key in ("components", "component"):
                yield from walk(node.get(key))
        elif isinstance(node, list):
            for x in node:
                yield from walk(x)

    return next((n.get("value") or "" for n in walk(data.get("components")) if n.get("custom_id") == custom_id), "")


# ---------------------------------------------------------------- the adapter


class DiscordAdapter:
    """``start()`` logs in, syncs the slash commands and connects the gateway; ``stop()`` disconnects."""

    def __init__(self, core: Core, settings: Settings, *, defer_after: float = 2.0, **bot_options: Any):
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.core = core
        self.settings = settings
        self.defer_after = defer_after  # Discord wants an answer within 3 s: defer when work takes longer
        if settings.discord_shard_ids is not None:  # this process runs these shards of DISCORD_SHARD_COUNT
            bot_options.setdefault("shard_ids", list(settings.discord_shard_ids))
        self.bot = StudyBot(self, shard_count=settings.discord_shard_count, **bot_options)
        self.messenger = DiscordMessenger(self)
        self.task: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        if settings.discord_gateway_url and settings.discord_shard_count is None:
            self._keep_gateway_url(settings.discord_gateway_url)

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        apply_endpoints(self.settings)
        assert self.settings.discord_token is not None
        try:
            await self.bot.login(self.settings.discord_token.get_secret_value())  # setup_hook syncs commands
        except BaseException:
            await self.bot.close()
            raise
        self.task = asyncio.create_task(self.bot.connect(reconnect=True), name="discord-gateway")
        self.task.add_done_callback(self._connection_ended)

    async def stop(self, grace: float = 10.0) -> None:
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=grace)
        await self.bot.close()
        if self.task is not None and not self.task.done():
            await asyncio.wait({self.task})  # its outcome is logged by _connection_ended

    async def wait_idle(self) -> None:
        """Until no interaction or DM is being handled (graceful stops, tests)."""
        while self._handlers:
            await asyncio.wait(set(self._handlers))

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("the Discord connection ended: %s: %s", type(exc).__name__, exc)

    def _keep_gateway_url(self, url: str) -> None:
        """Auto-sharding asks /gateway/bot for the shard count and URL; keep the count, use our URL."""
        ask = self.bot.http.get_bot_gateway

        async def get_bot_gateway() -> tuple[int, str, Any]:
            shards, _, limits = await ask()
            return shards, url, limits

        self.bot.http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]

    # ------------------------------------------------------------ commands

    def slash_commands(self) -> list[app_commands.Command]:
        return [self._app_command(c) for c in self.core.registry]

    async def sync_commands(self) -> None:
        tree = self.bot.tree
        tree.clear_commands(guild=None)
        for cmd in self.slash_commands():
            tree.add_command(cmd)
        shards = self.settings.discord_shard_ids
        if shards is not None and 0 not in shards:  # shards spread over processes: the one with shard 0 syncs
            log.info("slash commands are synced by the process running shard 0 (this one runs %s)",
                     ",".join(map(str, shards)))
            return
        guild_id = self.settings.discord_dev_guild_id
        if guild_id:  # development: one server, instantly
            guild = discord.Object(guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("synced %d slash commands to the development server %s", len(synced), guild_id)
        else:
            synced = await tree.sync()
            log.info("synced %d slash commands globally", len(synced))

    def _app_command(self, command: Command) -> app_commands.Command:
        adapter = self

        async def callback(interaction: discord.Interaction, **options: Any) -> None:
            args = {k: v for k, v in options.items() if v is not None}
            # Manage Server is free to read here: asked whenever the command or one of its actions needs it
            actor = actor_of(interaction, admin_command=command.admin or bool(command.admin_actions))
            await adapter.respond(interaction, adapter.core.run(actor, command.name, args))

        params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=discord.Interaction)]
        for arg in command.args:
            params.append(inspect.Parameter(
                arg.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(arg),
                default=inspect.Parameter.empty if arg.required else None,
            ))
        callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        callback.__qualname__ = callback.__name__ = f"slash_{command.name}"
        fn: Any = app_commands.describe(**{a.name: _describe(a.help) for a in command.args})(callback)
        choices = {a.name: [app_commands.Choice(name=c, value=c) for c in a.choices]
                   for a in command.args if a.kind == "choice" and a.choices and len(a.choices) <= MAX_CHOICES}
        if choices:
            fn = app_commands.choices(**choices)(fn)
        completers = {a.name: self._completer(a) for a in command.args
                      if a.autocomplete or (a.kind == "choice" and len(a.choices) > MAX_CHOICES)}
        if completers:
            fn = app_commands.autocomplete(**completers)(fn)
        if command.admin:
            fn = app_commands.default_permissions(manage_guild=True)(fn)
            fn = app_commands.guild_only()(fn)
        return app_commands.Command(name=command.name, description=_describe(command.help), callback=fn)

    def _completer(self, arg: Arg) -> Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice]]]:
        core = self.core

        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            if arg.kind == "timezone":
                return [app_commands.Choice(name=z, value=z) for z in suggest_zones(current, MAX_CHOICES)]
            if arg.kind == "topic":
                extra = [("All topics" if c == "all" else c, c) for c in arg.choices]
                return _match(extra + [(t.title, t.id) for t in core.catalog.topics], current)
            if arg.kind == "command":
                return _match([(f"/{c.name} — {c.help}", c.name) for c in core.registry], current)
            return _match([(c, c) for c in arg.choices], current)

        return complete

    # ------------------------------------------------------------ events -> core

    async def on_press(self, interaction: discord.Interaction, action: str) -> None:
        await self.respond(interaction, self.core.press(actor_of(interaction), action))

    async def on_answer(self, interaction: discord.Interaction, text: str) -> None:
        # the Answer button of one's own question: always that question (``/answer`` in a channel with an
        # open challenge post answers the post)
        await self.respond(interaction, self.core.answer_to(actor_of(interaction), "q", text))

    async def on_text_action(self, interaction: discord.Interaction, action: str, text: str) -> None:
        await self.respond(interaction, self.core.answer_to(actor_of(interaction), action, text))

    async def on_dm_text(self, message: discord.Message) -> None:
        with self._handling():
            actor = Actor(PLATFORM, str(message.author.id), message.author.display_name,
                          chat_id=str(message.channel.id), is_private=True, terms=TERMS)
            try:
                for reply in await self.core.handle_text(actor, message.content):
                    for out in await render(reply):
                        await message.channel.send(**out.kwargs())
            except discord.HTTPException as exc:
                log.warning("could not answer a DM: HTTP %s (code %s)", exc.status, exc.code)

    async def respond(self, interaction: discord.Interaction, work: Awaitable[list[Reply]]) -> None:
        """Answer an interaction with the core's replies: directly when they are ready within
        ``defer_after`` seconds, else defer (Discord's 3-second rule) and send them as follow-ups."""
        with self._handling():
            in_guild = interaction.guild_id is not None
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.defer_after
            try:
                replies = await self._before(interaction, asyncio.ensure_future(work), deadline, in_guild)
                rendered = asyncio.ensure_future(asyncio.gather(*(render(r) for r in replies)))
                messages = await self._before(interaction, rendered, deadline, in_guild and replies[0].private)
                for reply, outs in zip(replies, messages, strict=True):
                    ephemeral = in_guild and reply.private
                    for out in outs:
                        if interaction.response.is_done():
                            await interaction.followup.send(**out.kwargs(), ephemeral=ephemeral)
                        else:
                            await interaction.response.send_message(**out.kwargs(), ephemeral=ephemeral)
            except discord.HTTPException as exc:
                log.warning("could not answer an interaction: HTTP %s (code %s) %s", exc.status, exc.code, exc.text)

    async def _before(self, interaction: discord.Interaction, task: asyncio.Future, deadline: float,
                      ephemeral: bool) -> Any:
        if not interaction.response.is_done():
            done, _ = await asyncio.wait({task}, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
            if not done:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        return await task

    @contextlib.contextmanager
    def _handling(self) -> Iterator[None]:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            yield
        finally:
            self._handlers.discard(task)


def actor_of(interaction: discord.Interaction, *, admin_command: bool = False) -> Actor:
    guild_id = interaction.guild_id
    user = interaction.user
    return Actor(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.display_name,
        chat_id=str(interaction.channel_id) if interaction.channel_id else None,
        is_private=guild_id is None,
        # Manage Server here, from the member's resolved permissions in the interaction; only asked for
        # organiser commands (the command's default permissions hide them from others too).
        is_admin=admin_command and guild_id is not None and interaction.permissions.manage_guild,
        guild_id=str(guild_id) if guild_id else None,
        terms=TERMS,
    )


# ---------------------------------------------------------------- the Messenger port


class DiscordMessenger:
    """Reminders and posts. A user gets a DM (the DM channel is opened, then cached by discord.py);
    a destination without a user is a channel. 429s are handled by discord.py's rate limiter."""

    terms = TERMS  # the words of posts and reminders

    def __init__(self, adapter: DiscordAdapter):
        self.adapter = adapter

    async def send(self, destination: Destination, reply: Reply) -> None:
        bot = self.adapter.bot
        try:
            channel: discord.abc.Messageable
            if destination.user_id:
                channel = await bot.create_dm(discord.Object(int(destination.user_id)))
            else:
                channel = bot.get_partial_messageable(int(destination.chat_id))
            for out in await render(reply):
                await channel.send(**out.kwargs())
        except discord.RateLimited as exc:  # only when the wait exceeds max_ratelimit_timeout
            raise RateLimited(exc.retry_after) from exc
        except discord.HTTPException as exc:
            if isinstance(exc, discord.Forbidden | discord.NotFound) or exc.code in UNREACHABLE_CODES:
                raise Unreachable(f"discord: HTTP {exc.status} (code {exc.code})") from exc
            log.warning("sending to %s failed: HTTP %s (code %s) %s", destination.chat_id, exc.status, exc.code,
                        exc.text)
            raise


def build_discord(core: Core, settings: Settings, **options: Any) -> DiscordAdapter:
    """The adapter for the composition root; ``options`` go to :class:`DiscordAdapter`."""
    return DiscordAdapter(core, settings, **options)
