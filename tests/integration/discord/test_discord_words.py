"""Discord in its own words, through the real discord.py client against the fake Discord.

The bot reads no server messages (no message intents there: a reply to one of its messages never reaches
it), so in a server nothing it says may promise that replying works: a question, a wrong try, a challenge
post and its announcement say to press **Answer ✍️** (its modal) or use ``/answer``. No text names
Telegram's things (the ``fake`` fixture fails on any, see tests/support/wording.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.core.challenges import ChallengeService
from tests.support.discord import only, press, run, settle
from tests.support.fake_discord import Msg

REPLYING = re.compile(r"\brepl(y|ying|ies)\b", re.I)


def no_reply_promised(msg: Msg) -> None:
    assert not REPLYING.search(msg.text), msg.text


async def test_in_a_server_questions_and_wrong_tries_say_to_press_answer_never_to_reply(fake, bot, catalog):
    msg = only(await run(fake, bot, fake.ada, "next"))
    msg = only(await press(fake, bot, fake.ada, msg, "Done"))
    for _ in range(2):  # two choice questions, then one to type
        msg = only(await press(fake, bot, fake.ada, msg, "Skip"))
    assert msg.ephemeral and "What is 1/4 as a fraction?" in msg.text
    assert "Press **Answer ✍️** to answer (" in msg.text and "or use /answer" in msg.text
    no_reply_promised(msg)

    opened = await press(fake, bot, fake.ada, msg, "Answer")
    msg = only(await settle(fake, bot, await fake.submit(fake.ada, opened, fake.guild, answer="4/1")))
    assert "❌ Not quite yet." in msg.text and "Press **Answer ✍️** to try again." in msg.text
    no_reply_promised(msg)
    msg = only(await run(fake, bot, fake.ada, "next"))  # the open question, shown again
    assert "Press **Answer ✍️** to answer (" in msg.text
    no_reply_promised(msg)


async def test_in_a_dm_a_question_says_to_send_the_answer_there(fake, bot):
    msg = only(await run(fake, bot, fake.ada, "next", guild=False))
    msg = only(await press(fake, bot, fake.ada, msg, "Done", guild=False))
    for _ in range(2):
        msg = only(await press(fake, bot, fake.ada, msg, "Skip", guild=False))
    assert not msg.ephemeral and "Send your answer here (" in msg.text


async def test_challenge_posts_say_to_press_answer_and_organisers_are_named_in_discord_terms(fake, bot, catalog,
                                                                                           clock):
    channel = fake.channel_of(fake.guild)
    service = ChallengeService(catalog, bot.core.repo, clock, {"discord": bot.messenger}, rates={})
    refused = only(await run(fake, bot, fake.ada, "challenge", action="end"))
    assert "is for this server's organisers (members with **Manage Server**)" in refused.text
    assert "Telegram" not in refused.text and "group" not in refused.text
    in_dm = only(await run(fake, bot, fake.ada, "challenge", action="status", guild=False))
    assert "works in a server channel: run it there." in in_dm.text

    announcement = only(await run(fake, bot, fake.olga, "challenge", action="start", topic="basics", days=2,
                                  time="13:00", zone="UTC"))
    assert "Answer each day's prompt with its buttons (or `/answer <your answer>` here)" in announcement.text
    no_reply_promised(announcement)
    only(await press(fake, bot, fake.ada, announcement, "Join"))
    for day in range(2):
        clock.set(datetime(2026, 3, 10 + day, 13, 0, tzinfo=UTC))
        await service.sweep()
        post = fake.channel_messages(channel)[-1]
        assert f"Day {day + 1} of 2" in post.text
        no_reply_promised(post)
        if "Answer ✍️" in post.labels:
            assert "Press **Answer ✍️** to answer (" in post.text
