"""Daily reminders with an injected clock and a recording Messenger, on SQLite (and on PostgreSQL:
tests/integration/test_reminders_on_postgresql.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.model import Actor
from bot.core.reminders import ReminderService, next_instant
from tests.support.fakes import RecordingMessenger


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


# ---------------------------------------------------------------- local time, by hand-computed instants

@pytest.mark.parametrize(
    "hhmm, zone, after, expected",
    [
        ("07:30", "UTC", utc(2026, 3, 10, 12, 0), utc(2026, 3, 11, 7, 30)),
        ("07:30", "Asia/Kolkata", utc(2026, 3, 10, 0, 0), utc(2026, 3, 10, 2, 0)),  # +05:30
        ("07:30", "Asia/Kathmandu", utc(2026, 3, 10, 0, 0), utc(2026, 3, 10, 1, 45)),  # +05:45
        ("07:30", "Pacific/Chatham", utc(2026, 3, 10, 0, 0), utc(2026, 3, 10, 17, 45)),  # +13:45 (summer)
        ("07:30", "Pacific/Chatham", utc(2026, 6, 10, 0, 0), utc(2026, 6, 10, 18, 45)),  # +12:45 (winter)
        ("07:30", "America/New_York", utc(2026, 3, 7, 20, 0), utc(2026, 3, 8, 11, 30)),  # EST day before DST
        ("07:30", "America/New_York", utc(2026, 3, 8, 12, 0), utc(2026, 3, 9, 11, 30)),  # EDT after the change
        # Europe/Berlin jumps 02:00 -> 03:00 on 29 Mar 2026: 02:30 does not exist, fire at 03:00 CEST = 01:00 UTC
        ("02:30", "Europe/Berlin", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0)),
        ("02:30", "Europe/Berlin", utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)),
        # and goes back 03:00 -> 02:00 on 25 Oct 2026: 02:30 happens twice, the first (CEST) = 00:30 UTC
        ("02:30", "Europe/Berlin", utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30)),
        ("02:30", "Europe/Berlin", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
    ],
)
def test_next_instant(hhmm, zone, after, expected):
    assert next_instant(hhmm, zone, after) == expected


# ---------------------------------------------------------------- the sweep


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
def service(core, repo, catalog, clock, messenger):
    return ReminderService(catalog, repo, clock, {"telegram": messenger}, rates={}, batch_size=50)


def tg(uid: str, name: str = "") -> Actor:
    return Actor("telegram", uid, name or f"user{uid}", chat_id=uid, is_private=True)


async def sweep_through(service, clock, start: datetime, end: datetime, step=timedelta(minutes=1)):
    clock.set(start)
    while clock.now <= end:
        await service.sweep(clock.now)
        clock.advance(seconds=step.total_seconds())


async def test_reminder_at_local_time_once_a_day_with_streak_and_prompt(core, service, clock, messenger):
    clock.set(utc(2026, 3, 10, 12, 0))
    r = await core.handle_text(tg("1"), "/remind 07:30 Asia/Kolkata")
    assert "every day at 07:30" in r[0].text and "Wed 11 Mar 07:30" in r[0].text
    await sweep_through(service, clock, utc(2026, 3, 11, 1, 50), utc(2026, 3, 11, 2, 10))
    assert len(messenger.to("1")) == 1
    reply = messenger.to("1")[0]
    assert "time to study" in reply.text and "Start a streak today" in reply.text
    assert "Today's prompt" in reply.text
    assert any(b.action == "z:2026-03-11" for b in reply.all_buttons)  # Snooze 1h, on the reminder's local date
    await sweep_through(service, clock, utc(2026, 3, 11, 2, 10), utc(2026, 3, 12, 1, 59), timedelta(minutes=30))
    assert len(messenger.to("1")) == 1
    await sweep_through(service, clock, utc(2026, 3, 12, 2, 0), utc(2026, 3, 12, 2, 1))
    assert len(messenger.to("1")) == 2


async def test_daily_is_the_prompt_the_reminder_carries(core, service, clock, messenger, repo):
    clock.set(utc(2026, 3, 10, 6, 0))
    await core.handle_text(tg("1"), "/remind 07:00")
    await service.sweep(utc(2026, 3, 10, 7, 0))
    reminder = messenger.to("1")[0]
    r = await core.handle_text(tg("1"), "/daily")
    question = r[0].text.split("\n\n")[1]
    assert question in reminder.text
    clock.set(utc(2026, 3, 10, 22, 0))
    assert (await core.handle_text(tg("1"), "/daily"))[0].text.split("\n\n")[1] == question  # stable all day


async def test_pressing_an_answer_on_the_reminder_answers_todays_prompt(core, service, clock, messenger, catalog):
    clock.set(utc(2026, 3, 10, 6, 0))
    await core.handle_text(tg("1"), "/remind 07:00")
    await core.handle_text(tg("1"), "/next")  # a lesson is open, not a question
    await service.sweep(utc(2026, 3, 10, 7, 0))
    reminder = messenger.to("1")[0]
    choice = [b for b in reminder.all_buttons if b.action.startswith("c:")]
    hint = [b for b in reminder.all_buttons if b.action.startswith("h:")][0]
    r = await core.press(tg("1"), hint.action)
    assert "Hint 1/" in r[0].text
    if choice:
        r = await core.press(tg("1"), choice[0].action)
        assert "Right" in r[0].text or "Not quite" in r[0].text


async def test_dst_gap_and_repeat_fire_once_each_day(core, service, clock, messenger):
    clock.set(utc(2026, 3, 27, 12, 0))
    await core.handle_text(tg("1"), "/remind 02:30 Europe/Berlin")
    await sweep_through(service, clock, utc(2026, 3, 27, 23, 0), utc(2026, 3, 30, 3, 0), timedelta(minutes=5))
    sent_at = [r for r in messenger.to("1")]
    assert len(sent_at) == 3  # 28, 29 (at 03:00, the first valid minute), 30 March
    clock.set(utc(2026, 10, 23, 12, 0))
    messenger.sent.clear()
    await core.handle_text(tg("1"), "/remind 02:30 Europe/Berlin")
    await sweep_through(service, clock, utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 4, 0), timedelta(minutes=5))
    assert len(messenger.to("1")) == 1  # 02:30 happens twice on 25 Oct: one reminder


async def test_dst_gap_fires_at_the_first_valid_minute(core, repo, clock):
    clock.set(utc(2026, 3, 28, 12, 0))
    await core.handle_text(tg("1"), "/remind 02:30 Europe/Berlin")
    clock.set(utc(2026, 3, 28, 1, 31))
    learner = await repo.find_learner("telegram", "1")
    await core.handle_text(tg("1"), "/remind 02:30")
    learner = await repo.find_learner("telegram", "1")
    assert learner.reminder_next_at == utc(2026, 3, 29, 1, 0)  # 03:00 CEST


async def test_changing_zone_after_todays_reminder_does_not_send_a_second(core, service, clock, messenger, repo):
    clock.set(utc(2026, 3, 10, 5, 0))
    await core.handle_text(tg("1"), "/remind 07:00 Europe/London")
    await service.sweep(utc(2026, 3, 10, 7, 0))
    assert len(messenger.to("1")) == 1
    clock.set(utc(2026, 3, 10, 8, 0))
    r = await core.handle_text(tg("1"), "/timezone America/New_York")  # 07:00 there is 11:00 UTC today
    assert "America/New_York" in r[-1].text
    await sweep_through(service, clock, utc(2026, 3, 10, 10, 55), utc(2026, 3, 10, 11, 5))
    # the same local date in the new zone already had its reminder: the database says no
    assert len(messenger.to("1")) == 1
    await sweep_through(service, clock, utc(2026, 3, 11, 10, 55), utc(2026, 3, 11, 11, 5))
    assert len(messenger.to("1")) == 2


async def test_downtime_within_grace_sends_late_older_is_skipped(core, service, clock, messenger, repo):
    clock.set(utc(2026, 3, 10, 5, 0))
    await core.handle_text(tg("1"), "/remind 07:00")
    await core.handle_text(tg("2"), "/remind 05:30")
    stats = await service.sweep(utc(2026, 3, 10, 7, 45))  # back after downtime: 45 and 135 minutes late
    assert len(messenger.to("1")) == 1 and messenger.to("2") == []
    assert stats.sent == 1 and stats.skipped == 1
    learner2 = await repo.find_learner("telegram", "2")
    assert learner2.reminder_next_at == utc(2026, 3, 11, 5, 30)  # the next one is tomorrow, no burst


async def test_unreachable_turns_reminders_off_and_says_so_next_time(core, service, clock, messenger, repo):
    clock.set(utc(2026, 3, 10, 5, 0))
    await core.handle_text(tg("1"), "/remind 07:00")
    messenger.unreachable.add("1")
    stats = await service.sweep(utc(2026, 3, 10, 7, 0))
    assert stats.unreachable == 1
    learner = await repo.find_learner("telegram", "1")
    assert learner.unreachable and learner.reminder_next_at is None
    assert (await service.sweep(utc(2026, 3, 11, 7, 0))).claimed == 0
    r = await core.handle_text(tg("1"), "/progress")
    assert "couldn't deliver your last reminder" in r[0].text
    r = await core.handle_text(tg("1"), "/progress")
    assert "couldn't deliver" not in r[0].text


async def test_rate_limited_send_waits_and_arrives_once(core, service, clock, messenger):
    clock.set(utc(2026, 3, 10, 5, 0))
    await core.handle_text(tg("1"), "/remind 07:00")
    messenger.rate_limit_once.add("1")
    stats = await service.sweep(utc(2026, 3, 10, 7, 0))
    assert stats.sent == 1 and len(messenger.to("1")) == 1


async def test_already_studied_today_skips_or_says_nice_work(core, service, clock, messenger, catalog):
    clock.set(utc(2026, 3, 10, 5, 0))
    for uid, extra in (("1", ""), ("2", " UTC nice")):
        await core.handle_text(tg(uid), f"/remind 07:00{extra}")
        r = await core.handle_text(tg(uid), "/next")
        await core.press(tg(uid), r[0].all_buttons[0].action)  # Done: real study today
    await service.sweep(utc(2026, 3, 10, 7, 0))
    assert messenger.to("1") == []
    assert "Nice work today" in messenger.to("2")[0].text and "today already counts" in messenger.to("2")[0].text


async def test_streak_line_says_what_happens_today(core, service, clock, messenger):
    clock.set(utc(2026, 3, 9, 6, 0))
    r = await core.handle_text(tg("1"), "/next")
    await core.press(tg("1"), r[0].all_buttons[0].action)  # studied on the 9th
    clock.set(utc(2026, 3, 10, 6, 0))
    await core.handle_text(tg("1"), "/remind 07:00")
    await service.sweep(utc(2026, 3, 10, 7, 0))
    assert "1-day streak goes on to 2 if you study today" in messenger.to("1")[0].text


async def test_pause_and_snooze(core, service, clock, messenger):
    clock.set(utc(2026, 3, 10, 5, 0))
    await core.handle_text(tg("1"), "/remind 07:00")
    r = await core.handle_text(tg("1"), "/pause 2")
    assert "resume on Thu 12 Mar" in r[0].text
    for day in (10, 11):
        await service.sweep(utc(2026, 3, day, 7, 0))
    assert messenger.to("1") == []
    await service.sweep(utc(2026, 3, 12, 7, 0))
    assert len(messenger.to("1")) == 1
    clock.set(utc(2026, 3, 12, 7, 1))
    r = await core.press(tg("1"), "z:2026-03-11")  # yesterday's reminder: nothing to snooze
    assert "from an earlier day" in r[0].text
    r = await core.press(tg("1"), "z:2026-03-12")
    assert "08:01" in r[0].text
    await sweep_through(service, clock, utc(2026, 3, 12, 7, 2), utc(2026, 3, 12, 9, 0), timedelta(minutes=3))
    assert len(messenger.to("1")) == 2 and "Snoozed reminder" in messenger.to("1")[1].text


async def test_bad_reminder_input_changes_nothing(core, repo):
    await core.handle_text(tg("1"), "/start")
    before = await repo.find_learner("telegram", "1")
    for text, expected in {
        "/remind": "needs time",
        "/remind 25:00": "HH:MM",
        "/remind 7pm": "HH:MM",
        "/remind 07:00 Mars/Base": "don't know the time zone",
        "/timezone berln": "Did you mean `Europe/Berlin`",
        "/timezone berlin": "Did you mean `Europe/Berlin`",  # a city alone is a suggestion, not a guess
        "/pause 3": "Reminders are off, so there is nothing to pause",
        "/timezone Europe/Berln": "Europe/Berlin",
        "/pause -1": "days must be a whole number from 0 to 60; -1 is not.",
        "/pause lots": "whole number",
        "/remind 07:00 UTC loud": "skip, nice",
    }.items():
        r = await core.handle_text(tg("1"), text)
        assert expected in r[0].text, (text, r[0].text)
    assert await repo.find_learner("telegram", "1") == before


async def test_batches_send_every_due_learner_once(core, service, clock, messenger):
    clock.set(utc(2026, 3, 10, 5, 0))
    for i in range(120):
        await core.handle_text(tg(str(i)), "/remind 07:00")
    stats = await service.sweep(utc(2026, 3, 10, 7, 0))
    assert stats.sent == 120 and stats.batches == 3
    assert len({d.chat_id for d, _ in messenger.sent}) == 120
    assert (await service.sweep(utc(2026, 3, 10, 7, 1))).claimed == 0


def test_scheduler_holds_one_sweep_job_not_one_per_learner():
    from bot.scheduler import Scheduler

    s = Scheduler()

    async def nothing():
        return None

    s.every_minute("reminder-sweep", nothing)
    assert s.job_ids == ["reminder-sweep"]
