"""Fuzzing the core (hypothesis): every registry command with random arguments, typed options as Discord sends
them, random unicode and huge strings, random and forged button actions, typed answers, in sequences that
also make valid moves (so lessons, questions of every answer kind and challenges are open while garbage
arrives), through ``Core.handle_text`` / ``run`` / ``press`` / ``answer_to`` on a real SQLite repository.

The oracle, for every single input:

- no exception escapes, nothing is logged at ERROR, and the core never falls back to its "something went
  wrong" reply (that would be an exception caught by ``Core._guard``);
- there is at least one reply, and every reply is non-empty and within both platforms' limits once the
  adapters' own conversion has run (Telegram: HTML parts <= 4096 visible characters that Telegram's parser
  accepts, callback data 1-64 bytes; Discord: content <= 2000, embed description <= 4096, <= 25 components,
  custom ids <= 100, no button dropped);
- stored data is unchanged by rejected input. An input is rejected when the core says so: a ``UsageError``
  (reported to ``Core.observer`` as outcome ``usage``), an unreadable answer (``answer_check`` result
  ``unreadable``), an unknown command, an expired or forged button. Every table is compared before and after
  (for a learner who already existed: first contact creates the learner, which is not a change of data).

Deterministic (``derandomize=True``); the examples share one database, so they also run against the state
earlier examples left.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core.commands import ACTIONS
from bot.core.learning import as_asked
from bot.core.model import Actor, Reply
from bot.core.service import Core
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository
from bot.storage.tables import metadata
from tests.support import FakeClock, examples
from tests.support.fuzzing import (
    ACTION,
    ACTOR,
    ACTORS,
    CATALOG,
    DIGITS,
    IDS,
    NAMES,
    OP,
    OPTIONS,
    SORRY,
    TEXT,
    TEXT_ACTIONS,
    WORD,
    ErrorLog,
    db_state,
    diff,
    forged_confirm,
    fuzz,
    rejected,
    reply_problems,
    someone_elses,
)

# one worker runs the module in order: the examples share one world, and the guard reads what they left
pytestmark = pytest.mark.xdist_group("fuzz-core")


class World:
    """A real Core on a SQLite file, in an event loop of its own (hypothesis drives it from plain functions)."""

    def __init__(self, tmp, catalog) -> None:
        self.loop = asyncio.new_event_loop()
        self.clock = FakeClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.errors = ErrorLog()
        logging.getLogger("bot").addHandler(self.errors)
        self.last: dict[int, list[Reply]] = {}
        self.checked = {"inputs": 0, "rejected": 0, "answers checked": 0, "others' buttons": 0, "forged confirms": 0}
        self.run(self._start(tmp, catalog))

    async def _start(self, tmp, catalog) -> None:
        self.path = tmp / "fuzz-core.sqlite3"
        self.engine = create_engine(f"sqlite+aiosqlite:///{self.path}")
        await migrate(self.engine)
        self.repo = SqlRepository(self.engine)
        self.core = Core(catalog, self.repo, self.clock)
        self.core.observer = lambda event, **f: self.events.append((event, f))
        for i, actor in enumerate(ACTORS):
            self.last[i] = await self.core.handle_text(actor, "/start")

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        logging.getLogger("bot").removeHandler(self.errors)
        self.run(self.engine.dispose())
        self.loop.close()

    # ------------------------------------------------------------ one input, checked

    async def call(self, op: tuple) -> list[Reply] | None:
        kind, i = op[0], op[1]
        actor = ACTORS[i]
        core = self.core
        self.pressed = ""
        if kind == "text":
            return await core.handle_text(actor, op[2])
        if kind == "command":
            return await core.handle_text(actor, f"/{op[2]} {op[3]}" if op[3] else f"/{op[2]}")
        if kind == "options":
            return await core.run(actor, op[2], op[3])
        if kind == "press":
            self.pressed = op[2]
            return await core.press(actor, op[2])
        if kind == "answer_to":
            if not hasattr(core, "answer_to"):
                return None
            return await core.answer_to(actor, op[2], op[3])
        if kind == "shown":
            buttons = [b for r in self.last.get(i, []) for b in r.all_buttons]
            if not buttons:
                return None
            return await core.press(actor, buttons[op[2] % len(buttons)].action)
        if kind == "others":  # a button of the last message another person was shown
            buttons = [b for r in self.last.get(op[2], []) for b in r.all_buttons]
            if not buttons:
                return None
            self.pressed = buttons[op[3] % len(buttons)].action
            return await core.press(actor, self.pressed)
        if kind == "solve":  # the next step of a learner who studies: Done, an answer (right or wrong), /next
            learner = await self.repo.find_learner(actor.platform, actor.user_id)
            if learner is not None and learner.lesson_unit:
                return await core.handle_text(actor, "/done")
            prompt = core.catalog.prompt_by_id.get(learner.open_prompt) if learner and learner.open_prompt else None
            if prompt is None:
                return await core.handle_text(actor, "/next")
            prompt = as_asked(prompt, learner).prompt  # a template as drawn for this learner, not its placeholders
            a = prompt.answer
            if a.kind == "self":
                return await core.handle_text(actor, "/solution")
            if a.kind == "choice":
                right = a.options.index(a.value)
                return await core.press(actor, f"c:{prompt.id}:{right if op[2] else (right + 1) % len(a.options)}")
            text = a.value if op[2] or not prompt.mistakes else prompt.mistakes[0].answer
            return await core.handle_text(actor, text)
        if kind == "clock":
            self.clock.advance(hours=op[2])
            return None
        raise AssertionError(kind)

    async def check(self, op: tuple) -> None:
        actor = ACTORS[op[1]]
        existed = await self.repo.find_learner(actor.platform, actor.user_id) is not None
        before = db_state(self.path)
        self.events.clear()
        self.errors.records.clear()
        replies = await self.call(op)
        if replies is None:
            return
        self.checked["inputs"] += 1
        self.checked["answers checked"] += sum(1 for e, f in self.events
                                               if e == "answer_check" and f.get("result") in ("right", "wrong"))
        where = f"input {op!r:.300}"
        assert isinstance(replies, list) and replies, f"{where}: no reply"
        assert all(isinstance(r, Reply) for r in replies), where
        texts = [r.text for r in replies]
        assert not any(SORRY in t for t in texts), f"{where}: the core hit an exception: {self.errors.records}"
        assert not self.errors.records, f"{where}: logged {[r.getMessage() for r in self.errors.records]}"
        for r in replies:
            problems = await reply_problems(r)
            assert not problems, f"{where}: reply {r.text[:200]!r}: {problems}"
        outcomes = [f.get("outcome") for e, f in self.events if e == "command"]
        assert "error" not in outcomes, where
        if someone_elses(self.pressed, actor.user_id):  # a button meant for someone else: a private no
            self.checked["others' buttons"] += 1
            assert len(replies) == 1 and replies[0].alert and replies[0].text.startswith("🔒"), f"{where}: {texts}"
            assert db_state(self.path) == before, f"{where}: someone else's button changed data"
        elif op[0] == "press" and forged_confirm(self.pressed) and existed:  # a confirm nobody was sent
            self.checked["forged confirms"] += 1
            assert await self.repo.find_learner(actor.platform, actor.user_id) is not None, f"{where}: deleted"
        if rejected(self.events, texts):
            self.checked["rejected"] += 1
            after = db_state(self.path)
            if existed:
                assert after == before, f"{where}: rejected ({texts[0][:120]!r}) but changed {diff(before, after)}"
        if any(r.all_buttons for r in replies):
            self.last[op[1]] = replies


HHMM = re.compile(r"[0-2][0-9]:[0-5][0-9]", re.ASCII)


async def invariant_problems(world: World) -> list[str]:
    """What must hold of the stored data whatever was typed: canonical times, real zones, real content ids."""
    catalog, out = world.core.catalog, []
    zones = available_timezones() | {"UTC"}
    async with world.engine.connect() as conn:
        for r in (await conn.execute(select(metadata.tables["learners"]))).mappings():
            if r["reminder_time"] is not None and not HHMM.fullmatch(r["reminder_time"]):
                out.append(f"learner {r['id']}: reminder_time {r['reminder_time']!r}")
            if r["timezone"] not in zones:
                out.append(f"learner {r['id']}: timezone {r['timezone']!r}")
            if r["open_prompt"] is not None and r["open_prompt"] not in catalog.prompt_by_id:
                out.append(f"learner {r['id']}: open_prompt {r['open_prompt']!r}")
            if r["lesson_unit"] is not None and r["lesson_unit"] not in catalog.unit_by_id:
                out.append(f"learner {r['id']}: lesson_unit {r['lesson_unit']!r}")
            if r["focus_topic"] is not None and r["focus_topic"] not in catalog.topic_by_id:
                out.append(f"learner {r['id']}: focus_topic {r['focus_topic']!r}")
        for r in (await conn.execute(select(metadata.tables["unit_progress"]))).mappings():
            if r["unit_id"] not in catalog.unit_by_id or r["status"] not in ("learning", "done", "skipped"):
                out.append(f"unit_progress {dict(r)}")
        for r in (await conn.execute(select(metadata.tables["attempts"]))).mappings():
            if r["prompt_id"] not in catalog.prompt_by_id:
                out.append(f"attempt on {r['prompt_id']!r}")
        if "challenges" in metadata.tables:
            for r in (await conn.execute(select(metadata.tables["challenges"]))).mappings():
                for col in ("post_time",):
                    if col in r and r[col] is not None and not HHMM.fullmatch(r[col]):
                        out.append(f"challenge {r['id']}: {col} {r[col]!r}")
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("fuzz-core"), CATALOG)
    yield w
    w.close()


@fuzz(120)
@given(ops=st.lists(OP, min_size=1, max_size=8))
def test_sequences_of_anything_people_do(world, ops):
    for op in ops:
        world.run(world.check(op))
    assert not world.run(invariant_problems(world)), ops


@pytest.mark.parametrize("name", NAMES)
@fuzz(12)
@given(args=TEXT, options=OPTIONS, who=ACTOR)
@example(args="٠٧:٣٠", options={"time": "۰۷:۳۰", "days": "٣"}, who=3)  # Arabic-Indic digits match regex \d
def test_every_command_with_random_arguments_and_options(world, name, args, options, who):
    world.run(world.check(("command", who, name, args)))
    world.run(world.check(("options", who, name, options)))
    assert not world.run(invariant_problems(world)), (name, args, options)


ACTION_ARGS = st.one_of(
    TEXT,
    st.builds(lambda i, d: f"{i}:{d}", IDS, st.one_of(DIGITS, WORD)),
    st.builds(lambda a, b, c: f"{a}:{b}:{c}", DIGITS, DIGITS, DIGITS),
)


@fuzz(25)
@given(args=ACTION_ARGS, who=ACTOR, text=TEXT)
def test_every_button_action_with_random_arguments(world, args, who, text):
    """Every action the core hands out, with forged arguments (a modified client can send any callback data)."""
    for verb in sorted(ACTIONS):
        world.run(world.check(("press", who, f"{verb}:{args}")))
    for verb in TEXT_ACTIONS:
        world.run(world.check(("answer_to", who, f"{verb}:{args}", text)))


@fuzz(30)
@given(action=ACTION, who=ACTOR, text=TEXT)
def test_forged_buttons_and_typed_texts_for_them(world, action, who, text):
    world.run(world.check(("press", who, action)))
    world.run(world.check(("answer_to", who, action, text)))


def test_the_fuzzing_reached_rejections_and_valid_states(world):
    """A guard on the fuzzing itself: it must have exercised rejected input and real study states."""
    checked = world.checked  # the full run: more than 300 inputs, 50 rejected, 10 answers checked, and presses
    assert checked["inputs"] >= examples(301) and checked["rejected"] >= examples(51), checked  # of others'
    assert checked["answers checked"] >= examples(11), checked  # buttons in groups and of forged confirms
    assert checked["others' buttons"] >= examples(6) and checked["forged confirms"] >= examples(6), checked


def test_first_contact_with_rejected_input_creates_only_the_learner(world):
    """A new person whose first message is rejected: the reply says why; only their learner row appears."""
    newcomer = Actor("telegram", "999001", "New Person", chat_id="999001")

    before = db_state(world.path)
    replies = world.run(world.core.handle_text(newcomer, "/answer 42"))
    after = db_state(world.path)
    assert "no open question" in replies[0].text
    changed = diff(before, after)
    assert set(changed) <= {"learners", "identities"}, changed
    assert not any(change["gone"] for change in changed.values())


def test_time_moves_on(world):
    world.clock.advance(days=1)
    assert world.clock() > datetime(2026, 3, 10, tzinfo=UTC) + timedelta(hours=1)
