"""The learning loop: the single best next step, lessons, practice prompts, answers and reviews.

Unit completion rule: a unit is complete when its lesson is done and the learner has answered
``UNIT_GOAL`` different prompts of it correctly (all of them if it has fewer). Prompts come easiest
first; a prompt answered wrongly comes back after the others. Skipping a lesson marks the unit as
known (it counts as done for prerequisites).

Interleaving rule: ``/next`` shows at most ``REVIEWS_BEFORE_NEW`` due reviews in a row, then the next
lesson or practice question (when there is one left); ``/review`` shows due reviews only. Of the due
reviews, the one shown is one that matters most to its unit's mastery level (it would raise the level, or
protect a proficient or mastered one: :func:`bot.core.mastery.at_stake`), then from the unit the learner saw
least recently, so reviews mix earlier units rather than drilling one. When each review comes due is
:mod:`bot.practice.srs`'s rule; the levels are :mod:`bot.core.mastery`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.content.model import Prompt, Unit
from bot.core import mastery
from bot.core.markup import esc
from bot.core.mastery import CLOSED, Mastery, is_closed
from bot.core.model import DEFAULT_TERMS, Button, Reply
from bot.core.ports import AnswerRecord, LastAttempt, Learner, PromptStats, UnitState
from bot.core.service import NEXT_BUTTON, UsageError, zone
from bot.practice import srs, template
from bot.practice.check import Verdict, answer_latex, check_prompt, chosen_option, example_for
from bot.practice.display import option_label
from bot.practice.template import Instance

if TYPE_CHECKING:
    from datetime import datetime

    from bot.content.loader import Catalog
    from bot.core.service import Ctx

UNIT_GOAL = 3
REVIEWS_BEFORE_NEW = 3  # /next: at most this many due reviews in a row before new material
RECENT_ROWS = 30  # attempt rows read to see the run of reviews and the units seen last
REVIEW_CANDIDATES = 30  # due reviews (earliest due first) the one to show is chosen from
MAX_TRIES = 3  # wrong tries at a question before its answer and worked solution are shown
PLACEMENT = "placement"  # the open_source of a placement quiz's question (bot.core.placement)
NO_HELP = ("This is the placement quiz: no hints or solutions here. Answer it, press **I don't know**, or "
           "`/placement stop` to stop the quiz (what it found is kept).")


# ---------------------------------------------------------------- choosing


def current_unit(catalog: Catalog, states: dict[str, UnitState], focus: str | None) -> Unit | None:
    """The first unit, in study order, that is not closed and whose prerequisites are all closed.

    With a focus topic, its units come first; when none of them is open yet, the learner continues
    with the earliest unit on the path to it.
    """

    def closed(uid: str) -> bool:
        return is_closed(states, uid)

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


def review_run(recent: list[tuple[str, str, str]]) -> int:
    """How many questions in a row, up to now, were reviews; ``recent``: attempt rows, newest first
    (consecutive rows of one prompt are one question: its wrong tries and the answer that closed it)."""
    run, last = 0, None
    for prompt_id, _unit, source in recent:
        if prompt_id == last:
            continue
        if source != "review":
            break
        run, last = run + 1, prompt_id
    return run


def choose_review(catalog: Catalog, due: list[str], recent: list[tuple[str, str, str]],
                  states: dict[str, UnitState] | None = None) -> str:
    """Of the due reviews (earliest due first), the one that matters most to its unit's level
    (:func:`bot.core.mastery.at_stake`, with the units' ``states``), then from the unit seen least recently
    (never seen in ``recent`` first); within a unit, the earliest due."""
    seen: dict[str, int] = {}
    for i, (_prompt, unit_id, _source) in enumerate(recent):
        seen.setdefault(unit_id, i)

    def stake(prompt_id: str) -> int:
        st = (states or {}).get(catalog.unit_of_prompt[prompt_id])
        return mastery.at_stake(Mastery.of(st), prompt_id, st.status if st else None)

    return max(enumerate(due), key=lambda ip: (stake(ip[1]), seen.get(catalog.unit_of_prompt[ip[1]], len(recent)),
                                               -ip[0]))[1]


@dataclass(frozen=True)
class DueReview:
    """The due review to show (from the unit seen least recently), how many are due (up to
    ``REVIEW_CANDIDATES``) and how many reviews in a row the learner has just done."""

    prompt: Prompt
    waiting: int
    run: int


async def due_review(ctx: Ctx, learner: Learner) -> DueReview | None:
    """The review to show if any is due; ``/next`` holds it back after ``REVIEWS_BEFORE_NEW`` in a row."""
    catalog = ctx.catalog
    due = [p for p in await ctx.repo.due_reviews(learner.id, ctx.now, REVIEW_CANDIDATES) if p in catalog.prompt_by_id]
    if not due:
        return None
    recent = await ctx.repo.recent_attempts(learner.id, RECENT_ROWS)
    states = await ctx.repo.unit_states(learner.id) if len(due) > 1 else {}
    return DueReview(catalog.prompt_by_id[choose_review(catalog, due, recent, states)], len(due), review_run(recent))


# ---------------------------------------------------------------- views


def lesson_reply(catalog: Catalog, unit: Unit, learner: Learner) -> Reply:
    topic = catalog.topic_by_id[unit.topic]
    lines = [f"📘 **{esc(unit.title)}** · {esc(topic.title)} · about {unit.minutes} min", "", unit.summary.strip(), ""]
    lines.append(f"_Why it matters for ML:_ {unit.why_ml.strip()}")
    lines.append("")
    lines.append("**Study:**")
    lines.append(unit_links(unit))
    lines.append("")
    lines.append("When you have studied it, press **Done** to practise. **Skip** if you already know this unit.")
    return Reply(
        "\n".join(lines),
        buttons=((Button("Done ✓", f"d:{unit.id}", "success"), Button("Practice ▶", f"p:{unit.id}", "primary"),
                  Button("Skip", f"s:{unit.id}")),),
        title=unit.title,
        links=tuple((r.title, r.url) for r in unit.resources),
        figures=unit.figures,
    )


def unit_links(unit: Unit) -> str:
    """A unit's resources, one bullet each: its linked title and its note (lessons, /resources)."""
    return "\n".join(f"• [{esc(r.title)}]({r.url})" + (f" — {r.note}" if r.note else "") for r in unit.resources)


def question_reply(catalog: Catalog, prompt: Prompt, source: str, again: bool = False,
                   tried: tuple[str, ...] = (), hints: int = 0, how: str = DEFAULT_TERMS.answer) -> Reply:
    """A practice question with its buttons; ``tried``: the wrong tries so far of an open question, ``hints``
    the hints it has shown; ``how``: how to answer it where it is shown, in the platform's words."""
    unit = catalog.unit_by_id[catalog.unit_of_prompt[prompt.id]]
    head = {"review": "🔁 Review", "daily": "☀️ Today's prompt", PLACEMENT: "🧭 Placement"}.get(source, "✏️ Practice")
    stars = "★" * prompt.difficulty + "☆" * (3 - prompt.difficulty)
    lines = []
    if again:
        lines.append("_This question is still open:_")
    lines += [f"{head} · {esc(unit.title)} · {stars}", "", prompt.question.strip(), ""]
    a = prompt.answer
    if tried:
        lines.append(tries_text(prompt, tried))
    if a.kind == "self":
        lines.append("Work it out, then press **Show solution** and grade yourself.")
    elif a.kind != "choice":
        lines.append(f"{how} ({example_for(a)}), or use /answer.")
    tools = [hint_button(prompt, hints), Button("Show solution", f"v:{prompt.id}")]
    if source == PLACEMENT:  # a quiz: no hints, no solution; not knowing is an answer
        tools = [Button("I don't know", f"k:{prompt.id}"), Button("Stop quiz", "pl:stop")]
    elif a.kind != "self":
        tools.append(Button("Skip", f"k:{prompt.id}"))
    return Reply("\n".join(lines).strip(), buttons=(*option_rows(prompt, tried), tuple(tools)), math=True,
                 expects_answer=a.kind not in ("choice", "self"),
                 figures=(prompt.figure,) if prompt.figure is not None else ())


def option_rows(prompt: Prompt, tried: tuple[str, ...] = ()) -> list[tuple[Button, ...]]:
    """A choice question's options as buttons, one a row, without the ones already tried."""
    if prompt.answer.kind != "choice":
        return []
    return [(Button(option_label(opt), f"c:{prompt.id}:{i}"),) for i, opt in enumerate(prompt.answer.options)
            if _option_key(i) not in tried]


def tries_text(prompt: Prompt, tried: tuple[str, ...]) -> str:
    """What the learner tried so far and how many tries are left."""
    left = MAX_TRIES - len(tried)
    after = f"{left} more tr{'y' if left == 1 else 'ies'} before I show the solution"
    said = [_tried_label(prompt, k) for k in tried]
    if prompt.answer.kind == "choice":
        return f"_Not {', not '.join(said)}: {after}._"
    return f"_Tried so far: {', '.join(said)} · {after}._"


def _tried_label(prompt: Prompt, key: str) -> str:
    """A wrong try as the learner sees it: the option's text, or the answer as they typed it."""
    options = prompt.answer.options
    if prompt.answer.kind == "choice" and key[1:].isdecimal() and int(key[1:]) < len(options):
        return f"“{esc(option_label(options[int(key[1:])]))}”"  # as its button showed it
    return f"“{esc(key)}”"


def grading_reply(prompt: Prompt, head: str = "") -> Reply:
    """A self-graded question's worked solution and the two grading buttons, until one is pressed."""
    text = (f"{head}\n\n" if head else "") + f"**Solution:** {prompt.solution.strip()}\n\nHow did you do?"
    return Reply(text, buttons=((Button("I had it ✓", f"g:{prompt.id}:1", "success"),
                                 Button("I missed it ✗", f"g:{prompt.id}:0", "danger")),), math=True)


def daily_instance(prompt: Prompt, learner_id: int, day: date) -> Instance:
    """Today's prompt as the learner gets it on local date ``day``: a template is drawn once a day for each
    learner, so the reminder, /daily and its buttons show the same numbers."""
    return template.instance(prompt, None, learner_id, "daily", day.isoformat())


def as_asked(prompt: Prompt, learner: Learner) -> Instance:
    """The learner's open question as it was asked: a template's parameters are stored when it opens (one
    opened before they were is drawn again from when it opened)."""
    return template.instance(prompt, learner.open_params, learner.id, learner.open_at)


def open_question_reply(catalog: Catalog, learner: Learner, prompt: Prompt, how: str = DEFAULT_TERMS.answer) -> Reply:
    """The learner's open question as it stands: its tries so far, or a self-graded one's grading buttons;
    ``how``: how to answer it where it is shown (``Actor.answer_how``)."""
    prompt = as_asked(prompt, learner).prompt
    if prompt.answer.kind == "self" and learner.open_revealed:
        return grading_reply(prompt, f"_This question waits for your grade:_\n\n{prompt.question.strip()}")
    return question_reply(catalog, prompt, learner.open_source or "practice", again=True, tried=learner.tried,
                          hints=learner.open_hints, how=how)


# ---------------------------------------------------------------- the next step


async def next_step(ctx: Ctx, *, intro: str = "") -> Reply:
    learner = await ctx.refresh()  # callers may have just changed what is open
    catalog = ctx.catalog
    if learner.open_prompt and learner.open_prompt in catalog.prompt_by_id:
        if learner.open_source == PLACEMENT:
            intro = "\n\n".join(x for x in (intro, "🧭 You are in the placement quiz. Answer the question below (or "
                                                     "press **I don't know**) to go on, or `/placement stop` to stop "
                                                     "it; what it found is kept and /next goes on from there.") if x)
        return prefixed(open_question_reply(catalog, learner, catalog.prompt_by_id[learner.open_prompt],
                                            ctx.actor.answer_how), intro)
    due = await due_review(ctx, learner)
    if due is not None and due.run < REVIEWS_BEFORE_NEW:
        return prefixed(await open_prompt(ctx, due.prompt, "review"), intro)
    states = await ctx.repo.unit_states(learner.id)
    unit = current_unit(catalog, states, learner.focus_topic)
    if due is not None and unit is None:  # nothing new is left: the reviews are all there is
        return prefixed(await open_prompt(ctx, due.prompt, "review"), intro)
    if due is not None:
        held = due.waiting
        more = f"{held}{'+' if held >= REVIEW_CANDIDATES else ''} due review{'s' if held > 1 else ''}"
        intro = "\n\n".join(x for x in (intro, f"_That was {REVIEWS_BEFORE_NEW} reviews in a row, so now something "
                                                 f"new; {more} wait for /review or a later /next._") if x)
    if unit is None:
        return prefixed(Reply(
            "🎓 You have completed every unit of the track — wonderful work!\n\n"
            "Keep it fresh with /review when reviews are due, check /progress, or ask your "
            f"{ctx.actor.terms.community}'s organisers for a challenge."
        ), intro)
    st = states.get(unit.id)
    if st is None or not st.lesson_done:
        if learner.lesson_unit != unit.id:
            await ctx.repo.update_learner(learner.id, lesson_unit=unit.id)
        return prefixed(lesson_reply(catalog, unit, learner), intro)
    stats = await ctx.repo.prompt_stats(learner.id, unit.id)
    return prefixed(await open_prompt(ctx, pick_prompt(unit, stats), "practice"), intro)


def prefixed(reply: Reply, intro: str) -> Reply:
    if not intro:
        return reply
    return Reply(**{**reply.__dict__, "text": f"{intro}\n\n{reply.text}"})


async def open_prompt(ctx: Ctx, prompt: Prompt, source: str) -> Reply:
    """Open ``prompt`` as the learner's question; a template draws fresh numbers (today's prompt: the day's)."""
    learner = await ctx.learner()
    drawn = daily_instance(prompt, learner.id, ctx.local_date(learner)) if source == "daily" else \
        template.instance(prompt, None, learner.id, ctx.now.isoformat())
    await ctx.repo.update_learner(
        learner.id, open_prompt=prompt.id, open_source=source, open_hints=0, open_revealed=False,
        open_at=ctx.now, lesson_unit=None, open_tried="", open_params=drawn.stored,
    )
    return question_reply(ctx.catalog, drawn.prompt, source, how=ctx.actor.answer_how)


# ---------------------------------------------------------------- lessons


async def finish_lesson(ctx: Ctx, unit_id: str, how: str) -> Reply:
    """``how``: done (studied), practice (straight to prompts) or skip (already known); only for the lesson
    open now (a button of an earlier lesson, or a forged one, changes nothing)."""
    learner = await ctx.learner()
    unit = ctx.catalog.unit_by_id.get(unit_id)
    states = await ctx.repo.unit_states(learner.id) if unit is not None else {}
    st = states.get(unit_id)
    if unit is None or learner.lesson_unit != unit_id:
        if unit is not None and st is not None and (st.lesson_done or st.status in CLOSED):  # pressed twice
            said = "skipped" if st.status == "skipped" else "done"
            raise UsageError(f"The lesson “{esc(unit.title)}” is already {said}, so nothing more changed. "
                             "Press **Next ▶** for what's next.", buttons=((NEXT_BUTTON,),))
        raise UsageError("That lesson is no longer open, so nothing changed. Type /next to see where you are.",
                         buttons=((NEXT_BUTTON,),))
    if st is not None and st.status in CLOSED:
        return await next_step(ctx, intro=f"“{esc(unit.title)}” is already closed.")
    level = mastery.after_lesson(Mastery.of(st), skipped=how == "skip").level
    if how == "skip":
        await ctx.repo.set_unit(learner.id, unit_id, "skipped", completed_at=ctx.now, level=level)
        return await next_step(ctx, intro=f"⏭ Skipped “{esc(unit.title)}”; it counts as known.")
    day, until = ctx.study_mark(learner) if how == "done" else (None, None)
    await ctx.repo.set_unit(
        learner.id, unit_id, "learning", lesson_done_at=ctx.now, study_day=day, study_until=until, level=level
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
        had = await daily_answered(ctx, learner, prompt_id)
        if had:
            raise UsageError(had)
        await open_prompt(ctx, ctx.catalog.prompt_by_id[prompt_id], "daily")
        learner = await ctx.refresh()
    if prompt_id is not None and prompt_id != learner.open_prompt:  # a button of an earlier question
        raise await closed_question(ctx, learner, prompt_id)
    if not learner.open_prompt or learner.open_prompt not in ctx.catalog.prompt_by_id:
        raise await closed_question(ctx, learner, None)
    asked = as_asked(ctx.catalog.prompt_by_id[learner.open_prompt], learner)
    return replace(learner, open_params=asked.stored), asked.prompt


JUST_NOW = timedelta(minutes=10)  # an answer typed this soon after the last one closed is taken as meant for it


async def closed_question(ctx: Ctx, learner: Learner, prompt_id: str | None) -> UsageError:
    """What to say to an answer or a button of a question that is no longer open: how it closed (the same
    answer sent twice, a double tap, a retried callback: the second finds the first one's result), and the way
    on. ``prompt_id`` None: the learner typed an answer with nothing open."""
    return _closed(await ctx.repo.last_attempt(learner.id, prompt_id), ctx, prompt_id)


async def typed_after_close(ctx: Ctx, learner: Learner, text: str) -> UsageError | None:
    """Free text with no question open that reads as an answer to the question closed just now (the same
    answer sent twice): how that question closed; None for anything else."""
    last = await ctx.repo.last_attempt(learner.id)
    prompt = ctx.catalog.prompt_by_id.get(last.prompt_id) if last is not None else None
    if last is None or prompt is None or ctx.now - last.at > JUST_NOW or prompt.answer.kind == "self":
        return None
    asked = template.instance(prompt, last.params, learner.id, last.at).prompt
    return _closed(last, ctx, None) if check_prompt(asked, text).counts else None


def _closed(last: LastAttempt | None, ctx: Ctx, prompt_id: str | None) -> UsageError:
    if last is None or (prompt_id is None and ctx.now - last.at > JUST_NOW):
        if prompt_id is None:
            return UsageError("There is no open question right now. Type /next to get one.", buttons=((NEXT_BUTTON,),))
        return UsageError("That question has closed. Type /next to carry on.", buttons=((NEXT_BUTTON,),))
    if last.source == "skip":
        said = "⏭ You skipped that question; it comes back later."
    elif last.revealed:
        said = "📖 That question is closed: its worked solution has been shown."
    elif last.correct:
        said = "✅ You already answered that question — right!"
    else:
        said = "That question has closed."
    return UsageError(f"{said} Nothing more is counted. Press **Next ▶** for what's next.", buttons=((NEXT_BUTTON,),))


async def daily_answered(ctx: Ctx, learner: Learner, prompt_id: str) -> str:
    """What to say when today's prompt, not open now, has had its answer today ("" if not): one answer a
    day counts, so it does not open again (a second answer would count twice in accuracy and reviews)."""
    if learner.open_prompt == prompt_id:
        return ""
    right = await ctx.repo.answered_since(learner.id, prompt_id, ctx.day_start(learner))
    if right is None:
        return ""
    how = "answered today's prompt already ✓" if right else "had today's prompt already; it comes back for review"
    return f"☀️ You {how}. One answer a day counts; a new prompt comes tomorrow. Type /next to keep learning."


async def choose(ctx: Ctx, prompt_id: str, index: int) -> list[Reply]:
    """A choice question's option pressed (its number: a template's options are the ones it was asked with)."""
    learner, prompt = await open_question(ctx, prompt_id)
    if not 0 <= index < len(prompt.answer.options):
        raise UsageError("That button has expired. Type /next to carry on.")
    return await _answer(ctx, learner, prompt, prompt.answer.options[index])


async def answer(ctx: Ctx, text: str, prompt_id: str | None = None) -> list[Reply]:
    """An answer to the open question: right closes it; wrong keeps it open for another try, up to
    ``MAX_TRIES`` wrong tries; unreadable is never a try."""
    learner, prompt = await open_question(ctx, prompt_id)
    return await _answer(ctx, learner, prompt, text)


async def _answer(ctx: Ctx, learner: Learner, prompt: Prompt, text: str) -> list[Reply]:
    if prompt.answer.kind == "self":
        if learner.open_revealed:
            return [grading_reply(prompt, "This one is self-graded: compare with the solution, then grade yourself.")]
        return [Reply("This one is self-graded: press **Show solution**, compare, then grade yourself.",
                      buttons=((Button("Show solution", f"v:{prompt.id}", "primary"),),))]
    verdict = check_prompt(prompt, text)
    ctx.core.observe("answer_check", result=verdict.status)
    return with_reading(verdict, await _verdict_replies(ctx, learner, prompt, text, verdict))


async def _verdict_replies(ctx: Ctx, learner: Learner, prompt: Prompt, text: str, verdict: Verdict) -> list[Reply]:
    if not verdict.counts:  # unreadable, or right but not in the form asked for: send it again
        return [Reply(verdict.feedback or f"I couldn't read that: {example_for(prompt.answer)}.", expects_answer=True)]
    if learner.open_source == PLACEMENT:
        from bot.core import placement  # the quiz builds on this module

        return await placement.answered(ctx, learner, prompt, verdict.right, text)
    if verdict.right:
        return await _record(ctx, learner, prompt, True, text)
    return await _wrong_try(ctx, learner, prompt, text, verdict.feedback)


def with_reading(verdict: Verdict, replies: list[Reply]) -> list[Reply]:
    """The verdict's replies, the first one starting with how the answer was read when it was not typed the
    way it reads (``Verdict.read_as``), so a learner sees what was checked before whether it was right."""
    if not verdict.read_as or not replies:
        return replies
    first = replies[0]
    line = f"🔎 Read as: ${verdict.read_as}$"
    return [replace(first, text=f"{line}\n{first.text}", math=True), *replies[1:]]


def _try_key(prompt: Prompt, text: str) -> str:
    """How a wrong try is remembered: a choice as its option's number, else the answer as typed, tidied."""
    if prompt.answer.kind == "choice":
        opt = chosen_option(prompt.answer, text)
        if opt is not None:
            return _option_key(prompt.answer.options.index(opt))
    return " ".join(text.split())[:60]


def _option_key(index: int) -> str:
    return f"#{index}"


def again_text(ctx: Ctx, prompt: Prompt) -> str:
    """How to answer again: the options left, or the way of the learner's platform (``Actor.answer_again``)."""
    return "Pick again below." if prompt.answer.kind == "choice" else ctx.actor.answer_again


async def _wrong_try(ctx: Ctx, learner: Learner, prompt: Prompt, text: str, feedback: str) -> list[Reply]:
    key = _try_key(prompt, text)
    tools = (hint_button(prompt, learner.open_hints), Button("Show solution", f"v:{prompt.id}"))
    if key in learner.tried:  # the same wrong answer again is not another try
        return [Reply(f"You already tried {_tried_label(prompt, key)}: it is still not it, and it does not count again. "
                      f"{again_text(ctx, prompt)}", buttons=(*option_rows(prompt, learner.tried), tools),
                      expects_answer=prompt.answer.kind != "choice")]
    tried = (*learner.tried, key)
    options = option_rows(prompt, tried)
    if len(tried) >= MAX_TRIES or (prompt.answer.kind == "choice" and len(options) <= 1):
        return await _record(ctx, learner, prompt, False, text, feedback=feedback, revealed=True, last_try=True)
    hints = learner.open_hints
    lines = ["❌ Not quite yet." + (f" 💡 {feedback}" if feedback else "")]
    if len(tried) >= 2 and hints < len(prompt.hints):  # the second wrong try brings the next hint
        hints += 1
        lines.append(f"💡 Hint {hints}/{len(prompt.hints)}: {prompt.hints[hints - 1].strip()}")
        tools = (hint_button(prompt, hints), tools[1])
    left = MAX_TRIES - len(tried)
    lines.append(f"{again_text(ctx, prompt)} You have {left} more tr{'y' if left == 1 else 'ies'}; stuck? "
                 "Press **Hint** or **Show solution**.")
    unit_id = ctx.catalog.unit_of_prompt[prompt.id]
    day, until = ctx.study_mark(learner)
    await ctx.repo.record_answer(AnswerRecord(
        learner_id=learner.id, prompt_id=prompt.id, unit_id=unit_id, at=ctx.now, correct=False,
        hinted=learner.open_hints > 0, revealed=False, answer=text, source=learner.open_source or "practice",
        study_day=day, card=None, card_due=None, complete_unit=False,
        keep_open={"open_tried": "\n".join(tried), "open_hints": hints}, study_until=until, params=learner.open_params,
    ))
    return [Reply("\n".join(lines), buttons=(*options, tools), math=True,
                  expects_answer=prompt.answer.kind != "choice")]


async def self_grade(ctx: Ctx, prompt_id: str, had_it: bool) -> list[Reply]:
    learner, prompt = await open_question(ctx, prompt_id)
    if not learner.open_revealed and prompt.answer.kind == "self":
        raise UsageError("Look at the solution first (press **Show solution**).")
    return await _record(ctx, learner, prompt, had_it, "(self-graded)", self_graded=True)


async def _record(
    ctx: Ctx, learner: Learner, prompt: Prompt, correct: bool, text: str, *, feedback: str = "",
    self_graded: bool = False, revealed: bool = False, last_try: bool = False,
) -> list[Reply]:
    """Close the open question: the answer that decides it, its review card rated by how it went
    (:func:`bot.practice.srs.rating_for`), and the unit's completion. ``revealed``: the solution is shown,
    asked for or (``last_try``) after the last wrong try."""
    catalog = ctx.catalog
    unit = catalog.unit_by_id[catalog.unit_of_prompt[prompt.id]]
    hinted = learner.open_hints > 0
    tries = len(learner.tried)  # wrong tries before this answer
    source = learner.open_source or "practice"
    rating = srs.rating_for(correct=correct, helped=hinted or tries > 0,
                            revealed=revealed or (learner.open_revealed and not self_graded))
    card, due = srs.review(await ctx.repo.card(learner.id, prompt.id), rating, ctx.now)
    complete = False
    st = (await ctx.repo.unit_states(learner.id)).get(unit.id)
    if correct:  # only a right answer can complete its unit: a wrong one reads no progress
        if st is not None and st.status == "learning" and st.lesson_done:
            stats = await ctx.repo.prompt_stats(learner.id, unit.id)
            already = stats.get(prompt.id, PromptStats(0, False)).correct
            complete = correct_count(stats) + (0 if already else 1) >= unit_goal(unit)
    was = Mastery.of(st)
    now = mastery.after_answer(
        was, prompt_id=prompt.id, correct=correct, review=source == "review", completes=complete,
        clean=correct and not hinted and not tries and not revealed and (self_graded or not learner.open_revealed),
        unit_closed=st is not None and st.status in CLOSED)
    day, until = ctx.study_mark(learner)
    await ctx.repo.record_answer(AnswerRecord(
        learner_id=learner.id, prompt_id=prompt.id, unit_id=unit.id, at=ctx.now, correct=correct,
        hinted=hinted, revealed=revealed, answer=text, source=source, study_day=day,
        card=card, card_due=due, complete_unit=complete, study_until=until, params=learner.open_params,
        level=(now.level, now.wins) if now != was else None,
    ))
    back = comes_back(ctx, learner, due)
    if last_try:
        head = "❌ Not quite." + (f" 💡 {feedback}" if feedback else "")
        head += f"\nThat was your last try, so here is the answer: {answer_markup(prompt)}. It {back}."
    elif revealed:
        answer_is = f", and the answer: {answer_markup(prompt)}" if prompt.answer.value else ""
        head = f"📖 Here is the worked solution{answer_is}. The question {back}."
    elif correct and tries:
        head = f"✅ Right, on your {ORDINALS[tries]} try! It {back} for review, to make it stick."
    elif correct:
        head = "✅ Right!" + (f" (with a hint — it {back} for review)" if hinted else
                             f" It {back} for its next review." if source == "review" else "")
    else:  # self-graded: missed it
        head = f"❌ Not quite this time — no worries, it {back}."
    text_out = head
    if not self_graded:
        text_out += f"\n\n**Solution:** {prompt.solution.strip()}"
    if complete:
        text_out += f"\n\n🎉 Unit complete: **{esc(unit.title)}**! Level: {mastery.label(now.level)}."
    elif now.level > was.level >= mastery.FAMILIAR:
        text_out += f"\n\n⬆️ **{esc(unit.title)}** is now {mastery.label(now.level)}!"
    elif now.level < was.level:
        text_out += (f"\n\n⬇️ **{esc(unit.title)}** moves down to {mastery.label(now.level)}: a missed review. "
                     "Right answers on its next reviews bring it back up.")
    return [Reply(text_out, buttons=((NEXT_BUTTON,),), math=True)]


def comes_back(ctx: Ctx, learner: Learner, due: datetime) -> str:
    """When a closed question comes back for review, as the learner's calendar has it."""
    days = (due.astimezone(zone(learner.timezone)).date() - ctx.local_date(learner)).days
    if days <= 0:
        return "comes back later today"
    return "comes back tomorrow" if days == 1 else f"comes back in {days} days"


SHOWN = "(solution shown)"  # what an attempt row says when the learner asked for the solution
DONT_KNOW = "(I don't know)"  # what a placement miss by the button says
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def answer_markup(prompt: Prompt) -> str:
    """The prompt's answer as a reply shows it: maths as ``$LaTeX$`` (so ``[3√3, 3]``, ``2x + 3``, ``x²``, as
    the question's maths is shown), an option in bold."""
    latex = answer_latex(prompt.answer)
    return f"${latex}$" if latex else f"**{esc(prompt.answer.value)}**"


def hint_button(prompt: Prompt, shown: int, label: str = "Hint 💡") -> Button:
    """The button for the next hint after ``shown``: it names the hint it shows (``h:<prompt>:<n>``), so the
    same press arriving twice (a double tap, a retried callback) shows that hint twice, not two hints."""
    return Button(label, f"h:{prompt.id}:{shown + 1}")


async def hint(ctx: Ctx, prompt_id: str | None = None, upto: int | None = None) -> Reply:
    """The open question's hints up to hint ``upto`` (a button's; the ones shown stay shown), or with no
    ``upto`` (/hint) one more than shown; with a way to answer."""
    learner, prompt = await open_question(ctx, prompt_id)
    if learner.open_source == PLACEMENT:
        raise UsageError(NO_HELP)
    if upto is None:
        shown = min(learner.open_hints + 1, len(prompt.hints))
    else:
        shown = max(learner.open_hints, min(max(upto, 1), len(prompt.hints)))
    if shown != learner.open_hints:
        await ctx.repo.update_learner(learner.id, open_hints=shown)
    lines = [f"💡 Hint {i + 1}/{len(prompt.hints)}: {h.strip()}" for i, h in enumerate(prompt.hints[:shown])]
    if shown >= len(prompt.hints):
        lines.append("_That was the last hint._ **Show solution** (or /solution) shows the worked solution.")
    tools: tuple[Button, ...] = (Button("Show solution", f"v:{prompt.id}"),)
    if shown < len(prompt.hints):
        tools = (hint_button(prompt, shown, "Next hint 💡"), *tools)
    rows = (*option_rows(prompt, learner.tried), tools)
    if prompt.answer.kind == "self" and learner.open_revealed:
        rows = grading_reply(prompt).buttons
    return Reply("\n".join(lines), buttons=rows, math=True, expects_answer=prompt.answer.kind not in ("choice", "self"))


async def solution(ctx: Ctx, prompt_id: str | None = None) -> list[Reply]:
    learner, prompt = await open_question(ctx, prompt_id)
    if learner.open_source == PLACEMENT:
        raise UsageError(NO_HELP)
    if prompt.answer.kind == "self":
        await ctx.repo.update_learner(learner.id, open_revealed=True)
        return [grading_reply(prompt)]
    return await _record(ctx, learner, prompt, False, SHOWN, revealed=True)


async def skip(ctx: Ctx) -> Reply:
    learner = await ctx.learner()
    if learner.lesson_unit:
        return await finish_lesson(ctx, learner.lesson_unit, "skip")
    if learner.open_prompt and learner.open_prompt in ctx.catalog.prompt_by_id:
        return await skip_prompt(ctx, learner.open_prompt)
    raise UsageError("There is nothing to skip right now. Type /next to get your next step.")


async def skip_prompt(ctx: Ctx, prompt_id: str) -> Reply:
    learner, prompt = await open_question(ctx, prompt_id)
    if learner.open_source == PLACEMENT:  # I don't know: a miss
        from bot.core import placement

        return (await placement.answered(ctx, learner, prompt, False, DONT_KNOW))[0]
    unit_id = ctx.catalog.unit_of_prompt[prompt.id]
    card, due, intro = None, None, "⏭ Skipped; it will come back later."
    stored = await ctx.repo.card(learner.id, prompt.id)
    if stored is not None and srs.due_of(stored) <= ctx.now:  # a due review waits until tomorrow, memory unchanged
        due = ctx.day_start(learner, 1)
        card, intro = srs.deferred(stored, due), "⏭ Skipped; this review comes back tomorrow."
    # recorded so it goes to the back of the queue; skips never count in accuracy or reviews
    await ctx.repo.record_answer(AnswerRecord(
        learner_id=learner.id, prompt_id=prompt.id, unit_id=unit_id, at=ctx.now, correct=False, hinted=False,
        revealed=False, answer="", source="skip", study_day=None, card=card, card_due=due,
        complete_unit=False, params=learner.open_params,
    ))
    return await next_step(ctx, intro=intro)
