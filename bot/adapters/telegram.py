"""Telegram: python-telegram-bot's ``Application`` translating updates to core calls and Replies back.

Thin by design: every command comes from ``core.registry``, every argument is validated by the core. Long
polling by default; with ``TELEGRAM_WEBHOOK_URL`` a webhook server (:mod:`bot.adapters.webhook`) takes the updates
instead, checking the secret token of every request before reading it, so several processes can share one bot
behind a load balancer.
``TELEGRAM_API_BASE_URL`` points the bot at a self-hosted Bot API server (the token is
appended to it, as PTB's ``base_url`` does). Flood limits are PTB's own ``AIORateLimiter``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dtm
import html
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.common import reply_images, split_text
from bot.config import Settings
from bot.core.markup import esc, to_html, to_plain
from bot.core.model import Actor, Reply, Terms
from bot.core.ports import Destination, RateLimited, Unreachable
from bot.core.service import Core

log = logging.getLogger(__name__)

PLATFORM = "telegram"
TEXT_LIMIT = 4096  # characters of a message after entity parsing
CAPTION_LIMIT = 1024
SPLIT_AT = 3500  # neutral text is split here, leaving room for what conversion adds
CALLBACK_DATA_LIMIT = 64  # bytes
DEFAULT_API = "https://api.telegram.org/bot"
POLL_PAUSE = 0.05  # seconds a busy bot waits before its next getUpdates (see PacedPolling)
BUSY = 2  # updates being handled at once from which the bot counts as busy
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
ALERT_LIMIT = 200  # characters of a callback query's answer (a popup only the presser sees)
SENT_PRIVATELY = "📬 Sent to you in our private chat."
# Bad requests that mean "this chat cannot be messaged" rather than "the bot sent something wrong".
_UNREACHABLE = re.compile(
    r"chat not found|user not found|peer_id_invalid|not enough rights|need administrator rights"
    r"|have no rights to send|chat_write_forbidden|bot was kicked|user is deactivated",
    re.I,
)


def unreachable(exc: TelegramError) -> bool:
    """Telegram's answer means "this chat cannot be messaged" (blocked, kicked, never started), not that the bot
    sent something wrong."""
    return isinstance(exc, Forbidden) or (isinstance(exc, BadRequest) and bool(_UNREACHABLE.search(str(exc))))


_TAG = re.compile(r"<[^>]*>")

# Telegram's words for the core's texts. In a group the bot sees only commands and replies to its own messages
# (privacy mode), so a reply to its message is how an answer is typed there.
TERMS = Terms(
    chat="a group",
    organisers="this group's admins",
    community="group",
    answer="Send your answer as a message",
    answer_shared="Reply to this message with your answer",
    again="Send your next try as a message.",
    again_shared="Reply to this message with your next try.",
    answer_post="Reply to this message with your answer",
    posts_answered="with its buttons or by replying to it",
)

Send = Callable[..., Awaitable[Any]]


# ---------------------------------------------------------------- formatting


def visible_len(html_text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units of the text after entity parsing)."""
    return len(html.unescape(_TAG.sub("", html_text)).encode("utf-16-le")) // 2


def html_parts(text: str, limit: int = SPLIT_AT) -> list[str]:
    """The neutral text as Telegram HTML messages of at most 4096 characters, split at paragraphs."""
    out: list[str] = []
    for part in split_text(text, limit):
        converted = to_html(part)
        if visible_len(converted) > TEXT_LIMIT and limit > 256:
            out += html_parts(part, limit // 2)
        elif html.unescape(_TAG.sub("", converted)).strip():
            out.append(converted)
    return out


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = []
    for row in reply.buttons:
        buttons = []
        for b in row:
            if not b.action or len(b.action.encode()) > CALLBACK_DATA_LIMIT:
                log.error("telegram: button %r dropped, its action is not 1-64 bytes", b.label)
                continue
            buttons.append(InlineKeyboardButton(b.label, callback_data=b.action))
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def mention(user: User) -> str:
    """An HTML mention of a user; the name is fully escaped."""
    return f'<a href="tg://user?id={int(user.id)}">{html.escape(user.full_name, quote=False)}</a>'


def actor_for(user: User, chat: Chat | None, *, is_admin: bool = False) -> Actor:
    private = chat is None or chat.type == ChatType.PRIVATE
    return Actor(
        PLATFORM, str(user.id), user.full_name or user.username or str(user.id),
        chat_id=str(chat.id if chat is not None else user.id), is_private=private, is_admin=is_admin,
        guild_id=None if private or chat is None else str(chat.id),
        terms=TERMS,
    )


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def file_url_for(base_url: str) -> str | None:
    """The Bot API file URL that goes with an API URL (``.../bot`` -> ``.../file/bot``)."""
    return base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else None


# ---------------------------------------------------------------- sending


class TelegramMessenger:
    """Shows Replies in Telegram chats; also the core's ``Messenger`` port for reminders and challenge posts.

    Flood waits (``RetryAfter``) are honoured by PTB's ``AIORateLimiter``; network errors are retried here
    with backoff. ``send`` raises ``Unreachable`` when the chat cannot be messaged (blocked, kicked, no such
    chat) and ``RateLimited`` when Telegram still says "wait" after the limiter's retries; other errors
    (a network that stays down) propagate after the retries.
    """

    terms = TERMS  # the words of posts and reminders

    def __init__(self, bot: Any, retry_delays: Sequence[float] = (1.0, 3.0, 10.0)):
        self.bot = bot
        self.retry_delays = tuple(retry_delays)

    async def send(self, destination: Destination, reply: Reply) -> None:
        chat_id: int | str = int(destination.chat_id) if re.fullmatch(r"-?\d+", destination.chat_id) \
            else destination.chat_id
        try:
            try:
                await self.deliver(chat_id, reply)
            except ChatMigrated as exc:  # a group became a supergroup: its id changed
                log.warning("telegram: chat %s moved to %s; sending there", chat_id, exc.new_chat_id)
                await self.deliver(exc.new_chat_id, reply)
        except (Forbidden, BadRequest) as exc:
            if unreachable(exc):
                raise Unreachable(str(exc)) from exc
            raise
        except RetryAfter as exc:
            raise RateLimited(retry_after_seconds(exc)) from exc

    async def call(self, fn: Send, /, **kwargs: Any) -> Any:
        """One Bot API call, retried on network errors; HTML that Telegram rejects is resent as plain text."""
        delays = iter(self.retry_delays)
        while True:
            try:
                return await fn(**kwargs)
            except BadRequest as exc:
                if "can't parse entities" not in str(exc).lower() or kwargs.get("parse_mode", ...) is None:
                    raise
                log.error("telegram rejected our HTML (%s); sending plain text", exc)
                for key in ("text", "caption"):
                    if isinstance(kwargs.get(key), str):
                        kwargs[key] = html.unescape(_TAG.sub("", kwargs[key]))
                kwargs["parse_mode"] = None
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                delay = next(delays, None)
                if delay is None:
                    raise
                log.warning("telegram %s failed (%s); retrying in %.2fs", getattr(fn, "__name__", "call"), exc,
                            delay)
                await asyncio.sleep(delay)

    async def deliver(
        self, chat_id: int | str, reply: Reply, *, quote: int | None = None, prefix: str = ""
    ) -> list[Message]:
        """Show one Reply: its photos, its text (split when long), its file; the buttons go on the last message.

        ``quote`` is the message a personal reply answers (groups); ``prefix`` is HTML put before the text.
        """
        images = await reply_images(reply)
        markup = keyboard(reply)
        texts = html_parts(reply.text)
        if prefix:
            texts = [f"{prefix} {texts[0]}" if texts else prefix, *texts[1:]]
        media: list[tuple[str, str, bytes]] = [("photo", name, data) for name, data in images]
        if reply.file is not None:
            media.append(("document", reply.file.filename, reply.file.data))
        preview = LinkPreviewOptions(is_disabled=not reply.links)
        quoted = [ReplyParameters(quote, allow_sending_without_reply=True) if quote else None]

        def reply_to() -> ReplyParameters | None:  # only the first message quotes
            return quoted.pop() if quoted else None

        sent: list[Message] = []
        if len(media) == 1 and len(texts) <= 1 and (not texts or visible_len(texts[0]) <= CAPTION_LIMIT):
            kind, name, data = media[0]
            sent.append(await self._media(chat_id, kind, name, data, texts[0] if texts else None, markup,
                                          reply_to()))
            return sent
        photos = [m for m in media if m[0] == "photo"]
        documents = [m for m in media if m[0] == "document"]
        for i, (kind, name, data) in enumerate(photos):
            last = i == len(photos) - 1 and not texts and not documents
            sent.append(await self._media(chat_id, kind, name, data, None, markup if last else None, reply_to()))
        for i, part in enumerate(texts):
            last = i == len(texts) - 1 and not documents
            sent.append(await self.call(
                self.bot.send_message, chat_id=chat_id, text=part, reply_markup=markup if last else None,
                reply_parameters=reply_to(), link_preview_options=preview,
            ))
        for i, (kind, name, data) in enumerate(documents):
            last = i == len(documents) - 1
            sent.append(await self._media(chat_id, kind, name, data, None, markup if last else None, reply_to()))
        return sent

    async def _media(
        self, chat_id: int | str, kind: str, name: str, data: bytes, caption: str | None,
        markup: InlineKeyboardMarkup | None, reply_parameters: ReplyParameters | None,
    ) -> Message:
        if kind == "photo":
            return await self.call(self.bot.send_photo, chat_id=chat_id, photo=data, filename=name, caption=caption,
                                   reply_markup=markup, reply_parameters=reply_parameters)
        return await self.call(self.bot.send_document, chat_id=chat_id, document=data, filename=name,
                               caption=caption, reply_markup=markup, reply_parameters=reply_parameters)


# ---------------------------------------------------------------- receiving


class PerUserProcessor(BaseUpdateProcessor):
    """Different people's updates are handled concurrently; one person's, one after another in order."""

    def __init__(self, max_concurrent_updates: int):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._waiting[user.id] = self._waiting.get(user.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[user.id] -= 1
            if not self._waiting[user.id]:
                del self._waiting[user.id], self._locks[user.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class PacedPolling(HTTPXRequest):
    """The connection getUpdates goes through (long polling): while the bot is busy, it waits a moment before
    asking for more updates, so that it takes them in batches.

    A poll costs the bot about as much CPU as handling an update (a request, a JSON answer to parse, PTB's
    tasks around it). Without a pause a busy bot polls again as soon as its last poll is answered, and gets
    about one update per poll; with it, about ten under the same load. A bot handling fewer than ``BUSY``
    updates polls at once, so one person's conversation never waits, and getUpdates still answers the moment
    an update comes.
    """

    def __init__(self, busy: Callable[[], bool], pause: float = POLL_PAUSE):
        super().__init__(connection_pool_size=1)  # what PTB's builder gives getUpdates
        self._busy, self._pause = busy, pause

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self._busy():
            await asyncio.sleep(self._pause)
        return await super().do_request(*args, **kwargs)


def paced_polling(processor: BaseUpdateProcessor) -> PacedPolling:
    return PacedPolling(lambda: processor.current_concurrent_updates >= BUSY)


def build_application(settings: Settings, *, rate_limit_retries: int = 3, concurrent_updates: int = 64) -> Application:
    if settings.telegram_token is None:
        raise ValueError("TELEGRAM_TOKEN is not set")
    base_url = (settings.telegram_api_base_url or DEFAULT_API).rstrip("/")
    processor = PerUserProcessor(concurrent_updates)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(max_retries=rate_limit_retries))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(processor)
        .get_updates_request(paced_polling(processor))
        .job_queue(None)  # the app's scheduler does the timing
    )
    file_url = file_url_for(base_url)
    if file_url:
        builder = builder.base_file_url(file_url)
    return builder.build()


class TelegramAdapter:
    """The bot on Telegram. ``start()`` connects, publishes the command menu and starts long polling."""

    def __init__(
        self, core: Core, settings: Settings, *, poll_timeout: float = 10.0, rate_limit_retries: int = 3,
        network_retry_delays: Sequence[float] = (1.0, 3.0, 10.0), concurrent_updates: int = 64,
    ):
        self.core = core
        self.settings = settings
        self.poll_timeout = poll_timeout
        self.application = build_application(
            settings, rate_limit_retries=rate_limit_retries, concurrent_updates=concurrent_updates
        )
        self.messenger = TelegramMessenger(self.application.bot, network_retry_delays)
        self._webhook: Any = None  # bot.adapters.webhook.WebhookServer in webhook mode
        self._register()

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = self.application
        try:
            await app.initialize()  # getMe: checks the token
            await self.publish_commands()
            await app.start()
            if self.settings.telegram_webhook_url:
                await self._start_webhook()
            else:
                await app.updater.start_polling(
                    poll_interval=0, timeout=dtm.timedelta(seconds=self.poll_timeout), bootstrap_retries=3,
                    allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
                )
        except BaseException:
            await self.stop()
            raise
        if not self.settings.telegram_webhook_url:
            log.info("telegram: @%s is listening (long polling)", app.bot.username)

    async def _start_webhook(self) -> None:
        """Webhook mode: our hardened server (:mod:`bot.adapters.webhook`) on LISTEN:PORT at the URL's path, then
        ``setWebhook`` with the public URL and the secret. A request without ``X-Telegram-Bot-Api-Secret-Token``
        equal to the secret is refused before its body is read. Several processes behind a load balancer all set
        the same URL; stopping one leaves the webhook in place for the others."""
        from bot.adapters.webhook import MAX_ACTIVE, WebhookServer

        s = self.settings
        assert s.telegram_webhook_url and s.telegram_webhook_secret is not None
        app = self.application
        bot = app.bot

        def to_update(data: dict) -> Update:
            update = Update.de_json(data, bot)
            bot.insert_callback_data(update)
            return update

        secret = s.telegram_webhook_secret.get_secret_value()
        self._webhook = WebhookServer(listen=s.telegram_webhook_listen, port=s.telegram_webhook_port,
                                      path=s.webhook_path, secret=secret, queue=app.update_queue,
                                      to_update=to_update)
        await self._webhook.start()
        await self.messenger.call(bot.set_webhook, url=s.telegram_webhook_url, secret_token=secret,
                                  allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
                                  max_connections=MAX_ACTIVE)
        log.info("telegram: @%s is listening (webhook %s on %s:%d%s)", bot.username,
                 s.telegram_webhook_url, s.telegram_webhook_listen, s.telegram_webhook_port, s.webhook_path)

    async def stop_intake(self) -> None:
        """Take no new updates (polling or webhook stops); the ones being handled go on, replies still go out."""
        if self._webhook is not None:
            await self._webhook.stop()
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()

    async def stop(self) -> None:
        await self.stop_intake()
        app = self.application
        if app.running:
            await app.stop()
        await app.shutdown()

    async def publish_commands(self) -> None:
        """The ``/`` menu: everyone sees the commands for everyone; group admins also see the organiser ones."""
        everyone = [BotCommand(c.name, c.help) for c in self.core.registry if not c.admin]
        admins = [BotCommand(c.name, c.help) for c in self.core.registry]
        bot = self.application.bot
        try:
            await self.messenger.call(bot.set_my_commands, commands=everyone, scope=BotCommandScopeDefault())
            await self.messenger.call(bot.set_my_commands, commands=admins,
                                      scope=BotCommandScopeAllChatAdministrators())
        except TelegramError as exc:
            log.warning("telegram: could not publish the command menu (%s); commands still work", exc)

    # ------------------------------------------------------------ handlers

    def _register(self) -> None:
        app = self.application
        new = filters.UpdateType.MESSAGE  # edits of old messages are not re-run
        for command in self.core.registry:
            app.add_handler(CommandHandler(command.name, self._on_command, filters=new))
        app.add_handler(MessageHandler(filters.COMMAND & new, self._on_other_command))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & new, self._on_text))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_error_handler(self._on_error)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        head = message.entities[0].length
        name = message.text[1:head].split("@", 1)[0].lower()
        args = message.text[head:].strip()
        if name == "start":
            args = ""  # a deep link's payload (t.me/<bot>?start=...), not an argument
        command = self.core.registry.get(name)
        # getChatMember only when this command (or its action, as in `/challenge start`) is for organisers
        is_admin = bool(command and command.may_need_admin(args)) and await self._is_admin(message, user)
        replies = await self.core.run(actor_for(user, message.chat, is_admin=is_admin), name, args)
        await self._show(message.chat, replies, quote=message.message_id, dm_to=user.id, again=f"/{name}")

    async def _on_other_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command no handler took: unknown to us, or addressed to another bot."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        head = message.text[1 : message.entities[0].length]
        name, _, target = head.partition("@")
        if target and target.lower() != (context.bot.username or "").lower():
            return  # for another bot
        if message.chat.type != ChatType.PRIVATE and not target:
            return  # in groups other bots' commands are common: answer only what is addressed to us
        rest = message.text[message.entities[0].length :].strip()
        replies = await self.core.run(actor_for(user, message.chat), name, rest)
        await self._show(message.chat, replies, quote=message.message_id)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text: an answer. Private chats: any text; groups: only replies to the bot's messages."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        if message.chat.type != ChatType.PRIVATE:
            to = message.reply_to_message
            if to is None or to.from_user is None or to.from_user.id != context.bot.id:
                return
        # a reply to a challenge post goes to the post: the core finds it in the post's button actions
        to = message.reply_to_message
        markup = to.reply_markup if to is not None else None
        actions = [b.callback_data for row in (markup.inline_keyboard if markup else ()) for b in row
                   if isinstance(b.callback_data, str)]
        replies = await self.core.handle_text(actor_for(user, message.chat), message.text, reply_actions=actions)
        await self._show(message.chat, replies, quote=message.message_id, dm_to=user.id)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        if not query.data:
            await self._answer_query(query)
            return
        message = query.message  # may be an inaccessible (old) message: it still has chat and id
        chat = message.chat if message is not None else None
        replies = await self.core.press(actor_for(query.from_user, chat), query.data)
        # the answer stops the button spinning; a reply for the presser only (someone else's button) is its popup
        popup = to_plain(replies[0].text).strip() if replies and replies[0].alert else ""
        if len(popup) > ALERT_LIMIT:
            popup = ""  # too long for a popup: it is shown as a reply
        if await self._answer_query(query, popup) and popup:
            replies = replies[1:]
        if not replies:
            return
        if chat is None:
            await self._show_to(query.from_user.id, False, replies, None, "")
            return
        await self._show(chat, replies, quote=message.message_id if message else None, presser=query.from_user,
                         dm_to=query.from_user.id)

    async def _answer_query(self, query: Any, popup: str = "") -> bool:
        """Answer a button press (with a popup text); False when Telegram refuses (pressed long ago, while the bot
        was down): the press is handled anyway."""
        try:
            await self.messenger.call(query.answer, **({"text": popup, "show_alert": True} if popup else {}))
        except TelegramError as exc:
            log.info("telegram: could not answer a button press (%s)", exc)
            return False
        return True

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        err = context.error
        chat = update.effective_chat if isinstance(update, Update) else None
        if isinstance(err, TelegramError) and unreachable(err):
            # blocked, kicked, never started: expected, and nothing to tell them (they cannot be told)
            log.info("telegram: chat %s cannot be messaged (%s)", chat.id if chat else "?", err)
            return
        log.error("telegram: handling an update failed: %s: %s", type(err).__name__, err, exc_info=err)
        if chat is None:
            return
        try:
            await self.application.bot.send_message(chat.id, SORRY)
        except TelegramError as exc:
            log.warning("telegram: could not tell chat %s about the error (%s)", chat.id, exc)

    # ------------------------------------------------------------ helpers

    async def _show(self, chat: Chat, replies: list[Reply], *, quote: int | None, presser: User | None = None,
                    dm_to: int | None = None, again: str = "") -> None:
        group = chat.type != ChatType.PRIVATE
        await self._show_to(chat.id, group, replies, quote, mention(presser) if presser and group else "", dm_to,
                            again)

    async def _show_to(self, chat_id: int, group: bool, replies: list[Reply], quote: int | None, who: str,
                       dm_to: int | None = None, again: str = "") -> None:
        """In groups personal replies quote what they answer (and name who pressed a button). Personal data
        (``confidential``) goes to the person's private chat only (:meth:`_privately`). A reply with a
        ``public_text`` (a challenge answer's verdict) shows only that in a group; the full reply goes to the
        person's private chat when they have started the bot."""
        for reply in replies:
            personal = group and reply.private
            if personal and reply.confidential:
                await self._privately(chat_id, reply, quote, who, dm_to, again)
                continue
            if personal and reply.public_text:
                await self.messenger.deliver(chat_id, Reply(reply.public_text), quote=quote, prefix=who)
                await self._to_private_chat(dm_to, reply)  # when it cannot go there, the group line stands
                continue
            await self.messenger.deliver(chat_id, reply, quote=quote if personal else None,
                                         prefix=who if personal else "")

    async def _to_private_chat(self, user_id: int | None, reply: Reply) -> bool:
        """The full reply in the person's private chat; False when there is none (they never started the bot, or
        blocked it)."""
        if user_id is None:
            return False
        try:
            await self.messenger.deliver(user_id, dataclasses.replace(reply, public_text=""))
        except TelegramError as exc:
            log.info("telegram: nothing sent privately to %s (%s)", user_id, exc)
            return False
        return True

    async def _privately(self, chat_id: int, reply: Reply, quote: int | None, who: str, dm_to: int | None,
                         again: str) -> None:
        """Personal data asked for in a group goes to the person's private chat, and the group is told where it
        went; when they have not started the bot (Telegram lets a bot write only to people who did), the group
        is told how to get it, and nothing private is posted."""
        if await self._to_private_chat(dm_to, reply):
            await self.messenger.deliver(chat_id, Reply(reply.public_text or SENT_PRIVATELY), quote=quote, prefix=who)
            return
        username = self.application.bot.username or ""
        then = f"send {again} there" if again else "ask me there again"
        text = ("🔒 That is for your eyes only, so I send it only in our private chat, and we don't have one yet: open "
                f"[@{esc(username)}](https://t.me/{username}), press **Start**, then {then}.")
        await self.messenger.deliver(chat_id, Reply(text), quote=quote, prefix=who)

    async def _is_admin(self, message: Message, user: User) -> bool:
        chat = message.chat
        if chat.type == ChatType.PRIVATE:
            return False
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True  # an anonymous group admin
        try:
            member = await self.messenger.call(self.application.bot.get_chat_member, chat_id=chat.id,
                                               user_id=user.id)
        except TelegramError as exc:
            log.warning("telegram: could not check admin rights in %s (%s)", chat.id, exc)
            return False
        return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
