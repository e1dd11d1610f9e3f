"""Reviews that come back when they should, as a Telegram chat shows them: the real python-telegram-bot
Application against the fake Bot API, a real Core on SQLite, an injected clock (12:00 UTC, the learner's zone).
Right first time is days away, /next mixes due reviews in with new questions, /skip defers a review to
tomorrow, today's prompt counts once, and /progress says when reviews come."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.conversation import asked

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


async def question(bot, person, said: list | None = None):
    """What /next shows, past a lesson (pressing Done): the question message and the learner's open prompt;
    ``said`` collects what /next itself showed."""
    [shown] = await person.say("/next")
    if said is not None:
        said.append(shown.text)
    if "Done ✓" in shown.labels:
        [shown] = await person.press(shown, "Done")
    learner = await bot.core.repo.find_learner("telegram", str(person.id))
    return shown, asked(bot.core.catalog, learner), learner.open_source


async def answer(bot, person, shown, prompt, right: bool = True):
    """Answer the open question as the learner would: a button for a choice, grading for a self-graded one."""
    a = prompt.answer
    if a.kind == "self":
        [graded] = await person.press(shown, "Show solution")
        return (await person.press(graded, "I had it" if right else "I missed it"))[0]
    if a.kind == "choice":
        return (await person.press(shown, a.value if right else next(o for o in a.options if o != a.value)))[0]
    return (await person.say(await bot.answer_for(person, right)))[0]


async def study(bot, person, n: int) -> list[str]:
    """Answer ``n`` questions right first time, as /next brings them; returns their prompt ids."""
    ids = []
    for _ in range(n):
        shown, prompt, _ = await question(bot, person)
        verdict = await answer(bot, person, shown, prompt)
        assert verdict.text.startswith("✅ Right!"), verdict.text
        ids.append(prompt.id)
    return ids


async def test_right_first_time_comes_back_in_days_and_progress_says_when(bot, clock):
    ann = bot.person(41, "Ann")
    await ann.say("/start")
    await study(bot, ann, 2)  # Unit One: "Which is 3 + 3?" and "Which is 6 + 6?"
    shown, prompt, _ = await question(bot, ann)  # "What is 1/4 as a fraction?": wrong, then right
    await ann.say("4/1")
    [second] = await ann.say("1/4")
    assert second.text.startswith("✅ Right, on your second try! It comes back tomorrow for review")
    shown, prompt, _ = await question(bot, ann)  # Unit Two's first question: missed
    [shown_solution] = await ann.press(shown, "Show solution")
    assert "The question comes back later today." in shown_solution.text

    [progress] = await ann.say("/progress")
    assert "Reviews due: 0 · coming: 1 later today, 1 tomorrow, 2 later this week" in progress.text
    [review] = await ann.say("/review")
    assert "No reviews are due right now. The next one is due Tue 10 Mar 13:00." in review.text

    clock.set(datetime(2026, 3, 11, 12, 30, tzinfo=UTC))  # the next day: the missed one and the hard one
    [progress] = await ann.say("/progress")
    assert "Reviews due: 2 · coming: 2 tomorrow" in progress.text
    assert "/next mixes up to 3 of them in before each new step; /review does them all" in progress.text


async def test_next_mixes_at_most_three_reviews_before_each_new_question(bot, clock):
    bo = bot.person(42, "Bo")
    await bo.say("/start")
    done = await study(bot, bo, 6)  # Unit One and Unit Two, three right each
    assert {p[:5] for p in done} == {"b-one", "b-two"}
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))  # all six are due
    [progress] = await bo.say("/progress")
    assert "Reviews due: 6" in progress.text
    shown_units, sources, said = [], [], []
    for _ in range(8):
        shown, prompt, source = await question(bot, bo, said)
        sources.append(source)
        if source == "review":
            assert shown.text.startswith("🔁 Review")
            shown_units.append(prompt.id[:5])
        await answer(bot, bo, shown, prompt)
    assert sources == ["review"] * 3 + ["practice"] + ["review"] * 3 + ["practice"]
    assert all(a != b for a, b in zip(shown_units, shown_units[1:], strict=False)), shown_units  # mixed units
    assert said[3].startswith("That was 3 reviews in a row, so now something new; 3 due reviews wait for /review")
    assert "📘 More One" in said[3]  # the next unit's lesson
    assert "reviews in a row" not in said[4]


async def test_skip_on_a_due_review_defers_it_to_tomorrow_and_moves_on(bot, clock):
    cy = bot.person(43, "Cy")
    await cy.say("/start")
    done = await study(bot, cy, 3)
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))  # all three are due
    [first] = await cy.say("/review")
    assert first.text.startswith("🔁 Review")
    shown_texts = [first.text]
    for _ in range(2):
        [skipped] = await cy.say("/skip")
        assert skipped.text.startswith("⏭ Skipped; this review comes back tomorrow.")
        assert "🔁 Review" in skipped.text
        shown_texts.append(skipped.text.partition("\n\n")[2])
    assert len(set(shown_texts)) == 3  # three different questions, not the same card again
    [last] = await cy.say("/skip")
    assert last.text.startswith("⏭ Skipped; this review comes back tomorrow.") and "🔁 Review" not in last.text
    [review] = await cy.say("/review")
    assert "No reviews are due right now. The next one is due Sat 21 Mar 00:00." in review.text
    learner = await bot.core.repo.find_learner("telegram", str(cy.id))
    assert await bot.core.repo.attempt_totals(learner.id) == (3, 3)  # skips count in no accuracy
    clock.set(datetime(2026, 3, 21, 8, 0, tzinfo=UTC))
    [back] = await cy.say("/review")
    assert back.text.startswith("🔁 Review")
    assert {p for p, _ in await bot.core.repo.review_schedule(learner.id, clock())} == set(done)


async def test_todays_prompt_counts_once(bot, clock):
    dee = bot.person(44, "Dee")
    await dee.say("/start")
    [daily] = await dee.say("/daily")
    assert daily.text.startswith("☀️ Today's prompt")
    learner = await bot.core.repo.find_learner("telegram", str(dee.id))
    prompt = asked(bot.core.catalog, learner)
    right = await answer(bot, dee, daily, prompt)
    assert right.text.startswith("✅ Right!")
    [again] = await dee.say("/daily")
    assert "You answered today's prompt already ✓. One answer a day counts" in again.text
    assert again.labels == ["Next ▶"]
    [pressed] = await dee.press(daily, "Hint")  # a button of today's prompt does not reopen it either
    assert "You answered today's prompt already ✓" in pressed.text
    [progress] = await dee.say("/progress")
    assert "Accuracy: 100% of 1" in progress.text and "Streak: 1 day" in progress.text
    clock.set(datetime(2026, 3, 11, 12, 0, tzinfo=UTC))  # a new day, a new prompt
    [tomorrow] = await dee.say("/daily")
    assert tomorrow.text.startswith("☀️ Today's prompt")
