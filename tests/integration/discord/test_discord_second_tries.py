"""Second tries on Discord: the real discord.py bot against the fake Discord, a real Core on SQLite. What a
member sees after wrong answers (the answer form again, hints, the options left) in a server channel and in
DMs, and the grading buttons of self-graded prompts."""

from __future__ import annotations

from bot.practice import srs
from tests.support.discord import only, press, run, settle


async def to_prompt(fake, bot, prompt_id: str, *, guild: bool = True):
    """Open ``prompt_id`` as Ada's practice question; returns (learner id, the question as she sees it)."""
    await run(fake, bot, fake.ada, "start", guild=guild)
    learner = await bot.core.repo.find_learner("discord", str(fake.ada["id"]))
    await bot.core.repo.update_learner(learner.id, open_prompt=prompt_id, open_source="practice")
    return learner.id, only(await run(fake, bot, fake.ada, "next", guild=guild))


async def submit(fake, bot, message, answer: str):
    """Press the message's Answer ✍️ button and send ``answer`` in the form it opens."""
    opened = await press(fake, bot, fake.ada, message, "Answer")
    assert opened.callback_types == [9] and opened.modal["title"] == "Your answer"
    return only(await settle(fake, bot, await fake.submit(fake.ada, opened, fake.guild, answer=answer)))


async def test_the_answer_form_again_after_each_wrong_try_then_the_solution(fake, bot, clock):
    lid, question = await to_prompt(fake, bot, "b-one-1")
    first = await submit(fake, bot, question, "4/1")
    assert first.ephemeral and first.text.startswith("❌ Not quite yet. 💡 Numerator and denominator are swapped.")
    assert "Press **Answer ✍️** to try again. You have 2 more tries" in first.text and "1/4" not in first.text
    assert first.labels == ["Answer ✍️", "Hint 💡", "Show solution"]
    second = await submit(fake, bot, first, "3")
    assert "Not quite yet." in second.text and "Hint 1/2: Write it as a fraction." in second.text
    again = only(await run(fake, bot, fake.ada, "next"))
    assert "still open" in again.text and "“4/1”, “3”" in again.text and again.labels[0] == "Answer ✍️"
    third = only(await run(fake, bot, fake.ada, "answer", answer="0.3"))
    assert third.text.startswith("❌ Not quite.") and "last try" in third.text and "1/4" in third.text
    assert "**Solution:** It is 1/4." in third.text and third.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "b-one-1") == srs.review(None, "again", clock())[0]


async def test_show_solution_and_a_right_second_try(fake, bot, clock):
    lid, question = await to_prompt(fake, bot, "b-one-4")
    wrong = await submit(fake, bot, question, "2")
    shown = only(await press(fake, bot, fake.ada, wrong, "Show solution"))
    assert "Here is the worked solution" in shown.text and "4/4" in shown.text and shown.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "b-one-4") == srs.review(None, "again", clock())[0]

    await bot.core.repo.update_learner(lid, open_prompt="b-one-5", open_source="practice")
    question = only(await run(fake, bot, fake.ada, "next"))
    wrong = await submit(fake, bot, question, "4/5")
    right = await submit(fake, bot, wrong, "5/4")
    assert right.text.startswith("✅ Right, on your second try!")
    assert await bot.core.repo.card(lid, "b-one-5") == srs.review(None, "hard", clock())[0]


async def test_a_wrong_option_drops_out(fake, bot, clock):
    lid, question = await to_prompt(fake, bot, "b-one-3")
    assert question.labels[:3] == ["6", "7", "3"] and "Answer ✍️" not in question.labels
    wrong = only(await press(fake, bot, fake.ada, question, "7"))
    assert "Not quite yet." in wrong.text and "Pick again below." in wrong.text
    assert wrong.labels == ["6", "3", "Hint 💡", "Show solution"]
    last = only(await press(fake, bot, fake.ada, wrong, "3"))  # only the right option would be left
    assert "last try" in last.text and "**6**" in last.text and last.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "b-one-3") == srs.review(None, "again", clock())[0]


async def test_in_dms_typing_again_is_the_next_try(fake, bot):
    _, question = await to_prompt(fake, bot, "b-one-1", guild=False)
    await fake.dm_text(fake.ada, "4/1")
    await fake.wait_for(lambda: any("Not quite" in m.text for m in fake.dms(fake.ada)))
    await bot.wait_idle()
    wrong = fake.dms(fake.ada)[-1]
    assert "Press **Answer ✍️** to try again (or just send it here)." in wrong.text
    await fake.dm_text(fake.ada, "1/4")
    await fake.wait_for(lambda: "Right" in fake.dms(fake.ada)[-1].text)
    assert "second try" in fake.dms(fake.ada)[-1].text


async def test_self_graded_grading_buttons_stay_and_next_shows_them_again(fake, bot, clock):
    lid, question = await to_prompt(fake, bot, "m-one-7")
    assert question.labels == ["Hint 💡", "Show solution"]
    solution = only(await press(fake, bot, fake.ada, question, "Show solution"))
    assert "lowest point at (0, 0)" in solution.text and solution.labels == ["I had it ✓", "I missed it ✗"]
    again = only(await run(fake, bot, fake.ada, "next"))
    assert "waits for your grade" in again.text and again.labels == ["I had it ✓", "I missed it ✗"]
    graded = only(await press(fake, bot, fake.ada, again, "I had it"))
    assert graded.text.startswith("✅ Right!") and graded.labels == ["Next ▶"]
    assert await bot.core.repo.card(lid, "m-one-7") == srs.review(None, "good", clock())[0]
