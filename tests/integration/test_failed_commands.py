"""A command that fails after its first write leaves nothing behind: every command that writes more than one row,
failed at each of its writes in turn (the database refusing a statement), on both engines.

The failure is injected with the engine's own ``before_cursor_execute`` event: the k-th INSERT / UPDATE /
DELETE of the command raises. For k = 2, 3, ... until the command gets through, the learner is told sorry and
every table is as it was before the command.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.core.service import Core
from tests.integration.test_transactions import ANN, ANN_IN_GROUP, ORG, a_challenge_post, open_question
from tests.support import written_table
from tests.support.conversation import db_state, texts

SORRY = "Sorry, something went wrong on my side."


class FailAt:
    """Raise on the ``k``-th write statement after :meth:`arm`; ``fired`` says whether it did."""

    def __init__(self, engine) -> None:
        self.k, self.seen, self.fired = 0, 0, False
        event.listen(engine.sync_engine, "before_cursor_execute", self._check)

    def arm(self, k: int) -> None:
        self.k, self.seen, self.fired = k, 0, False

    def _check(self, _conn, _cursor, statement: str, *_: object) -> None:
        if not self.k or written_table(statement) is None:
            return
        self.seen += 1
        if self.seen == self.k:
            self.k, self.fired = 0, True
            raise RuntimeError(f"injected: write {self.seen} refused")


async def nothing(core, repo, catalog, clock):
    return None


async def lesson_open(core, repo, catalog, clock):
    await core.handle_text(ANN, "/next")


async def question_open(core, repo, catalog, clock):
    await open_question(core, "b-one-1")


async def nothing_open_today(core, repo, catalog, clock):
    await open_question(core, "b-one-1")
    await core.handle_text(ANN, "/answer 1/4")


async def another_question_open_and_todays_prompt_set(core, repo, catalog, clock):
    learner_id = await open_question(core, "b-one-1")
    await repo.set_daily_prompts([(learner_id, clock().date(), "b-one-3", "")], clock())  # b-one-1 stays open


async def a_forget_confirm(core, repo, catalog, clock):
    await nothing_open_today(core, repo, catalog, clock)
    [confirm] = await core.handle_text(ANN, "/forget")
    return next(b.action for b in confirm.all_buttons if b.action.startswith("fy:"))


async def a_member_and_a_post(core, repo, catalog, clock):
    ch, post, prompt = await a_challenge_post(core, repo, catalog, clock)
    await core.handle_text(ANN_IN_GROUP, "/challenge join")
    return f"ca:{ch.id}:{post.day}", prompt.answer.value


def right_choice(catalog, prompt_id):
    a = catalog.prompt_by_id[prompt_id].answer
    return f"c:{prompt_id}:{a.options.index(a.value)}"


CASES = {
    "a new learner's first /next": (nothing, lambda core, catalog, got: core.handle_text(ANN, "/next")),
    "Done": (lesson_open, lambda core, catalog, got: core.press(ANN, "d:b-one")),
    "Practice": (lesson_open, lambda core, catalog, got: core.press(ANN, "p:b-one")),
    "Skip a lesson": (lesson_open, lambda core, catalog, got: core.press(ANN, "s:b-one")),
    "a right answer": (question_open, lambda core, catalog, got: core.handle_text(ANN, "/answer 1/4")),
    "a wrong try": (question_open, lambda core, catalog, got: core.handle_text(ANN, "4/1")),
    "Show solution": (question_open, lambda core, catalog, got: core.press(ANN, "v:b-one-1")),
    "Skip a question": (question_open, lambda core, catalog, got: core.press(ANN, "k:b-one-1")),
    "/daily on a new day": (nothing_open_today, lambda core, catalog, got: core.handle_text(ANN, "/daily")),
    "a reminder's answer button while another question is open": (
        another_question_open_and_todays_prompt_set,
        lambda core, catalog, got: core.press(ANN, right_choice(catalog, "b-one-3"))),
    "/forget, confirmed": (a_forget_confirm, lambda core, catalog, got: core.press(ANN, got)),
    "/challenge start": (nothing, lambda core, catalog, got: core.handle_text(ORG, "/challenge start all 3 19:00")),
    "a challenge answer": (a_member_and_a_post,
                           lambda core, catalog, got: core.answer_to(ANN_IN_GROUP, got[0], got[1])),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_command_failing_at_any_write_after_the_first_leaves_nothing(core: Core, repo, catalog, clock,
                                                                             case):
    setup, command = CASES[case]
    got = await setup(core, repo, catalog, clock)
    before = await db_state(repo)
    fail = FailAt(repo.engine)
    k = 2
    while True:
        fail.arm(k)
        clock.advance(seconds=3)  # past the challenge's answer pacing, which a failed answer also used
        replies = await command(core, catalog, got)
        if not fail.fired:
            break
        assert texts(replies).startswith(SORRY), (case, k, texts(replies))
        assert await db_state(repo) == before, f"{case}: failing at write {k} left rows behind"
        k += 1
    assert SORRY not in texts(replies) and await db_state(repo) != before, f"{case} then went through"
    assert k > 2, f"{case} wrote only one row: not a case for this test"
