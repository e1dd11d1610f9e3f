"""A challenge in Telegram groups, end to end: the real python-telegram-bot Application against the fake Bot API
(tests/support/fake_telegram.py), a real Core on SQLite, the challenge sweep with an injected clock. Organiser rights
come from the fake's getChatMember (``fake.admins``); assertions are on what each chat shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.challenges import ChallengeService
from tests.support.telegram import GROUP, running

GROUP2 = -1009876543210
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


async def todays_prompt(bot, chat: int):
    repo = bot.core.repo
    ch = await repo.latest_challenge("telegram", str(chat), "challenge")
    post = max(await repo.challenge_posts(ch.id), key=lambda p: p.day)
    return bot.core.catalog.prompt_by_id[post.prompt_id]


def right(prompt) -> str:
    return prompt.answer.value


def wrong(prompt) -> str:
    a = prompt.answer
    return next(o for o in a.options if o != a.value) if a.kind == "choice" else prompt.mistakes[0].answer


async def test_a_group_challenge_from_start_to_the_final_post(tmp_path, catalog, clock):
    async with running(tmp_path, catalog, clock) as bot:
        fake = bot.fake
        group = fake.group(GROUP, "Study group")
        org = bot.person(50, "Olga", group=group)
        ann, bob, cat = (bot.person(uid, name, group=group) for uid, name in ((51, "Ann"), (52, "Bob"), (53, "Cat")))
        fake.admins.add((GROUP, org.id))
        fake.private_chat(ann.user)  # Ann and Cat have started the bot: their verdicts also come by DM
        fake.private_chat(cat.user)
        service = ChallengeService(catalog, bot.core.repo, clock, {"telegram": bot.adapter.messenger}, rates={})
        clock.set(utc(2026, 3, 10, 12, 0))

        # a member may not start one: a clear refusal, nothing created
        [refused] = await ann.say("/challenge start all 2 19:00 Europe/Berlin")
        assert "is for this group's admins" in refused.text and refused.reply_to is not None
        assert await bot.core.repo.open_challenge("telegram", str(GROUP), "challenge") is None
        [announcement] = await org.say("/challenge start topic:all days:2 time:19:00 Europe/Berlin")
        assert "New study challenge: All topics" in announcement.text and announcement.reply_to is None  # public
        assert "the first on Tue 10 Mar 19:00" in announcement.text and "Scoring" in announcement.text
        assert len(fake.calls_of("getChatMember")) == 2  # asked for the organiser actions only

        [joined] = await ann.press(announcement, "Join")
        assert joined.text.startswith("Ann 🙋 You're in!") and joined.text.count("Ann") == 1
        for member in (bob, cat):
            [joined] = await member.say("/challenge join")
            assert "You're in" in joined.text
        assert len(fake.calls_of("getChatMember")) == 2  # joining asks nothing

        # day 1 at 19:00 in Berlin (18:00 UTC), not a minute before
        before = len(fake.shown(GROUP))
        for minute in (58, 59):
            await service.sweep(utc(2026, 3, 10, 17, minute))
        assert len(fake.shown(GROUP)) == before
        clock.set(utc(2026, 3, 10, 18, 0))
        await service.sweep()
        post1 = fake.shown(GROUP)[-1]
        assert "Day 1 of 2" in post1.text and "Leaderboard 🏆" in post1.labels and post1.reply_to is None
        assert "your first answer counts (no second tries, so the scoring is fair)" in post1.text
        p1 = await todays_prompt(bot, GROUP)

        clock.advance(seconds=20)
        [counted] = await ann.say(right(p1), reply_to=post1)  # a reply to the post is an answer
        assert counted.text == "✓ counted" and counted.reply_to is not None
        [dm] = fake.shown(ann.id)[-1:]
        assert "Right! +15 points (1st right today)" in dm.text
        clock.advance(seconds=20)
        [counted] = await bob.say(f"/answer {right(p1)}")  # /answer in the group answers the open post
        assert counted.text == "✓ counted" and fake.shown(bob.id) == []  # Bob never started the bot: no DM
        clock.advance(seconds=20)
        [counted] = await cat.say(wrong(p1), reply_to=post1)
        assert counted.text == "✓ counted"
        [dm] = fake.shown(cat.id)[-1:]
        assert "Not quite" in dm.text and "your first answer is the one that counts" in dm.text
        assert dm.labels == []  # no Hint, no second try
        clock.advance(seconds=20)
        [again] = await cat.say(right(p1), reply_to=post1)
        assert "already answered" in again.text
        clock.advance(seconds=20)
        [again] = await ann.say(right(p1), reply_to=post1)
        assert "already answered" in again.text

        # day 2: Bob first, fast; Ann second, slow; Cat tries day 1 again, too late
        clock.set(utc(2026, 3, 11, 18, 0))
        await service.sweep()
        post2 = fake.shown(GROUP)[-1]
        assert "Day 2 of 2" in post2.text
        p2 = await todays_prompt(bot, GROUP)
        assert p2.id != p1.id
        clock.advance(seconds=10)
        await bob.say(right(p2), reply_to=post2)
        clock.advance(seconds=290)
        await ann.say(right(p2), reply_to=post2)
        assert "+15 points (2nd right today, 2 days in a row)" in fake.shown(ann.id)[-1].text
        clock.advance(seconds=10)
        [late] = await cat.say(right(p1), reply_to=post1)
        assert "Day 1's prompt closed" in late.text

        # 30 points each: the smaller total time (Bob: 40 s + 10 s; Ann: 20 s + 300 s) comes first
        [board] = await cat.say("/leaderboard")
        lines = board.text.splitlines()
        assert lines[2].startswith("🥇 Bob — 30 points") and lines[3].startswith("🥈 Ann — 30 points")
        assert "Cat — 0 points" in board.text and "You: #3 of 3 — 0 points" in board.text
        [refused] = await bob.say("/challenge end")
        assert "is for this group's admins" in refused.text

        # a second group's challenge sees none of this
        group2 = fake.group(GROUP2, "Other group")
        org2, dan = bot.person(60, "Oscar", group=group2), bot.person(61, "Dan", group=group2)
        fake.admins.add((GROUP2, org2.id))
        await org2.say("/challenge start all 3 08:00")
        await dan.say("/challenge join")
        [board2] = await dan.say("/leaderboard")
        assert "Dan" in board2.text and not any(n in board2.text for n in ("Ann", "Bob", "Cat"))

        # the end: results posted once in the group, after day 2 closes
        clock.set(utc(2026, 3, 12, 18, 0))
        await service.sweep()
        await service.sweep(clock.now + timedelta(minutes=1))
        [final] = [m for m in fake.shown(GROUP) if "Challenge over" in m.text]
        assert "Winners: 🥇 Bob (30), 🥈 Ann (30)" in final.text
        assert all(f"{n} — " in final.text for n in ("Bob", "Ann", "Cat")) and "Dan" not in final.text
        assert not any("Challenge over" in m.text for m in fake.shown(GROUP2))


async def test_a_removed_bot_pauses_the_challenge_and_the_organiser_is_told(tmp_path, catalog, clock):
    async with running(tmp_path, catalog, clock) as bot:
        fake = bot.fake
        group = fake.group(GROUP, "Study group")
        org = bot.person(50, "Olga", group=group)
        fake.admins.add((GROUP, org.id))
        fake.private_chat(org.user)
        clock.set(utc(2026, 3, 10, 12, 0))
        await org.say("/challenge start all 3 19:00")
        fake.fail("sendMessage", status=403, chat_id=GROUP, description="Forbidden: bot was kicked from the group")
        fake.fail("sendPhoto", status=403, chat_id=GROUP, description="Forbidden: bot was kicked from the group")
        service = ChallengeService(catalog, bot.core.repo, clock, {"telegram": bot.adapter.messenger}, rates={})
        stats = await service.sweep(utc(2026, 3, 10, 19, 0))
        assert stats.paused == 1
        [note] = fake.shown(org.id)
        assert "paused it" in note.text and "/challenge resume" in note.text
        assert (await bot.core.repo.latest_challenge("telegram", str(GROUP), "challenge")).status == "paused"


async def test_daily_post_in_a_group_and_off(tmp_path, catalog, clock):
    async with running(tmp_path, catalog, clock) as bot:
        fake = bot.fake
        group = fake.group(GROUP, "Study group")
        org, ann = bot.person(50, "Olga", group=group), bot.person(51, "Ann", group=group)
        fake.admins.add((GROUP, org.id))
        clock.set(utc(2026, 3, 10, 6, 0))
        [refused] = await ann.say("/daily post 07:00")
        assert "is for this group's admins" in refused.text
        calls = len(fake.calls_of("getChatMember"))
        [own] = await ann.say("/daily")  # a learner's own /daily: no admin check
        assert "Today's prompt" in own.text and len(fake.calls_of("getChatMember")) == calls
        [ok] = await org.say("/daily post 07:00 UTC")
        assert "every day at 07:00 (UTC)" in ok.text
        service = ChallengeService(catalog, bot.core.repo, clock, {"telegram": bot.adapter.messenger}, rates={})
        clock.set(utc(2026, 3, 10, 7, 0))
        await service.sweep()
        post = fake.shown(GROUP)[-1]
        assert "Today's study prompt" in post.text and "Join 🙋" not in post.labels
        repo = bot.core.repo
        ch = await repo.latest_challenge("telegram", str(GROUP), "daily")
        prompt = catalog.prompt_by_id[(await repo.challenge_post(ch.id, 1)).prompt_id]
        clock.advance(seconds=30)
        [counted] = await ann.say(prompt.answer.value, reply_to=post)
        assert counted.text == "✓ counted"
        [progress] = [m for m in await bot.person(51, "Ann").say("/progress") if "Streak" in m.text]
        assert "Streak: 1 day" in progress.text
        [off] = await org.say("/daily post off")
        assert "No more daily study prompts" in off.text
