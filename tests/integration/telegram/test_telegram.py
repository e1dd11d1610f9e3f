"""The Telegram adapter end to end: the real python-telegram-bot Application, polling a fake Bot API server.

Each test is a conversation: people send messages and press buttons (updates handed out by the fake's
``getUpdates``), and the assertions are on what the chat shows (texts, buttons, photos, files, quotes).
A real Core runs on a SQLite file; the harness is ``tests/support/telegram.py``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.core.commands import build_registry
from bot.core.model import Button, Reply
from bot.core.ports import Destination, RateLimited, Unreachable
from bot.core.registry import Arg, Command
from bot.core.reminders import ReminderService
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram, Shown
from tests.support.telegram import GROUP, PNG, TOKEN, running

# PTB's own RetryAfter reads its deprecated int attribute when built; nothing to fix on our side
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")



def texts(messages: list[Shown]) -> str:
    return "\n".join(m.text for m in messages)


# ---------------------------------------------------------------- conversations


async def test_new_learner_start_next_done_and_answers(bot):
    ann = bot.person(11, "Ann")
    [welcome] = await ann.say("/start")
    assert "Hi Ann!" in welcome.text and "Test Track" in welcome.text and welcome.labels == ["Next ▶", "Placement quiz 🧭"]
    assert welcome.reply_to is None  # private chat: no quoting
    assert "<b>Test Track</b>" in welcome.html  # formatting arrives as HTML

    [lesson] = await ann.say("/next")
    assert "Unit One" in lesson.text and lesson.labels == ["Done ✓", "Practice ▶", "Skip"]
    assert "Khan Academy math" in lesson.text and 'href="https://www.khanacademy.org/math"' in lesson.html

    [question] = await ann.press(lesson, "Done")
    assert "Lesson “Unit One” done" in question.text and "Which is 3 + 3?" in question.text
    assert question.labels[:3] == ["6", "7", "3"] and "Hint 💡" in question.labels

    [verdict] = await ann.press(question, "7")  # wrong: the question stays open, without that option
    assert "Not quite yet" in verdict.text and "Solution" not in verdict.text and "Pick again" in verdict.text
    assert verdict.labels == ["6", "3", "Hint 💡", "Show solution"]
    [verdict] = await ann.press(verdict, "6")
    assert "Right, on your second try!" in verdict.text and "Solution" in verdict.text
    [question] = await ann.press(verdict, "Next")
    [verdict] = await ann.press(question, "12")  # 6 + 6, right
    assert "Right!" in verdict.text

    [typed] = await ann.say("/next")
    assert "Send your answer as a message" in typed.text
    [verdict] = await ann.say(await bot.answer_for(ann, right=False))  # just typing: an answer
    assert "Not quite yet" in verdict.text and "Numerator and denominator are swapped" in verdict.text
    assert "Send your next try as a message" in verdict.text and verdict.labels == ["Hint 💡", "Show solution"]
    [verdict] = await ann.say(await bot.answer_for(ann, right=True))
    assert "Right, on your second try!" in verdict.text and verdict.labels == ["Next ▶"]
    [chat_reply] = await ann.say("hello")  # no question open: a nudge, not an error
    assert "/next" in chat_reply.text


async def test_progress_comes_with_a_chart_photo(bot):
    ann = bot.person(12, "Ann")
    [lesson] = await ann.say("/next")
    await ann.press(lesson, "Done")
    shown = await ann.say("/progress")
    photos = [m for m in shown if m.kind == "photo"]
    assert photos and photos[0].photo.startswith(b"\x89PNG"), "the progress chart arrives as a photo"
    assert "Progress of Ann" in texts(shown) and "Streak: 1 day" in texts(shown)


async def test_group_command_addressed_to_the_bot_and_a_reply_as_answer(bot):
    group = bot.fake.group(GROUP, "Study group")
    cat = bot.person(21, "Cat", group=group)
    dan = bot.person(22, "Dan", group=group)

    assert await cat.say("/next@OtherBot") == []  # another bot's command
    assert await cat.say("/nxt") == []  # unknown and not addressed to us: other bots' business
    assert await cat.say("just chatting") == []  # group chatter is not for the bot

    [lesson] = await cat.say(f"/next@{BOT_USERNAME}")
    asked = bot.fake.history[GROUP][-2]
    assert "Unit One" in lesson.text and lesson.reply_to == asked.message_id  # quotes Cat's message
    [question] = await cat.press(lesson, "Practice")
    assert question.reply_to == lesson.message_id and question.text.startswith("Cat ")  # names who pressed
    assert 'href="tg://user?id=21"' in question.html
    [verdict] = await cat.press(question, "6")
    assert "Right!" in verdict.text
    await cat.press(verdict, "Next")  # 6 + 6
    [verdict] = await cat.press(bot.fake.shown(GROUP)[-1], "12")
    [typed] = await cat.say(f"/next@{BOT_USERNAME}")
    assert "Reply to this message with your answer" in typed.text

    answer = await bot.answer_for(cat, right=True)
    assert await cat.say(answer) == []  # not a reply to the bot: ignored in a group
    [verdict] = await cat.say(answer, reply_to=typed)
    assert "Right!" in verdict.text and verdict.reply_to == bot.fake.history[GROUP][-2].message_id
    [other] = await dan.say("42", reply_to=typed)  # Cat's question is not Dan's to answer
    assert "This is Cat's question — /next gives you yours." in other.text
    [usage] = await dan.say(f"/topic@{BOT_USERNAME}")
    assert "needs name" in usage.text and usage.reply_to is not None


async def test_garbage_arguments_get_usage_replies(bot):
    eve = bot.person(31, "Eve")
    cases = {
        "/topic": "needs name",
        "/topic lineer algebruh": "don't know a topic",
        "/settings Mars/Olympus": "don't know the time zone",
        "/next extra words": "takes",
        "/answer": "needs answer",
        "/help nope": "no command /nope",
        "/nxt": "Did you mean /next?",
        f"/nxt@{BOT_USERNAME}": "Did you mean /next?",
        "/" + "x" * 300: "don't know the command",
    }
    for text, expected in cases.items():
        [reply] = await eve.say(text)
        assert expected.lower() in reply.text.lower(), (text, reply.text)
    [welcome] = await eve.say("/start deep-link-payload")  # t.me/<bot>?start=... is not an argument
    assert "Hi Eve!" in welcome.text


async def test_names_and_content_are_escaped(bot):
    mal = bot.person(41, "<b>Mal</b> & _Co_", "$x$ </i>")
    [welcome] = await mal.say("/start")  # the fake rejects bad HTML like Telegram does
    assert "Hi <b>Mal</b> & _Co_ $x$ </i>!" in welcome.text
    [reply] = await mal.say("/settings <script>&amp;")
    assert "<script>&amp;" in reply.text


async def test_export_arrives_as_a_document(bot):
    ann = bot.person(13, "Ann")
    await ann.say("/next")
    [doc] = await ann.say("/export")
    assert doc.kind == "document" and "Here is everything I store about you" in doc.text
    name, data = doc.document
    assert name.startswith("mlmath-export-") and name.endswith(".json")
    assert "learner" in json.dumps(json.loads(data))


async def test_buttons_keep_working_after_a_restart(bot):
    ann = bot.person(14, "Ann")
    [lesson] = await ann.say("/next")
    await bot.stop()
    await bot.start()  # a new Application: nothing remembered in memory
    [question] = await ann.press(lesson, "Done")
    assert "Lesson “Unit One” done" in question.text
    [expired] = await ann.press_data(lesson, "zz:old-format")
    assert "That button has expired" in expired.text and expired.labels == ["Next ▶"]


async def test_every_button_press_is_answered_even_when_answering_fails(bot):
    ann = bot.person(15, "Ann")
    [lesson] = await ann.say("/next")
    bot.fake.fail("answerCallbackQuery", status=400, description="Bad Request: query is too old")
    [question] = await ann.press(lesson, "Done")  # the press still works
    assert "Which is 3 + 3?" in question.text
    await ann.press(question, "Hint")
    assert len(bot.fake.answered) == 1 and len(bot.fake.calls_of("answerCallbackQuery")) == 2


async def test_a_failing_reply_gets_a_friendly_line_and_the_bot_carries_on(bot):
    ann = bot.person(23, "Ann")
    bot.fake.fail("sendMessage", status=400, description="Bad Request: message thread not found", chat_id=ann.id)
    [sorry] = await ann.say("/start")
    assert sorry.text == "Sorry, something went wrong on my side. Please try again in a moment."
    [welcome] = await ann.say("/start")
    assert "Hi Ann!" in welcome.text


async def test_html_refused_by_telegram_is_resent_as_plain_text(bot):
    ann = bot.person(24, "Ann")
    bot.fake.fail("sendMessage", status=400, chat_id=ann.id,
                  description="Bad Request: can't parse entities: Unsupported start tag at byte offset 3")
    [welcome] = await ann.say("/start")
    assert "Hi Ann!" in welcome.text and "Test Track" in welcome.text and "<b>" not in welcome.html


async def test_a_429_on_send_message_is_retried_and_the_message_arrives_once(bot):
    ann = bot.person(16, "Ann")
    bot.fake.fail("sendMessage", status=429, retry_after=1, chat_id=ann.id)
    shown = await ann.say("/start")
    assert len(shown) == 1 and "Hi Ann!" in shown[0].text
    attempts = [c for c in bot.fake.calls_of("sendMessage") if c.params["chat_id"] == str(ann.id)]
    assert [c.status for c in attempts] == [429, 200]


# ---------------------------------------------------------------- the Messenger port


async def test_messenger_send_and_its_typed_failures(bot, caplog):
    caplog.set_level(logging.INFO)
    ann = bot.person(17, "Ann")
    to_ann = Destination("telegram", str(ann.id), str(ann.id))
    await bot.adapter.messenger.send(to_ann, Reply("⏰ Time to study! **Go**", buttons=((Button("Next ▶", "n"),),)))
    [reminder] = bot.fake.shown(ann.id)
    assert reminder.text == "⏰ Time to study! Go" and reminder.labels == ["Next ▶"]

    bot.fake.fail("sendMessage", status=502, times=2)  # network trouble: retried with backoff
    await bot.adapter.messenger.send(to_ann, Reply("again"))
    assert [m.text for m in bot.fake.shown(ann.id)] == [reminder.text, "again"]

    bot.fake.block(ann.id)  # Ann blocked the bot
    with pytest.raises(Unreachable):
        await bot.adapter.messenger.send(to_ann, Reply("are you there?"))
    with pytest.raises(Unreachable):  # never talked to the bot
        await bot.adapter.messenger.send(Destination("telegram", "999"), Reply("hello"))
    bob = bot.person(18, "Bob")
    bot.fake.fail("sendMessage", status=502, times=10)
    with pytest.raises(Exception, match="Bad Gateway"):  # a network that stays down: after the retries
        await bot.adapter.messenger.send(Destination("telegram", str(bob.id)), Reply("hi"))
    assert bot.fake.shown(bob.id) == []
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("bot", "telegram")))
    assert "retrying" in ours and TOKEN.split(":")[1] not in ours  # (httpx's URLs are silenced by bot.logs)


async def test_messenger_reports_rate_limited_when_telegram_keeps_saying_wait(tmp_path, catalog, clock):
    async with running(tmp_path, catalog, clock, rate_limit_retries=0) as b:
        ann = b.person(19, "Ann")
        b.fake.fail("sendMessage", status=429, retry_after=7)
        with pytest.raises(RateLimited) as exc:
            await b.adapter.messenger.send(Destination("telegram", str(ann.id)), Reply("reminder"))
        assert exc.value.retry_after == 7


async def test_long_texts_are_split_and_captions_respect_the_limit(bot):
    ann = bot.person(20, "Ann")
    to_ann = Destination("telegram", str(ann.id))
    paragraphs = [f"Paragraph {i}: " + " ".join(["word & <tag>"] * 40) for i in range(40)]  # ~21,000 characters
    await bot.adapter.messenger.send(to_ann, Reply("\n\n".join(paragraphs), buttons=((Button("Next ▶", "n"),),)))
    parts = bot.fake.shown(ann.id)
    assert len(parts) >= 5 and all(len(p.text) <= 4096 for p in parts)
    assert all(p.text.startswith("Paragraph ") for p in parts)  # split at paragraph boundaries
    assert [p.labels for p in parts][-1] == ["Next ▶"] and not any(p.labels for p in parts[:-1])
    assert "\n\n".join(p.text for p in parts) == "\n\n".join(paragraphs)  # nothing lost, nothing mangled

    await bot.adapter.messenger.send(to_ann, Reply("A chart", image=PNG, buttons=((Button("Next ▶", "n"),),)))
    [photo] = bot.fake.shown(ann.id)[len(parts):]
    assert photo.kind == "photo" and photo.text == "A chart" and photo.labels == ["Next ▶"]

    long_text = " ".join(["Caption?"] * 200)  # 1800 characters: too long for a caption
    await bot.adapter.messenger.send(to_ann, Reply(long_text, image=PNG, buttons=((Button("Next ▶", "n"),),)))
    photo, text = bot.fake.shown(ann.id)[len(parts) + 1:]
    assert photo.kind == "photo" and photo.text == "" and not photo.labels
    assert text.kind == "text" and text.text == long_text and text.labels == ["Next ▶"]


# ---------------------------------------------------------------- commands


async def test_command_menu_equals_the_registry(bot):
    expected = [{"command": c.name, "description": c.help} for c in bot.core.registry]
    assert bot.fake.commands["default"] == expected
    assert bot.fake.commands["all_chat_administrators"] == expected
    assert {"start", "next", "progress", "help"} <= {c["command"] for c in expected}


async def test_organiser_commands_check_group_admin_rights(tmp_path, catalog, clock):
    registry = build_registry()

    async def announce(ctx, a):
        return Reply(f"📣 {a.get('text', '')}", private=False)

    registry.add(Command("announce", "Post an announcement (organisers)", announce,
                         (Arg("text", "what to announce", "text"),), admin=True))
    async with running(tmp_path, catalog, clock, registry=registry) as b:
        assert "announce" not in [c["command"] for c in b.fake.commands["default"]]
        assert b.fake.commands["all_chat_administrators"][-1] == {
            "command": "announce", "description": "Post an announcement (organisers)"}

        group = b.fake.group(GROUP, "Study group")
        org, member = b.person(51, "Org", group=group), b.person(52, "Mem", group=group)
        b.fake.admins.add((GROUP, org.id))
        [refused] = await member.say(f"/announce@{BOT_USERNAME} hello")
        assert "is for this group's admins" in refused.text
        [posted] = await org.say("/announce Meet at 6 & bring <snacks>")
        assert posted.text == "📣 Meet at 6 & bring <snacks>" and posted.reply_to is None  # public post
        assert len(b.fake.calls_of("getChatMember")) == 2
        [in_dm] = await b.person(51, "Org").say("/announce hi")  # organiser rights belong to a group
        assert "works in a group, for its organisers" in in_dm.text


async def test_reminders_arrive_and_a_blocked_learner_is_marked_unreachable(bot, clock):
    ann = bot.person(26, "Ann")
    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    [ok] = await ann.say("/remind 07:30")
    assert "07:30" in ok.text
    service = ReminderService(bot.core.catalog, bot.core.repo, clock, {"telegram": bot.adapter.messenger}, rates={})
    before = len(bot.fake.shown(ann.id))
    clock.set(datetime(2026, 3, 11, 7, 30, tzinfo=UTC))
    await service.sweep(clock.now)
    [reminder] = bot.fake.shown(ann.id)[before:]
    assert "time to study" in reminder.text and any(label.startswith("Snooze") for label in reminder.labels)
    [snoozed] = await ann.press(reminder, "Snooze")
    assert "Snoozed" in snoozed.text and "08:30" in snoozed.text
    before = len(bot.fake.shown(ann.id))

    bot.fake.block(ann.id)  # Ann blocks the bot: the snoozed reminder finds out, and reminders stop
    clock.advance(hours=1)
    stats = await service.sweep(clock.now)
    learner = await bot.core.repo.find_learner("telegram", str(ann.id))
    assert learner.unreachable and learner.reminder_next_at is None and stats.claimed == 1
    assert bot.fake.shown(ann.id)[before:] == []


async def test_a_person_who_blocked_the_bot_is_one_info_line_not_an_error(bot, caplog):
    """Their message still arrives (they blocked the bot a moment after sending it, or a button press was on its
    way): the reply cannot go out, which is expected, not a failure of ours. (Their reminders turn off when the
    next one finds them blocked: test_reminders_arrive_and_a_blocked_learner_is_marked_unreachable.)"""
    caplog.set_level(logging.DEBUG)
    ann = bot.person(27, "Ann")
    await ann.say("/start")
    bot.fake.block(ann.id)
    for _ in range(2):  # every try the same
        assert await ann.say("/progress") == []
    ours = [r for r in caplog.records if r.name.startswith("bot")]
    assert not [r for r in ours if r.levelno >= logging.WARNING or r.exc_info], \
        [r.getMessage() for r in ours if r.levelno >= logging.WARNING]
    blocked = [r.getMessage() for r in ours if "blocked" in r.getMessage()]
    assert len(blocked) == 2 and all("\n" not in m for m in blocked), blocked
    assert blocked[0] == f"telegram: chat {ann.id} cannot be messaged (Forbidden: bot was blocked by the user)"


async def test_polling_pauses_before_the_next_get_updates_only_while_busy():
    """A busy bot takes its updates in batches; a quiet one asks again at once (no added wait for a person)."""
    from bot.adapters.telegram import BUSY, PacedPolling, build_application

    fake = FakeTelegram(TOKEN)
    await fake.start()
    busy = {"now": False}
    request = PacedPolling(lambda: busy["now"], pause=0.3)
    await request.initialize()
    try:
        async def poll() -> float:
            t = asyncio.get_running_loop().time()
            status, _ = await request.do_request(f"{fake.base_url}{TOKEN}/getMe", "POST")
            assert status == 200
            return asyncio.get_running_loop().time() - t

        assert await poll() < 0.25
        busy["now"] = True
        assert await poll() >= 0.3
    finally:
        await request.shutdown()
        await fake.stop()

    # the adapter's application polls through it, counting the updates its processor is handling
    app = build_application(Settings(_env_file=None, telegram_token=TOKEN, telegram_api_base_url=fake.base_url))
    polling = app.bot._request[0]  # PTB keeps getUpdates' connection first
    assert isinstance(polling, PacedPolling)
    assert not polling._busy()
    for _ in range(BUSY):
        await app.update_processor._semaphore.acquire()  # what handling an update holds
    assert polling._busy()


async def test_a_typed_answer_shows_how_it_was_read_before_the_verdict(bot):
    ann = bot.person(27, "Ann")
    [lesson] = await ann.say("/next")
    [question] = await ann.press(lesson, "Done")
    for _ in range(2):  # two choice questions, then one to type
        [question] = await ann.press(question, "Skip")
    assert "What is 1/4 as a fraction?" in question.text
    [verdict] = await ann.say("0.3")  # typed as it reads: no line
    assert verdict.text.startswith("❌ Not quite yet."), verdict.text
    [verdict] = await ann.say("4^-1")
    assert verdict.text.startswith("🔎 Read as: 4⁻¹\n✅ Right, on your second try!"), verdict.text
