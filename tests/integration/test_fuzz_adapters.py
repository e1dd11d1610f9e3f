"""Fuzzing each adapter (hypothesis) through what its platform delivers: the real python-telegram-bot Application
polling the fake Bot API server, the real discord.py client on the fake gateway, and the console chat.

Random commands with random arguments (every registry command, unicode, huge strings up to the platforms'
own input limits), free text and replies, forged button data / custom ids, modal submissions, autocomplete
and DMs, mixed with valid study moves. For every update or interaction:

- nothing escapes or is logged at ERROR (by the adapter, the core or the framework), and the core never falls
  back to "something went wrong";
- what a person sends gets an answer (private chats and DMs: at least one message; every button press is
  answered, every interaction acknowledged) and every message is within the platform's limits: the fakes
  refuse, like the platforms, HTML Telegram cannot parse, texts over 4096 / captions over 1024 characters,
  callback data over 64 bytes (an HTTP 400 would show up here as an error), and every Discord message is
  checked (content <= 2000, embed description <= 4096, <= 25 components, custom ids <= 100);
- stored data is unchanged by rejected input (the same oracle as tests/unit/test_fuzz_core.py).
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import TypeHandler

import bot.adapters.telegram as telegram_adapter
from bot.adapters.console import ConsoleChat
from bot.adapters.discord import build_discord
from bot.adapters.telegram import TelegramAdapter
from bot.config import Settings
from bot.content.loader import load_catalog
from bot.core.service import Core, owner_tag, split_owner
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository
from tests.support import FIXTURE_CONTENT, FakeClock, examples
from tests.support.fake_discord import MANAGE_GUILD, FakeDiscord, Interaction, Msg
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram, Shown
from tests.support.fuzzing import (
    ACTION,
    FORGED,
    NAMES,
    NASTY,
    SORRY,
    TEXT,
    WORD,
    ErrorLog,
    db_state,
    diff,
    forged_confirm,
    fuzz,
    rejected,
    someone_elses,
)
from tests.support.wording import foreign_words

# one worker runs the module in order: each "reached the core" guard reads the world its fuzz test left
pytestmark = [pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning"),
              pytest.mark.xdist_group("fuzz-adapters")]

TOKEN = "123456789:AAH-fuzz-token-0123456789abcdef"
GROUP = -1009876543210
WATCHED = ("bot", "telegram", "discord", "httpx")


def own_words(where: str, platform: str, op: Any, found: list[str]) -> None:
    """What the bot said names no other platform's things (unless it echoes what the fuzzer typed)."""
    typed = foreign_words(platform, " ".join(map(str, op)))
    said, found[:] = list(found), []
    assert typed or not said, f"{where}: {said}"


def _bytes_cut(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, cut at a character boundary."""
    return text.encode()[:limit].decode(errors="ignore")


class Harness:
    """A Core on SQLite in a loop of its own, with the oracle shared by the platforms."""

    def __init__(self, tmp, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.path = tmp / f"{name}.sqlite3"
        self.clock = FakeClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.errors = ErrorLog()
        for logger in WATCHED:
            logging.getLogger(logger).addHandler(self.errors)
        self.count = {"inputs": 0, "rejected": 0, "others' buttons": 0, "forged confirms": 0}
        self.existed = False

    def run(self, coro, timeout: float = 60):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    async def make_core(self) -> Core:
        self.engine = create_engine(f"sqlite+aiosqlite:///{self.path}")
        await migrate(self.engine)
        self.repo = SqlRepository(self.engine)
        core = Core(load_catalog(FIXTURE_CONTENT), self.repo, self.clock)
        core.observer = lambda event, **f: self.events.append((event, f))
        return core

    def close(self) -> None:
        for logger in WATCHED:
            logging.getLogger(logger).removeHandler(self.errors)
        self.run(self.engine.dispose())
        # as asyncio.run does: the clients' leftover tasks (discord.py's ready wait) end before the loop closes
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.wait(pending))
        self.loop.close()

    async def checked(self, where: str, platform: str, user_id: str, act, texts_of) -> Any:
        """Run ``act()`` (one update) and apply the oracle; ``texts_of(result)`` are the texts people saw."""
        existed = self.existed = await self.repo.find_learner(platform, user_id) is not None
        before = db_state(self.path)
        self.events.clear()
        self.errors.records.clear()
        result = await act()
        self.count["inputs"] += 1
        texts = texts_of(result)
        assert not self.errors.records, f"{where}: logged {[r.getMessage()[:300] for r in self.errors.records]}"
        assert not any(SORRY in t for t in texts), f"{where}: {texts}"
        outcomes = [f.get("outcome") for e, f in self.events if e == "command"]
        assert "error" not in outcomes, where
        if rejected(self.events, texts):
            self.count["rejected"] += 1
            after = db_state(self.path)
            if existed:
                assert after == before, f"{where}: rejected ({texts[:1]}) but changed {diff(before, after)}"
        return result


# ---------------------------------------------------------------- Telegram


class TelegramWorld(Harness):
    def __init__(self, tmp) -> None:
        super().__init__(tmp, "fuzz-telegram")
        self.done: dict[int, asyncio.Event] = {}
        self.run(self._start())

    async def _start(self) -> None:
        self.fake = FakeTelegram(TOKEN)
        await self.fake.start()
        self.core = await self.make_core()
        settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_base_url=self.fake.base_url)
        # PTB's flood limiter would hold the group's messages (20 a minute): not what is fuzzed here
        limiter = telegram_adapter.AIORateLimiter
        telegram_adapter.AIORateLimiter = lambda max_retries: limiter(overall_max_rate=0, group_max_rate=0,
                                                                      max_retries=max_retries)
        try:
            self.adapter = TelegramAdapter(self.core, settings, poll_timeout=1, network_retry_delays=(0.01,))
        finally:
            telegram_adapter.AIORateLimiter = limiter
        self.adapter.application.add_handler(TypeHandler(Update, self._mark), group=1000)
        await self.adapter.start()
        group = self.fake.group(GROUP, "Fuzz group")
        self.people = []
        for uid, name in ((701, "Ann"), (702, "<b>Bo</b> & $x$ _y_ </i>")):
            user = self.fake.user(uid, name)
            self.people.append((user, self.fake.private_chat(user)))
        for uid, name in ((703, "Grace"), (704, "Mo 🧮" * 20)):
            self.people.append((self.fake.user(uid, name), group))
        self.fake.admins.add((GROUP, 703))

    async def _mark(self, update: Update, _context) -> None:
        self.done.setdefault(update.update_id, asyncio.Event()).set()

    def close(self) -> None:
        self.run(self.adapter.stop())
        self.run(self.fake.stop())
        super().close()

    async def update(self, op: tuple) -> None:
        kind, who = op[0], op[1]
        user, chat = self.people[who]
        private = chat["type"] == "private"
        shown = self.fake.shown(chat["id"])
        last = shown[-1] if shown else None
        if kind == "solve":
            op = await self._solve(who, last, op[2])
            kind = op[0]
        if kind == "others":  # a button of the group's last message for the other member
            tag = owner_tag(str(self.people[5 - who][0]["id"]))
            last = next((m for m in reversed(shown) if any(split_owner(d)[1] == tag for row in m.buttons
                                                           for _, d in row)), None)
            if last is None:
                return
            op, kind = ("press", who, op[2]), "press"
        if kind in ("press",) and last is None:
            return
        before = len(shown)
        calls = len(self.fake.calls)
        pressed = ""

        async def act() -> list[Shown]:
            nonlocal pressed
            if kind == "say":
                update_id = self.fake.say(chat, user, op[2][:4096])
            elif kind == "reply":
                if last is None:
                    update_id = self.fake.say(chat, user, op[2][:4096])
                else:
                    update_id = self.fake.say(chat, user, op[2][:4096], reply_to=last)
            elif kind == "press":
                data = op[2]
                if isinstance(data, int):  # a real button of the last message
                    buttons = [d for row in last.buttons for _, d in row]
                    if not buttons:
                        return []
                    data = buttons[data % len(buttons)]
                pressed = _bytes_cut(data, 64) or "x"
                update_id = self.fake.press(chat, user, last, pressed)
            else:
                raise AssertionError(kind)
            await asyncio.wait_for(self.done.setdefault(update_id, asyncio.Event()).wait(), 30)
            return self.fake.shown(chat["id"])[before:]

        where = f"telegram {op!r:.300}"
        new = await self.checked(where, "telegram", str(user["id"]), act, lambda ms: [m.text for m in ms])
        failed = [(c.method, c.status, c.params.get("text", "")[:80]) for c in self.fake.calls[calls:]
                  if c.status != 200 and c.method != "getUpdates"]
        assert not failed, f"{where}: Telegram refused {failed}"
        own_words(where, "telegram", op, self.fake.foreign)
        popups = [c.params for c in self.fake.calls[calls:] if c.method == "answerCallbackQuery"
                  and c.params.get("show_alert") in (True, "true") and str(c.params.get("text", "")).startswith("🔒")]
        if someone_elses(pressed, str(user["id"])):  # a button meant for someone else: a popup for the presser only
            self.count["others' buttons"] += 1
            assert popups and not new, f"{where}: {[m.text for m in new]}"
        elif kind == "press" and isinstance(op[2], str) and forged_confirm(pressed):
            self.count["forged confirms"] += 1
            assert await self.repo.find_learner("telegram", str(user["id"])) is not None or not self.existed, where
        assert not self.fake.unanswered_callbacks, f"{where}: a button press was not answered"
        text = op[2][:4096] if kind in ("say", "reply") else ""
        if private and (kind == "press" or for_us(text)):
            assert new or popups, f"{where}: no reply in a private chat"
        for m in new:
            assert m.text.strip() or m.kind != "text", f"{where}: an empty message"

    async def _solve(self, who: int, last: Shown | None, right: bool) -> tuple:
        user, chat = self.people[who]
        learner = await self.repo.find_learner("telegram", str(user["id"]))
        mention = "" if chat["type"] == "private" else f"@{BOT_USERNAME}"
        if learner is None or not (learner.lesson_unit or learner.open_prompt) or last is None:
            return ("say", who, f"/next{mention}")
        datas = [d for row in last.buttons for _, d in row]
        if learner.lesson_unit:
            done = [d for d in datas if d.startswith("d:")]
            return ("press", who, done[0]) if done else ("say", who, f"/done{mention}")
        prompt = self.core.catalog.prompt_by_id.get(learner.open_prompt)
        if prompt is None or prompt.answer.kind == "self":
            return ("say", who, f"/solution{mention}")
        a = prompt.answer
        if a.kind == "choice":
            k = a.options.index(a.value)
            return ("press", who, f"c:{prompt.id}:{k if right else (k + 1) % len(a.options)}")
        text = a.value if right or not prompt.mistakes else prompt.mistakes[0].answer
        return ("reply", who, text) if chat["type"] != "private" else ("say", who, text)


def for_us(text: str) -> bool:
    """Text a private chat answers: anything but blanks and commands addressed to another bot."""
    head = text.split(maxsplit=1)[0] if text.strip() else ""
    command = re.match(r"/[A-Za-z0-9_]+@([A-Za-z0-9_]+)", head)
    return bool(text.strip()) and not (command and command.group(1).lower() != BOT_USERNAME.lower())


TELEGRAM_TEXT = st.one_of(
    TEXT,
    st.builds(lambda n, a: f"/{n} {a}", st.sampled_from(NAMES), TEXT),
    st.builds(lambda n, a: f"/{n}@{BOT_USERNAME} {a}", st.sampled_from(NAMES), WORD),
    st.builds(lambda n: f"/{n}@OtherBot", st.sampled_from(NAMES)),
    st.builds(lambda w: f"/{w}", WORD),
    st.builds(lambda s, n: s * n, st.sampled_from(["<b>", "&", "$x$ ", "💡", "a\n\n"]), st.integers(300, 1200)),
)
PEOPLE = st.integers(0, 3)
TELEGRAM_OP = st.one_of(
    st.tuples(st.just("say"), PEOPLE, TELEGRAM_TEXT),
    st.tuples(st.just("reply"), PEOPLE, TELEGRAM_TEXT),
    st.tuples(st.just("press"), PEOPLE, st.one_of(ACTION, st.integers(0, 20))),
    st.tuples(st.just("press"), PEOPLE, FORGED),
    st.tuples(st.just("others"), st.sampled_from([2, 3]), st.integers(0, 20)),  # the two group members
    st.tuples(st.just("solve"), PEOPLE, st.booleans()),
    st.tuples(st.just("solve"), PEOPLE, st.booleans()),
)


@pytest.fixture(scope="class")
def telegram_world(tmp_path_factory):
    w = TelegramWorld(tmp_path_factory.mktemp("fuzz-telegram"))
    yield w
    w.close()


class TestTelegram:  # a class: its world (and event loop) is closed before the next platform's starts
    @fuzz(100)
    @given(ops=st.lists(TELEGRAM_OP, min_size=1, max_size=6))
    def test_telegram_survives_anything(self, telegram_world, ops):
        for op in ops:
            telegram_world.run(telegram_world.update(op))

    def test_telegram_fuzzing_reached_the_core(self, telegram_world):
        count = telegram_world.count  # the full run: more than 80 inputs, 10 rejected, and presses of the other
        assert count["inputs"] >= examples(81) and count["rejected"] >= examples(11), count  # group member's
        assert count["others' buttons"] >= examples(3) and count["forged confirms"] >= examples(3), count  # buttons


# ---------------------------------------------------------------- Discord


class DiscordWorld(Harness):
    def __init__(self, tmp) -> None:
        super().__init__(tmp, "fuzz-discord")
        self._saved = (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        self.last: dict[int, Msg] = {}
        self.run(self._start())

    async def _start(self) -> None:
        self.fake = await FakeDiscord().start()
        f = self.fake
        f.WAIT_LIMIT = 5.0  # a hang fails fast (and hypothesis replays failures)
        self.guild = f.add_guild("Fuzz server")
        organisers = f.add_role(self.guild, "Organisers", MANAGE_GUILD)
        self.users = [f.add_user("ada", "Ada"), f.add_user("bob", "<b>Bob</b> **x** $y$"), f.add_user("olga", "Olga")]
        for u in self.users:
            f.add_member(self.guild, u)
        f.add_member(self.guild, self.users[2], organisers)
        self.core = await self.make_core()
        settings = Settings(_env_file=None, discord_token="fake-bot-token", discord_api_base_url=f.rest_url,
                            discord_gateway_url=f.gateway_url)
        self.adapter = build_discord(self.core, settings)
        await self.adapter.start()
        await f.wait_connected()
        self.options = {c["name"]: c.get("options", []) for c in f.commands[None]}

    def close(self) -> None:
        self.run(self.adapter.stop())
        self.run(self.fake.close())
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
        super().close()

    async def interaction(self, op: tuple) -> None:
        f, adapter = self.fake, self.adapter
        kind, who = op[0], op[1]
        user = self.users[who % len(self.users)]
        in_guild = who < len(self.users)  # the same people, in the server or in DMs
        guild = self.guild if in_guild else None
        key = who
        last = self.last.get(key)
        if kind == "solve":
            op = await self._solve(user, key, last, op[2])
            kind = op[0]
        if kind == "press" and last is None:
            return
        if kind == "others":  # a button of the last message another member was shown
            theirs = self.last.get(op[2])
            ids = [b["custom_id"] for b in theirs.buttons if b.get("custom_id")] if theirs else []
            if not ids:
                return
            op, last = ("press", who, ids[op[3] % len(ids)]), theirs
            kind = "press"
        where = f"discord {op!r:.300}"
        pressed = op[2][2:] if kind == "press" and isinstance(op[2], str) and op[2].startswith("b:") else ""

        async def act() -> list[Msg]:
            if kind == "dm":
                before = len(f.dms(user))
                await f.dm_text(user, op[2][:2000])
                if op[2][:2000].strip():
                    await f.wait_for(lambda: len(f.dms(user)) > before)
                await adapter.wait_idle()
                return f.dms(user)[before:]
            if kind == "slash":
                it = await f.slash(user, op[2], guild, **self._typed(op[2], op[3]))
            elif kind == "autocomplete":
                options = [o for o in self.options[op[2]] if o.get("autocomplete")]  # Discord asks for no other
                if not options:
                    return []
                focused = options[op[3] % len(options)]
                it = await f.autocomplete(user, op[2], focused["name"], guild, **{focused["name"]: op[4][:100]})
            elif kind == "press":
                custom_id, message = op[2], last
                if isinstance(custom_id, int):  # a button of the last message
                    ids = [b["custom_id"] for b in last.buttons if b.get("custom_id")]
                    if not ids:
                        return []
                    custom_id = ids[custom_id % len(ids)]
                else:  # a button of an old message (Discord only delivers presses of buttons a message has)
                    custom_id = custom_id[:100] or "x"
                    message = Msg(f.snowflake(), last.channel_id, "an old message", components=[{"type": 1, "components": [
                        {"type": 2, "style": 2, "label": "old", "custom_id": custom_id}]}], flags=last.flags)
                it = await f.press_custom_id(user, message, custom_id, guild)
            elif kind == "submit":
                it = await f.submit_modal(user, op[2], guild, last.channel_id if last else None,
                                          **{"answer": op[3][:1000]})  # the text field's max_length
            else:
                raise AssertionError(kind)
            await asyncio.wait_for(f.responded(it), 30)
            await adapter.wait_idle()
            return self._check_interaction(where, it)

        msgs = await self.checked(where, "discord", user["id"], act, lambda ms: [m.text for m in ms])
        if someone_elses(pressed, user["id"]):  # a button meant for someone else: a private no
            self.count["others' buttons"] += 1
            assert msgs and all(m.text.startswith("🔒") and (m.ephemeral or not in_guild) for m in msgs), where
        elif forged_confirm(pressed) and self.existed:
            self.count["forged confirms"] += 1
            assert await self.repo.find_learner("discord", user["id"]) is not None, f"{where}: deleted"
        if kind == "dm" and op[2][:2000].strip():
            assert msgs, f"{where}: no answer to a DM"
        for m in msgs:
            assert not m.limit_problems(), f"{where}: Discord would refuse {m.limit_problems()}"
        with_buttons = [m for m in msgs if m.buttons]
        if with_buttons:
            self.last[key] = with_buttons[-1]
        assert not f.unknown_routes, f"{where}: {f.unknown_routes}"
        own_words(where, "discord", op, f.foreign)

    def _check_interaction(self, where: str, it: Interaction) -> list[Msg]:
        assert it.callbacks, f"{where}: never acknowledged"
        if it.type == 4:  # autocomplete
            choices = it.choices
            assert len(choices) <= 25, where
            assert all(1 <= len(c["name"]) <= 100 and len(str(c["value"])) <= 100 for c in choices), where
            return []
        if it.modal is not None:
            return []
        assert it.visible, f"{where}: no message"
        return it.visible

    def _typed(self, name: str, values: dict[str, Any]) -> dict[str, Any]:
        """Options as Discord delivers them: registered names only, required ones always, values of the
        registered type (Discord guarantees all three; discord.py refuses a command without them)."""
        out: dict[str, Any] = {}
        for o in self.options[name]:
            if o["name"] not in values and not o.get("required"):
                continue
            v = values.get(o["name"], "x")
            if o["type"] == 4:
                out[o["name"]] = v if isinstance(v, int) else len(str(v))
            elif o.get("choices"):
                out[o["name"]] = o["choices"][(v if isinstance(v, int) else len(str(v))) % len(o["choices"])]["value"]
            else:
                out[o["name"]] = str(v)[:6000]
        return out

    async def _solve(self, user: dict, key: int, last: Msg | None, right: bool) -> tuple:
        learner = await self.repo.find_learner("discord", user["id"])
        if learner is None or not (learner.lesson_unit or learner.open_prompt) or last is None:
            return ("slash", key, "next", {})
        ids = [b.get("custom_id", "") for b in last.buttons]
        if learner.lesson_unit:
            done = [i for i in ids if i.startswith("b:d:")]
            return ("press", key, done[0]) if done else ("slash", key, "done", {})
        prompt = self.core.catalog.prompt_by_id.get(learner.open_prompt)
        if prompt is None or prompt.answer.kind == "self":
            return ("slash", key, "solution", {})
        a = prompt.answer
        if a.kind == "choice":
            k = a.options.index(a.value)
            return ("press", key, f"b:c:{prompt.id}:{k if right else (k + 1) % len(a.options)}")
        text = a.value if right or not prompt.mistakes else prompt.mistakes[0].answer
        return ("submit", key, "answer", text)


OPTION_VALUES = st.dictionaries(st.sampled_from(sorted({a for c in NAMES for a in ("name", "topic", "timezone", "zone",
                                                                                  "time", "days", "command", "answer",
                                                                                  "after_study", "action")})),
                                st.one_of(TEXT, st.integers(-10**6, 10**6)), max_size=4)
MEMBERS = st.integers(0, 5)
CORE_ACTION = st.one_of(ACTION, st.sampled_from(["q", "ca:1:1", "cc:1:1", "q:x"])).map(
    lambda a: a.replace("\n", " ")[:64] or "x")  # what a core Button's action can be (1-64, one line)
DISCORD_OP = st.one_of(
    st.tuples(st.just("slash"), MEMBERS, st.sampled_from(NAMES), OPTION_VALUES),
    # custom ids the bot may have sent (any core action of 1-64 characters, old formats included); presses of
    # other custom ids never reach the bot's code: discord.py's templates do not match them
    st.tuples(st.just("press"), MEMBERS, st.one_of(st.builds(lambda p, a: p + a, st.sampled_from(["b:", "t:"]), CORE_ACTION),
                                                    st.just("answer"), st.integers(0, 20))),
    # modals the bot opens: "answer" (one's own question) and "t:<action>" (a button asking for text)
    st.tuples(st.just("submit"), MEMBERS, st.one_of(st.just("answer"), CORE_ACTION.map(lambda a: "t:" + a)), TEXT),
    st.tuples(st.just("autocomplete"), MEMBERS, st.sampled_from(NAMES), st.integers(0, 4), TEXT),
    st.tuples(st.just("dm"), MEMBERS, TEXT),
    st.tuples(st.just("solve"), MEMBERS, st.booleans()),
    st.tuples(st.just("solve"), MEMBERS, st.booleans()),
    st.tuples(st.just("others"), MEMBERS, MEMBERS, st.integers(0, 20)),
    st.tuples(st.just("press"), MEMBERS, FORGED.map(lambda a: "b:" + a)),
)


@pytest.fixture(scope="class")
def discord_world(tmp_path_factory):
    w = DiscordWorld(tmp_path_factory.mktemp("fuzz-discord"))
    yield w
    w.close()


class TestDiscord:
    @fuzz(100)
    @given(ops=st.lists(DISCORD_OP, min_size=1, max_size=6))
    def test_discord_survives_anything(self, discord_world, ops):
        for op in ops:
            discord_world.run(discord_world.interaction(op))

    def test_discord_fuzzing_reached_the_core(self, discord_world):
        count = discord_world.count  # the full run: more than 80 inputs, 10 rejected, and presses of other
        assert count["inputs"] >= examples(81) and count["rejected"] >= examples(11), count  # members' buttons
        assert count["others' buttons"] >= examples(3) and count["forged confirms"] >= examples(3), count


# ---------------------------------------------------------------- the console


CONSOLE_LINE = st.one_of(
    TEXT.map(lambda t: t.replace("\n", " ")),
    st.text(alphabet="0123456789²³¹٠١٢٣७߀①", min_size=1, max_size=12),  # "press" a numbered button
    st.builds(lambda n, a: f"/{n} {a}".replace("\n", " "), st.sampled_from(NAMES), WORD),
    st.sampled_from(["/next", "1", "2", "/done", "/skip", "/hint", "/progress", "/export"] + NASTY[:20]),
)


@fuzz(100)
@given(lines=st.lists(CONSOLE_LINE, min_size=1, max_size=6))
def test_console_survives_anything(tmp_path_factory, lines):
    world = _console_world(tmp_path_factory)
    for line in lines:
        world.out.seek(0)
        world.out.truncate()
        replies = world.run(world.chat.handle(line))
        assert replies and all(r.text.strip() or r.file for r in replies), line
        assert not any(SORRY in r.text for r in replies), line
        world.run(world.chat.show(replies))
        assert world.out.getvalue().strip(), line
        assert foreign_words("console", line) or not foreign_words("console", world.out.getvalue()), line
        assert not world.errors.records, [r.getMessage() for r in world.errors.records]


_CONSOLE: dict[str, Any] = {}


def _console_world(tmp_path_factory):
    if "world" not in _CONSOLE:
        tmp = tmp_path_factory.mktemp("fuzz-console")
        w = Harness(tmp, "fuzz-console")
        core = w.run(w.make_core())
        w.out = io.StringIO()
        w.chat = ConsoleChat(core, "fuzzer", out=w.out, files_dir=tmp / "exports")
        _CONSOLE["world"] = w
    return _CONSOLE["world"]


@pytest.fixture(scope="module", autouse=True)
def _close_console():
    yield
    if "world" in _CONSOLE:
        _CONSOLE.pop("world").close()
