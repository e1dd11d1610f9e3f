"""The learning loop: the single best next step, lessons, practice prompts, answers and reviews.

Unit completion rule: a unit is complete when its lesson is done and the learner has answered
``UNIT_GOAL`` different prompts of it correctly (all of them if it has fewer). Prompts come easiest
first; a prompt answered wrongly comes back after the others. Skipping a lesson marks the unit as
known (it counts as done for prerequisites).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.content.model import Prompt, Unit
from bot.core.markup import esc
from bot.core.model import Button, Reply
from bot.core.ports import AnswerRecord, Learner, PromptStats, UnitState
from bot.core.service import NEXT_BUTTON, UsageError
from bot.practice import srs
from bot.practice.check import check_prompt, example_for

if TYPE_CHECKING:
    from bot.content.loader import Catalog
    from bot.core.service import Ctx

UNIT_GOAL = 3
CLOSED = ("done", "skipped")


# ---------------------------------------------------------------- choosing


def current_unit(catalog: Catalog, states: dict[str, UnitState], focus: str | None) -> Unit | None:
    """The first unit, in study order, that is not closed and whose prerequisites are all closed.

    With a focus topic, its units come first; when none of them is open yet, the learner continues
    with the earliest unit on the path to it.
    """

    def closed(uid: str) -> bool:
        st = states.get(uid)
        return st is not None and st.status in CLOSED

    def available(u: Unit) -> bool:
        return not closed(u.id) and all(closed(n) for n in u.needs)

    if focus:
        for u in catalog.units:
            if u.topic == focus and available(u):
                return u
        for u in catalog.units:
            if u.topic == focus and not closed(u.id):
                path = _first_open_prerequisite(catalog, u, closed)
                if path is not None:
                    return path
    for u in catalog.units:
        if available(u):
            return u
    return None


def _first_open_prerequisite(catalog: Catalog, unit: Unit, closed) -> Unit | None:
    todo, seen = list(unit.needs), set()
    best: Unit | None = None
    while todo:
        uid = todo.pop()
        if uid in seen or closed(uid):
            continue
        seen.add(uid)
        u = catalog.unit_by_id[uid]
        if all(closed(n) for n in u.needs):
            if best is None or catalog.unit_index[uid] < catalog.unit_index[best.id]:
                best = u
        todo.extend(u.needs)
    return best


def pick_prompt(unit: Unit, stats: dict[str, PromptStats]) -> Prompt:
    """Prompts not yet answered right, fewest tries first, then easiest, then in written order."""
    pending = [p for p in unit.prompts if not stats.get(p.id, PromptStats(0, False)).correct]
    pool = pending or list(unit.prompts)
    order = {p.id: i for i, p in enumerate(unit.prompts)}
    return min(pool, key=lambda p: (stats.get(p.id, PromptStats(0, False)).tries, p.difficulty, order[p.id]))


def correct_count(stats: dict[str, PromptStats]) -> int:
    return sum(1 for s in stats.values() if s.correct)


def unit_goal(unit: Unit) -> int:
    return min(UNIT_GOAL, len(unit.prompts))


# ---------------------------------------------------------------- views


def lesson_reply(catalog: Catalog, unit: Unit, learner: Learner) -> Reply:
    topic = catalog.topic_by_id[unit.topic]
    lines = [f"📘 **{esc(unit.title)}** · {esc(topic.title)} · about {unit.minutes} min", "", unit.summary.strip(), ""]
    lines.append(f"_Why it matters for ML:_ {unit.why_ml.strip()}")
    lines.append("")
    lines.append("**Study:**")
    for r in unit.resources:
        note = f" — {r.note}" if r.note else ""
        lines.append(f"• [{esc(r.title)}]({r.url}){note}")
    lines.append("")
    lines.append("When you have studied it, press **Done** to practise. **Skip** if you already know this unit.")
    return Reply(
        "\n".join(lines),
        buttons=((Button("Done ✓", f"d:{unit.id}", "success"), Button("Practice ▶", f"p:{unit.id}", "primary"),
                  Button("Skip", f"s:{unit.id}")),),
        title=unit.title,
        links=tuple((r.title, r.url) for r in unit.resources),
    )


def question_reply(catalog: Catalog, prompt: Prompt, source: str, again: bool = False) -> Reply:
    unit = catalog.unit_by_id[catalog.unit_of_prompt[prompt.id]]
    head = {"review": "🔁 Review", "daily": "☀️ Today's prompt"}.get(source, "✏️ Practice")
    stars = "★" * prompt.difficulty + "☆" * (3 - prompt.difficulty)
    lines = []
    if again:
        lines.append("_This question is still open:_")
    lines += [f"{head} · {esc(unit.title)} · {stars}", "", prompt.question.strip(), ""]
    a = prompt.answer
    rows: list[tuple[Button, ...]] = []
    if a.kind == "choice":
        rows = [(Button(opt[:80], f"c:{prompt.id}:{i}"),) for i, opt in enumerate(a.options)]
    elif a.kind == "self":
        lines.append("Work it out, then press **Show solution** and grade yourself.")
    else:
        lines.append(f"Reply with your answer ({example_for(a)}), or use /answer.")
    tools = [Button("Hint 💡", f"h:{prompt.id}"), Button("Show solution", f"v:{prompt.id}")]
    if a.kind != "self":
        tools.append(Button("Skip", f"k:{prompt.id}"))
    rows.append(tuple(tools))
    return Reply("\n".join(lines).strip(), buttons=tuple(rows), math=True, expects_answer=a.kind not in ("choice", "self"))


# ---------------------------------------------------------------- the next step


async def next_step(ctx: Ctx, *, intro: str = "") -> Reply:
    learner = await ctx.refresh()  # callers may have just changed what is open
    catalog = ctx.catalog
    if learner.open_prompt and learner.open_prompt in catalog.prompt_by_id:
        return _prefixed(question_reply(catalog, catalog.prompt_by_id[learner.open_prompt],
                                        learner.open_source or "practice", again=True), intro)
    due = await ctx.repo.due_reviews(learner.id, ctx.now, 1)
    due = [p for p in due if p in catalog.prompt_by_id]
    if due:
        return _prefixed(await open_prompt(ctx, catalog.prompt_by_id[due[0]], "review"), intro)
    states = await ctx.repo.unit_states(learner.id)
    unit = current_unit(catalog, states, learner.focus_topic)
    if unit is None:
        return _prefixed(Reply(
            "🎓 You have completed every unit of the track — wonderful work!\n\n"
            "Keep it fresh with /review when reviews are due, check /progress, or ask your server's "
            "organisers for a challenge."
        ), intro)
    st = states.get(unit.id)
    if st is None or not st.lesson_done:
        if learner.lesson_unit != unit.id:
            await ctx.repo.update_learner(learner.id, lesson_unit=unit.id)
        return _prefixed(lesson_reply(catalog, unit, learner), intro)
    stats = await ctx.repo.prompt_stats(learner.id, unit.id)
    return _prefixed(await open_prompt(ctx, pick_prompt(unit, stats), "practice"), intro)


def _prefixed(reply: Reply, intro: str) -> Reply:
    if not intro:
        return reply
    return Reply(**{**reply.__dict__, "text": f"{intro}\n\n{reply.text}"})


async def open_prompt(ctx: Ctx, prompt: Prompt, source: str) -> Reply:
    learner = await ctx.learner()
    await ctx.repo.update_learner(
        learner.id, open_prompt=prompt.id, open_source=source, open_hints=0, open_revealed=False,
        open_at=ctx.now, lesson_unit=None,
    )
    return question_reply(ctx.catalog, prompt, source)


# ---------------------------------------------------------------- lessons


async def finish_lesson(ctx: Ctx, unit_id: str, how: str) -> Reply:
    """``how``: done (studied), practice (straight to prompts) or skip (already known)."""
    learner = await ctx.learner()
    unit = ctx.catalog.unit_by_id.get(unit_id)
    if unit is None:
        return Reply("That lesson no longer exists. Type /next to carry on.", buttons=((NEXT_BUTTON,),))
    states = await ctx.repo.unit_states(learner.id)
    st = states.get(unit_id)
    if st is not None and st.status in CLOSED:
        return await next_step(ctx, intro=f"“{esc(unit.title)}” is already closed.")
    today = ctx.local_date(learner)
    if how == "skip":
        await ctx.repo.set_unit(learner.id, unit_id, "skipped", completed_at=ctx.now)
        return await next_step(ctx, intro=f"⏭ Skipped “{esc(unit.title)}”; it counts as known.")
    await ctx.repo.set_unit(
        learner.id, unit_id, "learning", lesson_done_at=ctx.now, study_day=today if how == "done" else None
    )
    intro = f"✅ Lesson “{esc(unit.title)}” done. Now some practice:" if how == "done" else "Let's practise:"
    return await next_step(ctx, intro=intro)


# ---------------------------------------------------------------- answers


async def open_question(ctx: Ctx, prompt_id: str | None = None) -> tuple[Learner, Prompt]:
    learner = await ctx.learner()
    if (
        prompt_id is not None and prompt_id != learner.open_prompt and prompt_id == learner.daily_prompt
        and learner.daily_date == ctx.local_date(learner) and prompt_id in ctx.catalog.prompt_by_id
    ):
        # a button on today's reminder: one tap answers today's prompt, whatever else was open
        await open_prompt(ctx, ctx.catalog.prompt_by_id[prompt_id], "daily")
        learner = await ctx.refresh()
    if not learner.open_prompt or learner.open_prompt not in ctx.catalog.prompt_by_id:
        raise UsageError("There is no open question right now. Type /next to get one.")
    if prompt_id is not None and prompt_id != learner.open_prompt:
        raise UsageError("That question has closed. Type /next to carry on.")
    return learner, ctx.catalog.prompt_by_id[learner.open_prompt]


async def answer(ctx: Ctx, text: str, prompt_id: str | None = None) -> list[Reply]:
    learner, prompt = await open_question(ctx, prompt_id)
    if prompt.answer.kind == "self":
        return [Reply("This one is self-graded: press **Show solution**, compare, then grade yourself.",
                      buttons=((Button("Show solution", f"v:{prompt.id}", "primary"),),))]
    verdict = check_prompt(prompt, text)
    ctx.core.observe("answer_check", result=verdict.status)
    if verdict.status == "unreadable":
        return [Reply(verdict.feedback or f"I couldn't read that: {example_for(prompt.answer)}.", expects_answer=True)]
    return await _record(ctx, learner, prompt, verdict.right, text, feedback=verdict.feedback)


async def self_grade(ctx: Ctx, prompt_id: str, had_it: bool) -> list[Reply]:
    learner, prompt = await open_question(ctx, prompt_id)
    if not learner.open_revealed and prompt.answer.kind == "self":
        raise UsageError("Look at the solution first (press **Show solution**).")
    return await _record(ctx, learner, prompt, had_it, "(self-graded)", self_graded=True)


async def _record(
    ctx: Ctx, learner: Learner, prompt: Prompt, correct: bool, text: str, *, feedback: str = "",
    self_graded: bool = False, revealed: bool = False,
) -> list[Reply]:
    catalog = ctx.catalog
    unit = catalog.unit_by_id[catalog.unit_of_prompt[prompt.id]]
    hinted = learner.open_hints > 0
    source = learner.open_source or "practice"
    rating = srs.rating_for(correct=correct, hinted=hinted, revealed=revealed or (learner.open_revealed and not self_graded))
    card, due = srs.review(await ctx.repo.card(learner.id, prompt.id), rating, ctx.now)
    complete = False
    if correct:  # only a right answer can complete its unit: a wrong one reads no progress
        st = (await ctx.repo.unit_states(learner.id)).get(unit.id)
        if st is not None and st.status == "learning" and st.lesson_done:
            stats = await ctx.repo.prompt_stats(learner.id, unit.id)
            already = stats.get(prompt.id, PromptStats(0, False)).correct
            complete = correct_count(stats) + (0 if already else 1) >= unit_goal(unit)
    await ctx.repo.record_answer(AnswerRecord(
        learner_id=learner.id, prompt_id=prompt.id, unit_id=unit.id, at=ctx.now, correct=correct,
        hinted=hinted, revealed=revealed, answer=text, source=source, study_day=ctx.local_date(learner),
        card=card, card_due=due, complete_unit=complete,
    ))
    if revealed:
        head = "📖 Here is the worked solution:"
    elif correct:
        head = "✅ Right!" + (" (with a hint — it will come back for review soon)" if hinted else "")
    else:
        head = "❌ Not quite."
        if feedback:
            head += f" 💡 {feedback}"
        if prompt.answer.kind != "self" and prompt.answer.value:
            head += f"\nThe answer is ${prompt.answer.value}$." if _mathy(prompt.answer.value) else (
                f"\nThe answer is **{esc(prompt.answer.value)}**.")
    text_out = head
    if not self_graded:
        text_out += f"\n\n**Solution:** {prompt.solution.strip()}"
    if complete:
        text_out += f"\n\n🎉 Unit complete: **{esc(unit.title)}**!"
    return [Reply(text_out, buttons=((NEXT_BUTTON,),), math=True)]


def _mathy(value: str) -> bool:
    return "$" not in value and any(ch in value for ch in "^*/()[]{}")


async def hint(ctx: Ctx, prompt_id: str | None = None) -> Reply:
    learner, prompt = await open_question(ctx, prompt_id)
    shown = min(learner.open_hints + 1, len(prompt.hints))
    await ctx.repo.update_learner(learner.id, open_hints=shown)
    lines = [f"💡 Hint {i + 1}/{len(prompt.hints)}: {h.strip()}" for i, h in enumerate(prompt.hints[:shown])]
    if shown >= len(prompt.hints):
        lines.append("_That was the last hint. /solution shows the worked solution._")
    return Reply("\n".join(lines), math=True, expects_answer=prompt.answer.kind not in ("choice", "self"))


async def solution(ctx: Ctx, prompt_id: str | None = None) -> list[Reply]:
    learner, prompt = await open_question(ctx, prompt_id)
    if prompt.answer.kind == "self":
        await ctx.repo.update_learner(learner.id, open_revealed=True)
        return [Reply(
            f"**Solution:** {prompt.solution.strip()}\n\nHow did you do?",
            buttons=((Button("I had it ✓", f"g:{prompt.id}:1", "success"),
                      Button("I missed it ✗", f"g:{prompt.id}:0", "danger")),),
            math=True,
        )]
    return await _record(ctx, learner, prompt, False, "(solution shown)", revealed=True)


async def skip(ctx: Ctx) -> Reply:
    learner = await ctx.learner()
    if learner.lesson_unit:
        return await finish_lesson(ctx, learner.lesson_unit, "skip")
    if learner.open_prompt and learner.open_prompt in ctx.catalog.prompt_by_id:
        return await skip_prompt(ctx, learner.open_prompt)
    raise UsageError("There is nothing to skip right now. Type /next to get your next step.")


async def skip_prompt(ctx: Ctx, prompt_id: str) -> Reply:
    learner, prompt = await open_question(ctx, prompt_id)
    unit_id = ctx.catalog.unit_of_prompt[prompt.id]
    # recorded so it goes to the back of the queue; skips never count in accuracy or reviews
    await ctx.repo.record_answer(AnswerRecord(
        learner_id=learner.id, prompt_id=prompt.id, unit_id=unit_id, at=ctx.now, correct=False, hinted=False,
        revealed=False, answer="", source="skip", study_day=None, card=None, card_due=None,
        complete_unit=False,
    ))
    return await next_step(ctx, intro="⏭ Skipped; it will come back later.")
