"""The command registry: every command the bot understands, declared once, and the button actions."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.core import challenges, learning, mastery, placement, reminders, streaks
from bot.core.markup import esc
from bot.core.model import Attachment, Button, ProgressSnapshot, Reply, ReviewForecast, TopicProgress
from bot.core.ports import Learner
from bot.core.registry import Arg, Registry
from bot.core.service import NEXT_BUTTON, Ctx, UsageError, resolve_zone, zone

if TYPE_CHECKING:
    from bot.content.loader import Catalog

STREAK_WINDOW_DAYS = 400
LEVELS_KEY = "_Levels: " + ", ".join(mastery.label(i) for i in range(len(mastery.LEVELS))) + "; /help progress explains them._"
CONFIRM_FOR = timedelta(minutes=5)  # how long a destructive confirm's button works


def build_registry() -> Registry:
    r = Registry()
    c = r.command

    @c("start", "Welcome: how the bot works and what to do first")
    async def start(ctx: Ctx, _: dict[str, Any]) -> Reply:
        learner = await ctx.learner()
        t = ctx.catalog.track
        topics = " → ".join(esc(x.title) for x in ctx.catalog.topics)
        return Reply(
            f"👋 Hi {esc(learner.display_name)}! I'm your study companion for **{esc(t.title)}**.\n\n"
            f"The path: {topics}.\n\n"
            "Each step is a short lesson with the best free videos and chapters, then practice questions I "
            "check for you. Questions you found hard come back for review at the right time.\n\n"
            "• /next — the one command you need: what to study now\n"
            "• /placement — already know some of it? A short quiz places you, so you start where you are\n"
            "• /progress — your streak, progress and mastery levels\n"
            "• /topics — the map; /topic <name> to focus on one\n"
            "• /help — every command\n\n"
            "Ready? Press **Next**, or **Placement quiz** to skip what you know.",
            buttons=((NEXT_BUTTON, Button("Placement quiz 🧭", "pl:")),),
        )

    @c("help", "All commands, or one in detail", Arg("command", "a command name, e.g. next", "command", example="next"))
    async def help_(ctx: Ctx, a: dict[str, Any]) -> Reply:
        name = a.get("command")
        if name:
            cmd = r.get(name)
            assert cmd is not None
            lines = [f"**/{cmd.name}** — {esc(cmd.help)}", "", f"Usage: `{cmd.usage}`"]
            for arg in cmd.args:
                req = "required" if arg.required else "optional"
                lines.append(f"• `{arg.name}` ({req}): {esc(arg.help)}")
            if cmd.details:
                lines += ["", cmd.details]
            if cmd.admin:
                lines += ["", "_Organisers (admins) only._"]
            return Reply("\n".join(lines))
        lines = ["**Commands**"] + [f"`/{cmd.name}` — {esc(cmd.help)}" for cmd in r]
        lines += ["", "Type `/help <command>` for details. Start with /next."]
        return Reply("\n".join(lines))

    @c("next", "What to study now: a due review (at most 3 in a row), a lesson or a practice question")
    async def next_(ctx: Ctx, _: dict[str, Any]) -> Reply:
        return await learning.next_step(ctx)

    @c("done", "Mark the lesson you are on as studied, then practise")
    async def done(ctx: Ctx, _: dict[str, Any]) -> Reply:
        learner = await ctx.learner()
        if learner.lesson_unit:
            return await learning.finish_lesson(ctx, learner.lesson_unit, "done")
        if learner.open_prompt:
            raise UsageError("A question is open: answer it, or use /hint, /solution or /skip.")
        raise UsageError("There is no lesson open. Type /next to get one.")

    @c("skip", "Skip the current lesson (you know it) or question (it comes back later; a due review, tomorrow)")
    async def skip(ctx: Ctx, _: dict[str, Any]) -> Reply:
        return await learning.skip(ctx)

    @c("answer", "Answer the open question", Arg("answer", "your answer, e.g. 3/4", "text", required=True, example="3/4"))
    async def answer(ctx: Ctx, a: dict[str, Any]) -> list[Reply]:
        posted = await challenges.answer_in_chat(ctx, a["answer"])  # in a group: its open challenge post
        if posted is not None:
            return [posted]
        return await learning.answer(ctx, a["answer"])

    @c("hint", "A hint for the open question")
    async def hint(ctx: Ctx, _: dict[str, Any]) -> Reply:
        return await learning.hint(ctx)

    @c("solution", "Show the worked solution of the open question")
    async def solution(ctx: Ctx, _: dict[str, Any]) -> list[Reply]:
        return await learning.solution(ctx)

    @c("review", "Only your due reviews: questions that are ready to come back")
    async def review(ctx: Ctx, _: dict[str, Any]) -> Reply:
        learner = await ctx.learner()
        reviewing = ctx.catalog.prompt_by_id.get(learner.open_prompt or "")
        if learner.open_source == "review" and reviewing is not None:
            return learning.open_question_reply(ctx.catalog, learner, reviewing, ctx.actor.answer_how)
        due = await learning.due_review(ctx, learner)
        if due is None:
            nxt = await ctx.repo.next_review_at(learner.id)
            when = f" The next one is due {nxt.astimezone(zone(learner.timezone)):%a %d %b %H:%M}." if nxt else ""
            return Reply(f"🔁 No reviews are due right now.{when} Type /next to keep learning.",
                         buttons=((NEXT_BUTTON,),))
        if learner.open_prompt == due.prompt.id:
            return learning.open_question_reply(ctx.catalog, learner, due.prompt, ctx.actor.answer_how)
        return await learning.open_prompt(ctx, due.prompt, "review")

    @c("placement", "A short quiz that places you: units you already know are marked known",
       Arg("topic", "a topic, e.g. algebra; or stop", "topic", choices=("stop",), example="algebra"),
       details=f"Up to {placement.MAX_QUESTIONS} questions about one topic (your focus topic, else the first with "
               "units left), hardest unit first. A right answer marks that unit and every unit it builds on as "
               "known (skipped, level familiar); a miss walks down to easier units. Completed work is never "
               "undone. `/placement stop` stops; `/placement` goes on where it stopped; you can take it again "
               "later, for any topic.")
    async def placement_(ctx: Ctx, a: dict[str, Any]) -> Reply:
        return await placement.command(ctx, a.get("topic"))

    @c("topics", "The map: every topic and how far you are")
    async def topics(ctx: Ctx, _: dict[str, Any]) -> Reply:
        learner = await ctx.learner()
        states = await ctx.repo.unit_states(learner.id)
        lines = [f"🗺 **{esc(ctx.catalog.track.title)}**", ""]
        for i, t in enumerate(ctx.catalog.topics, 1):
            done = sum(1 for u in t.units if mastery.is_closed(states, u.id))
            why = f" — _{esc(t.why)}_" if t.why else ""
            focus = " ⭐ focus" if learner.focus_topic == t.id else ""
            lines.append(f"{i}. **{esc(t.title)}** ({done}/{len(t.units)} units){why}{focus}")
        lines += ["", "Type `/topic <name>` to see a topic's units and focus on it."]
        return Reply("\n".join(lines), buttons=((NEXT_BUTTON,),))

    @c("topic", "See a topic's units and make it your focus",
       Arg("name", "a topic, e.g. linear algebra", "topic", required=True, example="calculus"))
    async def topic(ctx: Ctx, a: dict[str, Any]) -> Reply:
        learner = await ctx.learner()
        t = ctx.catalog.topic_by_id[a["name"]]
        states = await ctx.repo.unit_states(learner.id)
        await ctx.repo.update_learner(learner.id, focus_topic=t.id)
        lines = [f"📚 **{esc(t.title)}**" + (f" — _{esc(t.why)}_" if t.why else ""), ""]
        if t.description:
            lines += [t.description.strip(), ""]
        for u in t.units:
            st = states.get(u.id)
            mark = {"done": "✅", "skipped": "⏭", "learning": "▶"}.get(st.status if st else "", "▫️")
            lines.append(f"{mark} {esc(u.title)} ({u.minutes} min) · {mastery.label(st.level if st else 0)}")
        lines += ["", f"/next now starts with {esc(t.title)} (after any missing prerequisites)."]
        row: tuple[Button, ...] = (NEXT_BUTTON,)
        if not all(mastery.is_closed(states, u.id) for u in t.units):
            lines.append(f"Know some of it already? `/placement {t.id}` places you in a few questions.")
            row += (Button("Placement quiz 🧭", f"pl:{t.id}"),)
        lines.append(LEVELS_KEY)
        return Reply("\n".join(lines), buttons=(row,))

    @c("resources", "The videos and chapters for your current unit, or for a topic",
       Arg("topic", "a topic, e.g. probability", "topic", example="probability"))
    async def resources(ctx: Ctx, a: dict[str, Any]) -> Reply:
        if "topic" in a:
            return resources_page(ctx, a["topic"], 0)
        learner = await ctx.learner()
        states = await ctx.repo.unit_states(learner.id)
        unit = learning.current_unit(ctx.catalog, states, learner.focus_topic)
        if unit is None:
            raise UsageError("You have finished every unit. Try `/resources <topic>` for a topic's links.")
        return Reply(f"📚 **{esc(unit.title)}** · what to study\n\n{learning.unit_links(unit)}", title=unit.title)

    @c("progress", "Your streak, units done, mastery levels, accuracy and reviews due", details=mastery.RULES.format(goal=learning.UNIT_GOAL))
    async def progress(ctx: Ctx, _: dict[str, Any]) -> Reply:
        snap = await progress_snapshot(ctx)
        return Reply(progress_text(snap), chart=snap, confidential=True,
                     public_text="📈 Your progress is in our private chat.")

    @c("settings", "Your settings; give a time zone to change it",
       Arg("timezone", "an IANA time zone, e.g. Europe/Berlin", "timezone", example="Europe/Berlin", pick="tz"))
    async def settings(ctx: Ctx, a: dict[str, Any]) -> list[Reply]:
        if "timezone" in a:
            await set_timezone(ctx, a["timezone"])
            return await settings_reply(ctx, "🌍 Time zone set.")
        return await settings_reply(ctx)

    @c("timezone", "Set your time zone (e.g. Europe/Berlin) for reminders and streaks",
       Arg("zone", "an IANA time zone, e.g. Asia/Kolkata", "timezone", required=True, example="Europe/Berlin",
           pick="tz"),
       details="Give the full IANA name, like `Europe/Berlin` or `America/New_York` (any case). A partial or "
               "misspelt name (`berlin`) changes nothing: I suggest the closest zones, as buttons to press.")
    async def timezone(ctx: Ctx, a: dict[str, Any]) -> list[Reply]:
        await set_timezone(ctx, a["zone"])
        return await settings_reply(ctx, "🌍 Time zone set.")

    @c("remind", "A daily study reminder at your local time, or off",
       Arg("time", "HH:MM in 24-hour time, or off", "word", required=True, example="07:30"),
       Arg("zone", "your IANA time zone, e.g. Europe/Berlin", "timezone"),
       Arg("after_study", "on days you already studied: skip (default) or nice (a short well done)",
           "choice", choices=("skip", "nice")),
       details="Reminders carry today's prompt and your streak. A day you already studied gets no reminder "
               "(or a short “nice work” with `after_study: nice`). A Snooze 1h button is on each reminder.")
    async def remind(ctx: Ctx, a: dict[str, Any]) -> list[Reply]:
        learner = await ctx.learner()
        if a["time"].lower() == "off":
            await ctx.repo.update_learner(learner.id, reminder_time=None, reminder_next_at=None, reminder_snoozed=False)
            return await settings_reply(ctx, "🔕 Reminders are off.")
        hhmm = convert_time(a["time"])
        fields: dict[str, Any] = {"reminder_time": hhmm, "unreachable": False, "reminder_snoozed": False}
        tz = a.get("zone", learner.timezone)
        fields["timezone"] = tz
        fields["reminder_next_at"] = reminders.next_instant(hhmm, tz, ctx.now)
        if "after_study" in a:
            fields["reminder_when_studied"] = a["after_study"]
        await ctx.repo.update_learner(learner.id, **fields)
        return await settings_reply(ctx, f"⏰ Done: a reminder every day at {hhmm} ({tz}).")

    @c("pause", "Pause reminders for N days (0 resumes them)",
       Arg("days", "how many days, 0 to 60", "int", required=True, min=0, max=60, example="3"))
    async def pause(ctx: Ctx, a: dict[str, Any]) -> list[Reply]:
        learner = await ctx.learner()
        if not learner.reminder_time:
            raise UsageError("🔕 Reminders are off, so there is nothing to pause. Turn them on with `/remind 07:30` "
                             "(your local time).")
        days = a["days"]
        until = ctx.local_date(learner) + timedelta(days=days) if days else None
        await ctx.repo.update_learner(learner.id, reminder_paused_until=until)
        if until is None:
            return await settings_reply(ctx, "▶️ Reminders resumed.")
        return await settings_reply(ctx, f"⏸ Reminders paused; they resume on {until:%a %d %b}.")

    @c("daily", "Today's prompt: the same one your reminder carries",
       Arg("action", "post: a study prompt in this channel or group every day (organisers)", "choice",
           choices=("post",)),
       Arg("time", "with post: HH:MM in 24-hour time, or off", "word", example="19:00"),
       Arg("zone", "with post: the IANA time zone of that time, e.g. Europe/Berlin", "timezone"),
       admin_actions=("post",),
       details="Organisers: `/daily post HH:MM [zone]` in a channel or group posts one study prompt there every "
               "day at that local time (no scores; answers count for each member's own streak and practice); "
               "`/daily post off` stops it. On days a challenge runs in the chat, its prompt is the day's post.")
    async def daily(ctx: Ctx, a: dict[str, Any]) -> Reply:
        if a.get("action") == "post":
            return await challenges.daily_post_command(ctx, a)
        if a:
            raise UsageError("`/daily` shows today's prompt; organisers use `/daily post HH:MM [zone]` in "
                             f"{ctx.actor.terms.chat}.")
        return await open_daily(ctx)

    @c("challenge", "A study challenge in this channel or group: start, end, status, join, leave",
       Arg("action", "start, end, status, resume (organisers); join, leave (everyone)", "choice", required=True,
           choices=challenges.ADMIN_ACTIONS + challenges.MEMBER_ACTIONS, example="start"),
       Arg("topic", "start: a topic, or all", "topic", choices=("all",), example="all"),
       Arg("days", f"start: how many days, 1 to {challenges.MAX_DAYS}", "int", min=1, max=challenges.MAX_DAYS,
           example="7"),
       Arg("time", "start: the daily post time, HH:MM (24-hour)", "time", example="19:00"),
       Arg("zone", "start: the IANA time zone of that time, e.g. Europe/Berlin", "timezone", example="Europe/Berlin"),
       admin_actions=challenges.ADMIN_ACTIONS,
       details="Organisers run `/challenge start topic:<topic or all> days:<1-60> time:<HH:MM> [zone]` (or "
               "`/challenge start all 7 19:00 Europe/Berlin`) in the channel or group; `/challenge end`, "
               "`/challenge status`, `/challenge resume` (after a pause). Everyone: `/challenge join`, "
               "`/challenge leave`, `/leaderboard`. Scoring is in the README and in the announcement.")
    async def challenge(ctx: Ctx, a: dict[str, Any]) -> Reply | list[Reply]:
        return await challenges.challenge_command(ctx, a)

    @c("leaderboard", "The challenge leaderboard of this channel or group: top 10 and your rank")
    async def leaderboard(ctx: Ctx, _: dict[str, Any]) -> Reply:
        return await challenges.leaderboard(ctx)

    @c("export", "Download all your data as a JSON file")
    async def export(ctx: Ctx, _: dict[str, Any]) -> Reply:
        learner = await ctx.learner()
        data = await ctx.repo.export_learner(learner.id)
        data["exported_at"] = ctx.now.isoformat()
        blob = json.dumps(data, indent=2, ensure_ascii=False).encode()
        return Reply("📦 Here is everything I store about you.", confidential=True,
                     public_text="📦 Your data file is in our private chat.",
                     file=Attachment(f"mlmath-export-{learner.id}.json", blob, "application/json"))

    @c("forget", "Delete all your data (asks to confirm)",
       details=f"The confirm button works once, for you only, for {CONFIRM_FOR.seconds // 60} minutes; in a group "
               "it comes to our private chat.")
    async def forget(ctx: Ctx, _: dict[str, Any]) -> Reply:
        learner = await ctx.learner()
        nonce = secrets.token_urlsafe(9)  # 12 characters; single use, this learner's only
        await ctx.repo.update_learner(learner.id, confirm_nonce=nonce, confirm_until=ctx.now + CONFIRM_FOR)
        return Reply(
            "⚠️ This deletes your progress, answers, streak and settings for good. Are you sure?\n\n"
            f"_The button works once, in the next {CONFIRM_FOR.seconds // 60} minutes._",
            buttons=((Button("Yes, delete everything", f"fy:{nonce}", "danger"), Button("Cancel", f"fn:{nonce}")),),
            confidential=True, public_text="⚠️ I sent you the confirmation in our private chat.",
        )

    return r


def convert_time(text: str) -> str:
    m = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", text.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise UsageError("Give the time as HH:MM in 24-hour time, like `07:30` or `19:00`, or `off`.")
    return f"{int(m.group(1)):02d}:{int(m.group(2)):02d}"


async def set_timezone(ctx: Ctx, tz: str) -> None:
    """Change the learner's zone; a reminder keeps its local time in the new zone."""
    learner = await ctx.learner()
    fields: dict[str, Any] = {"timezone": tz}
    if learner.reminder_time and not learner.unreachable:
        fields["reminder_next_at"] = reminders.next_instant(learner.reminder_time, tz, ctx.now)
    await ctx.repo.update_learner(learner.id, **fields)
    await ctx.refresh()


async def settings_reply(ctx: Ctx, head: str = "") -> list[Reply]:
    """The learner's settings, personal data: ``head`` (what just changed) on top in a private chat; in a shared
    chat the change is said there and the settings come privately (:attr:`Reply.confidential`)."""
    learner = await ctx.refresh()
    local = ctx.now.astimezone(zone(learner.timezone))
    if learner.reminder_time:
        remind = f"every day at {learner.reminder_time} your time"
        if learner.reminder_next_at:
            nxt = learner.reminder_next_at.astimezone(zone(learner.timezone))
            remind += f" (next: {nxt:%a %d %b %H:%M})"
        if learner.reminder_paused_until and learner.reminder_paused_until > ctx.local_date(learner):
            remind += f", paused until {learner.reminder_paused_until:%a %d %b}"
    else:
        remind = "off — turn on with `/remind 07:30`"
    after = "a short “nice work”" if learner.reminder_when_studied == "nice" else "no reminder"
    lines = [head, ""] if head and ctx.actor.is_private else []
    lines += [
        "⚙️ **Your settings**",
        f"• Time zone: `{learner.timezone}` (your time now: {local:%H:%M}, {local:%a %d %b})",
        f"• Reminders: {remind}",
        f"• On days you already studied: {after}",
        "",
        "Change with `/timezone Europe/Berlin`, `/remind 07:30`, `/remind off`, `/pause 3`.",
    ]
    settings = Reply("\n".join(lines), confidential=True, public_text="⚙️ Your settings are in our private chat.")
    return [Reply(head), settings] if head and not ctx.actor.is_private else [settings]


async def open_daily(ctx: Ctx) -> Reply:
    """Today's prompt, stable for the learner's local day, opened as the current question."""
    learner = await ctx.learner()
    today = ctx.local_date(learner)
    prompt = None
    if learner.daily_date == today and learner.daily_prompt in ctx.catalog.prompt_by_id:
        prompt = ctx.catalog.prompt_by_id[learner.daily_prompt]
    else:
        lc = (await ctx.repo.reminder_contexts([learner.id], ctx.now, today))[learner.id]
        prompt = reminders.choose_daily(ctx.catalog, learner, lc)
        if prompt is None:
            raise UsageError("There is no prompt for today. Type /next to carry on.")
        drawn = learning.daily_instance(prompt, learner.id, today)
        await ctx.repo.set_daily_prompts([(learner.id, today, prompt.id, drawn.stored)], ctx.now)
    if learner.open_prompt == prompt.id:
        return learning.open_question_reply(ctx.catalog, learner, prompt, ctx.actor.answer_how)
    had = await learning.daily_answered(ctx, learner, prompt.id)
    if had:
        return Reply(had, buttons=((NEXT_BUTTON,),))
    return await learning.open_prompt(ctx, prompt, "daily")


async def progress_snapshot(ctx: Ctx) -> ProgressSnapshot:
    learner = await ctx.learner()
    today = ctx.study_date(learner)  # the streak's today: across a zone change, the day being studied
    states = await ctx.repo.unit_states(learner.id)
    days = await ctx.repo.study_days(learner.id, today - timedelta(days=STREAK_WINDOW_DAYS))
    total, correct = await ctx.repo.attempt_totals(learner.id)
    week = [(p, at) for p, at in await ctx.repo.review_schedule(learner.id, ctx.day_start(learner, 7))
            if p in ctx.catalog.prompt_by_id]
    later = [at for _, at in week if at > ctx.now]
    tomorrow, after = ctx.day_start(learner, 1), ctx.day_start(learner, 2)
    forecast = ReviewForecast(
        due_now=len(week) - len(later), later_today=sum(1 for at in later if at < tomorrow),
        tomorrow=sum(1 for at in later if tomorrow <= at < after), this_week=sum(1 for at in later if at >= after),
        next_at=None if week else await ctx.repo.next_review_at(learner.id),
    )
    s = streaks.compute(days, today)
    topics = tuple(
        TopicProgress(t.id, t.title,
                      sum(1 for u in t.units if mastery.is_closed(states, u.id)),
                      len(t.units), mastery.counts(states.get(u.id) for u in t.units))
        for t in ctx.catalog.topics
    )
    return ProgressSnapshot(
        display_name=learner.display_name, topics=topics, attempts=total, correct=correct, streak=s.current,
        best_streak=s.best, freezes_left=1 if s.freeze_ready else 0,
        study_dates=tuple(d for d in days if (today - d).days < 7 * 8), today=today, reviews_due=forecast.due_now,
        frozen_dates=s.frozen, reviews=forecast, timezone=learner.timezone,
    )


def progress_text(p: ProgressSnapshot) -> str:
    done = sum(t.done for t in p.topics)
    total = sum(t.total for t in p.topics)
    today_done = p.today in p.study_dates
    streak = f"🔥 Streak: **{p.streak}** day{'s' if p.streak != 1 else ''}"
    streak += " (today done ✓)" if today_done else (" — study today to keep it going" if p.streak else "")
    lines = [f"📈 **Progress of {esc(p.display_name)}**", streak,
             f"🏆 Best streak: {p.best_streak} · 🧊 streak freeze: {'ready' if p.freezes_left else 'used this week'}"]
    if p.frozen_dates:
        lines.append("🧊 Frozen (bridged) days: " + ", ".join(d.strftime("%a %d %b") for d in p.frozen_dates))
    lines.append(f"📚 Units: {done}/{total}")
    for t in p.topics:
        bar = "█" * round(8 * t.done / t.total) + "░" * (8 - round(8 * t.done / t.total)) if t.total else ""
        levels = ", ".join(f"{n} {mastery.LEVELS[i]}" for i, n in reversed(list(enumerate(t.levels))) if n and i)
        lines.append(f"  {bar} {esc(t.title)}: {t.done}/{t.total}" + (f" · {levels}" if levels else ""))
    acc = f"{100 * p.accuracy:.0f}% of {p.attempts}" if p.accuracy is not None else "no answers yet"
    lines.append(f"🎯 Accuracy: {acc}")
    lines.append(reviews_line(p))
    return "\n".join(lines)


def reviews_line(p: ProgressSnapshot) -> str:
    """When reviews come: due now (the only count called due), later today, tomorrow, the rest of the week."""
    f = p.reviews
    head = f"🔁 Reviews due: {f.due_now}"
    later = [f"{n} {when}" for n, when in ((f.later_today, "later today"), (f.tomorrow, "tomorrow"),
                                           (f.this_week, "later this week")) if n]
    if later:
        head += " · coming: " + ", ".join(later)
    elif f.next_at is not None and not f.due_now:
        head += f" · the next on {f.next_at.astimezone(zone(p.timezone)):%a %d %b}"
    if f.due_now:
        head += f"\n  /next mixes up to {learning.REVIEWS_BEFORE_NEW} of them in before each new step; /review does them all"
    return head


# ---------------------------------------------------------------- button actions


async def _done(ctx: Ctx, unit_id: str) -> Reply:
    return await learning.finish_lesson(ctx, unit_id, "done")


async def _practice(ctx: Ctx, unit_id: str) -> Reply:
    return await learning.finish_lesson(ctx, unit_id, "practice")


async def _skip_lesson(ctx: Ctx, unit_id: str) -> Reply:
    return await learning.finish_lesson(ctx, unit_id, "skip")


async def _choice(ctx: Ctx, arg: str) -> list[Reply]:
    prompt_id, _, index = arg.rpartition(":")
    if prompt_id not in ctx.catalog.prompt_by_id or not index.isdecimal() or len(index) > 2:
        raise UsageError("That button has expired. Type /next to carry on.")
    return await learning.choose(ctx, prompt_id, int(index))  # the option of the numbers asked


async def _hint(ctx: Ctx, arg: str) -> Reply:
    """``h:<prompt>:<n>``: show up to hint n (``h:<prompt>``, a button from before: one more)."""
    prompt_id, _, n = arg.rpartition(":")
    if prompt_id and n.isdecimal() and len(n) <= 3:
        return await learning.hint(ctx, prompt_id, int(n))
    return await learning.hint(ctx, arg)


async def _grade(ctx: Ctx, arg: str) -> list[Reply]:
    prompt_id, _, had = arg.rpartition(":")
    return await learning.self_grade(ctx, prompt_id, had == "1")


async def _next(ctx: Ctx, _: str) -> Reply:
    return await learning.next_step(ctx)


async def _snooze(ctx: Ctx, day: str) -> Reply:
    """Snooze 1h on a reminder (``z:<its local date>``): only on the day it came."""
    learner = await ctx.learner()
    if not learner.reminder_time:
        raise UsageError("Reminders are off, so there is nothing to snooze. `/remind 07:30` turns them on.")
    if day != ctx.local_date(learner).isoformat():
        raise UsageError("That reminder is from an earlier day, so there is nothing to snooze; your next one comes "
                         "as usual. Type /next to study now.", buttons=((NEXT_BUTTON,),))
    at = ctx.now + reminders.SNOOZE
    await ctx.repo.update_learner(learner.id, reminder_next_at=at, reminder_snoozed=True)
    local = at.astimezone(zone(learner.timezone))
    return Reply(f"😴 Snoozed: I'll remind you again at {local:%H:%M}.")


async def _set_zone(ctx: Ctx, name: str) -> list[Reply]:
    """A suggested zone's button (``tz:<zone>``): set it, as `/timezone <zone>` would."""
    try:
        tz = resolve_zone(name)
    except UsageError:
        raise UsageError("That button has expired. Type `/timezone Europe/Berlin` with your zone.") from None
    await set_timezone(ctx, tz)
    return await settings_reply(ctx, "🌍 Time zone set.")


async def _daily(ctx: Ctx, _: str) -> Reply:
    return await open_daily(ctx)


def _confirmed(learner: Learner | None, nonce: str, ctx: Ctx) -> bool:
    """Whether ``nonce`` is this learner's pending confirm, still in time."""
    if learner is None or not learner.confirm_nonce or learner.confirm_until is None:
        return False
    return ctx.now < learner.confirm_until and hmac.compare_digest(nonce.encode(), learner.confirm_nonce.encode())


async def _forget_yes(ctx: Ctx, nonce: str) -> Reply:
    """The /forget confirm: only with the presser's own pending nonce, once, in time."""
    learner = await ctx.existing_learner()
    if learner is None or not _confirmed(learner, nonce, ctx):
        raise UsageError("That confirmation has expired or was already used, so nothing was deleted. To delete "
                         "your data, send /forget again.")
    await ctx.repo.forget_learner(learner.id)
    return Reply("🗑 Done: everything about you is deleted. If you come back, /start begins afresh.")


async def _forget_no(ctx: Ctx, nonce: str) -> Reply:
    learner = await ctx.existing_learner()
    if learner is not None and _confirmed(learner, nonce, ctx):
        await ctx.repo.update_learner(learner.id, confirm_nonce=None, confirm_until=None)
    return Reply("Nothing was deleted. Type /next to carry on.", buttons=((NEXT_BUTTON,),))


RESOURCES_PAGE_CHARS = 3300  # a page of a topic's resources, with its heading: one message on every platform (Telegram
# splits texts at 3500, a Discord embed holds 4096)


def _resource_pages(catalog: Catalog, topic_id: str) -> tuple[str, ...]:
    """A topic's resources, unit by unit, in pages that each fit one message (a unit is never split)."""
    pages: list[str] = []
    for unit in catalog.topic_by_id[topic_id].units:
        block = f"**{esc(unit.title)}**\n{learning.unit_links(unit)}"
        if pages and len(pages[-1]) + len(block) + 2 <= RESOURCES_PAGE_CHARS:
            pages[-1] += f"\n\n{block}"
        else:
            pages.append(block)
    return tuple(pages)


def resources_page(ctx: Ctx, topic_id: str, page: int) -> Reply:
    """Page ``page`` (from 0) of a topic's resources, with buttons to the pages before and after."""
    topic = ctx.catalog.topic_by_id[topic_id]
    pages = _resource_pages(ctx.catalog, topic_id)
    page = min(max(page, 0), len(pages) - 1)
    title = f"{topic.title}: what to study"
    of = f" · page {page + 1} of {len(pages)}" if len(pages) > 1 else ""
    turn = []
    if page > 0:
        turn.append(Button("◀ Previous", f"rs:{topic_id}:{page - 1}"))
    if page + 1 < len(pages):
        turn.append(Button("Next page ▶", f"rs:{topic_id}:{page + 1}", "primary"))
    return Reply(f"📚 **{esc(title)}**{of}\n\n{pages[page]}", buttons=(tuple(turn),) if turn else (), title=title)


async def _resources_page(ctx: Ctx, arg: str) -> Reply:
    topic_id, _, page = arg.rpartition(":")
    if topic_id not in ctx.catalog.topic_by_id or not page.isdecimal() or len(page) > 3:
        raise UsageError("That button has expired. Type `/resources <topic>` again.")
    return resources_page(ctx, topic_id, int(page))


ACTIONS = {
    "n": _next,
    "d": _done,
    "p": _practice,
    "s": _skip_lesson,
    "c": _choice,
    "h": _hint,
    "v": lambda ctx, pid: learning.solution(ctx, pid),
    "k": lambda ctx, pid: learning.skip_prompt(ctx, pid),
    "g": _grade,
    "z": _snooze,
    "dy": _daily,
    "tz": _set_zone,
    "fy": _forget_yes,
    "fn": _forget_no,
    "cj": challenges.press_join,  # cj:<challenge>
    "cl": challenges.press_leaderboard,  # cl:<challenge>
    "cc": challenges.press_choice,  # cc:<challenge>:<day>:<option>
    "ca": challenges.press_answer,  # ca:<challenge>:<day> (asks for text; where it cannot, says how to answer)
    "rs": _resources_page,  # rs:<topic>:<page>
    "pl": lambda ctx, topic: placement.command(ctx, topic if topic in ctx.catalog.topic_by_id or topic == "stop"
                                               else None),  # pl:<topic>, pl:stop, pl: (go on / start)
}


async def _own_question(ctx: Ctx, _: str, text: str) -> list[Reply]:
    if not text:
        raise UsageError("Type your answer, e.g. 3/4.")
    return await learning.answer(ctx, text)


# Actions that take a typed text (Core.answer_to): Discord's answer modals, Telegram replies to a post.
TEXT_ACTIONS = {
    "ca": challenges.text_answer,  # ca:<challenge>:<day>
    "cc": challenges.text_answer,  # a reply to a multiple-choice post: the option typed
    "q": _own_question,  # the answer modal of one's own open question
}
