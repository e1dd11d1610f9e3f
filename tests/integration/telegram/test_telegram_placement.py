"""The placement quiz and mastery levels as a Telegram chat shows them: the real python-telegram-bot Application
against the fake Bot API, a real Core on SQLite, an injected clock. A quiz by buttons and typed answers, stopped
and resumed; levels on /topic; a unit complete is proficient and a missed review moves it down a level."""

from __future__ import annotations

import pytest

from tests.integration.telegram.test_telegram_reviews import answer, question

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


async def test_a_placement_quiz_by_buttons_and_typed_answers_stopped_and_resumed(bot):
    ann = bot.person(61, "Ann")
    [welcome] = await ann.say("/start")
    [first] = await ann.press(welcome, "Placement quiz")
    assert "Placement quiz: Basics" in first.text and "Question 1 of at most 12" in first.text
    assert "🧭 Placement · Unit Two · ★★★" in first.text and first.labels == ["I don't know", "Stop quiz"]
    [unreadable] = await ann.say("five quarters")  # not read as maths: asked again, not a miss
    assert "couldn't read" in unreadable.text or "I don't know the name" in unreadable.text
    [stopped] = await ann.press(first, "Stop quiz")
    assert "stopped after 0 answers" in stopped.text and stopped.labels == ["Go on with the quiz", "Next ▶"]
    [resumed] = await ann.press(stopped, "Go on with the quiz")
    assert "going on" in resumed.text and "Question 1 of at most 12" in resumed.text and "Unit Two" in resumed.text
    [done] = await ann.say(await bot.answer_for(ann, right=True))  # typed: Unit Two's hardest, right
    assert "✅ Right: Unit Two is known, with the 1 unit it builds on." in done.text
    assert "You know 2 of 2 units of Basics; /next starts at" in done.text
    assert done.labels == ["Next ▶", "Placement: More Things"]
    [more] = await ann.press(done, "Placement: More Things")
    assert "Placement quiz: More Things" in more.text
    [missed] = await ann.press(more, "I don't know")
    assert "Not this one" in missed.text and "You know 0 of 1 units of More Things" in missed.text
    [topic] = await ann.say("/topic basics")
    assert "⏭ Unit One (10 min) · ◑ familiar" in topic.text and "⏭ Unit Two" in topic.text
    assert "Placement quiz 🧭" not in topic.labels  # nothing left to place in Basics


async def test_a_unit_complete_is_proficient_and_a_missed_review_moves_it_down(bot, clock):
    ann = bot.person(62, "Ann")
    await ann.say("/start")
    verdict = None
    for _ in range(3):  # Unit One: three questions right complete it
        shown, prompt, _ = await question(bot, ann)
        verdict = await answer(bot, ann, shown, prompt)
    assert verdict is not None and "Unit complete: Unit One! Level: ◕ proficient." in verdict.text
    [topic] = await ann.say("/topic basics")
    assert "✅ Unit One (10 min) · ◕ proficient" in topic.text
    clock.advance(days=60)  # every review is due
    [review] = await ann.say("/review")
    assert review.text.startswith("🔁 Review · Unit One")
    [shown_solution] = await ann.press(review, "Show solution")
    assert "moves down to ◑ familiar: a missed review" in shown_solution.text
    [topic] = await ann.say("/topic basics")
    assert "✅ Unit One (10 min) · ◑ familiar" in topic.text  # complete stays complete; the level went down
    shown = await ann.say("/progress")
    assert "Basics: 1/2 · 1 familiar" in "\n".join(m.text for m in shown)
