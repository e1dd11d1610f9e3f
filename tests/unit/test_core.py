"""The core's use cases through its public entry points, with an injected clock, on SQLite (and on
PostgreSQL: tests/integration/test_core_on_postgresql.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.model import Actor
from bot.storage.tables import metadata
from tests.support.conversation import (
    ADA,
    BOB,
    answer_open_prompt,
    asked,
    db_state,
    miss_open_prompt,
    press,
    texts,
)


async def test_next_lesson_then_practice_until_the_unit_completes(core, catalog):
    r = await core.handle_text(ADA, "/next")
    assert "Unit One" in r[0].text and [b.label for b in r[0].all_buttons] == ["Done ✓", "Practice ▶", "Skip"]
    assert r[0].links and r[0].links[0][1] == "https://www.khanacademy.org/math"
    r = await press(core, ADA, r, "Done")
    assert "Lesson “Unit One” done" in r[0].text and "Practice" in r[0].text
    r = await answer_open_prompt(core, ADA, catalog, right=False)
    assert "Not quite yet" in texts(r) and "Solution" not in texts(r)  # the question stays open
    r = await answer_open_prompt(core, ADA, catalog)
    assert "Right, on your second try" in texts(r) and "Unit complete" not in texts(r)
    await core.handle_text(ADA, "/next")
    r = await answer_open_prompt(core, ADA, catalog)
    assert "Right" in texts(r) and "Unit complete" not in texts(r)
    await core.handle_text(ADA, "/next")
    r = await answer_open_prompt(core, ADA, catalog)
    assert "Unit complete: **Unit One**" in texts(r)
    r = await core.handle_text(ADA, "/next")
    assert "Unit Two" in r[0].text  # next unit whose prerequisites are met


async def test_wrong_answer_with_listed_mistake_and_unreadable_answer(core, catalog, repo):
    await core.handle_text(ADA, "/next")
    await core.handle_text(ADA, "/done")
    learner = await repo.find_learner("console", "ada")
    # move to a number prompt
    while asked(catalog, learner).answer.kind != "number":
        await core.handle_text(ADA, "/skip")
        learner = await repo.find_learner("console", "ada")
    before = await db_state(repo)
    r = await core.handle_text(ADA, "/answer hello there")
    assert "couldn't read" in r[0].text.lower() and "3/4" in r[0].text
    assert await db_state(repo) == before  # a malformed answer is not an attempt
    r = await core.handle_text(ADA, "/answer " + asked(catalog, learner).mistakes[0].answer)
    assert "Not quite" in r[0].text


async def test_bad_input_gets_helpful_replies_and_changes_nothing(core, repo):
    await core.handle_text(ADA, "/start")
    before = await db_state(repo)
    cases = {
        "/nxt": "Did you mean /next?",
        "/topic": "needs name",
        "/topic lineer algebruh": "don't know a topic",
        "/topic basicz": "Did you mean Basics?",
        "/answer 42": "no open question",
        "/settings Mars/Olympus": "don't know the time zone",
        "/settings berln": "Did you mean",
        "/help nope": "no command /nope",
        "/hint": "no open question",
        "/done": "no lesson open",
        "/next extra words": "takes",
        "/" + "x" * 5000: "don't know the command",
        "hello": "/next",
    }
    for text, expected in cases.items():
        r = await core.handle_text(ADA, text)
        assert len(r) == 1 and expected.lower() in r[0].text.lower(), (text, r[0].text)
    assert "expired" in (await core.press(ADA, "zz:1"))[0].text
    assert "expired" in (await core.press(ADA, "c:nope:1"))[0].text
    assert await db_state(repo) == before


async def test_unknown_command_from_a_stranger_creates_no_learner(core, repo):
    await core.handle_text(BOB, "/whatever")
    await core.handle_text(BOB, "/topic nowhere")
    assert await repo.count_rows("learners") == 0


async def test_streak_counts_local_days_across_midnight_in_a_non_utc_zone(core, catalog, clock, repo):
    clock.set(datetime(2026, 3, 10, 14, 30, tzinfo=UTC))  # 23:30 in Tokyo
    await core.handle_text(ADA, "/settings Asia/Tokyo")
    r = await core.handle_text(ADA, "/next")
    await press(core, ADA, r, "Done")  # a lesson completed: day 1 (Mar 10 local)
    clock.set(datetime(2026, 3, 10, 15, 30, tzinfo=UTC))  # 00:30 on Mar 11 in Tokyo, same UTC day
    await answer_open_prompt(core, ADA, catalog)
    r = await core.handle_text(ADA, "/progress")
    assert "Streak: **2** days" in r[0].text and r[0].chart is not None
    assert r[0].chart.streak == 2
    # a UTC learner doing the same is on one day
    bob = Actor("console", "bob", "Bob")
    clock.set(datetime(2026, 3, 10, 14, 30, tzinfo=UTC))
    r = await core.handle_text(bob, "/next")
    await press(core, bob, r, "Done")
    clock.set(datetime(2026, 3, 10, 15, 30, tzinfo=UTC))
    await answer_open_prompt(core, bob, catalog)
    assert "Streak: **1** day" in (await core.handle_text(bob, "/progress"))[0].text


async def test_typing_a_command_is_not_study(core, clock):
    for text in ("/start", "/topics", "/progress", "/next"):
        await core.handle_text(ADA, text)
    assert "Streak: **0** days" in (await core.handle_text(ADA, "/progress"))[0].text


async def test_skip_lesson_counts_as_known_and_unlocks_the_next_unit(core):
    r = await core.handle_text(ADA, "/next")
    r = await press(core, ADA, r, "Skip")
    assert "Skipped “Unit One”" in r[0].text and "Unit Two" in r[0].text


async def test_focus_topic_goes_through_missing_prerequisites(core):
    r = await core.handle_text(ADA, "/topic More Things")
    assert "More One" in r[0].text
    r = await core.handle_text(ADA, "/next")
    assert "Unit One" in r[0].text  # the earliest unit on the path to the focus


async def test_old_buttons_after_the_question_closed(core, catalog):
    r = await core.handle_text(ADA, "/next")
    r = await press(core, ADA, r, "Done")
    old = r
    await answer_open_prompt(core, ADA, catalog)
    r = await press(core, ADA, old, "Hint")
    assert "You already answered that question — right!" in r[0].text


async def test_export_and_forget(core, repo):
    r = await core.handle_text(ADA, "/next")
    await press(core, ADA, r, "Done")
    r = await core.handle_text(ADA, "/export")
    assert r[0].file is not None and b'"unit_progress"' in r[0].file.data
    r = await core.handle_text(ADA, "/forget")
    assert await repo.count_rows("learners") == 1  # nothing deleted before the confirm
    r2 = await press(core, ADA, r, "Cancel")
    assert "Nothing was deleted" in r2[0].text and await repo.count_rows("learners") == 1
    r2 = await press(core, ADA, r, "Yes")  # a cancelled confirm is used up
    assert "expired or was already used" in r2[0].text and await repo.count_rows("learners") == 1
    r = await core.handle_text(ADA, "/forget")
    await press(core, ADA, r, "Yes")
    for table in metadata.tables:
        if table != "alembic_version":
            assert await repo.count_rows(table) == 0, table


async def test_help_lists_every_command_and_details_one(core):
    r = await core.handle_text(ADA, "/help")
    for cmd in core.registry:
        assert f"/{cmd.name}" in r[0].text
    r = await core.handle_text(ADA, "/help answer")
    assert "Usage: `/answer <answer>`" in r[0].text


async def test_solution_reveal_counts_as_again_and_closes(core, catalog, repo):
    r = await core.handle_text(ADA, "/next")
    await press(core, ADA, r, "Done")
    r = await core.handle_text(ADA, "/solution")
    assert "worked solution" in r[0].text
    assert (await repo.find_learner("console", "ada")).open_prompt is None
    assert await repo.attempt_totals((await repo.find_learner("console", "ada")).id) == (1, 0)


async def test_due_reviews_come_first_and_review_runs_only_them(core, catalog, clock, repo):
    r = await core.handle_text(ADA, "/review")
    assert "No reviews are due" in r[0].text
    r = await core.handle_text(ADA, "/next")
    await press(core, ADA, r, "Done")
    learner = await repo.find_learner("console", "ada")
    missed = learner.open_prompt
    await miss_open_prompt(core, ADA, catalog)
    r = await core.handle_text(ADA, "/review")
    assert "No reviews are due" in r[0].text and "next one is due" in r[0].text
    clock.advance(days=1)
    r = await core.handle_text(ADA, "/progress")
    assert "Reviews due: 1" in r[0].text
    r = await core.handle_text(ADA, "/next")
    assert r[0].text.startswith("🔁 Review")
    assert (await repo.find_learner("console", "ada")).open_prompt == missed
    r = await answer_open_prompt(core, ADA, catalog, right=True)
    assert "Right" in r[0].text
    assert "No reviews are due" in (await core.handle_text(ADA, "/review"))[0].text
