"""The placement quiz: start where you are.

``/placement [topic]`` asks at most ``MAX_QUESTIONS`` questions about one topic, walking its prerequisite graph
from the top: the next question is always the hardest checkable question of the last unit, in study order, that
is not yet decided (not complete, not known, not missed in this quiz). A right answer marks that unit and every
unit it builds on (its prerequisites, all the way down) as known: skipped, not completed, mastery level familiar
(:mod:`bot.core.mastery`). A miss leaves the unit to be studied and the walk goes down to the next undecided
unit. Units complete or known before are never asked and never changed: the quiz only adds.

A quiz is one open question (``open_source`` "placement") plus its state in ``learners.placement``: it survives
restarts, ``/placement stop`` stops it and ``/placement`` (or the same topic) resumes it; another topic starts
afresh. An unreadable answer is said so and asked again, never a miss; **I don't know** (or /skip) is a miss.
Placement answers are recorded (``source`` "placement"), count as study for the streak and, when right, start the
question's review schedule; they do not count in accuracy, and misses do not move mastery levels.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.core import learning, mastery
from bot.core.markup import esc
from bot.core.mastery import Mastery, is_closed
from bot.core.model import Button, Reply
from bot.core.ports import NO_OPEN_QUESTION, AnswerRecord, Learner, UnitState
from bot.core.service import NEXT_BUTTON, UsageError
from bot.practice import srs

if TYPE_CHECKING:
    from bot.content.loader import Catalog
    from bot.content.model import Prompt, Topic, Unit
    from bot.core.service import Ctx

SOURCE = learning.PLACEMENT
MAX_QUESTIONS = 12  # per quiz (one topic)
STOP_BUTTON = Button("Stop quiz", "pl:stop")


@dataclass(frozen=True)
class Quiz:
    """A placement quiz's state: its topic, how many questions are answered, the units it marked known (with
    their prerequisites) and the ones missed, and whether it is stopped."""

    topic: str
    asked: int = 0
    placed: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    stopped: bool = False

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def of(cls, learner: Learner, catalog: Catalog) -> Quiz | None:
        """The learner's quiz, if one is under way or stopped (a state unreadable or of a topic no longer in the
        curriculum is none; units no longer in it are left out)."""
        if not learner.placement:
            return None
        try:
            data = json.loads(learner.placement)
            quiz = cls(str(data["topic"]), int(data.get("asked", 0)),
                       tuple(u for u in data.get("placed", ()) if u in catalog.unit_by_id),
                       tuple(u for u in data.get("missed", ()) if u in catalog.unit_by_id),
                       bool(data.get("stopped", False)))
        except (ValueError, KeyError, TypeError):
            return None
        return quiz if quiz.topic in catalog.topic_by_id else None


# ---------------------------------------------------------------- the walk (pure)


def hardest(unit: Unit) -> Prompt | None:
    """The unit's hardest question the bot can check (self-graded ones cannot place anyone): the highest
    difficulty, the last written of those."""
    checkable = [(p.difficulty, i, p) for i, p in enumerate(unit.prompts) if p.answer.kind != "self"]
    return max(checkable, key=lambda t: t[:2])[2] if checkable else None


def next_unit(catalog: Catalog, quiz: Quiz, states: dict[str, UnitState]) -> Unit | None:
    """The unit to ask about next: the last in study order of the topic's undecided units with a checkable
    question; None when the quiz is over (all decided, or ``MAX_QUESTIONS`` answered)."""
    if quiz.asked >= MAX_QUESTIONS:
        return None
    units = sorted(catalog.topic_by_id[quiz.topic].units, key=lambda u: catalog.unit_index[u.id], reverse=True)
    for u in units:
        if not is_closed(states, u.id) and u.id not in quiz.missed and hardest(u) is not None:
            return u
    return None


def builds_on(catalog: Catalog, unit: Unit) -> list[str]:
    """The unit and every unit it builds on (its prerequisites, transitively), in study order."""
    found, todo = {unit.id}, list(unit.needs)
    while todo:
        uid = todo.pop()
        if uid not in found:
            found.add(uid)
            todo.extend(catalog.unit_by_id[uid].needs)
    return sorted(found, key=catalog.unit_index.__getitem__)


def default_topic(catalog: Catalog, learner: Learner, states: dict[str, UnitState]) -> Topic | None:
    """The topic ``/placement`` places in when none is named: the focus topic, else the first in the track,
    that has a unit left to decide."""
    order = sorted(catalog.topics, key=lambda t: t.id != learner.focus_topic)
    return next((t for t in order if _open_units(t, states)), None)


def _open_units(topic: Topic, states: dict[str, UnitState]) -> list[Unit]:
    return [u for u in topic.units if not is_closed(states, u.id)]


# ---------------------------------------------------------------- commands


async def command(ctx: Ctx, topic_id: str | None) -> Reply:
    """``/placement`` resumes a quiz under way or stopped, else starts one in the default topic; ``/placement
    <topic>`` resumes that topic's quiz or starts one; ``/placement stop`` stops it."""
    learner = await ctx.learner()
    quiz = Quiz.of(learner, ctx.catalog)
    if topic_id == "stop":
        return await stop(ctx, learner, quiz)
    if quiz is not None and topic_id in (None, quiz.topic):
        return await resume(ctx, learner, quiz)
    states = await ctx.repo.unit_states(learner.id)
    if topic_id is None:
        topic = default_topic(ctx.catalog, learner, states)
        if topic is None:
            raise UsageError("You have completed or placed every unit of the track, so there is nothing to place. "
                             "/review keeps it fresh.", buttons=((NEXT_BUTTON,),))
    else:
        topic = ctx.catalog.topic_by_id[topic_id]
        if not _open_units(topic, states):
            raise UsageError(f"Every unit of {esc(topic.title)} is already complete or known, so there is nothing "
                             "to place. `/placement` alone picks a topic with units left.", buttons=((NEXT_BUTTON,),))
    quiz = Quiz(topic.id)
    intro = (f"🧭 **Placement quiz: {esc(topic.title)}**\n"
             f"Up to {MAX_QUESTIONS} questions, hardest first. A right answer marks that unit and everything it "
             "builds on as known; a miss and I walk down to easier units. Completed work is never undone. No hints "
             "here: if you don't know, press **I don't know**. `/placement stop` stops any time.")
    return await _ask(ctx, learner, quiz, states, intro)


async def resume(ctx: Ctx, learner: Learner, quiz: Quiz) -> Reply:
    """Go on with the quiz: its open question as it stands, or (stopped) the next undecided unit's."""
    intro = f"🧭 Placement quiz: {esc(ctx.catalog.topic_by_id[quiz.topic].title)}, going on."
    if learner.open_source == SOURCE and learner.open_prompt in ctx.catalog.prompt_by_id:
        return learning.prefixed(question(ctx, learner, quiz), intro)
    return await _ask(ctx, learner, replace(quiz, stopped=False), await ctx.repo.unit_states(learner.id), intro)


async def stop(ctx: Ctx, learner: Learner, quiz: Quiz | None) -> Reply:
    if quiz is None:
        raise UsageError("There is no placement quiz to stop. `/placement` starts one.", buttons=((NEXT_BUTTON,),))
    fields: dict[str, Any] = {"placement": replace(quiz, stopped=True).dumps()}
    if learner.open_source == SOURCE:
        fields |= NO_OPEN_QUESTION
    await ctx.repo.update_learner(learner.id, **fields)
    title = esc(ctx.catalog.topic_by_id[quiz.topic].title)
    found = f", {len(quiz.placed)} unit{'s' if len(quiz.placed) != 1 else ''} placed as known" if quiz.placed else ""
    return Reply(f"⏸ Placement quiz stopped after {quiz.asked} answer{'s' if quiz.asked != 1 else ''}{found}. "
                 f"What it found is kept. `/placement` goes on with {title}; /next studies from where you are.",
                 buttons=((Button("Go on with the quiz", "pl:"), NEXT_BUTTON),))


def question(ctx: Ctx, learner: Learner, quiz: Quiz) -> Reply:
    """The quiz's open question as it stands, with how far the quiz is."""
    prompt = ctx.catalog.prompt_by_id[learner.open_prompt or ""]
    reply = learning.open_question_reply(ctx.catalog, learner, prompt, ctx.actor.answer_how)
    return learning.prefixed(reply, _counter(quiz))


def _counter(quiz: Quiz) -> str:
    return f"_Question {quiz.asked + 1} of at most {MAX_QUESTIONS}._"


async def _ask(ctx: Ctx, learner: Learner, quiz: Quiz, states: dict[str, UnitState], intro: str) -> Reply:
    unit = next_unit(ctx.catalog, quiz, states)
    if unit is None:
        return await _finish(ctx, learner, quiz, states, intro)
    prompt = hardest(unit)
    assert prompt is not None  # next_unit only picks units with one
    await ctx.repo.update_learner(learner.id, placement=replace(quiz, stopped=False).dumps())
    reply = await learning.open_prompt(ctx, prompt, SOURCE)
    return learning.prefixed(reply, "\n\n".join(x for x in (intro, _counter(quiz)) if x))


async def answered(ctx: Ctx, learner: Learner, prompt: Prompt, right: bool, text: str) -> list[Reply]:
    """A placement question answered (``right``, or a miss: wrong, or I don't know): record it, mark what it
    shows, then the next question or the result."""
    catalog = ctx.catalog
    unit = catalog.unit_by_id[catalog.unit_of_prompt[prompt.id]]
    quiz = Quiz.of(learner, catalog) or Quiz(unit.topic)
    card, due = srs.review(await ctx.repo.card(learner.id, prompt.id), "good", ctx.now) if right else (None, None)
    day, until = ctx.study_mark(learner)
    await ctx.repo.record_answer(AnswerRecord(
        learner_id=learner.id, prompt_id=prompt.id, unit_id=unit.id, at=ctx.now, correct=right, hinted=False,
        revealed=False, answer=text, source=SOURCE, study_day=day, card=card, card_due=due, complete_unit=False,
        study_until=until, params=learner.open_params,
    ))
    states = await ctx.repo.unit_states(learner.id)
    if right:
        known = [uid for uid in builds_on(catalog, unit) if not is_closed(states, uid)]
        for uid in known:
            st = states.get(uid) or UnitState("skipped", False)
            level = mastery.after_placement(Mastery.of(st)).level
            await ctx.repo.set_unit(learner.id, uid, "skipped", completed_at=ctx.now, level=level)
            states[uid] = replace(st, status="skipped", level=level)  # as now stored
        also = len(known) - 1
        said = f"✅ Right: **{esc(unit.title)}** is known" + (
            f", with the {also} unit{'s' if also != 1 else ''} it builds on." if also > 0 else ".")
        quiz = replace(quiz, asked=quiz.asked + 1, placed=(*quiz.placed, *known))
    else:
        said = f"➖ Not this one: **{esc(unit.title)}** is one to study. The answer: {learning.answer_markup(prompt)}."
        quiz = replace(quiz, asked=quiz.asked + 1, missed=(*quiz.missed, unit.id))
    learner = await ctx.refresh()
    return [await _ask(ctx, learner, quiz, states, said)]


async def _finish(ctx: Ctx, learner: Learner, quiz: Quiz, states: dict[str, UnitState], intro: str) -> Reply:
    """The quiz is over: what it found (``states``: the units' as they are now), and where /next starts."""
    await ctx.repo.update_learner(learner.id, placement="")
    catalog = ctx.catalog
    topic = catalog.topic_by_id[quiz.topic]
    known = sum(1 for u in topic.units if is_closed(states, u.id))
    elsewhere = [uid for uid in quiz.placed if catalog.unit_by_id[uid].topic != topic.id]
    lines = [intro, ""] if intro else []
    lines.append(f"🏁 **Placement done.** You know {known} of {len(topic.units)} units of {esc(topic.title)}"
                 + (f" (and {len(elsewhere)} unit{'s' if len(elsewhere) != 1 else ''} of other topics it builds on)"
                    if elsewhere else "") + ";")
    nxt = learning.current_unit(catalog, states, learner.focus_topic)
    lines[-1] += f" /next starts at **{esc(nxt.title)}**." if nxt else " every unit of the track is closed."
    if quiz.asked >= MAX_QUESTIONS and next_unit(catalog, replace(quiz, asked=0), states) is not None:
        lines.append(f"_That was {MAX_QUESTIONS} questions, the most one quiz asks; the units left are yours to "
                     "study (or skip from their lesson)._")
    lines.append("Levels and progress: /topic and /progress.")
    later = [t for t in catalog.topics[catalog.topics.index(topic) + 1:] if _open_units(t, states)]
    row: tuple[Button, ...] = (NEXT_BUTTON,)
    if later:
        row += (Button(f"Placement: {later[0].title}"[:80], f"pl:{later[0].id}"),)
    return Reply("\n".join(lines), buttons=(row,))
