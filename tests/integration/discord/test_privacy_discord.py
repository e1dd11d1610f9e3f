"""Nobody acts for anyone else, and nothing private is posted in a server channel: the attacks of issue 32,
through the real discord.py client against the fake Discord. Personal replies in a server are ephemeral, so
another member only reaches someone's button by sending its custom id (any client can)."""

from __future__ import annotations

from datetime import date

from tests.support.discord import only, press, run, settle
from tests.support.fake_discord import Msg


async def member(fake, name: str) -> dict:
    user = fake.add_user(name.lower(), name)
    fake.add_member(fake.guild, user)
    return user


async def forged(fake, bot, user, message, custom_id: str):
    """``user`` sends a press of a button ``custom_id`` on a message like ``message`` (Discord delivers presses of
    the buttons a message has: a forging client sends such a message's id with its own custom id)."""
    carrier = Msg(fake.snowflake(), message.channel_id, "a message", flags=message.flags, components=[
        {"type": 1, "components": [{"type": 2, "style": 2, "label": "forged", "custom_id": custom_id}]}])
    return await settle(fake, bot, await fake.press_custom_id(user, carrier, custom_id, fake.guild))


async def test_a_forget_confirm_acts_once_and_only_for_who_asked(fake, bot):
    ben = await member(fake, "Ben")
    await run(fake, bot, fake.ada, "next")
    await run(fake, bot, ben, "next")
    confirm = only(await run(fake, bot, fake.ada, "forget"))
    assert confirm.ephemeral and "Are you sure?" in confirm.text
    yes = confirm.button("Yes")["custom_id"]
    for custom_id in (yes, "b:fy"):  # Ada's Yes, and the old bare form
        refused = only(await forged(fake, bot, ben, confirm, custom_id))
        assert refused.ephemeral, refused.text
        assert await bot.core.repo.find_learner("discord", ben["id"]) is not None
        assert await bot.core.repo.find_learner("discord", fake.ada["id"]) is not None
    assert yes.startswith("b:fy:") and len(yes) > len("b:fy:") + 8  # a nonce
    done = only(await press(fake, bot, fake.ada, confirm, "Yes"))
    assert done.ephemeral and "everything about you is deleted" in done.text
    assert await bot.core.repo.find_learner("discord", fake.ada["id"]) is None
    await run(fake, bot, fake.ada, "next")  # Ada starts again, then presses the old Yes
    replayed = only(await press(fake, bot, fake.ada, confirm, "Yes"))
    assert "expired or was already used, so nothing was deleted" in replayed.text
    assert await bot.core.repo.find_learner("discord", fake.ada["id"]) is not None


async def test_personal_data_in_a_server_is_ephemeral(fake, bot):
    await run(fake, bot, fake.ada, "next")
    for command, options, private_bit in (("export", {}, "everything I store"), ("progress", {}, "Accuracy"),
                                          ("settings", {}, "Time zone"), ("forget", {}, "Are you sure"),
                                          ("timezone", {"zone": "Europe/Berlin"}, "Europe/Berlin")):
        it = await run(fake, bot, fake.ada, command, **options)
        assert it.visible and all(m.ephemeral for m in it.visible), command
        assert private_bit in it.text, command
    assert not fake.channel_messages(fake.channel_of(fake.guild)), "nothing posted in the channel"


async def test_someone_elses_lesson_button_answers_privately_and_changes_nothing(fake, bot):
    ben = await member(fake, "Ben")
    lesson = only(await run(fake, bot, fake.ada, "next"))
    await run(fake, bot, ben, "next")
    repo = bot.core.repo
    ben_before = await repo.find_learner("discord", ben["id"])
    for label in ("Done", "Practice", "Skip"):
        refused = only(await forged(fake, bot, ben, lesson, lesson.button(label)["custom_id"]))
        assert refused.ephemeral and refused.text == "🔒 This is Ada's lesson — /next gives you yours."
    assert await repo.find_learner("discord", ben["id"]) == ben_before
    assert await repo.unit_states(ben_before.id) == {}
    ada = await repo.find_learner("discord", fake.ada["id"])
    assert await repo.unit_states(ada.id) == {} and ada.lesson_unit == "b-one"
    question = only(await press(fake, bot, fake.ada, lesson, "Done"))  # still Ada's to press
    assert "Lesson “Unit One” done" in question.text
    refused = only(await forged(fake, bot, ben, question, question.button("6")["custom_id"]))
    assert "This is Ada's question" in refused.text
    assert await repo.find_learner("discord", ben["id"]) == ben_before


async def test_a_forged_lesson_button_for_a_unit_not_reached_changes_nothing(fake, bot, catalog):
    lesson = only(await run(fake, bot, fake.ada, "next"))
    later = catalog.units[-1]
    assert later.needs
    for custom_id in (f"b:d:{later.id}", f"b:p:{later.id}", f"b:s:{later.id}"):
        reply = only(await forged(fake, bot, fake.ada, lesson, custom_id))
        assert "no longer open, so nothing changed" in reply.text
    ada = await bot.core.repo.find_learner("discord", fake.ada["id"])
    assert await bot.core.repo.unit_states(ada.id) == {}
    assert await bot.core.repo.study_days(ada.id, date(2000, 1, 1)) == []
