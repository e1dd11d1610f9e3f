"""Second tries on Telegram: the real python-telegram-bot Application against the fake Bot API, a real Core
on SQLite. What the chat shows after wrong answers, in a private chat and in a group, and the grading
buttons of self-graded prompts."""

from __future__ import annotations

import pytest

from bot.practice import srs
from tests.support.fake_telegram import BOT_USERNAME
from tests.support.telegram import GROUP

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


async def to_prompt(bot, person, prompt_id: str, *, group: bool = False):
    """Open ``prompt_id`` as the person's practice question; returns the question as the chat shows it."""
    [shown] = await person.say(f"/start@{BOT_USERNAME}" if group else "/start")
    learner = await bot.core.repo.find_learner("telegram", str(person.id))
    await bot.core.repo.update_learner(learner.id, open_prompt=prompt_id, open_source="practice")
    [question] = await person.say(f"/next@{BOT_USERNAME}" if group else "/next")
    return learner.id, question


async def test_three_tries_with_the_hint_ladder_in_a_private_chat(bot, clock):
    ann = bot.person(31, "Ann")
    lid, question = await to_prompt(bot, ann, "b-one-1")
    [first] = await ann.say("4/1")
    assert first.text.startswith("❌ Not quite yet. 💡 Numerator and denominator are swapped.")
    assert "Send your next try as a message. You have 2 more tries" in first.text
    assert first.labels == ["Hint 💡", "Show solution"] and "1/4" not in first.text
    [unreadable] = await ann.say("no idea")
    assert "couldn't read" in unreadable.text  # not a try: still two left
    [second] = await ann.say("3")
    assert "Not quite yet." in second.text and "Hint 1/2: Write it as a fraction." in second.text
    assert "1 more try" in second.text
    [hint] = await ann.press(second, "Hint")
    assert "Hint 2/2: Numerator over denominator." in hint.text and hint.labels == ["Show solution"]
    [third] = await ann.say("0.3")
    assert third.text.startswith("❌ Not quite.") and "last try" in third.text and "1/4" in third.text
    assert "Solution: It is 1/4." in third.text and third.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "b-one-1") == srs.review(None, "again", clock())[0]
    [closed] = await ann.press(first, "Hint")  # the first verdict's button: that question has closed
    assert "That question is closed: its worked solution has been shown." in closed.text


async def test_show_solution_after_a_wrong_try_and_a_right_second_try(bot, clock):
    bea = bot.person(32, "Bea")
    lid, question = await to_prompt(bot, bea, "b-one-4")
    [wrong] = await bea.say("2")
    assert "Not quite yet." in wrong.text
    [shown] = await bea.press(wrong, "Show solution")
    assert "Here is the worked solution" in shown.text and "4/4" in shown.text and shown.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "b-one-4") == srs.review(None, "again", clock())[0]

    await bot.core.repo.update_learner(lid, open_prompt="b-one-5", open_source="practice")
    await bea.say("4/5")
    [right] = await bea.say("5/4")
    assert right.text.startswith("✅ Right, on your second try!") and right.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "b-one-5") == srs.review(None, "hard", clock())[0]


async def test_a_wrong_option_drops_out_and_the_learner_picks_again(bot):
    cy = bot.person(33, "Cy")
    _, question = await to_prompt(bot, cy, "b-one-3")
    assert question.labels[:3] == ["6", "7", "3"]
    [wrong] = await cy.press(question, "3")
    assert "Not quite yet." in wrong.text and "Pick again below." in wrong.text
    assert wrong.labels == ["6", "7", "Hint 💡", "Show solution"]
    [again] = await cy.press(question, "3")  # the same option on the first message: not another try
    assert "already tried “3”" in again.text and again.labels[:2] == ["6", "7"]
    [right] = await cy.press(wrong, "6")
    assert "Right, on your second try!" in right.text


async def test_in_a_group_a_reply_to_the_verdict_is_the_next_try(bot):
    group = bot.fake.group(GROUP, "Study group")
    dee = bot.person(34, "Dee", group=group)
    _, question = await to_prompt(bot, dee, "b-one-1", group=True)
    [wrong] = await dee.say("4/1", reply_to=question)
    assert "Not quite yet." in wrong.text and "Reply to this message with your next try." in wrong.text
    [right] = await dee.say("1/4", reply_to=wrong)
    assert "Right, on your second try!" in right.text


async def test_self_graded_grading_buttons_stay_and_next_shows_them_again(bot, clock):
    eve = bot.person(35, "Eve")
    lid, question = await to_prompt(bot, eve, "m-one-7")
    assert question.labels == ["Hint 💡", "Show solution"]
    [solution] = await eve.press(question, "Show solution")
    assert "lowest point at (0, 0)" in solution.text and solution.labels == ["I had it ✓", "I missed it ✗"]
    [again] = await eve.say("/next")
    assert "waits for your grade" in again.text and again.labels == ["I had it ✓", "I missed it ✗"]
    [graded] = await eve.press(solution, "I missed it")
    assert "Not quite this time" in graded.text and graded.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "m-one-7") == srs.review(None, "again", clock())[0]
