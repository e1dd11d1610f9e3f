"""Challenges and channel daily posts in the core: an injected clock, a recording Messenger, SQLite
(PostgreSQL: tests/integration/test_challenges_on_postgresql.py).

The adapters' end-to-end tests (test_challenges_telegram.py, test_challenges_discord.py) drive the same rules
through the fake platforms; here are the rules themselves and the abuse cases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.challenges import (
    POINTS_CORRECT,
    Answer,
    AnswerLimiter,
    ChallengeService,
    Member,
    standings,
)
from bot.core.model import Actor
from tests.support.conversation import asked, db_state
from tests.support.fakes import RecordingMessenger

G1, G2 = "-1001", "-1002"
NAMES = {"1": "Ann", "2": "Bob", "3": "Cat", "4": "Dan", "100": "Olga"}


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


def person(uid: str, chat: str = G1, admin: bool = False) -> Actor:
    return Actor("telegram", uid, NAMES.get(uid, f"user{uid}"), chat_id=chat, is_private=False, is_admin=admin,
                 guild_id=chat)


ORG = person("100", admin=True)
ANN, BOB, CAT = person("1"), person("2"), person("3")


async def at_once(*calls):
    return await asyncio.gather(*calls)


def texts(replies) -> str:
    return "\n".join(r.text for r in replies)


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
def service(core, repo, catalog, clock, messenger):
    return ChallengeService(catalog, repo, clock, {"telegram": messenger}, rates={})


async def todays(repo, catalog, chat=G1, kind="challenge"):
    ch = await repo.latest_challenge("telegram", chat, kind)
    post = max(await repo.challenge_posts(ch.id), key=lambda p: p.day)
    return ch, post, catalog.prompt_by_id[post.prompt_id]


def answer_text(prompt, right: bool) -> str:
    a = prompt.answer
    if right:
        return a.value
    if a.kind == "choice":
        return next(o for o in a.options if o != a.value)
    return prompt.mistakes[0].answer


async def answer(core, actor, ch, post, text):
    return await core.answer_to(actor, f"ca:{ch.id}:{post.day}", text)


# ---------------------------------------------------------------- the rules, without a database


def test_scoring_first_three_run_bonus_practice_and_ties():
    t0 = utc(2026, 3, 10, 18, 0)
    members = [Member(i, n, t0, None) for i, n in ((1, "Ann"), (2, "Bob"), (3, "Cat"), (4, "Dan"), (5, "Eve"))]
    members.append(Member(6, "Gone", t0, t0 + timedelta(days=1)))  # left: off the board

    def ans(day, who, secs, ok=True):
        return Answer(day, who, t0 + timedelta(days=day - 1, seconds=secs), ok, secs * 1000)

    answers = [
        ans(1, 6, 1), ans(1, 1, 10), ans(1, 2, 20), ans(1, 3, 30), ans(1, 4, 40), ans(1, 5, 50, ok=False),
        ans(2, 2, 5), ans(2, 1, 300), ans(2, 4, 6, ok=False),
    ]
    board = standings(members, answers, [1, 2], {3: 2})
    got = {s.name: (s.points, s.rank) for s in board}
    # day 1: Gone took first place (+5); Ann 2nd (+3), Bob 3rd (+1), Cat and Dan none
    # day 2: Bob 1st (+5) and a 2-day run (+2); Ann 2nd (+3) and a run (+2)
    assert got["Ann"] == (13 + 15, 2) and got["Bob"] == (11 + 17, 1)  # 28 each: Bob's total time is smaller
    assert got["Cat"] == (10 + 4, 3)  # 2 practice prompts
    assert got["Dan"] == (10, 4) and got["Eve"] == (0, 5) and "Gone" not in got
    tie = standings(members[:2], [ans(1, 1, 10), ans(1, 2, 10)], [1], {})
    assert tie[0].points != tie[1].points  # the earlier of equal times is still first to answer
    same = standings(members[:2], [], [1], {1: 1, 2: 1})
    assert [s.rank for s in same] == [1, 1]  # equal points and times: shared rank
    long_run = standings(members[:1], [ans(d, 1, 1) for d in range(1, 9)], range(1, 9), {})
    assert long_run[0].points == sum(POINTS_CORRECT + 5 + min(2 * (d - 1), 10) for d in range(1, 9))


def test_answer_limiter_one_every_two_seconds_and_ten_a_minute():
    lim, t = AnswerLimiter(), utc(2026, 3, 10, 12, 0)
    assert lim.wait("a", t) == 0 and lim.wait("a", t + timedelta(seconds=1)) > 0
    assert lim.wait("b", t) == 0  # per member
    for i in range(1, 10):
        assert lim.wait("a", t + timedelta(seconds=2.5 * i)) == 0
    assert lim.wait("a", t + timedelta(seconds=30)) > 0  # the 11th within a minute
    assert lim.wait("a", t + timedelta(seconds=61)) == 0


# ---------------------------------------------------------------- starting, permissions, isolation


async def test_start_by_name_or_position_and_refusals_change_nothing(core, repo, clock):
    clock.set(utc(2026, 3, 10, 12, 0))
    r = await core.handle_text(ORG, "/challenge start topic:basics days:3 time:19:00 Europe/Berlin")
    assert "New study challenge: Basics" in r[0].text and "the first on Tue 10 Mar 19:00" in r[0].text
    assert not r[0].private and [b.label for b in r[0].all_buttons] == ["Join 🙋", "Leaderboard 🏆"]
    ch = await repo.open_challenge("telegram", G1, "challenge")
    assert (ch.topic, ch.days, ch.post_time, ch.timezone) == ("basics", 3, "19:00", "Europe/Berlin")
    assert ch.next_post_at == utc(2026, 3, 10, 18, 0) and ch.ends_at == utc(2026, 3, 13, 18, 0)
    r = await core.handle_text(person("100", G2, admin=True), "/challenge start all 2 7:30")
    assert "All topics" in r[0].text and "07:30 (UTC)" in r[0].text

    before = await db_state(repo)
    cases = {
        (ANN, "/challenge start all 3 19:00"): "is for the chat's organisers",
        (ANN, "/challenge end"): "is for the chat's organisers",
        (ANN, "/challenge status"): "is for the chat's organisers",
        (ANN, "/daily post 08:00"): "is for the chat's organisers",
        (ORG, "/challenge start all 3 19:00"): "already running here",
        (person("100", "-1003", admin=True), "/challenge start more 7 19:00"): "at most 6 days",
        (person("100", "-1003", admin=True), "/challenge start all 3"): "give its days and time",
        (person("100", "-1003", admin=True), "/challenge start all 61 19:00"): "days must be a whole number from 1 "
                                                                               "to 60; 61 is not.",
        (person("100", "-1003", admin=True), "/challenge start days:1000000000 time:19:00"):
            "days must be a whole number from 1 to 60; 1000000000 is not.",
        (person("100", "-1003", admin=True), "/challenge start all 1e9 19:00"):
            "days must be a whole number from 1 to 60. Usage",
        (person("100", "-1003", admin=True), "/challenge start nope 3 19:00"): "don't know a topic",
        (Actor("telegram", "100", "Olga", chat_id="100", is_admin=True), "/challenge start all 3 19:00"):
            "works in a group chat",
        (ANN, "/challenge leave"): "not in this challenge",
        (person("1", "-1003"), "/challenge join"): "no challenge running here",
    }
    for (actor, text), expected in cases.items():
        r = await core.handle_text(actor, text)
        assert len(r) == 1 and expected in r[0].text, (text, r[0].text)
    after = await db_state(repo)
    after["learners"] = before["learners"]  # refusals may create the learner who asked; nothing else
    after["identities"] = before["identities"]
    assert after == before


async def test_groups_never_see_each_others_members_or_scores(core, repo, catalog, clock, service):
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(ORG, "/challenge start all 3 19:00")
    await core.handle_text(person("100", G2, admin=True), "/challenge start all 3 19:00")
    await core.handle_text(ANN, "/challenge join")
    await core.handle_text(BOB, "/challenge join")
    await core.handle_text(person("3", G2), "/challenge join")
    clock.set(utc(2026, 3, 10, 19, 0))
    await service.sweep()
    ch1, post1, prompt1 = await todays(repo, catalog, G1)
    ch2, post2, prompt2 = await todays(repo, catalog, G2)
    clock.advance(seconds=10)
    await answer(core, ANN, ch1, post1, answer_text(prompt1, True))
    r = await answer(core, person("1", G2), ch1, post1, answer_text(prompt1, True))  # G1's button used in G2
    assert "expired" in r[0].text
    r = await core.press(person("2", G2), f"cj:{ch1.id}")
    assert "expired" in r[0].text
    r = await answer(core, person("3", G2), ch2, post2, answer_text(prompt2, True))
    assert "Right" in r[0].text
    board1 = (await core.handle_text(ANN, "/leaderboard"))[0].text
    board2 = (await core.handle_text(person("3", G2), "/leaderboard"))[0].text
    assert "Ann" in board1 and "Bob" in board1 and "Cat" not in board1
    assert "Cat" in board2 and "Ann" not in board2 and "Bob" not in board2
    r = await core.handle_text(person("100", G2, admin=True), "/challenge end")
    assert "Challenge over" in r[0].text and "Cat" in r[0].text and "Ann" not in r[0].text
    assert (await repo.get_challenge(ch1.id)).status == "active"


# ---------------------------------------------------------------- posts


async def test_a_post_goes_out_once_at_the_local_time_even_with_two_sweepers(core, repo, catalog, clock, messenger,
                                                                          service):
    clock.set(utc(2026, 3, 27, 12, 0))
    await core.handle_text(ORG, "/challenge start all 3 02:30 Europe/Berlin")  # across the DST jump of 29 Mar
    other = ChallengeService(catalog, repo, clock, {"telegram": messenger}, rates={})
    sent_at = []
    t = utc(2026, 3, 27, 23, 0)
    while t <= utc(2026, 3, 31, 3, 0):
        clock.set(t)
        before = len(messenger.sent)
        await asyncio.gather(service.sweep(t), other.sweep(t))
        sent_at += [t] * (len(messenger.sent) - before)
        t += timedelta(minutes=15)
    # 02:30 CET = 01:30 UTC; on the 29th 02:30 does not exist: 03:00 CEST = 01:00 UTC; then 00:30 UTC
    assert sent_at == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30),
                       utc(2026, 3, 31, 0, 30)]
    posts, final = [r for _, r in messenger.sent[:3]], messenger.sent[3][1]
    assert [p.text.split("**")[1] for p in posts] == ["Day 1 of 3", "Day 2 of 3", "Day 3 of 3"]
    assert "Challenge over" in final.text and all(d.chat_id == G1 for d, _ in messenger.sent)
    ch = await repo.latest_challenge("telegram", G1, "challenge")
    assert len({p.prompt_id for p in await repo.challenge_posts(ch.id)}) == 3  # never the same prompt twice
    actions = [b.action for p in posts for b in p.all_buttons]
    assert actions and all(len(a.encode()) <= 64 and f":{ch.id}" in a for a in actions)  # carry the challenge
    assert ch.status == "ended" and ch.next_post_at is None


async def test_downtime_posts_the_current_day_once_not_a_burst(core, repo, clock, messenger, service):
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(ORG, "/challenge start all 5 19:00")
    clock.set(utc(2026, 3, 12, 20, 0))  # back after two days down
    await service.sweep()
    assert len(messenger.sent) == 1 and "Day 3 of 5" in messenger.sent[0][1].text
    await service.sweep()
    assert len(messenger.sent) == 1


# ---------------------------------------------------------------- answers and abuse


async def test_answers_count_once_within_the_day_for_members_and_also_as_practice(core, repo, catalog, clock,
                                                                                service):
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(ORG, "/challenge start all 3 19:00")
    for who in (ANN, BOB, CAT):
        await core.handle_text(who, "/challenge join")
    await core.handle_text(Actor("telegram", "1", "Ann", chat_id="1"), "/next")  # Ann's own lesson is open
    clock.set(utc(2026, 3, 10, 19, 0))
    await service.sweep()
    ch, post, prompt = await todays(repo, catalog)
    clock.advance(seconds=20)
    r = await answer(core, ANN, ch, post, answer_text(prompt, True))
    assert "✅ Right! +15 points (1st right today)" in r[0].text and r[0].public_text == "✓ counted"
    clock.advance(seconds=5)
    r = await answer(core, ANN, ch, post, answer_text(prompt, True))
    assert "already answered" in r[0].text  # twice: counted once
    r = await answer(core, BOB, ch, post, "not even maths ]]")
    assert "couldn't read" in r[0].text.lower() or "read" in r[0].text.lower()  # malformed: not counted
    clock.advance(seconds=5)
    r = await answer(core, BOB, ch, post, answer_text(prompt, False))
    assert "Not quite" in r[0].text and "No points today" in r[0].text
    assert len(await repo.challenge_answers(ch.id)) == 2
    ann = await repo.find_learner("telegram", "1")
    assert ann.lesson_unit == "b-one"  # her own lesson is still open
    assert await repo.attempt_totals(ann.id) == (1, 1)  # and the answer counts for her practice ...
    assert "Streak: **1** day" in texts(await core.handle_text(Actor("telegram", "1", "Ann", chat_id="1"),
                                                                "/progress"))  # ... and her streak

    await core.handle_text(BOB, "/challenge leave")
    clock.advance(hours=1)
    r = await answer(core, CAT, ch, post, answer_text(prompt, True))
    assert "+13 points (2nd right today)" in r[0].text  # Bob's wrong answer took no place
    r = await answer(core, person("4"), ch, post, answer_text(prompt, True))
    assert "Join the challenge first" in r[0].text
    clock.set(utc(2026, 3, 11, 19, 0, 30))  # day 2 is out; day 1 has closed
    await service.sweep()
    r = await answer(core, CAT, ch, post, answer_text(prompt, True))
    assert "Day 1's prompt closed at Wed 11 Mar 19:00" in r[0].text
    ch, post2, prompt2 = await todays(repo, catalog)
    r = await answer(core, BOB, ch, post2, answer_text(prompt2, True))
    assert "You left this challenge" in r[0].text
    board = (await core.handle_text(ANN, "/leaderboard"))[0].text
    assert "Bob" not in board and board.index("Ann") < board.index("Cat") and "**You:** #1 of 2" in board
    assert len(await repo.challenge_answers(ch.id)) == 3


async def test_a_flood_of_answers_is_rate_limited_per_member(core, repo, catalog, clock, service):
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(ORG, "/challenge start all 3 19:00")
    await core.handle_text(ANN, "/challenge join")
    await core.handle_text(BOB, "/challenge join")
    clock.set(utc(2026, 3, 10, 19, 0))
    await service.sweep()
    ch, post, prompt = await todays(repo, catalog)
    # 30 at once, none readable: only the first reaches the checker (a counted answer would make the rest
    # "already answered", which needs no checking and so no pacing)
    replies = [await answer(core, ANN, ch, post, f"]] nonsense {i}") for i in range(30)]
    limited = [r for r in replies if "Easy there" in r[0].text]
    assert len(limited) == 29 and "one answer every 2 seconds" in limited[0][0].text
    clock.advance(seconds=3)
    assert "Right" in (await answer(core, ANN, ch, post, answer_text(prompt, True)))[0].text
    again = await at_once(*(answer(core, ANN, ch, post, answer_text(prompt, True)) for _ in range(5)))
    assert all("You already answered Day 1's prompt: one answer counts." in r[0].text for r in again)
    r = await answer(core, BOB, ch, post, answer_text(prompt, True))  # others are not slowed down
    assert "Right" in r[0].text
    assert len(await repo.challenge_answers(ch.id)) == 2


async def test_answer_command_in_the_group_goes_to_the_open_post_first(core, repo, catalog, clock, service):
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(ORG, "/challenge start all 3 19:00")
    await core.handle_text(ANN, "/challenge join")
    r = await core.handle_text(ANN, "/next")
    await core.press(ANN, r[0].all_buttons[1].action)  # Practice: her own question is open
    clock.set(utc(2026, 3, 10, 19, 0))
    await service.sweep()
    ch, post, prompt = await todays(repo, catalog)
    r = await core.handle_text(ANN, f"/answer {answer_text(prompt, True)}")
    assert "+15 points" in r[0].text
    clock.advance(seconds=5)
    r = await core.handle_text(ANN, "/answer 6")  # answered the post: now her own question
    assert "+15" not in r[0].text and ("Right" in r[0].text or "Not quite" in r[0].text)
    r = await core.handle_text(person("7"), "/answer 6")  # not a member, no question of their own
    assert "Join the challenge first" in r[0].text


async def test_deleted_channel_pauses_the_challenge_and_tells_the_organiser(core, repo, catalog, clock, messenger,
                                                                          service):
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(Actor("telegram", "100", "Olga", chat_id="100"), "/start")  # her DM with the bot
    await core.handle_text(ORG, "/challenge start all 3 19:00")
    messenger.unreachable.add(G1)
    clock.set(utc(2026, 3, 10, 19, 0))
    stats = await service.sweep()
    assert stats.paused == 1
    [(to, note)] = messenger.sent
    assert to.chat_id == "100" and "paused it" in note.text
    ch = await repo.latest_challenge("telegram", G1, "challenge")
    assert ch.status == "paused" and ch.next_post_at is None
    clock.advance(days=1)
    assert (await service.sweep()).claimed == 0  # paused: nothing more is tried
    assert "Paused" in (await core.handle_text(ORG, "/challenge status"))[0].text
    messenger.unreachable.clear()  # the bot is back in the group
    r = await core.handle_text(ORG, "/challenge resume")
    assert "Resumed" in r[0].text
    await service.sweep()
    assert "Day 2 of 3" in messenger.sent[-1][1].text and messenger.sent[-1][0].chat_id == G1


# ---------------------------------------------------------------- practice points, daily posts, forgetting


async def test_practice_of_the_topic_during_the_challenge_scores(core, repo, catalog, clock):
    clock.set(utc(2026, 3, 10, 12, 0))
    dm = Actor("telegram", "1", "Ann", chat_id="1")
    r = await core.handle_text(dm, "/next")
    await core.press(dm, r[0].all_buttons[0].action)  # Done: a Basics question opens
    await core.handle_text(dm, "/answer 6")  # before joining: no points
    await core.handle_text(ORG, "/challenge start basics 3 19:00")
    await core.handle_text(ANN, "/challenge join")
    for _ in range(2):
        clock.advance(minutes=1)
        await core.handle_text(dm, "/next")
        learner = await repo.find_learner("telegram", "1")
        await core.handle_text(dm, f"/answer {asked(catalog, learner).answer.value}")
    board = (await core.handle_text(ANN, "/leaderboard"))[0].text
    assert "**4** points" in board and "2 practice" in board


async def test_daily_post_in_a_group_counts_for_streaks_without_scores(core, repo, catalog, clock, messenger,
                                                                     service):
    clock.set(utc(2026, 3, 10, 0, 0))
    r = await core.handle_text(ORG, "/daily post 08:00 Asia/Kolkata")
    assert "every day at 08:00 (Asia/Kolkata)" in r[0].text and not r[0].private
    r = await core.handle_text(ANN, "/daily")  # learners' own /daily still works
    assert "Today's prompt" in r[0].text
    clock.set(utc(2026, 3, 10, 2, 30))  # 08:00 in Kolkata
    await service.sweep()
    [(to, post)] = messenger.sent
    assert to.chat_id == G1 and "Today's study prompt" in post.text and "Join" not in str(post.all_buttons)
    ch, p, prompt = await todays(repo, catalog, kind="daily")
    clock.advance(seconds=30)
    r = await answer(core, BOB, ch, p, answer_text(prompt, True))  # no joining needed, no points
    assert "Right! It counts for your streak" in r[0].text and "points" not in r[0].text
    clock.advance(seconds=5)
    assert "already answered that prompt" in (await answer(core, BOB, ch, p, "1"))[0].text
    bob = Actor("telegram", "2", "Bob", chat_id="2")
    assert "Streak: **1** day" in (await core.handle_text(bob, "/progress"))[0].text
    # a challenge in the same chat: its prompt is the day's post, the daily post waits
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(ORG, "/challenge start all 1 09:00 Asia/Kolkata")  # day 1: 11 Mar 03:30 UTC
    for t in (utc(2026, 3, 11, 2, 30), utc(2026, 3, 11, 3, 30)):
        clock.set(t)
        await service.sweep()
    assert [r.text.split("**")[1] for _, r in messenger.sent[1:]] == ["Day 1 of 1"]
    r = await core.handle_text(ORG, "/daily post off")
    assert "No more daily study prompts" in r[0].text
    clock.set(utc(2026, 3, 13, 2, 30))
    await service.sweep()
    assert not any("Today's study prompt" in r.text for _, r in messenger.sent[2:])


async def test_forget_takes_a_members_challenge_rows(core, repo, catalog, clock, service):
    clock.set(utc(2026, 3, 10, 12, 0))
    await core.handle_text(ORG, "/challenge start all 3 19:00")
    await core.handle_text(ANN, "/challenge join")
    clock.set(utc(2026, 3, 10, 19, 0))
    await service.sweep()
    ch, post, prompt = await todays(repo, catalog)
    await answer(core, ANN, ch, post, answer_text(prompt, True))
    data = (await core.handle_text(Actor("telegram", "1", "Ann", chat_id="1"), "/export"))[0].file.data
    assert b'"challenge_answers"' in data and b'"challenge_members"' in data
    await repo.forget_learner((await repo.find_learner("telegram", "1")).id)
    await repo.forget_learner((await repo.find_learner("telegram", "100")).id)
    assert await repo.count_rows("challenge_members") == 0 and await repo.count_rows("challenge_answers") == 0
    assert (await repo.get_challenge(ch.id)).organiser_id is None  # the group's challenge stays


async def test_one_open_challenge_per_chat_is_the_databases_rule(repo, clock):
    fields = dict(kind="challenge", platform="discord", chat_id="55", guild_id="5", status="active", topic=None,
                  days=3, post_time="19:00", timezone="UTC", start_date=clock.now.date(), ends_at=None, next_day=1,
                  next_post_at=None, organiser_id=None, created_at=clock.now)
    first = await repo.create_challenge(**fields)
    assert first is not None and await repo.create_challenge(**fields) is None  # a race lost cleanly
    assert await repo.create_challenge(**{**fields, "kind": "daily"}) is not None  # a daily post may coexist
    assert await repo.create_challenge(**{**fields, "chat_id": "56"}) is not None
    assert await repo.end_challenge(first.id, clock.now) and not await repo.end_challenge(first.id, clock.now)
    assert await repo.create_challenge(**fields) is not None  # once ended, a new one may start
