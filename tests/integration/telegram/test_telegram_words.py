"""Telegram in its own words, through the real python-telegram-bot Application against the fake Bot API.

Nothing the bot says on Telegram names Discord's things (servers, guilds, ephemeral messages, slash commands,
Manage Server): the fake scans every message, popup and command menu and the ``running`` helper fails on any
(tests/support/wording.py). Here: every command, bare and with a wrong argument, in a private chat and in a
group, by a member and by an admin; the organiser refusal and the join reply in a group; the challenge
announcement and posts; a topic's resources as pages, one message each.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.content.loader import load_catalog
from bot.core.challenges import ChallengeService
from tests.support import ROOT
from tests.support.fake_telegram import BOT_USERNAME
from tests.support.telegram import running
from tests.support.wording import foreign_words

GROUP = -1001234567890


async def test_every_command_in_a_private_chat_and_a_group_speaks_telegram(tmp_path, catalog, clock):
    async with running(tmp_path, catalog, clock) as bot:
        ann = bot.person(31, "Ann")
        said = []
        for i, command in enumerate(bot.core.registry):
            # a group each: PTB's rate limiter paces a bot to 20 messages a minute in one group, as Telegram asks
            group = bot.fake.group(GROUP - i, f"Study group {i}")
            member, org = bot.person(31, "Ann", group=group), bot.person(32, "Olga", group=group)
            bot.fake.admins.add((group["id"], org.id))
            said += await ann.say(f"/{command.name}")
            said += await ann.say(f"/{command.name} nonsense")
            said += await member.say(f"/{command.name}@{BOT_USERNAME}")
            said += await org.say(f"/{command.name}@{BOT_USERNAME} nonsense")
        texts = [m.text for m in said]
        assert len(texts) > 4 * 10 and not [t for t in texts if foreign_words("telegram", t)]
        assert bot.fake.foreign == []

        [private] = await ann.say("/challenge status")
        assert "works in a group: run it there." in private.text
        member = bot.person(31, "Ann", group=bot.fake.group(GROUP, "Study group"))
        [refused] = await member.say(f"/challenge@{BOT_USERNAME} end")
        assert refused.text == "🚫 /challenge end is for this group's admins. Nothing was changed." and refused.reply_to


async def test_a_challenge_on_telegram_is_answered_by_replying_to_its_post(tmp_path, catalog, clock):
    async with running(tmp_path, catalog, clock) as bot:
        group = bot.fake.group(GROUP, "Study group")
        org, ann = bot.person(32, "Olga", group=group), bot.person(33, "Ann", group=group)
        bot.fake.admins.add((GROUP, org.id))
        service = ChallengeService(catalog, bot.core.repo, clock, {"telegram": bot.adapter.messenger}, rates={})
        [announcement] = await org.say("/challenge start basics 2 13:00 UTC")
        assert "Answer each day's prompt with its buttons or by replying to it" in announcement.text
        [joined] = await ann.press(announcement, "Join")
        assert joined.text.startswith("Ann 🙋 You're in!") and joined.text.count("Ann") == 1
        for day in range(2):
            clock.set(datetime(2026, 3, 10 + day, 13, 0, tzinfo=UTC))
            await service.sweep()
            post = bot.fake.shown(GROUP)[-1]
            assert f"Day {day + 1} of 2" in post.text
            if "Answer ✍️" in post.labels:
                assert "Reply to this message with your answer (" in post.text


async def test_a_topics_resources_are_pages_of_one_message_each(tmp_path, clock):
    catalog = load_catalog(ROOT / "content")
    topic = catalog.topic_by_id["linear-algebra"]
    async with running(tmp_path, catalog, clock) as bot:
        ann = bot.person(34, "Ann")
        [page] = await ann.say("/resources linear-algebra")
        pages = int(re.search(r"page 1 of (\d+)", page.text)[1])
        assert pages > 1 and page.labels == ["Next page ▶"]
        seen = [page.text]
        for n in range(2, pages + 1):
            [page] = await ann.press(page, "Next page")
            assert f"page {n} of {pages}" in page.text
            seen.append(page.text)
        assert page.labels == ["◀ Previous"]
        everything = "\n".join(seen)
        for unit in topic.units:
            assert everything.count(unit.title) >= 1, unit.title
            assert all(r.title in everything for r in unit.resources), unit.title
