"""Mastery levels per unit: the rules (bot.core.mastery), and the levels as a learner meets them on the real
curriculum: a unit complete is proficient, two clean spaced reviews make it mastered, a missed review moves it
down one level, and /next shows first the reviews that raise or protect a level."""

from __future__ import annotations

from bot.core import mastery
from bot.core.learning import choose_review
from bot.core.mastery import ATTEMPTED, FAMILIAR, MASTERED, NOT_STARTED, PROFICIENT, Mastery
from bot.core.ports import UnitState
from tests.support.conversation import ADA, answer_open_prompt, miss_open_prompt


def answer(m: Mastery, prompt: str = "p1", *, correct=True, clean=True, review=False, closed=False, completes=False):
    return mastery.after_answer(m, prompt_id=prompt, correct=correct, clean=clean, review=review, unit_closed=closed,
                                completes=completes)


def test_levels_climb_from_not_started_to_mastered():
    m = Mastery()
    assert m.level == NOT_STARTED
    m = mastery.after_lesson(m, skipped=False)
    assert m.level == ATTEMPTED
    assert answer(m, correct=False).level == ATTEMPTED  # a miss in practice never goes down
    m = answer(m)
    assert m.level == FAMILIAR
    m = answer(m, "p2", completes=True)
    assert m == Mastery(PROFICIENT, ())
    m = answer(m, "p1", review=True, closed=True)
    assert m == Mastery(PROFICIENT, ("p1",))
    assert answer(m, "p1", review=True, closed=True) == m  # the same question again counts once
    assert answer(m, "p2", review=True, clean=False, closed=True) == m  # right on a second try or with a hint
    assert answer(m, "p2", review=False, closed=True) == m  # not a spaced review
    m = answer(m, "p2", review=True, closed=True)
    assert m == Mastery(MASTERED, ())


def test_a_missed_review_moves_down_one_level_and_mastered_is_earned_again():
    assert answer(Mastery(MASTERED), correct=False, clean=False, review=True, closed=True) == Mastery(PROFICIENT)
    assert answer(Mastery(PROFICIENT, ("p1",)), "p2", correct=False, clean=False, review=True,
                  closed=True) == Mastery(FAMILIAR)  # and its count towards mastered starts again
    assert answer(Mastery(FAMILIAR), correct=False, clean=False, review=True).level == ATTEMPTED
    assert answer(Mastery(ATTEMPTED), correct=False, clean=False, review=True).level == ATTEMPTED  # the floor
    # back up: a clean review of a closed unit below proficient moves it up one
    assert answer(Mastery(FAMILIAR), review=True, closed=True) == Mastery(PROFICIENT)
    assert answer(Mastery(ATTEMPTED), review=True, closed=True) == Mastery(FAMILIAR)
    assert answer(Mastery(ATTEMPTED), review=True, closed=False) == Mastery(FAMILIAR)


def test_skipping_and_placement_make_a_unit_familiar_and_never_lower_one():
    assert mastery.after_lesson(Mastery(), skipped=True).level == FAMILIAR
    assert mastery.after_placement(Mastery()).level == FAMILIAR
    assert mastery.after_placement(Mastery(MASTERED)).level == MASTERED
    assert mastery.after_lesson(Mastery(PROFICIENT, ("p",)), skipped=False) == Mastery(PROFICIENT, ("p",))


def test_at_stake_ranks_reviews_that_raise_then_protect():
    assert mastery.at_stake(Mastery(PROFICIENT, ("a",)), "b", "done") == 2  # would count towards mastered
    assert mastery.at_stake(Mastery(FAMILIAR), "a", "skipped") == 2  # a known unit: right brings it to proficient
    assert mastery.at_stake(Mastery(MASTERED), "a", "done") == 1  # protects mastered
    assert mastery.at_stake(Mastery(PROFICIENT, ("a",)), "a", "done") == 1  # counted already: protects
    assert mastery.at_stake(Mastery(FAMILIAR), "a", "learning") == 0


def test_counts_per_level():
    states = [UnitState("done", True, PROFICIENT), None, UnitState("learning", True, ATTEMPTED), None]
    assert mastery.counts(states) == (2, 1, 0, 1, 0)


def test_choose_review_prefers_the_review_that_raises_a_level(curriculum):
    u1, u2 = curriculum.units[0], curriculum.units[1]
    p1, p2 = u1.prompts[0].id, u2.prompts[0].id
    states = {u1.id: UnitState("learning", True, FAMILIAR), u2.id: UnitState("done", True, PROFICIENT)}
    # without levels: the earliest due of the unit seen least recently (neither seen: the earliest due)
    assert choose_review(curriculum, [p1, p2], []) == p1
    assert choose_review(curriculum, [p1, p2], [], states) == p2  # p2 would count towards mastered


async def complete_first_unit(core, catalog):
    """Ada studies the first lesson and answers until the unit is complete."""
    await core.handle_text(ADA, "/next")
    await core.handle_text(ADA, "/done")
    for _ in range(10):
        replies = await answer_open_prompt(core, ADA, catalog)
        if "Unit complete" in replies[0].text:
            return replies
        await core.handle_text(ADA, "/next")
    raise AssertionError("the unit did not complete")


async def due_review_of(core, repo, clock, unit_id):
    """Move the clock on until a review of ``unit_id`` is due, and open it with /review."""
    for _ in range(60):
        clock.advance(days=3)
        learner = await repo.find_learner(ADA.platform, ADA.user_id)
        due = await repo.due_reviews(learner.id, clock(), 50)
        if any(core.catalog.unit_of_prompt[p] == unit_id for p in due):
            replies = await core.handle_text(ADA, "/review")
            return replies
    raise AssertionError("no review came due")


async def test_a_unit_complete_is_proficient_and_a_missed_review_moves_it_down(real_core, curriculum, repo, clock):
    replies = await complete_first_unit(real_core, curriculum)
    unit = curriculum.units[0]
    assert f"Unit complete: **{unit.title}**! Level: ◕ proficient." in replies[0].text
    topic = (await real_core.handle_text(ADA, f"/topic {unit.topic}"))[0].text
    assert f"✅ {unit.title} ({unit.minutes} min) · ◕ proficient" in topic
    await due_review_of(real_core, repo, clock, unit.id)
    learner = await repo.find_learner(ADA.platform, ADA.user_id)
    assert learner.open_source == "review"
    closing = await miss_open_prompt(real_core, ADA, curriculum)
    said = "\n".join(r.text for r in closing)
    assert f"⬇️ **{unit.title}** moves down to ◑ familiar: a missed review." in said
    states = await repo.unit_states(learner.id)
    assert states[unit.id].level == FAMILIAR and states[unit.id].status == "done"  # complete stays complete
    progress = (await real_core.handle_text(ADA, "/progress"))[0]
    assert "Algebra & Trigonometry: 1/7 · 1 familiar" in progress.text
    assert progress.chart is not None and progress.chart.topics[0].levels == (6, 0, 1, 0, 0)
