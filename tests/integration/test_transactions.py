"""One command, one transaction: the same answer or button arriving several times at once (a double tap, two
devices, a retried callback) acts once, on both engines, and on PostgreSQL also from two bot processes.

Each case sends its copies with ``asyncio.gather`` through the real core on the real repository, then reads
what was written (rows, and the statements that wrote review cards) and what each copy was told.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import event

from bot.core.model import Actor
from bot.core.service import Core
from tests.support import written_table
from tests.support.conversation import texts

ANN = Actor("telegram", "11", "Ann", chat_id="11")  # her private chat
GROUP = "-500"
ORG = Actor("telegram", "100", "Olga", chat_id=GROUP, is_private=False, is_admin=True, guild_id=GROUP)
ANN_IN_GROUP = Actor("telegram", "11", "Ann", chat_id=GROUP, is_private=False, guild_id=GROUP)
COPIES = 5


class Writes:
    """The INSERT / UPDATE / DELETE statements sent to the database, by table (the engine's own event)."""

    def __init__(self, engine) -> None:
        self.by_table: Counter[str] = Counter()
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement: str, *_: object) -> None:
        table = written_table(statement)
        if table is not None:
            self.by_table[table] += 1


async def at_once(*calls):
    """Start every call before any of them is awaited to its end: they overlap as far as the engine lets."""
    return list(await asyncio.gather(*calls))


async def open_question(core: Core, prompt_id: str, *, revealed: bool = False, actor: Actor = ANN) -> int:
    """Ann, with her lesson done and ``prompt_id`` open (set through the repository, as /next would)."""
    await core.handle_text(actor, "/next")
    await core.press(actor, "d:b-one")
    learner = await core.repo.find_learner(actor.platform, actor.user_id)
    await core.repo.update_learner(learner.id, open_prompt=prompt_id, open_source="practice", open_hints=0,
                                   open_revealed=revealed, open_tried="", lesson_unit=None)
    return learner.id


def said(replies) -> list[str]:
    return [texts(r) for r in replies]


async def attempts_of(repo, learner_id: int) -> list[tuple]:
    exported = await repo.export_learner(learner_id)
    return [(a["prompt_id"], a["correct"], a["revealed"], a["source"]) for a in exported["attempts"]]


# ---------------------------------------------------------------- the open question


@pytest.mark.parametrize("how", ["/answer 1/4", "1/4"])  # a command, and plain text
async def test_the_same_right_answer_five_times_at_once_counts_once(core, repo, how):
    learner_id = await open_question(core, "b-one-1")
    writes = Writes(repo.engine)
    replies = said(await at_once(*(core.handle_text(ANN, how) for _ in range(COPIES))))
    assert sum(t.startswith("✅ Right!") for t in replies) == 1, replies
    others = [t for t in replies if not t.startswith("✅ Right!")]
    assert all("You already answered that question — right! Nothing more is counted." in t for t in others), others
    assert await attempts_of(repo, learner_id) == [("b-one-1", True, False, "practice")]
    assert writes.by_table["review_cards"] == 1 and writes.by_table["attempts"] == 1
    assert (await repo.find_learner("telegram", "11")).open_prompt is None


async def test_the_same_wrong_answer_five_times_at_once_is_one_try(core, repo):
    learner_id = await open_question(core, "b-one-1")
    replies = said(await at_once(*(core.handle_text(ANN, "4/1") for _ in range(COPIES))))
    assert sum(t.startswith("❌ Not quite yet.") for t in replies) == 1, replies
    assert sum("You already tried “4/1”" in t for t in replies) == COPIES - 1
    assert await attempts_of(repo, learner_id) == [("b-one-1", False, False, "practice")]
    assert (await repo.find_learner("telegram", "11")).tried == ("4/1",)


async def test_a_choice_pressed_five_times_counts_once(core, repo, catalog):
    learner_id = await open_question(core, "b-one-3")
    right = catalog.prompt_by_id["b-one-3"].answer
    action = f"c:b-one-3:{right.options.index(right.value)}"
    replies = said(await at_once(*(core.press(ANN, action) for _ in range(COPIES))))
    assert sum(t.startswith("✅ Right!") for t in replies) == 1, replies
    assert sum("You already answered that question — right!" in t for t in replies) == COPIES - 1
    assert await attempts_of(repo, learner_id) == [("b-one-3", True, False, "practice")]


async def test_hint_pressed_five_times_shows_that_hint_and_counts_one_hint(core, repo):
    await open_question(core, "b-one-1")
    replies = said(await at_once(*(core.press(ANN, "h:b-one-1:1") for _ in range(COPIES))))
    assert all(t.startswith("💡 Hint 1/2: Write it as a fraction.") and "Hint 2/2" not in t for t in replies), replies
    assert (await repo.find_learner("telegram", "11")).open_hints == 1
    # the reply's own button asks for the next one
    nxt = said([await core.press(ANN, "h:b-one-1:2")])[0]
    assert "💡 Hint 2/2: Numerator over denominator." in nxt and "last hint" in nxt
    assert (await repo.find_learner("telegram", "11")).open_hints == 2


async def test_show_solution_pressed_five_times_records_one_attempt(core, repo):
    learner_id = await open_question(core, "b-one-1")
    replies = said(await at_once(*(core.press(ANN, "v:b-one-1") for _ in range(COPIES))))
    assert sum(t.startswith("📖 Here is the worked solution") for t in replies) == 1, replies
    assert sum("That question is closed: its worked solution has been shown." in t for t in replies) == COPIES - 1
    assert await attempts_of(repo, learner_id) == [("b-one-1", False, True, "practice")]


async def test_skip_pressed_five_times_skips_once(core, repo):
    learner_id = await open_question(core, "b-one-1")
    writes = Writes(repo.engine)
    replies = said(await at_once(*(core.press(ANN, "k:b-one-1") for _ in range(COPIES))))
    assert sum(t.startswith("⏭ Skipped") for t in replies) == 1, replies
    assert sum("You skipped that question" in t for t in replies) == COPIES - 1
    assert await attempts_of(repo, learner_id) == [("b-one-1", False, False, "skip")]
    assert writes.by_table["attempts"] == 1


async def test_a_self_grade_pressed_five_times_counts_once(core, repo):
    learner_id = await open_question(core, "m-one-7", revealed=True)
    replies = said(await at_once(*(core.press(ANN, "g:m-one-7:1") for _ in range(COPIES))))
    assert sum(t.startswith("✅ Right!") for t in replies) == 1, replies
    assert sum("already answered that question" in t for t in replies) == COPIES - 1
    assert await attempts_of(repo, learner_id) == [("m-one-7", True, False, "practice")]


# ---------------------------------------------------------------- lessons


@pytest.mark.parametrize(("action", "status", "word"), [("d:b-one", "learning", "done"),
                                                        ("s:b-one", "skipped", "skipped")])
async def test_done_or_skip_pressed_five_times_acts_once(core, repo, action, status, word):
    await core.handle_text(ANN, "/next")
    learner = await repo.find_learner("telegram", "11")
    writes = Writes(repo.engine)
    replies = said(await at_once(*(core.press(ANN, action) for _ in range(COPIES))))
    assert sum(f"The lesson “Unit One” is already {word}, so nothing more changed." in t for t in replies) == COPIES - 1
    states = await repo.unit_states(learner.id)
    assert states["b-one"].status == status
    assert writes.by_table["unit_progress"] == 1
    exported = await repo.export_learner(learner.id)
    assert len(exported["study_days"]) == (1 if word == "done" else 0)


# ---------------------------------------------------------------- challenges


async def a_challenge_post(core: Core, repo, catalog, clock):
    """Olga's challenge in the group, with day 1 posted; (challenge, post, prompt)."""
    from datetime import UTC, datetime

    from bot.core.challenges import ChallengeService
    from tests.support.fakes import RecordingMessenger

    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    assert "New study challenge" in texts(await core.handle_text(ORG, "/challenge start all 3 19:00"))
    clock.set(datetime(2026, 3, 10, 19, 0, tzinfo=UTC))
    await ChallengeService(catalog, repo, clock, {"telegram": RecordingMessenger()}, rates={}).sweep()
    ch = await repo.latest_challenge("telegram", GROUP, "challenge")
    post = (await repo.challenge_posts(ch.id))[0]
    clock.advance(seconds=30)
    return ch, post, catalog.prompt_by_id[post.prompt_id]


async def test_join_pressed_five_times_at_once_joins_once(core, repo, catalog, clock):
    ch, _, _ = await a_challenge_post(core, repo, catalog, clock)
    replies = said(await at_once(*(core.press(ANN_IN_GROUP, f"cj:{ch.id}") for _ in range(COPIES))))
    assert sum(t.startswith("🙋 You're in!") for t in replies) == 1, replies
    assert sum(t.startswith("You're already in this challenge.") for t in replies) == COPIES - 1
    assert [m.name for m in await repo.challenge_members(ch.id)] == ["Ann"]


async def test_the_same_challenge_answer_five_times_at_once_scores_once(core, repo, catalog, clock):
    ch, post, prompt = await a_challenge_post(core, repo, catalog, clock)
    await core.handle_text(ANN_IN_GROUP, "/challenge join")
    writes = Writes(repo.engine)
    replies = said(await at_once(*(core.answer_to(ANN_IN_GROUP, f"ca:{ch.id}:{post.day}", prompt.answer.value)
                                   for _ in range(COPIES))))
    assert sum(t.startswith("✅ Right! +15 points (1st right today).") for t in replies) == 1, replies
    assert sum(t == "You already answered Day 1's prompt: one answer counts." for t in replies) == COPIES - 1
    assert len(await repo.challenge_answers(ch.id)) == 1
    learner = await repo.find_learner("telegram", "11")
    assert await attempts_of(repo, learner.id) == [(prompt.id, True, False, "challenge")]
    assert writes.by_table["challenge_answers"] == 1 and writes.by_table["review_cards"] == 1
    board = texts(await core.handle_text(ANN_IN_GROUP, "/leaderboard"))
    assert "**You:** #1 of 1 — 15 points" in board


# ---------------------------------------------------------------- two bot processes (PostgreSQL)

# one bot process per SQLite file (bot.storage.lock): two processes share a database only on PostgreSQL
on_postgresql = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
async def second_process(db_url, catalog, clock):
    """Another bot on the same database: its own engine, pool and in-process queues, as a second process has."""
    from bot.storage.db import create_engine
    from bot.storage.repo import SqlRepository

    engine = create_engine(db_url)
    yield Core(catalog, SqlRepository(engine), clock)
    await engine.dispose()


@on_postgresql
async def test_two_processes_answering_for_one_learner_count_once(core, repo, second_process):
    learner_id = await open_question(core, "b-one-1")
    bots = (core, second_process) * 3
    replies = said(await at_once(*(bot.handle_text(ANN, "/answer 1/4") for bot in bots)))
    assert sum(t.startswith("✅ Right!") for t in replies) == 1, replies
    assert sum("You already answered that question — right!" in t for t in replies) == len(bots) - 1
    assert await attempts_of(repo, learner_id) == [("b-one-1", True, False, "practice")]


@on_postgresql
async def test_two_processes_pressing_one_button_act_once(core, repo, second_process):
    learner_id = await open_question(core, "b-one-1")
    bots = (core, second_process) * 3
    replies = said(await at_once(*(bot.press(ANN, "h:b-one-1:1") for bot in bots)))
    assert all(t.startswith("💡 Hint 1/2") and "Hint 2/2" not in t for t in replies), replies
    replies = said(await at_once(*(bot.press(ANN, "v:b-one-1") for bot in bots)))
    assert sum(t.startswith("📖 Here is the worked solution") for t in replies) == 1, replies
    assert await attempts_of(repo, learner_id) == [("b-one-1", False, True, "practice")]


@on_postgresql
async def test_two_processes_join_and_answer_a_challenge_once(core, repo, catalog, clock, second_process):
    ch, post, prompt = await a_challenge_post(core, repo, catalog, clock)
    bots = (core, second_process) * 2
    joined = said(await at_once(*(bot.press(ANN_IN_GROUP, f"cj:{ch.id}") for bot in bots)))
    assert sum(t.startswith("🙋 You're in") for t in joined) == 1, joined
    answered = said(await at_once(*(bot.answer_to(ANN_IN_GROUP, f"ca:{ch.id}:{post.day}", prompt.answer.value)
                                    for bot in bots)))
    assert sum(t.startswith("✅ Right! +15 points") for t in answered) == 1, answered
    assert len(await repo.challenge_answers(ch.id)) == 1 and len(await repo.challenge_members(ch.id)) == 1


@on_postgresql
async def test_a_new_learners_first_commands_from_two_processes_make_one_learner(core, repo, second_process):
    """Before the learner row exists, the lock is the person's (platform and user id), not a row."""
    bots = (core, second_process) * 3
    replies = said(await at_once(*(bot.handle_text(ANN, "/next") for bot in bots)))
    assert all("Unit One" in t for t in replies), replies
    assert await repo.count_rows("learners") == 1 and await repo.count_rows("identities") == 1
