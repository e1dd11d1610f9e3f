"""A small fake Discord for tests: REST under ``/api/v10`` and a plain-JSON websocket gateway.

It answers what discord.py 2.7 asks while logging in, syncing slash commands, answering interactions and
sending messages, with payloads shaped like Discord's, and records what the bot sent. Tests inject gateway
events (``INTERACTION_CREATE`` for slash commands, autocomplete, button presses and modal submits,
``MESSAGE_CREATE`` for DMs) and read back what the member would see: the messages of an interaction (with
their ephemeral flag, embeds, buttons and files), DMs and channel messages.

Faults are injected per route: ``fail(method, path_regex, status, code, message)`` and
``rate_limit(method, path_regex, retry_after)`` (a 429 with Discord's body and headers). Users whose DMs
are closed get Discord's 403 with JSON error code 50007.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.wording import scan

API = "/api/v10"
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)  # view, send, ...
EPHEMERAL = 1 << 6
LOADING = 1 << 7
TEXT_CHANNEL, DM_CHANNEL = 0, 1
SLASH, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
NOW = "2026-03-10T12:00:00.000000+00:00"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON as Discord sends it: discord.py parses a body only when Content-Type is exactly application/json."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def snowflake_at(ms_since_epoch: int, n: int) -> int:
    return (ms_since_epoch << 22) | (n & 0x3FFFFF)


@dataclass
class Msg:
    """A message as the member sees it."""

    id: int
    channel_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    flags: int = 0
    interaction_id: int | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def text(self) -> str:
        """Content, then each embed's title and description, with markdown escapes shown as Discord shows
        them (``\\_`` as ``_``); bold and italic markers stay."""
        parts = [self.content] + [f"{e.get('title', '')}\n{e.get('description', '')}" for e in self.embeds]
        return re.sub(r"\\([^\sA-Za-z0-9])", r"\1", "\n".join(p for p in parts if p))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def walk(nodes: list[dict[str, Any]]) -> None:
            for c in nodes:
                if c.get("type") == 2:
                    out.append(c)
                walk(c.get("components", []))

        walk(self.components)
        return out

    @property
    def labels(self) -> list[str]:
        return [b.get("label", "") for b in self.buttons]

    def button(self, label_start: str) -> dict[str, Any]:
        for b in self.buttons:
            if b.get("label", "").startswith(label_start):
                return b
        raise AssertionError(f"no button {label_start!r} in {self.labels}")

    def limit_problems(self) -> list[str]:
        """What Discord would refuse in this message: empty, content > 2000, embed description > 4096,
        title > 256, > 10 embeds, > 5 rows or > 5 per row or > 25 components, custom_id > 100, label > 80."""
        out: list[str] = []
        if not (self.content.strip() or self.embeds or self.files):
            out.append("an empty message")
        if len(self.content) > 2000:
            out.append(f"content of {len(self.content)} characters")
        if len(self.embeds) > 10:
            out.append(f"{len(self.embeds)} embeds")
        for e in self.embeds:
            if len(e.get("description") or "") > 4096:
                out.append(f"an embed description of {len(e['description'])} characters")
            if len(e.get("title") or "") > 256:
                out.append(f"an embed title of {len(e['title'])} characters")
        rows = [c for c in self.components if c.get("type") == 1]
        if len(rows) > 5:
            out.append(f"{len(rows)} action rows")
        if any(len(r.get("components", [])) > 5 for r in rows):
            out.append("an action row of more than 5")
        if len(self.buttons) > 25:
            out.append(f"{len(self.buttons)} buttons")
        for b in self.buttons:
            if not 1 <= len(b.get("custom_id") or "") <= 100 and "url" not in b:
                out.append(f"custom_id {b.get('custom_id')!r}")
            if len(b.get("label") or "") > 80:
                out.append(f"a label of {len(b['label'])} characters")
        return out

    def to_json(self, author: dict[str, Any], app_id: int) -> dict[str, Any]:
        return {
            "id": str(self.id), "channel_id": str(self.channel_id), "type": 0 if not self.interaction_id else 20,
            "content": self.content, "author": author, "embeds": self.embeds, "components": self.components,
            "attachments": [
                {"id": str(self.id + i + 1), "filename": name, "size": len(data),
                 "url": f"https://cdn.example/{self.id}/{name}", "proxy_url": f"https://cdn.example/{self.id}/{name}"}
                for i, (name, data) in enumerate(self.files)
            ],
            "flags": self.flags, "timestamp": NOW, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False,
            "webhook_id": str(app_id) if self.interaction_id else None,
        }


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    user: dict[str, Any]
    guild_id: int | None
    channel_id: int
    payload: dict[str, Any]
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # what the bot POSTed to .../callback
    messages: list[Msg] = field(default_factory=list)  # the response message, then follow-ups

    @property
    def callback_types(self) -> list[int]:
        return [c["type"] for c in self.callbacks]

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete suggestions (type 8 callback)."""
        return next(c["data"]["choices"] for c in self.callbacks if c["type"] == 8)

    @property
    def modal(self) -> dict[str, Any] | None:
        return next((c["data"] for c in self.callbacks if c["type"] == 9), None)

    @property
    def visible(self) -> list[Msg]:
        """The messages that are shown (a deferred 'thinking…' placeholder is not yet a message)."""
        return [m for m in self.messages if not m.loading]

    @property
    def text(self) -> str:
        return "\n\n".join(m.text for m in self.visible)


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


class FakeDiscord:
    WAIT_LIMIT = 15.0

    def __init__(self, token: str = "fake-bot-token") -> None:
        self.token = token
        self._ids = itertools.count(1)
        self.app_id = self.snowflake()
        self.bot_user = {"id": str(self.app_id), "username": "StudyBot", "global_name": None,
                         "discriminator": "0000", "avatar": None, "bot": True, "public_flags": 0, "flags": 0}
        self.users: dict[int, dict[str, Any]] = {}
        self.guilds: dict[int, dict[str, Any]] = {}  # id -> {name, roles: {id: perms}, members: {uid: [role ids]}}
        self.channels: dict[int, dict[str, Any]] = {}
        self.dm_of_user: dict[int, int] = {}
        self.closed_dms: set[int] = set()
        self.messages: list[Msg] = []  # channel messages (DMs included), not interaction messages
        self.foreign: list[str] = []  # what the bot said that names Telegram's things (tests.support.wording)
        self.interactions: dict[int, Interaction] = {}
        self.requests: list[tuple[str, str]] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.command_puts: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.identifies: list[dict[str, Any]] = []
        self.sessions: dict[int, web.WebSocketResponse] = {}
        self._seq: dict[int, itertools.count] = {}
        self._shard_count: dict[int, int] = {}
        self.recommended_shards = 1
        self.gateway_bot_url: str | None = None  # what GET /gateway/bot answers (default: this gateway)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 1024 * 1024)
        r = app.router
        r.add_get("/gateway", self._gateway)
        r.add_get(f"{API}/users/@me", self._me)
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        r.add_get(f"{API}/gateway", self._gateway_url)
        r.add_get(f"{API}/gateway/bot", self._gateway_bot)
        r.add_put(f"{API}/applications/{{app}}/commands", self._put_commands)
        r.add_put(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self._put_commands)
        r.add_post(f"{API}/interactions/{{iid}}/{{token}}/callback", self._callback)
        r.add_post(f"{API}/webhooks/{{app}}/{{token}}", self._followup)
        r.add_patch(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._edit_webhook_message)
        r.add_get(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._get_webhook_message)
        r.add_post(f"{API}/users/@me/channels", self._open_dm)
        r.add_post(f"{API}/channels/{{cid}}/messages", self._channel_message)
        r.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for ws in list(self.sessions.values()):
            await ws.close(code=4000, message=b"fake shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
        assert not self.foreign, f"Discord replies name Telegram's things: {self.foreign}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ------------------------------------------------------------ the world

    def snowflake(self, shard_of: int | None = None, shards: int = 1) -> int:
        """A fresh id; with ``shard_of``, one that Discord's (id >> 22) % shards puts on that shard."""
        n = next(self._ids)
        if shard_of is None:
            return snowflake_at(1_700_000_000_000 + n, n)
        ms = 1_700_000_000_000 + n * shards
        ms += (shard_of - ms) % shards
        return snowflake_at(ms, n)

    def add_user(self, username: str, global_name: str | None = None) -> dict[str, Any]:
        uid = self.snowflake()
        user = {"id": str(uid), "username": username, "global_name": global_name or username.title(),
                "discriminator": "0", "avatar": None, "bot": False, "public_flags": 0, "flags": 0}
        self.users[uid] = user
        return user

    def add_guild(self, name: str, *, everyone: int = MEMBER_PERMISSIONS, shard: int | None = None,
                  shards: int = 1) -> int:
        gid = self.snowflake(shard, shards)
        channel = self.snowflake()
        self.guilds[gid] = {"name": name, "roles": {gid: ("@everyone", everyone)}, "members": {}, "channel": channel}
        self.channels[channel] = {"id": str(channel), "type": TEXT_CHANNEL, "guild_id": str(gid), "name": "general",
                                  "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None,
                                  "topic": None, "last_message_id": None, "rate_limit_per_user": 0}
        return gid

    def add_role(self, guild_id: int, name: str, permissions: int) -> int:
        rid = self.snowflake()
        self.guilds[guild_id]["roles"][rid] = (name, permissions)
        return rid

    def add_member(self, guild_id: int, user: dict[str, Any], *roles: int) -> None:
        self.guilds[guild_id]["members"][int(user["id"])] = list(roles)

    def channel_of(self, guild_id: int) -> int:
        return self.guilds[guild_id]["channel"]

    def permissions(self, guild_id: int, user_id: int) -> int:
        """Like Discord: @everyone's permissions OR the member's roles'; Administrator means all."""
        g = self.guilds[guild_id]
        perms = g["roles"][guild_id][1]
        for rid in g["members"].get(user_id, []):
            perms |= g["roles"][rid][1]
        return (1 << 50) - 1 if perms & ADMINISTRATOR else perms

    def dm_channel(self, user_id: int) -> int:
        if user_id not in self.dm_of_user:
            cid = self.snowflake()
            self.dm_of_user[user_id] = cid
            self.channels[cid] = {"id": str(cid), "type": DM_CHANNEL, "last_message_id": None, "flags": 0,
                                  "recipients": [self.users[user_id]], "_user": user_id}
        return self.dm_of_user[user_id]

    def dms(self, user: dict[str, Any]) -> list[Msg]:
        cid = self.dm_of_user.get(int(user["id"]))
        return [m for m in self.messages if m.channel_id == cid]

    def channel_messages(self, channel_id: int) -> list[Msg]:
        return [m for m in self.messages if m.channel_id == channel_id]

    # ------------------------------------------------------------ faults

    def fail(self, method: str, path: str, status: int, code: int = 0, message: str = "error", times: int = 1,
             headers: dict[str, str] | None = None, **extra: Any) -> None:
        self.faults.append(Fault(method, re.compile(path), status, {"message": message, "code": code, **extra},
                                 headers or {}, times))

    def rate_limit(self, method: str, path: str, retry_after: float, times: int = 1) -> None:
        headers = {
            "Retry-After": str(max(1, round(retry_after))), "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after), "X-RateLimit-Bucket": "fakebucket",
            "X-RateLimit-Scope": "user", "Via": "1.1 google",
        }
        self.fail(method, path, 429, 0, "You are being rate limited.", times, headers,
                  retry_after=retry_after, **{"global": False})

    # ------------------------------------------------------------ waiting

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any]) -> Any:
        """Until ``predicate()`` is truthy; re-checked on every change the fake records (a safety limit of
        ``WAIT_LIMIT`` seconds turns a hang into a failure)."""

        async def wait() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(wait(), self.WAIT_LIMIT)

    async def wait_connected(self, shards: int = 1) -> None:
        await self.wait_for(lambda: len(self.sessions) >= shards and all(
            s in self._seq for s in range(shards)))

    # ------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        shard = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op = frame.get("op")
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                d = frame["d"]
                self.identifies.append(d)
                if d.get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                shard, count = d.get("shard", [0, 1])
                await self._ready(ws, shard, count)
        if shard is not None and self.sessions.get(shard) is ws:
            del self.sessions[shard]
        return ws

    async def _ready(self, ws: web.WebSocketResponse, shard: int, count: int) -> None:
        self.sessions[shard] = ws
        self._shard_count[shard] = count
        self._seq[shard] = itertools.count(1)
        mine = [g for g in self.guilds if (g >> 22) % count == shard]
        await self._send(shard, "READY", {
            "v": 10, "user": self.bot_user, "guilds": [{"id": str(g), "unavailable": True} for g in mine],
            "session_id": f"session-{shard}", "resume_gateway_url": self.gateway_url, "shard": [shard, count],
            "application": {"id": str(self.app_id), "flags": 0}, "private_channels": [], "relationships": [],
        })
        for g in mine:
            await self._send(shard, "GUILD_CREATE", self._guild_json(g))
        await self._notify()

    def _guild_json(self, gid: int) -> dict[str, Any]:
        g = self.guilds[gid]
        roles = [{"id": str(rid), "name": name, "permissions": str(perms), "position": i, "color": 0,
                  "hoist": False, "managed": False, "mentionable": False, "flags": 0}
                 for i, (rid, (name, perms)) in enumerate(g["roles"].items())]
        members = [self._member_json(gid, uid) for uid in g["members"]]
        channel = {k: v for k, v in self.channels[g["channel"]].items() if k != "guild_id"}
        return {
            "id": str(gid), "name": g["name"], "icon": None, "owner_id": str(self.app_id), "roles": roles,
            "emojis": [], "stickers": [], "features": [], "members": members, "member_count": len(members) + 1,
            "channels": [channel], "threads": [], "voice_states": [], "presences": [], "large": False,
            "unavailable": False, "joined_at": NOW, "afk_timeout": 300, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0,
            "preferred_locale": "en-GB", "nsfw_level": 0, "system_channel_flags": 0, "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [],
        }

    def _member_json(self, gid: int, uid: int) -> dict[str, Any]:
        return {"user": self.users[uid], "nick": None, "roles": [str(r) for r in self.guilds[gid]["members"][uid]],
                "joined_at": NOW, "deaf": False, "mute": False, "flags": 0, "pending": False,
                "premium_since": None, "avatar": None, "communication_disabled_until": None}

    def shard_of(self, guild_id: int | None) -> int:
        count = self._shard_count.get(0, 1)
        return 0 if guild_id is None else (guild_id >> 22) % count

    async def _send(self, shard: int, event: str, data: dict[str, Any]) -> None:
        await self.sessions[shard].send_json({"op": 0, "t": event, "s": next(self._seq[shard]), "d": data})

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> None:
        await self._send(self.shard_of(guild_id), event, data)

    # ------------------------------------------------------------ injecting interactions

    def _command(self, name: str, guild_id: int | None) -> dict[str, Any]:
        for cmd in self.commands.get(guild_id, []) + self.commands.get(None, []):
            if cmd["name"] == name:
                return cmd
        raise AssertionError(f"/{name} was never registered with the fake")

    def _options(self, cmd: dict[str, Any], values: dict[str, Any], focused: str | None) -> list[dict[str, Any]]:
        types = {o["name"]: o["type"] for o in cmd.get("options", [])}
        out = []
        for k, v in values.items():
            if k not in types:
                raise AssertionError(f"/{cmd['name']} has no option {k!r} on Discord ({sorted(types)})")
            opt = {"name": k, "type": types[k], "value": v}
            if k == focused:
                opt["focused"] = True
            out.append(opt)
        return out

    async def _inject(self, itype: int, user: dict[str, Any], guild_id: int | None, data: dict[str, Any],
                      message: Msg | None = None, channel_id: int | None = None) -> Interaction:
        iid = self.snowflake()
        uid = int(user["id"])
        if channel_id is None:
            channel_id = self.channel_of(guild_id) if guild_id else self.dm_channel(uid)
        channel = {k: v for k, v in self.channels[channel_id].items() if not k.startswith("_")}
        payload: dict[str, Any] = {
            "id": str(iid), "application_id": str(self.app_id), "type": itype, "data": data,
            "token": f"itoken-{iid}", "version": 1, "channel_id": str(channel_id), "channel": channel,
            "locale": "en-GB", "entitlements": [], "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(MEMBER_PERMISSIONS),
        }
        if guild_id:
            payload.update(guild_id=str(guild_id), guild_locale="en-GB", context=0,
                           authorizing_integration_owners={"0": str(guild_id)},
                           member={**self._member_json(guild_id, uid),
                                   "permissions": str(self.permissions(guild_id, uid))})
        else:
            payload.update(user=user, context=1, authorizing_integration_owners={"0": "0"})
        if message is not None:
            payload["message"] = message.to_json(self.bot_user, self.app_id)
        it = Interaction(iid, payload["token"], itype, user, guild_id, channel_id, payload)
        self.interactions[iid] = it
        await self.dispatch("INTERACTION_CREATE", payload, guild_id)
        return it

    async def slash(self, user: dict[str, Any], name: str, guild_id: int | None = None, /,
                    **options: Any) -> Interaction:
        """A member runs ``/name option:value ...`` (options typed as the bot registered them)."""
        cmd = self._command(name, guild_id)
        data = {"id": cmd["id"], "name": name, "type": 1, "options": self._options(cmd, options, None)}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._inject(SLASH, user, guild_id, data)

    async def autocomplete(self, user: dict[str, Any], name: str, focused: str, guild_id: int | None = None, /,
                           **options: Any) -> Interaction:
        cmd = self._command(name, guild_id)
        data = {"id": cmd["id"], "name": name, "type": 1, "options": self._options(cmd, options, focused)}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._inject(AUTOCOMPLETE, user, guild_id, data)

    async def press(self, user: dict[str, Any], message: Msg, label_start: str, guild_id: int | None = None
                    ) -> Interaction:
        """A member presses the button whose label starts with ``label_start`` on ``message``."""
        button = message.button(label_start)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._inject(COMPONENT, user, guild_id, data, message, message.channel_id)

    async def submit(self, user: dict[str, Any], opened: Interaction, guild_id: int | None = None,
                     **values: str) -> Interaction:
        """A member fills in and submits the modal the bot opened in answer to ``opened``."""
        modal = opened.modal
        assert modal is not None, f"no modal was opened (callbacks: {opened.callback_types})"

        def fill(node: dict[str, Any]) -> dict[str, Any]:
            out = {k: v for k, v in node.items() if k in ("type", "id", "custom_id")}
            if node.get("type") == 4:
                out["value"] = values.get(node["custom_id"], "")
            if "component" in node:
                out["component"] = fill(node["component"])
            if "components" in node:
                out["components"] = [fill(c) for c in node["components"]]
            return out

        data = {"custom_id": modal["custom_id"], "components": [fill(c) for c in modal["components"]]}
        return await self._inject(MODAL_SUBMIT, user, guild_id, data, channel_id=opened.channel_id)

    async def press_custom_id(self, user: dict[str, Any], message: Msg, custom_id: str,
                              guild_id: int | None = None) -> Interaction:
        """A component interaction with any ``custom_id`` on ``message`` (old or forged buttons, fuzzing)."""
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._inject(COMPONENT, user, guild_id, data, message, message.channel_id)

    async def submit_modal(self, user: dict[str, Any], custom_id: str, guild_id: int | None = None,
                           channel_id: int | None = None, **values: str) -> Interaction:
        """A modal submission built directly (text inputs inside Labels), whatever modal was opened, if any."""
        data = {"custom_id": custom_id, "components": [
            {"type": 18, "id": i + 1, "component": {"type": 4, "id": i + 100, "custom_id": k, "value": v}}
            for i, (k, v) in enumerate(values.items())
        ]}
        return await self._inject(MODAL_SUBMIT, user, guild_id, data, channel_id=channel_id)

    async def dm_text(self, user: dict[str, Any], content: str) -> None:
        """The member writes ``content`` in their DM with the bot."""
        cid = self.dm_channel(int(user["id"]))
        await self.dispatch("MESSAGE_CREATE", {
            "id": str(self.snowflake()), "channel_id": str(cid), "author": user, "content": content, "type": 0,
            "embeds": [], "attachments": [], "components": [], "flags": 0, "timestamp": NOW,
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "pinned": False,
        })

    async def responded(self, it: Interaction) -> Interaction:
        await self.wait_for(lambda: it.callbacks)
        return it

    # ------------------------------------------------------------ REST

    @web.middleware
    async def _middleware(self, request: web.Request, handler) -> web.StreamResponse:
        path = request.path
        if path == "/gateway":
            return await handler(request)
        self.requests.append((request.method, path))
        for f in self.faults:
            if f.times > 0 and f.method == request.method and f.path.search(path):
                f.times -= 1
                await self._notify()
                return _json(f.body, status=f.status, headers=f.headers)
        needs_auth = not path.startswith((f"{API}/interactions/", f"{API}/webhooks/"))
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        response = await handler(request)
        await self._notify()
        return response

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unknown_routes.append((request.method, request.path))
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def _me(self, request: web.Request) -> web.Response:
        return _json(self.bot_user)

    async def _application(self, request: web.Request) -> web.Response:
        return _json({
            "id": str(self.app_id), "name": "StudyBot", "icon": None, "description": "", "bot_public": True,
            "bot_require_code_grant": False, "owner": self.bot_user, "team": None, "verify_key": "00" * 32,
            "flags": 0, "summary": "", "rpc_origins": [], "redirect_uris": [], "interactions_endpoint_url": None,
            "bot": self.bot_user,
        })

    async def _gateway_url(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return _json({
            "url": self.gateway_bot_url or self.gateway_url, "shards": self.recommended_shards,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        })

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild = int(request.match_info["guild"]) if "guild" in request.match_info else None
        payload = await request.json()
        self.command_puts.append((guild, payload))
        scan("discord", self.foreign, *(str(c.get("description", "")) for c in payload))
        registered = []
        for cmd in payload:
            registered.append({
                **cmd, "id": str(self.snowflake()), "application_id": str(self.app_id), "version": "1",
                "guild_id": str(guild) if guild else None, "type": cmd.get("type", 1),
                "default_member_permissions": cmd.get("default_member_permissions"),
            })
        self.commands[guild] = registered
        return _json(registered)

    async def _read_message(self, request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
        if not request.content_type.startswith("multipart/"):
            return await request.json(), []
        payload: dict[str, Any] = {}
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                files.append((part.filename or "", bytes(await part.read())))
        return payload, files

    def _msg(self, channel_id: int, data: dict[str, Any], files: list[tuple[str, bytes]],
             interaction: Interaction | None = None) -> Msg:
        msg = Msg(self.snowflake(), channel_id, data.get("content") or "", data.get("embeds") or [],
                  data.get("components") or [], files, int(data.get("flags") or 0),
                  interaction.id if interaction else None)
        scan("discord", self.foreign, msg.text, *msg.labels)
        return msg

    def _interaction(self, request: web.Request) -> Interaction | None:
        key = request.match_info.get("iid")
        if key is not None:
            it = self.interactions.get(int(key))
            return it if it and it.token == request.match_info["token"] else None
        return next((i for i in self.interactions.values() if i.token == request.match_info["token"]), None)

    async def _callback(self, request: web.Request) -> web.Response:
        it = self._interaction(request)
        if it is None:
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if it.callbacks:
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060},
                                     status=400)
        body, files = await self._read_message(request)
        it.callbacks.append(body)
        ctype, data = body["type"], body.get("data") or {}
        out: dict[str, Any] = {"interaction": {"id": str(it.id), "type": it.type}}
        if ctype in (4, 5):
            flags = int(data.get("flags") or 0) | (LOADING if ctype == 5 else 0)
            msg = self._msg(it.channel_id, {**data, "flags": flags}, files, it)
            it.messages.append(msg)
            out["interaction"].update(response_message_id=str(msg.id), response_message_loading=ctype == 5,
                                      response_message_ephemeral=msg.ephemeral)
            out["resource"] = {"type": ctype, "message": msg.to_json(self.bot_user, self.app_id)}
        else:
            out["resource"] = {"type": ctype}
        return _json(out)

    async def _followup(self, request: web.Request) -> web.Response:
        it = self._interaction(request)
        if it is None or not it.callbacks:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        data, files = await self._read_message(request)
        loading = next((m for m in it.messages if m.loading), None)
        if loading is not None:  # like Discord: the first follow-up fills the deferred 'thinking…' message
            msg = self._msg(it.channel_id, {**data, "flags": loading.flags & ~LOADING}, files, it)
            msg.id = loading.id
            it.messages[it.messages.index(loading)] = msg
        else:
            msg = self._msg(it.channel_id, data, files, it)
            it.messages.append(msg)
        return _json(msg.to_json(self.bot_user, self.app_id))

    def _webhook_message(self, request: web.Request) -> tuple[Interaction | None, Msg | None]:
        it = self._interaction(request)
        if it is None or not it.messages:
            return it, None
        mid = request.match_info["mid"]
        if mid == "@original":
            return it, it.messages[0]
        return it, next((m for m in it.messages if m.id == int(mid)), None)

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        it, old = self._webhook_message(request)
        if it is None or old is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        data, files = await self._read_message(request)
        merged = {"content": old.content, "embeds": old.embeds, "components": old.components, **data,
                  "flags": old.flags & ~LOADING}
        msg = self._msg(it.channel_id, merged, files or old.files, it)
        msg.id = old.id
        it.messages[it.messages.index(old)] = msg
        return _json(msg.to_json(self.bot_user, self.app_id))

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        _, msg = self._webhook_message(request)
        if msg is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        return _json(msg.to_json(self.bot_user, self.app_id))

    async def _open_dm(self, request: web.Request) -> web.Response:
        uid = int((await request.json())["recipient_id"])
        if uid not in self.users:
            return _json({"message": "Unknown User", "code": 10013}, status=404)
        cid = self.dm_channel(uid)
        return _json({k: v for k, v in self.channels[cid].items() if not k.startswith("_")})

    async def _channel_message(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["cid"])
        channel = self.channels.get(cid)
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        if channel.get("_user") in self.closed_dms:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, status=403)
        data, files = await self._read_message(request)
        msg = self._msg(cid, data, files)
        self.messages.append(msg)
        return _json(msg.to_json(self.bot_user, self.app_id))

