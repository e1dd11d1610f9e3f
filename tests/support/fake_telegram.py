"""A small fake Telegram Bot API server: answers like Telegram and records what the bot sent.

The real python-telegram-bot ``Application`` talks to it through ``base_url``. Tests inject what people do
(messages, replies, button presses) as updates that ``getUpdates`` hands out with offsets and long polling,
and read back what each chat would show (:meth:`FakeTelegram.shown`). Like Telegram it checks HTML parse
mode (unknown or unbalanced tags, bare ``<`` or ``&``: 400 "can't parse entities"), the 4096 / 1024
character limits, 64-byte callback data and replies to messages that exist; it answers 403 for a chat that
blocked the bot or a person who never started it, 400 for an unknown chat, and any failure a test asks for (429 with ``retry_after``, 502).
With a webhook set (``setWebhook``) it refuses ``getUpdates`` (409) and :meth:`FakeTelegram.post_webhook` posts
the pending updates to the webhook over HTTP with the secret header, as Telegram does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from aiohttp import web

from tests.support.wording import scan

BOT_ID = 4242
BOT_USERNAME = "MathStudyBot"
JSON_FIELDS = {"reply_markup", "reply_parameters", "commands", "scope", "link_preview_options",
               "allowed_updates", "entities", "caption_entities"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                "pre", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


def parse_html(text: str) -> str:
    """The visible text of Telegram HTML, or ApiError like Telegram's "can't parse entities"."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        at = len(text[:i].encode())
        if ch == "<":
            m = _TAG.match(text, i)
            if not m:
                raise ApiError(400, f"Bad Request: can't parse entities: Unexpected character '<' at byte offset {at}")
            closing, name = m.group(1), m.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte '
                                    f"offset {at}")
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(400, f"Bad Request: can't parse entities: Unmatched end tag at byte offset {at}")
                stack.pop()
            else:
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise ApiError(400, f"Bad Request: can't parse entities: Unexpected character '&' at byte offset {at}")
            out.append(unescape(m.group()))
            i = m.end()
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
                            f'"{stack[-1]}"')
    return "".join(out)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    status: int = 200


@dataclass
class Shown:
    """One message as the chat shows it."""

    message_id: int
    chat_id: int
    kind: str  # text | photo | document
    text: str  # the visible text (the caption of a photo or document), markup stripped
    html: str = field(default="", repr=False)
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)  # rows of (label, callback data)
    photo: bytes | None = field(default=None, repr=False)
    document: tuple[str, bytes] | None = field(default=None, repr=False)
    reply_to: int | None = None
    from_id: int = BOT_ID
    link_preview: bool = True

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    def data(self, label_start: str) -> str:
        for row in self.buttons:
            for label, data in row:
                if label.startswith(label_start):
                    return data
        raise AssertionError(f"no button {label_start!r} on this message; it has {self.labels}")


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


class FakeTelegram:
    def __init__(self, token: str):
        self.token = token
        self.me = {"id": BOT_ID, "is_bot": True, "first_name": "Maths Study", "username": BOT_USERNAME,
                   "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.commands: dict[str, list[dict]] = {}  # scope type -> setMyCommands payload
        self.blocked: set[int] = set()
        self.admins: set[tuple[int, int]] = set()  # (chat id, user id)
        self.answered: dict[str, dict] = {}  # callback query id -> answerCallbackQuery params
        self.answer_attempts: set[str] = set()  # callback query ids the bot tried to answer
        self.callbacks: set[str] = set()  # callback query ids handed out
        self.chats: dict[int, dict] = {}
        self.users: dict[int, dict] = {}
        self.history: dict[int, list[Shown]] = {}  # every message of each chat, people's and the bot's
        self.foreign: list[str] = []  # what the bot said that names Discord's things (tests.support.wording)
        self._json: dict[tuple[int, int], dict] = {}
        self._message_ids: dict[int, itertools.count] = {}
        self._updates: list[dict] = []
        self._update_ids = itertools.count(100)
        self._query_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._failures: list[_Failure] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.webhook: dict[str, Any] | None = None  # setWebhook's parameters while a webhook is set
        self.webhook_posts: list[tuple[str, int]] = []  # (url, HTTP status) of each update posted to a webhook
        self.slow: dict[str, float] = {}  # method -> seconds before it is handled (a slow network); a bot
        # that hangs up meanwhile sends nothing (its call gets status 499)

    # ------------------------------------------------------------ server

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._new_update.set()  # let any long poll return
        if self._runner is not None:
            await self._runner.cleanup()
        assert not self.foreign, f"Telegram replies name Discord's things: {self.foreign}"

    # ------------------------------------------------------------ what people do

    def user(self, user_id: int, first_name: str, last_name: str | None = None,
             username: str | None = None) -> dict:
        u = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            u["last_name"] = last_name
        if username:
            u["username"] = username
        self.users[user_id] = u
        return u

    def private_chat(self, user: dict) -> dict:
        return self._chat({"id": user["id"], "type": "private", "first_name": user["first_name"]})

    def group(self, chat_id: int, title: str) -> dict:
        return self._chat({"id": chat_id, "type": "supergroup", "title": title})

    def say(self, chat: dict, user: dict, text: str, *, reply_to: Shown | None = None) -> int:
        """A person sends a message; returns the update id."""
        msg = {"message_id": self._next_id(chat["id"]), "date": int(time.time()), "chat": chat, "from": user,
               "text": text}
        m = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if m:
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(m.group())}]
        if reply_to is not None:
            msg["reply_to_message"] = self._json[(chat["id"], reply_to.message_id)]
        self._json[(chat["id"], msg["message_id"])] = msg
        self.history[chat["id"]].append(Shown(msg["message_id"], chat["id"], "text", text, from_id=user["id"],
                                              reply_to=reply_to.message_id if reply_to else None))
        return self._push({"message": msg})

    def press(self, chat: dict, user: dict, message: Shown, data: str) -> int:
        """A person presses a button (``data`` is its callback data) on a message; returns the update id."""
        qid = str(next(self._query_ids))
        self.callbacks.add(qid)
        return self._push({"callback_query": {
            "id": qid, "from": user, "chat_instance": f"ci{chat['id']}", "data": data,
            "message": self._json[(chat["id"], message.message_id)],
        }})

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    def fail(self, method: str, *, status: int = 429, times: int = 1, retry_after: int | None = None,
             chat_id: int | None = None, description: str | None = None) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) fail like Telegram would."""
        if status == 429 and retry_after is None:
            retry_after = 1
        default = {429: f"Too Many Requests: retry after {retry_after}", 502: "Bad Gateway",
                   403: "Forbidden: bot was blocked by the user", 400: "Bad Request"}.get(status, "Error")
        self._failures.append(_Failure(method, status, description or default, retry_after, chat_id, times))

    # ------------------------------------------------------------ what the chat shows

    def shown(self, chat_id: int) -> list[Shown]:
        """The bot's messages in a chat, oldest first."""
        return [m for m in self.history.get(chat_id, []) if m.from_id == BOT_ID]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def unanswered_callbacks(self) -> set[str]:
        """Button presses the bot never tried to answer (their buttons would spin)."""
        return self.callbacks - self.answer_attempts

    async def wait_for(self, predicate, within: float = 30) -> None:
        """Wait until ``predicate()`` holds; checked after every request the bot makes."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    async def post_webhook(self, urls: list[str] | None = None, *, secret: str | None = None) -> list[int]:
        """Like Telegram with a webhook set: post each pending update (what people did) to the webhook URL
        with the secret header, or spread them over ``urls`` in turn (a load balancer in front of several
        processes). ``secret`` overrides the header's value (``""``: no header). Returns the HTTP statuses;
        updates answered 200 are done, the others stay pending (Telegram retries them)."""
        import aiohttp

        assert self.webhook is not None, "no webhook is set"
        targets = urls or [self.webhook["url"]]
        token = self.webhook.get("secret_token") if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        statuses: list[int] = []
        pending: list[dict] = []
        async with aiohttp.ClientSession() as http:
            for i, update in enumerate(self._updates):
                url = targets[i % len(targets)]
                async with http.post(url, json=update, headers=headers) as resp:
                    statuses.append(resp.status)
                    self.webhook_posts.append((url, resp.status))
                    if resp.status != 200:
                        pending.append(update)
        self._updates = pending
        return statuses

    # ------------------------------------------------------------ plumbing

    def _chat(self, chat: dict) -> dict:
        self.chats[chat["id"]] = chat
        self.history.setdefault(chat["id"], [])
        self._message_ids.setdefault(chat["id"], itertools.count(1))
        return chat

    def _next_id(self, chat_id: int) -> int:
        return next(self._message_ids[chat_id])

    def _push(self, body: dict) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **body})
        self._new_update.set()
        return update_id

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            return await self._answer(request)
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def _answer(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await self._read(request)
        call = Call(method, params, files)
        self.calls.append(call)
        async with self._changed:  # a long poll answers later: tell waiters now that it was asked
            self._changed.notify_all()
        if method == "answerCallbackQuery":
            self.answer_attempts.add(str(params.get("callback_query_id")))
        try:
            self._maybe_fail(method, params)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            if self.slow.get(method):
                await asyncio.sleep(self.slow[method])
                if request.transport is None or request.transport.is_closing():
                    call.status = 499  # the bot hung up before the answer: nothing was sent
                    return web.Response(status=499)
            result = await handler(params, files)
        except ApiError as exc:
            call.status = exc.status
            return self._error(exc.status, exc.description, exc.parameters)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    @staticmethod
    async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = value
            params.update({k: v for k, v in request.query.items() if k not in params})
        for key in JSON_FIELDS & set(params):
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params, files

    def _maybe_fail(self, method: str, params: dict) -> None:
        for f in self._failures:
            if f.method == method and f.times > 0 and (f.chat_id is None or f.chat_id == _int(params.get("chat_id"))):
                f.times -= 1
                raise ApiError(f.status, f.description, {"retry_after": f.retry_after} if f.retry_after else None)

    def _target(self, params: dict) -> dict:
        chat_id = _int(params.get("chat_id"))
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats and chat_id in self.users:  # a person who never started the bot
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self.chats[chat_id]

    def _post(self, params: dict, shown: Shown, extra: dict) -> dict:
        """Validate markup and reply target, store the message, return it as Telegram would."""
        chat = self._target(params)
        shown.chat_id = chat["id"]
        markup = params.get("reply_markup")
        if markup:
            for row in markup.get("inline_keyboard", []):
                shown.buttons.append([])
                for b in row:
                    data = b.get("callback_data")
                    if not b.get("text") or data is None or not 1 <= len(data.encode()) <= 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    shown.buttons[-1].append((b["text"], data))
        rp = params.get("reply_parameters")
        reply_json = None
        if rp:
            reply_json = self._json.get((chat["id"], int(rp["message_id"])))
            if reply_json is None and not rp.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
            shown.reply_to = int(rp["message_id"]) if reply_json else None
        preview = params.get("link_preview_options") or {}
        shown.link_preview = not preview.get("is_disabled", False)
        shown.message_id = self._next_id(chat["id"])
        msg = {"message_id": shown.message_id, "date": int(time.time()), "chat": chat,
               "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")}, **extra}
        if markup:
            msg["reply_markup"] = markup
        if reply_json:
            msg["reply_to_message"] = reply_json
        self._json[(chat["id"], shown.message_id)] = msg
        self.history[chat["id"]].append(shown)
        scan("telegram", self.foreign, shown.text, *shown.labels)
        return msg

    @staticmethod
    def _visible(params: dict, key: str, limit: int, too_long: str) -> tuple[str, str]:
        raw = params.get(key) or ""
        text = parse_html(raw) if str(params.get("parse_mode", "")).upper() == "HTML" else raw
        if utf16_len(text) > limit:
            raise ApiError(400, f"Bad Request: {too_long}")
        return raw, text

    # ------------------------------------------------------------ methods

    async def _m_getme(self, params: dict, files: dict) -> dict:
        return self.me

    async def _m_deletewebhook(self, params: dict, files: dict) -> bool:
        self.webhook = None
        return True

    async def _m_getwebhookinfo(self, params: dict, files: dict) -> dict:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    async def _m_setwebhook(self, params: dict, files: dict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(params)
        return True

    async def _m_setmycommands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(c.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        self.commands[(params.get("scope") or {"type": "default"})["type"]] = commands
        scan("telegram", self.foreign, *(str(c.get("description", "")) for c in commands))
        return True

    async def _m_getmycommands(self, params: dict, files: dict) -> list:
        return self.commands.get((params.get("scope") or {"type": "default"})["type"], [])

    async def _m_deletemycommands(self, params: dict, files: dict) -> bool:
        self.commands.pop((params.get("scope") or {"type": "default"})["type"], None)
        return True

    async def _m_getupdates(self, params: dict, files: dict) -> list:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                                "to delete the webhook first")
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), float(params.get("timeout") or 0))
            except TimeoutError:
                pass
        return self._updates[: int(params.get("limit") or 100)]

    async def _m_sendmessage(self, params: dict, files: dict) -> dict:
        raw, text = self._visible(params, "text", 4096, "message is too long")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._post(params, Shown(0, 0, "text", text, html=raw), {"text": text})

    async def _m_sendphoto(self, params: dict, files: dict) -> dict:
        raw, caption = self._visible(params, "caption", 1024, "message caption is too long")
        if "photo" not in files:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        data = files["photo"][1]
        extra = {"photo": [{"file_id": f"photo{len(self.calls)}", "file_unique_id": f"u{len(self.calls)}",
                            "width": 800, "height": 600, "file_size": len(data)}]}
        if caption:
            extra["caption"] = caption
        return self._post(params, Shown(0, 0, "photo", caption, html=raw, photo=data), extra)

    async def _m_senddocument(self, params: dict, files: dict) -> dict:
        raw, caption = self._visible(params, "caption", 1024, "message caption is too long")
        if "document" not in files:
            raise ApiError(400, "Bad Request: there is no document in the request")
        name, data = files["document"]
        extra = {"document": {"file_id": f"doc{len(self.calls)}", "file_unique_id": f"d{len(self.calls)}",
                              "file_name": name, "file_size": len(data)}}
        if caption:
            extra["caption"] = caption
        return self._post(params, Shown(0, 0, "document", caption, html=raw, document=(name, data)), extra)

    async def _m_sendchataction(self, params: dict, files: dict) -> bool:
        self._target(params)
        return True

    async def _m_answercallbackquery(self, params: dict, files: dict) -> bool:
        qid = str(params.get("callback_query_id"))
        if qid not in self.callbacks or qid in self.answered:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.answered[qid] = params
        scan("telegram", self.foreign, str(params.get("text") or ""))
        return True

    async def _m_editmessagereplymarkup(self, params: dict, files: dict) -> dict:
        chat = self._target(params)
        key = (chat["id"], int(params["message_id"]))
        if key not in self._json:
            raise ApiError(400, "Bad Request: message to edit not found")
        shown = next(m for m in self.history[chat["id"]] if m.message_id == key[1])
        markup = params.get("reply_markup") or {}
        shown.buttons = [[(b["text"], b["callback_data"]) for b in row] for row in markup.get("inline_keyboard", [])]
        self._json[key]["reply_markup"] = markup
        return self._json[key]

    async def _m_getchatmember(self, params: dict, files: dict) -> dict:
        chat = self._target(params)
        user_id = _int(params.get("user_id"))
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "?"}
        if (chat["id"], user_id) not in self.admins:
            return {"status": "member", "user": user}
        rights = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                  "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                  "can_post_stories", "can_edit_stories", "can_delete_stories")
        return {"status": "administrator", "user": user, **{r: r not in ("can_be_edited", "is_anonymous")
                                                               for r in rights}}

    async def _m_close(self, params: dict, files: dict) -> bool:
        return True

    async def _m_logout(self, params: dict, files: dict) -> bool:
        return True


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
