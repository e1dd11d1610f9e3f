"""Reviews that come back when they should: a sitting on the real curriculum with an injected clock, the
interleaving of due reviews with new material, and the parameters of the schedule. Through the core's public
entry points on SQLite; what each platform shows is in tests/integration/telegram/test_telegram_reviews.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import learning
from bot.practice import srs
from tests.support.conversation import ADA, asked, press

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 09:00 in the learner's zone (UTC)


async def open_question(core, actor=ADA):
    """What /next shows, past a lesson (pressing Done): the learner's open question's id and source."""
    replies = await core.handle_text(actor, "/next")
    learner = await core.repo.find_learner(actor.platform, actor.user_id)
    if learner.lesson_unit:
        replies = await press(core, actor, replies, "Done")
        learner = await core.repo.find_learner(actor.platform, actor.user_id)
    assert learner.open_prompt, [r.text for r in replies]
    return learner.open_prompt, learner.open_source, replies


async def settle(core, catalog, prompt_id: str, right: bool, actor=ADA) -> str:
    """Answer the open question right first time, or miss it (a listed mistake, then Show solution)."""
    prompt = asked(catalog, await core.repo.find_learner(actor.platform, actor.user_id))
    assert prompt.id == prompt_id
    a = prompt.answer
    if a.kind == "self":
        await core.press(actor, f"v:{prompt_id}")
        return (await core.press(actor, f"g:{prompt_id}:{int(right)}"))[0].text
    if right:
        if a.kind == "choice":
            return (await core.press(actor, f"c:{prompt_id}:{a.options.index(a.value)}"))[0].text
        return (await core.handle_text(actor, f"/answer {a.value}"))[0].text
    if a.kind == "choice":
        await core.press(actor, f"c:{prompt_id}:{next(i for i, o in enumerate(a.options) if o != a.value)}")
    elif prompt.mistakes:
        await core.handle_text(actor, f"/answer {prompt.mistakes[0].answer}")
    return (await core.handle_text(actor, "/solution"))[0].text


async def test_a_sitting_of_15_right_and_3_missed_leaves_only_the_3_for_that_day(real_core, curriculum, clock, repo):
    clock.set(START)
    await real_core.handle_text(ADA, "/start")
    missed, verdicts = [], []
    for i in range(18):  # one answer every 100 s: a 30-minute sitting
        prompt_id, source, _ = await open_question(real_core)
        assert source == "practice", f"answer {i + 1}: /next served a {source} in the first sitting"
        miss = i in (2, 8, 14)
        verdicts.append(await settle(real_core, curriculum, prompt_id, right=not miss))
        if miss:
            missed.append(prompt_id)
        clock.advance(seconds=100)
    assert sum("✅ Right!" in v.split("\n\n")[0] for v in verdicts) == 15, verdicts  # after any "Read as"
    assert all("comes back later today" in v for v, i in zip(verdicts, range(18), strict=True) if i in (2, 8, 14))
    assert clock() == START + timedelta(minutes=30)

    learner = await repo.find_learner("console", "ada")
    schedule = await repo.review_schedule(learner.id, datetime(2026, 3, 11, tzinfo=UTC))
    assert sorted(p for p, _ in schedule) == sorted(missed)  # that day: only the missed ones come back
    assert all(at > clock() for _, at in schedule)  # ... later, not while the sitting goes on
    assert await repo.review_schedule(learner.id, datetime(2026, 3, 12, tzinfo=UTC)) == schedule  # none tomorrow
    progress = (await real_core.handle_text(ADA, "/progress"))[0].text
    assert "Reviews due: 0 · coming: 3 later today" in progress, progress

    clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))  # the next morning: /next starts with them
    reviewed = []
    for _ in missed:
        prompt_id, source, replies = await open_question(real_core)
        assert source == "review" and replies[0].text.startswith("🔁 Review")
        reviewed.append(prompt_id)
        verdict = await settle(real_core, curriculum, prompt_id, right=True)
        assert verdict.startswith("✅ Right! It comes back tomorrow for its next review."), verdict
    assert sorted(reviewed) == sorted(missed)
    _, source, _ = await open_question(real_core)
    assert source == "practice"  # and then new material


async def test_reviews_are_mixed_in_at_most_three_before_each_new_question(real_core, curriculum, clock, repo):
    clock.set(START)
    await real_core.handle_text(ADA, "/start")
    units = []
    for _ in range(12):  # four units done, every answer right
        prompt_id, source, _ = await open_question(real_core)
        assert source == "practice"
        units.append(curriculum.unit_of_prompt[prompt_id])
        await settle(real_core, curriculum, prompt_id, right=True)
    assert len(set(units)) == 4
    clock.advance(days=30)  # all 12 are due now
    learner = await repo.find_learner("console", "ada")
    assert "Reviews due: 12" in (await real_core.handle_text(ADA, "/progress"))[0].text
    sources, seen = [], []
    for _ in range(8):
        prompt_id, source, _ = await open_question(real_core)
        sources.append(source)
        if source == "review":
            seen.append(curriculum.unit_of_prompt[prompt_id])
        await settle(real_core, curriculum, prompt_id, right=True)
    assert sources == ["review"] * 3 + ["practice"] + ["review"] * 3 + ["practice"]
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False)), seen  # never the same unit twice in a row
    assert len(set(seen[:3])) == 3  # the first three reviews come from three different units
    # /review is the way to do only reviews: no cap there
    for _ in range(4):
        await real_core.handle_text(ADA, "/review")
        learner = await repo.find_learner("console", "ada")
        assert learner.open_source == "review"
        await settle(real_core, curriculum, learner.open_prompt, right=True)


def test_review_run_counts_questions_not_tries():
    rows = [("p3", "u1", "review"), ("p3", "u1", "review"), ("p2", "u2", "review"), ("p1", "u1", "practice"),
            ("p0", "u3", "review")]
    assert learning.review_run(rows) == 2
    assert learning.review_run([]) == 0
    assert learning.review_run([("p1", "u1", "skip"), ("p2", "u2", "review")]) == 0


def test_the_schedule_parameters_are_named_in_one_place():
    assert srs.SCHEDULER.desired_retention == srs.DESIRED_RETENTION == 0.9
    assert srs.SCHEDULER.maximum_interval == srs.MAXIMUM_INTERVAL_DAYS
    assert learning.REVIEWS_BEFORE_NEW == 3


async def test_with_every_unit_done_the_reviews_are_all_there_is(core, catalog, clock, repo):
    clock.set(START)
    await core.handle_text(ADA, "/start")
    for _ in range(9):  # the fixture's three units, three right answers each
        prompt_id, source, _ = await open_question(core)
        await settle(core, catalog, prompt_id, right=True)
    assert "completed every unit" in (await core.handle_text(ADA, "/next"))[0].text
    clock.advance(days=30)
    for _ in range(5):  # no cap: nothing new is left to show instead
        prompt_id, source, replies = await open_question(core)
        assert source == "review" and "reviews in a row" not in replies[0].text
        await settle(core, catalog, prompt_id, right=True)
