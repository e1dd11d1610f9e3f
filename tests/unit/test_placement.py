"""The placement quiz on the real curriculum: right answers place a unit and what it builds on, a miss walks
down, the quiz stops and resumes, never undoes completed work, and a learner who knows all of algebra reaches
linear algebra's first lesson in at most 12 answers."""

from __future__ import annotations

from bot.core import placement
from bot.core.mastery import FAMILIAR, PROFICIENT
from bot.core.placement import MAX_QUESTIONS, Quiz
from tests.support.conversation import ADA, answer_open_prompt, asked, db_state, texts
from tests.unit.test_mastery import complete_first_unit


async def learner(repo):
    return await repo.find_learner(ADA.platform, ADA.user_id)


async def open_unit(repo, catalog):
    me = await learner(repo)
    return catalog.unit_of_prompt[me.open_prompt] if me.open_prompt else None


async def take_quiz(core, repo, catalog, knows, start="/placement"):
    """Take a quiz to its end, right on the units in ``knows``, "I don't know" on the others. Returns the units
    asked, in order, and the last reply."""
    replies = await core.handle_text(ADA, start)
    units = []
    while (me := await learner(repo)).open_source == "placement":
        unit = catalog.unit_of_prompt[me.open_prompt]
        units.append(unit)
        if unit in knows:
            replies = await answer_open_prompt(core, ADA, catalog, right=True)
        else:
            replies = await core.press(ADA, f"k:{me.open_prompt}")
    return units, texts(replies)


def test_the_walk_goes_from_the_top_down_and_skips_what_cannot_be_checked(curriculum):
    quiz = Quiz("algebra")
    first = placement.next_unit(curriculum, quiz, {})
    assert first is not None and first.id == "alg-unit-circle"  # the last unit in study order
    prompt = placement.hardest(first)
    assert prompt is not None and prompt.answer.kind != "self" and prompt.difficulty == 3
    assert placement.builds_on(curriculum, first) == ["alg-expressions", "alg-functions", "alg-trig",
                                                      "alg-unit-circle"]
    assert placement.next_unit(curriculum, Quiz("algebra", missed=("alg-unit-circle",)), {}).id == "alg-trig"
    assert placement.next_unit(curriculum, Quiz("algebra", asked=MAX_QUESTIONS), {}) is None


async def test_a_learner_who_knows_algebra_reaches_linear_algebra_in_at_most_12_answers(real_core, curriculum, repo):
    await real_core.handle_text(ADA, "/start")
    algebra = {u.id for u in curriculum.topic_by_id["algebra"].units}
    units, said = await take_quiz(real_core, repo, curriculum, knows=algebra)
    assert 1 <= len(units) <= 12
    assert "You know 7 of 7 units of Algebra & Trigonometry; /next starts at **Vectors" in said
    lesson = (await real_core.handle_text(ADA, "/next"))[0]
    assert lesson.text.startswith("📘 **Vectors"), lesson.text
    me = await learner(repo)
    states = await repo.unit_states(me.id)
    assert all(states[u].status == "skipped" and states[u].level == FAMILIAR for u in algebra)
    assert me.placement == ""
    progress = (await real_core.handle_text(ADA, "/progress"))[0].text
    assert "Algebra & Trigonometry: 7/7 · 7 familiar" in progress
    assert "Accuracy: no answers yet" in progress  # a quiz is not practice: it does not count in accuracy


async def test_a_miss_walks_down_and_the_result_says_where_next_starts(real_core, curriculum, repo):
    units, said = await take_quiz(real_core, repo, curriculum, knows={"alg-systems", "alg-sigma", "alg-exponents-logs"})
    # unit circle missed, then trigonometry missed, then systems (with functions and expressions), sums, exponents
    assert units == ["alg-unit-circle", "alg-trig", "alg-systems", "alg-sigma", "alg-exponents-logs"]
    assert "You know 5 of 7 units of Algebra & Trigonometry; /next starts at **Trigonometric functions" in said
    assert "(/next)" not in said
    first = (await real_core.handle_text(ADA, "/next"))[0].text
    assert first.startswith("📘 **Trigonometric functions")


async def test_knowing_nothing_asks_each_unit_once_and_at_most_12(real_core, curriculum, repo):
    units, said = await take_quiz(real_core, repo, curriculum, knows=set(), start="/placement linear algebra")
    assert len(units) == MAX_QUESTIONS and len(set(units)) == MAX_QUESTIONS  # 13 units, capped
    assert "You know 0 of 13 units of Linear Algebra" in said and "That was 12 questions" in said
    me = await learner(repo)
    assert await repo.unit_states(me.id) == {}  # misses mark nothing


async def test_stop_and_resume_and_next_during_a_quiz(real_core, curriculum, repo):
    await real_core.handle_text(ADA, "/placement algebra")
    await real_core.press(ADA, f"k:{(await learner(repo)).open_prompt}")  # I don't know: unit circle
    during = texts(await real_core.handle_text(ADA, "/next"))
    assert "You are in the placement quiz" in during and "/placement stop" in during and "Question 2" not in during
    for command in ("/hint", "/solution"):
        assert "no hints or solutions here" in texts(await real_core.handle_text(ADA, command))
    assert await open_unit(repo, curriculum) == "alg-trig"
    stopped = texts(await real_core.handle_text(ADA, "/placement stop"))
    assert "stopped after 1 answer" in stopped
    me = await learner(repo)
    assert me.open_prompt is None and Quiz.of(me, curriculum) == Quiz("algebra", asked=1, missed=("alg-unit-circle",),
                                                          stopped=True)
    assert (await real_core.handle_text(ADA, "/next"))[0].text.startswith("📘 **Expressions")  # studying as usual
    resumed = texts(await real_core.handle_text(ADA, "/placement"))
    assert "going on" in resumed and "Question 2 of at most 12" in resumed
    assert await open_unit(repo, curriculum) == "alg-trig"  # where it stopped, not asked again from the top
    units, said = await take_quiz(real_core, repo, curriculum, knows={"alg-trig", "alg-systems", "alg-sigma",
                                                                       "alg-exponents-logs"}, start="/placement")
    assert units[0] == "alg-trig" and "You know 6 of 7 units" in said


async def test_an_unreadable_answer_is_not_a_miss(real_core, curriculum, repo):
    await real_core.handle_text(ADA, "/placement")
    before = await db_state(repo)
    reply = texts(await real_core.handle_text(ADA, "/answer hello there"))
    assert "couldn't read" in reply or "I don't know the name" in reply
    assert await db_state(repo) == before
    assert await open_unit(repo, curriculum) == "alg-unit-circle"


async def test_a_wrong_answer_is_a_miss_that_shows_the_answer(real_core, curriculum, repo):
    await real_core.handle_text(ADA, "/placement")
    me = await learner(repo)
    prompt = asked(curriculum, me)
    wrong = next(m.answer for m in prompt.mistakes)
    said = texts(await real_core.handle_text(ADA, f"/answer {wrong}"))
    assert "Not this one: **The unit circle & radians** is one to study. The answer:" in said
    assert "Question 2 of at most 12" in said


async def test_placement_never_undoes_completed_work(real_core, curriculum, repo):
    await complete_first_unit(real_core, curriculum)
    units, said = await take_quiz(real_core, repo, curriculum, knows={"alg-unit-circle"})
    assert "alg-expressions" not in units  # complete: never asked
    me = await learner(repo)
    states = await repo.unit_states(me.id)
    assert states["alg-expressions"].status == "done" and states["alg-expressions"].level == PROFICIENT
    assert states["alg-trig"].status == "skipped"
    again = texts(await real_core.handle_text(ADA, "/placement algebra"))  # allowed again later
    assert "Question 1" in again


async def test_unknown_topic_lists_the_topics_and_a_placed_topic_says_so(real_core, curriculum, repo):
    said = texts(await real_core.handle_text(ADA, "/placement astrology"))
    assert "Topics: `algebra`, `linear-algebra`" in said and "probability" in said
    me = await learner(repo)
    assert me is None or (me.placement == "" and me.open_prompt is None)
    await take_quiz(real_core, repo, curriculum, knows={u.id for u in curriculum.topic_by_id["algebra"].units})
    done = texts(await real_core.handle_text(ADA, "/placement algebra"))
    assert "Every unit of Algebra & Trigonometry is already complete or known" in done
