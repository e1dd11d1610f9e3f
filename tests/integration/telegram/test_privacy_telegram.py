"""Nobody acts for anyone else, and nothing private is posted in a group: the attacks of issue 32, through the
real python-telegram-bot Application against the fake Bot API (tests/support/telegram.py)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.fake_telegram import BOT_USERNAME, Shown
from tests.support.telegram import GROUP

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")
AT = f"@{BOT_USERNAME}"


def with_button(messages: list[Shown], label: str) -> Shown:
    return next(m for m in messages if any(x.startswith(label) for x in m.labels))


def popups(bot) -> list[str]:
    """The popups button presses answered with (only the presser sees them)."""
    return [str(p.get("text")) for p in bot.fake.answered.values() if p.get("show_alert") in (True, "true")]


async def test_a_forget_confirm_acts_once_and_only_for_who_asked(bot):
    group = bot.fake.group(GROUP, "Study group")
    ann = bot.person(31, "Ann", group=group)
    ben = bot.person(32, "Ben", group=group)
    bot.fake.private_chat(ann.user)  # both started the bot
    ann_dm = bot.person(31, "Ann")
    await ann.say(f"/next{AT}")
    await ben.say(f"/next{AT}")
    shown = await ann.say(f"/forget{AT}")
    assert not any("Yes" in label for m in shown for label in m.labels), "the confirm is not posted in the group"
    assert [m.text for m in shown] == ["⚠️ I sent you the confirmation in our private chat."]
    confirm = with_button(bot.fake.shown(ann.id), "Yes")
    # Ben presses Ann's Yes (its data, forged onto a group message): neither Ben's data nor Ann's goes
    await ben.press_data(shown[-1], confirm.data("Yes"))
    assert await bot.core.repo.find_learner("telegram", "32") is not None
    assert await bot.core.repo.find_learner("telegram", "31") is not None
    [done] = await ann_dm.press(confirm, "Yes")
    assert "everything about you is deleted" in done.text
    assert await bot.core.repo.find_learner("telegram", "31") is None
    await ann_dm.say("/next")  # Ann starts again, then presses the old Yes: no new confirmation, nothing goes
    [replayed] = await ann_dm.press(confirm, "Yes")
    assert "expired or was already used, so nothing was deleted" in replayed.text
    assert await bot.core.repo.find_learner("telegram", "31") is not None


async def test_personal_data_asked_for_in_a_group_goes_to_the_private_chat(bot):
    group = bot.fake.group(GROUP, "Study group")
    ann = bot.person(33, "Ann", group=group)
    bot.fake.private_chat(ann.user)
    cid = bot.person(34, "Cid", group=group)  # never started the bot
    await ann.say(f"/next{AT}")
    [line] = await ann.say(f"/export{AT}")
    assert line.kind == "text" and line.text == "📦 Your data file is in our private chat."
    assert not [m for m in bot.fake.shown(GROUP) if m.kind == "document"], "no data file in the group"
    [doc] = [m for m in bot.fake.shown(ann.id) if m.kind == "document"]
    assert doc.document[0].startswith("mlmath-export-")
    for command, private_bit in ((f"/progress{AT}", "Accuracy"), (f"/settings{AT}", "Time zone")):
        [shown] = await ann.say(command)
        assert private_bit not in shown.text and "in our private chat" in shown.text, command
        assert private_bit in bot.fake.shown(ann.id)[-1].text, command
    # a change: said in the group, where it was typed; the settings come privately
    said, where = await ann.say(f"/timezone{AT} Europe/Berlin")
    assert said.text == "🌍 Time zone set." and where.text == "⚙️ Your settings are in our private chat."
    assert "Time zone: Europe/Berlin (your time now" in bot.fake.shown(ann.id)[-1].text
    [told] = await cid.say(f"/export{AT}")
    assert "I send it only in our private chat" in told.text and "send /export there" in told.text
    assert f'href="https://t.me/{BOT_USERNAME}"' in told.html and told.reply_to is not None
    assert not [m for m in bot.fake.shown(GROUP) if m.kind == "document"]


async def test_someone_elses_lesson_button_answers_privately_and_changes_nothing(bot):
    group = bot.fake.group(GROUP, "Study group")
    ann = bot.person(35, "Ann", group=group)
    ben = bot.person(36, "Ben", group=group)
    [lesson] = await ann.say(f"/next{AT}")
    await ben.say(f"/next{AT}")
    repo = bot.core.repo
    ben_before = await repo.find_learner("telegram", "36")
    for label in ("Done", "Practice", "Skip"):
        assert await ben.press(lesson, label) == [], "nothing is posted in the group"
    assert popups(bot) == ["🔒 This is Ann's lesson — /next gives you yours."] * 3
    ben_after = await repo.find_learner("telegram", "36")
    assert ben_after == ben_before and await repo.unit_states(ben_after.id) == {}
    ann_l = await repo.find_learner("telegram", "35")
    assert await repo.unit_states(ann_l.id) == {} and ann_l.lesson_unit == "b-one"
    [question] = await ann.press(lesson, "Done")  # still Ann's to press
    assert "Lesson “Unit One” done" in question.text
    [other] = await ben.say("6", reply_to=question)  # a reply to Ann's question is not Ben's answer
    assert "This is Ann's question — /next gives you yours." in other.text
    assert await repo.find_learner("telegram", "36") == ben_before


async def test_a_forged_lesson_button_for_a_unit_not_reached_changes_nothing(bot, catalog):
    ann = bot.person(37, "Ann")
    [lesson] = await ann.say("/next")
    later = catalog.units[-1]
    assert later.needs
    [reply] = await ann.press_data(lesson, f"d:{later.id}")
    assert "no longer open, so nothing changed" in reply.text
    learner = await bot.core.repo.find_learner("telegram", "37")
    assert await bot.core.repo.unit_states(learner.id) == {}
    assert await bot.core.repo.study_days(learner.id, date(2000, 1, 1)) == []
