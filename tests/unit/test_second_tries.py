"""A wrong answer is a chance to try again: the open question stays open, a hint ladder, three tries, the
ratings that feed the review schedule, multiple choice without the options tried, and self-graded prompts
whose grading buttons stay until one is pressed. Through the core's public entry points, on SQLite (and on
PostgreSQL: tests/integration/test_core_on_postgresql.py)."""

from __future__ import annotations

import pytest

from bot.practice import srs
from tests.support.conversation import ADA, db_state, press, texts


async def open_at(core, repo, actor, prompt_id: str):
    """Open the fixture's prompt ``prompt_id`` as the learner's practice question (lessons skipped to it)."""
    await core.handle_text(actor, "/start")
    learner = await repo.find_learner(actor.platform, actor.user_id)
    await repo.update_learner(learner.id, open_prompt=prompt_id, open_source="practice")
    return learner.id


def labels(replies) -> list[str]:
    return [b.label for r in replies for b in r.all_buttons]


async def card_rating_is(repo, learner_id, prompt_id, rating, at) -> bool:
    """The stored card is exactly a new card reviewed once with ``rating`` at ``at``."""
    return await repo.card(learner_id, prompt_id) == srs.review(None, rating, at)[0]


async def test_a_wrong_answer_keeps_the_question_open_then_the_hint_ladder_then_the_solution(core, repo, clock):
    lid = await open_at(core, repo, ADA, "b-one-1")  # 1/4; the listed mistake 4/1
    r = await core.handle_text(ADA, "/answer 4/1")
    assert r[0].text.startswith("❌ Not quite yet.") and "Numerator and denominator are swapped" in r[0].text
    assert "Solution" not in r[0].text and "1/4" not in r[0].text  # neither the answer nor the solution yet
    assert "Type your next try. You have 2 more tries" in r[0].text  # how to try again, on the console
    assert labels(r) == ["Hint 💡", "Show solution"] and r[0].expects_answer
    learner = await repo.find_learner("console", "ada")
    assert learner.open_prompt == "b-one-1" and learner.tried == ("4/1",)
    assert await repo.attempt_totals(lid) == (1, 0)  # every checked try is an answer
    assert await repo.card(lid, "b-one-1") is None  # the card is rated once, when the question closes

    r = await core.handle_text(ADA, "/hint")  # the question is open: hints work after a wrong try
    assert "Hint 1/2: Write it as a fraction." in r[0].text
    r = await core.handle_text(ADA, "/answer 3")  # the second wrong try brings the next hint
    assert "❌ Not quite yet." in r[0].text and "Hint 2/2: Numerator over denominator." in r[0].text
    assert "1 more try" in r[0].text

    r = await core.handle_text(ADA, "/next")  # the open question, with what was tried
    assert "still open" in r[0].text and "“4/1”, “3”" in r[0].text and "1 more try" in r[0].text

    r = await core.handle_text(ADA, "/answer 0.3")  # the third: the answer and the worked solution
    assert "❌ Not quite." in r[0].text and "last try" in r[0].text and "1/4" in r[0].text
    assert "**Solution:** It is 1/4." in r[0].text and labels(r) == ["Next ▶"]
    learner = await repo.find_learner("console", "ada")
    assert learner.open_prompt is None and learner.tried == () and learner.open_hints == 0
    assert await repo.attempt_totals(lid) == (3, 0)
    assert await card_rating_is(repo, lid, "b-one-1", "again", clock())
    r = await core.handle_text(ADA, "/hint")
    assert "That question is closed: its worked solution has been shown." in r[0].text


async def test_the_same_wrong_answer_again_is_not_another_try(core, repo):
    await open_at(core, repo, ADA, "b-one-1")
    await core.handle_text(ADA, "/answer 4/1")
    before = await db_state(repo)
    r = await core.handle_text(ADA, "/answer  4/1 ")
    assert "already tried “4/1”" in r[0].text and "does not count" in r[0].text
    assert await db_state(repo) == before
    r = await core.handle_text(ADA, "/answer what?")  # unreadable: never a try
    assert "couldn't read" in r[0].text.lower() and await db_state(repo) == before


@pytest.mark.parametrize(("moves", "rating", "head"), [
    (["/answer 1/4"], "good", "✅ Right!"),
    (["/hint", "/answer 1/4"], "hard", "✅ Right! (with a hint"),
    (["/answer 4/1", "/answer 1/4"], "hard", "✅ Right, on your second try!"),
    (["/answer 4/1", "/answer 2", "/answer 0.25"], "hard", "✅ Right, on your third try!"),
    (["/answer 4/1", "/solution"], "again", "📖 Here is the worked solution"),
    (["/solution"], "again", "📖 Here is the worked solution"),
])
async def test_the_rating_says_how_it_went(core, repo, clock, moves, rating, head):
    lid = await open_at(core, repo, ADA, "b-one-1")
    for move in moves:
        r = await core.handle_text(ADA, move)
    assert r[0].text.startswith(head) and "**Solution:**" in r[0].text
    assert await card_rating_is(repo, lid, "b-one-1", rating, clock())
    assert (await repo.find_learner("console", "ada")).open_prompt is None


async def test_a_right_answer_after_wrong_tries_counts_for_the_unit(core, repo, catalog):
    r = await core.handle_text(ADA, "/next")
    await press(core, ADA, r, "Done")  # b-one: the goal is 3 different prompts right
    for _ in range(3):
        learner = await repo.find_learner("console", "ada")
        prompt = catalog.prompt_by_id[learner.open_prompt]
        a = prompt.answer
        if a.kind == "choice":
            wrong = next(i for i, o in enumerate(a.options) if o != a.value)
            r = await core.press(ADA, f"c:{prompt.id}:{wrong}")
            assert "Not quite yet" in texts(r)
            r = await core.press(ADA, f"c:{prompt.id}:{a.options.index(a.value)}")
        else:
            assert "Not quite yet" in texts(await core.handle_text(ADA, f"/answer {prompt.mistakes[0].answer}"))
            r = await core.handle_text(ADA, f"/answer {a.value}")
        assert "second try" in texts(r)
        await core.handle_text(ADA, "/next")
    assert "Unit complete: **Unit One**" in texts(r)


async def test_a_wrong_choice_drops_that_option_and_the_learner_picks_again(core, repo, clock):
    lid = await open_at(core, repo, ADA, "b-one-3")  # 3 + 3: options 6 (right), 7, 3
    r = await core.handle_text(ADA, "/next")
    assert labels(r)[:3] == ["6", "7", "3"]
    r = await core.press(ADA, "c:b-one-3:1")  # 7
    assert r[0].text.startswith("❌ Not quite yet.") and "Pick again below." in r[0].text
    assert labels(r) == ["6", "3", "Hint 💡", "Show solution"] and not r[0].expects_answer
    assert [b.action for b in r[0].all_buttons][:2] == ["c:b-one-3:0", "c:b-one-3:2"]
    r = await core.handle_text(ADA, "/next")
    assert labels(r)[:2] == ["6", "3"] and "Not “7”" in r[0].text
    r = await core.handle_text(ADA, "/hint")  # the hint comes with the options still open
    assert "Hint 1/1" in r[0].text and labels(r)[:2] == ["6", "3"]

    before = await db_state(repo)
    r = await core.press(ADA, "c:b-one-3:1")  # 7 again, from the first message's buttons
    assert "already tried “7”" in r[0].text and labels(r)[:2] == ["6", "3"]
    assert await db_state(repo) == before
    r = await core.handle_text(ADA, "/answer b")  # the same option typed as its letter
    assert "already tried “7”" in r[0].text and await db_state(repo) == before

    r = await core.press(ADA, "c:b-one-3:2")  # 3: only the right option would be left, so it is shown
    assert "❌ Not quite." in r[0].text and "last try" in r[0].text and "**6**" in r[0].text
    assert labels(r) == ["Next ▶"] and await card_rating_is(repo, lid, "b-one-3", "again", clock())


async def test_a_right_choice_after_a_wrong_one_is_hard(core, repo, clock):
    lid = await open_at(core, repo, ADA, "b-one-6")
    await core.press(ADA, "c:b-one-6:2")
    r = await core.press(ADA, "c:b-one-6:0")
    assert r[0].text.startswith("✅ Right, on your second try!")
    assert await card_rating_is(repo, lid, "b-one-6", "hard", clock())


async def test_self_graded_grading_buttons_stay_until_one_is_pressed(core, repo, clock):
    lid = await open_at(core, repo, ADA, "m-one-7")
    r = await core.handle_text(ADA, "/next")
    assert "Show solution" in labels(r) and "grade yourself" in r[0].text
    r = await core.handle_text(ADA, "/solution")
    assert "lowest point at (0, 0)" in r[0].text and labels(r) == ["I had it ✓", "I missed it ✗"]
    for again in ("/next", "/answer I drew it", "/solution"):
        r = await core.handle_text(ADA, again)
        assert labels(r) == ["I had it ✓", "I missed it ✗"], (again, r)
        assert "Hint" not in labels(r) and "lowest point" in r[0].text
    r = await core.handle_text(ADA, "/hint")
    assert "Hint 1/1" in r[0].text and labels(r) == ["I had it ✓", "I missed it ✗"]
    r = await core.press(ADA, "g:m-one-7:0")
    assert "Not quite this time" in r[0].text and labels(r) == ["Next ▶"]
    assert await card_rating_is(repo, lid, "m-one-7", "again", clock())
    r = await core.press(ADA, "g:m-one-7:1")  # the old message's other button: the question has closed
    assert "closed" in r[0].text


@pytest.mark.parametrize(("hint", "rating"), [(False, "good"), (True, "hard")])
async def test_self_graded_i_had_it(core, repo, clock, hint, rating):
    lid = await open_at(core, repo, ADA, "m-one-7")
    if hint:
        await core.handle_text(ADA, "/hint")
    r = await core.press(ADA, "g:m-one-7:1")
    assert "Look at the solution first" in r[0].text
    await core.handle_text(ADA, "/solution")
    r = await core.press(ADA, "g:m-one-7:1")
    assert r[0].text.startswith("✅ Right!") and labels(r) == ["Next ▶"]
    assert await card_rating_is(repo, lid, "m-one-7", rating, clock())


async def test_options_written_as_maths_read_as_their_buttons_show_them(repo, clock):
    """la-matmul-5's options are LaTeX ($A^T B^T$): the buttons, the options tried and a typed option all read
    as unicode, never as raw LaTeX. (The real curriculum; the core built here, as tests/integration runs this
    module again on PostgreSQL.)"""
    from bot.content.loader import load_catalog
    from bot.core.service import Core
    from tests.support import ROOT

    real_core = Core(load_catalog(ROOT / "content"), repo, clock)
    await open_at(real_core, repo, ADA, "la-matmul-5")
    r = await real_core.handle_text(ADA, "/next")
    assert labels(r)[:4] == ["Aᵀ Bᵀ", "Bᵀ Aᵀ", "BA", "AB"]
    await real_core.press(ADA, "c:la-matmul-5:0")
    r = await real_core.handle_text(ADA, "/next")
    assert "Not “Aᵀ Bᵀ”" in r[0].text and "$" not in r[0].text.split("Not ")[1], r[0].text
    assert "Right" in texts(await real_core.handle_text(ADA, "/answer B^T A^T"))
