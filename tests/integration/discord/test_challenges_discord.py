"""A challenge in Discord servers, end to end: the real discord.py bot against the fake Discord
(tests/support/fake_discord.py), a real Core on SQLite, the challenge sweep with an injected clock. Organiser rights come
from the member's resolved permissions in each interaction (Manage Server); posts go to the channel; answers go
through the post's Answer button and its modal (or its option buttons), privately (ephemeral)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.challenges import ChallengeService
from tests.support.discord import only, press, run, settle
from tests.support.fake_discord import MANAGE_GUILD, Msg


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


async def todays_prompt(adapter, channel: int):
    repo = adapter.core.repo
    ch = await repo.latest_challenge("discord", str(channel), "challenge")
    post = max(await repo.challenge_posts(ch.id), key=lambda p: p.day)
    return adapter.core.catalog.prompt_by_id[post.prompt_id]


def wrong(prompt) -> str:
    a = prompt.answer
    return next(o for o in a.options if o != a.value) if a.kind == "choice" else prompt.mistakes[0].answer


async def answer(fake, adapter, user, post: Msg, text: str, guild: int) -> Msg:
    """What a member does: the post's Answer button and its modal, or the option button of a multiple choice."""
    if "Answer ✍️" in post.labels:
        opened = await settle(fake, adapter, await fake.press(user, post, "Answer", guild))
        assert opened.callback_types == [9] and opened.modal["custom_id"].startswith("t:ca:")
        return only(await settle(fake, adapter, await fake.submit(user, opened, guild, answer=text)))
    return only(await settle(fake, adapter, await fake.press(user, post, text, guild)))


async def test_a_server_challenge_from_start_to_the_final_post(fake, bot, catalog, clock):
    bob, cat = fake.add_user("bob", "Bob"), fake.add_user("cat", "Cat")
    for u in (bob, cat):
        fake.add_member(fake.guild, u)
    channel = fake.channel_of(fake.guild)
    service = ChallengeService(catalog, bot.core.repo, clock, {"discord": bot.messenger}, rates={})
    clock.set(utc(2026, 3, 10, 12, 0))

    msg = only(await run(fake, bot, fake.ada, "challenge", action="start", topic="all", days=2, time="19:00",
                         zone="Europe/Berlin"))
    assert msg.ephemeral and "is for this server's organisers" in msg.text
    announcement = only(await run(fake, bot, fake.olga, "challenge", action="start", topic="all", days=2,
                                  time="19:00", zone="Europe/Berlin"))
    assert not announcement.ephemeral and "New study challenge: All topics" in announcement.text
    assert announcement.labels == ["Join 🙋", "Leaderboard 🏆"]
    assert announcement.button("Join")["custom_id"] == "b:cj:1"

    msg = only(await press(fake, bot, fake.ada, announcement, "Join"))
    assert msg.ephemeral and "🙋 You're in!" in msg.text and "Ada" not in msg.text
    for u in (bob, cat):
        assert "You're in" in only(await run(fake, bot, u, "challenge", action="join")).text

    await service.sweep(utc(2026, 3, 10, 17, 59))
    assert fake.channel_messages(channel) == []
    clock.set(utc(2026, 3, 10, 18, 0))  # 19:00 in Berlin
    await service.sweep()
    [post1] = fake.channel_messages(channel)
    assert "Day 1 of 2" in post1.text and not post1.ephemeral
    assert "your first answer counts (no second tries, so the scoring is fair)" in post1.text
    p1 = await todays_prompt(bot, channel)

    clock.advance(seconds=20)
    msg = await answer(fake, bot, fake.ada, post1, p1.answer.value, fake.guild)
    assert msg.ephemeral and "Right! +15 points (1st right today)" in msg.text  # private, with the details
    clock.advance(seconds=20)
    assert "+13 points" in (await answer(fake, bot, bob, post1, p1.answer.value, fake.guild)).text
    clock.advance(seconds=20)
    msg = await answer(fake, bot, cat, post1, wrong(p1), fake.guild)
    assert msg.ephemeral and "Not quite" in msg.text and "your first answer is the one that counts" in msg.text
    assert "Answer ✍️" not in msg.labels and "Hint 💡" not in msg.labels  # no second try in a challenge
    clock.advance(seconds=20)
    assert "already answered" in (await answer(fake, bot, cat, post1, p1.answer.value, fake.guild)).text

    clock.set(utc(2026, 3, 11, 18, 0))
    await service.sweep()
    post2 = fake.channel_messages(channel)[-1]
    assert "Day 2 of 2" in post2.text
    p2 = await todays_prompt(bot, channel)
    clock.advance(seconds=10)
    await answer(fake, bot, bob, post2, p2.answer.value, fake.guild)
    clock.advance(seconds=290)
    msg = await answer(fake, bot, fake.ada, post2, p2.answer.value, fake.guild)
    assert "+15 points (2nd right today, 2 days in a row)" in msg.text
    clock.advance(seconds=10)
    msg = await answer(fake, bot, cat, post1, p1.answer.value, fake.guild)  # day 1, too late
    assert "Day 1's prompt closed" in msg.text

    board = only(await run(fake, bot, cat, "leaderboard"))
    lines = board.text.splitlines()
    assert board.ephemeral and lines[2].startswith("🥇 Bob — **30** points") and lines[3].startswith("🥈 Ada — **30**")
    assert "**You:** #3 of 3 — 0 points" in board.text
    assert "is for this server's organisers" in only(await run(fake, bot, bob, "challenge", action="end")).text

    # a second server's challenge is its own
    second = fake.add_guild("Second Server")
    mods = fake.add_role(second, "Mods", MANAGE_GUILD)
    oscar, dan = fake.add_user("oscar", "Oscar"), fake.add_user("dan", "Dan")
    fake.add_member(second, oscar, mods)
    fake.add_member(second, dan)
    fake.add_member(second, fake.ada)
    await settle(fake, bot, await fake.slash(oscar, "challenge", second, action="start", topic="basics", days=3,
                                             time="08:00"))
    await settle(fake, bot, await fake.slash(dan, "challenge", second, action="join"))
    board2 = only(await settle(fake, bot, await fake.slash(fake.ada, "leaderboard", second)))
    assert "Dan" in board2.text and "Bob" not in board2.text and "You haven't joined" in board2.text

    clock.set(utc(2026, 3, 12, 18, 0))
    await service.sweep()
    final = fake.channel_messages(channel)[-1]
    assert "Challenge over: All topics" in final.text and "🥇 Bob (30), 🥈 Ada (30)" in final.text
    assert all(f"{n} — " in final.text for n in ("Bob", "Ada", "Cat")) and "Dan" not in final.text
    [own_post] = fake.channel_messages(fake.channel_of(second))  # its own day 1 (08:00 UTC), no results
    assert "Day 1 of 3** · Basics challenge" in own_post.text


async def test_a_deleted_channel_pauses_the_challenge_and_the_organiser_gets_a_dm(fake, bot, catalog, clock):
    channel = fake.channel_of(fake.guild)
    clock.set(utc(2026, 3, 10, 12, 0))
    await run(fake, bot, fake.olga, "challenge", action="start", days=3, time="19:00")
    del fake.channels[channel]  # the channel is deleted
    service = ChallengeService(catalog, bot.core.repo, clock, {"discord": bot.messenger}, rates={})
    stats = await service.sweep(utc(2026, 3, 10, 19, 0))
    assert stats.paused == 1
    [note] = fake.dms(fake.olga)
    assert "paused it" in note.text
    ch = await bot.core.repo.latest_challenge("discord", str(channel), "challenge")
    assert ch.status == "paused" and ch.next_post_at is None
    assert (await service.sweep(utc(2026, 3, 11, 19, 0))).claimed == 0  # nothing more is tried


async def test_the_own_question_answer_button_still_answers_ones_own_question(fake, bot, catalog, clock):
    """In a channel with an open challenge post, the Answer button of a personal (ephemeral) question answers
    that question, not the post."""
    clock.set(utc(2026, 3, 10, 12, 0))
    await run(fake, bot, fake.olga, "challenge", action="start", days=3, time="19:00")
    await run(fake, bot, fake.ada, "challenge", action="join")
    service = ChallengeService(catalog, bot.core.repo, clock, {"discord": bot.messenger}, rates={})
    await service.sweep(utc(2026, 3, 10, 19, 0))
    msg = only(await run(fake, bot, fake.ada, "next"))
    msg = only(await press(fake, bot, fake.ada, msg, "Done"))
    for _ in range(2):
        msg = only(await press(fake, bot, fake.ada, msg, "Skip"))
    assert "What is 1/4 as a fraction?" in msg.text
    opened = await press(fake, bot, fake.ada, msg, "Answer")
    reply = only(await settle(fake, bot, await fake.submit(fake.ada, opened, fake.guild, answer="1/4")))
    assert "✅ Right!" in reply.text and "points" not in reply.text
    assert await bot.core.repo.challenge_answers(1) == []
