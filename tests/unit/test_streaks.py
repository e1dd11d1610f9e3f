from datetime import UTC, date, datetime, timedelta

from bot.core.streaks import compute, study_date
from tests.support.conversation import asked

T = date(2026, 11, 24)


def days(*offsets):
    return [T - timedelta(days=o) for o in offsets]


def test_empty():
    s = compute([], T)
    assert (s.current, s.today_done, s.best, s.freeze_ready) == (0, False, 0, True)


def test_consecutive_days_including_today():
    s = compute(days(0, 1, 2, 3), T)
    assert (s.current, s.today_done, s.frozen) == (4, True, ())


def test_today_still_open_keeps_yesterdays_chain():
    s = compute(days(1, 2), T)
    assert s.current == 2 and not s.today_done and not s.at_risk  # freeze still ready


def test_one_missed_day_is_bridged_by_the_weekly_freeze():
    s = compute(days(0, 2, 3, 4), T)
    assert s.current == 4 and s.frozen == (T - timedelta(days=1),) and not s.freeze_ready


def test_second_missed_day_within_a_week_breaks_the_chain():
    s = compute(days(0, 2, 4, 5), T)
    assert s.current == 2


def test_missed_days_a_week_apart_are_both_bridged():
    s = compute(days(0, 1, 3, 4, 5, 6, 7, 8, 9, 11, 12), T)
    assert s.current == 11 and len(s.frozen) == 2


def test_two_missed_days_in_a_row_end_the_streak():
    s = compute(days(3, 4), T)
    assert s.current == 0 and s.best == 2


def test_at_risk_when_freeze_used_and_today_open():
    s = compute(days(1, 3, 4), T)
    assert s.current == 3 and s.at_risk


# ---------------------------------------------------------------- a day counts once per local date


def at(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_study_date_is_the_local_date_without_an_earlier_study():
    assert study_date(at(2026, 11, 24, 23, 30), T, None, None) == T


def test_study_date_keeps_the_day_being_studied_until_it_ends_where_it_was_earned():
    # studied on T in UTC (its day ends at midnight UTC); now the zone says tomorrow (moved east): still T
    until = at(2026, 11, 25, 0, 0)
    assert study_date(at(2026, 11, 24, 23, 40), T + timedelta(days=1), T, until) == T
    # after midnight UTC the new local date counts: a real new day, as it would be without the move
    assert study_date(at(2026, 11, 25, 0, 1), T + timedelta(days=1), T, until) == T + timedelta(days=1)


def test_study_date_never_goes_back_to_an_earlier_date():
    # studied on T in Tokyo; moved west, the zone says yesterday: still T, during the Tokyo day and after it
    until = at(2026, 11, 24, 15, 0)
    assert study_date(at(2026, 11, 24, 1, 0), T - timedelta(days=1), T, until) == T
    assert study_date(at(2026, 11, 24, 16, 0), T - timedelta(days=1), T, until) == T
    assert study_date(at(2026, 11, 25, 16, 0), T + timedelta(days=1), T, until) == T + timedelta(days=1)


async def test_a_zone_change_does_not_make_a_second_study_day_either_way(core, clock, repo, catalog):
    """One sitting across a zone change is one study day, moving east and moving west; the next local day
    still counts as a new one."""
    from bot.core.model import Actor

    async def answer_next(actor: Actor) -> None:
        await core.handle_text(actor, "/next")
        learner = await repo.find_learner(actor.platform, actor.user_id)
        r = await core.handle_text(actor, f"/answer {asked(catalog, learner).answer.value}")
        assert "Right!" in r[0].text

    async def streak(actor: Actor) -> str:
        text = (await core.handle_text(actor, "/progress"))[0].text
        return text.split("\n")[1]

    east = Actor("console", "east", "East")
    clock.set(at(2026, 11, 24, 23, 30))  # 23:30 in UTC
    await core.handle_text(east, "/next")
    await core.press(east, "d:b-one")  # the lesson done: studied on Tue 24 (UTC)
    assert "Streak: **1** day (today done ✓)" in await streak(east)
    await core.handle_text(east, "/timezone Asia/Tokyo")  # 08:30 on Wed 25 there
    clock.advance(seconds=300)
    await core.handle_text(east, "/answer 1/4")  # one sitting: still Tue 24
    assert "Streak: **1** day (today done ✓)" in await streak(east)
    clock.set(at(2026, 11, 25, 0, 10))  # 09:10 in Tokyo: Tue 24 has ended where it was earned
    assert "Streak: **1** day — study today" in await streak(east)
    await answer_next(east)
    assert "Streak: **2** days (today done ✓)" in await streak(east)

    west = Actor("console", "west", "West")
    clock.set(at(2026, 11, 24, 23, 30))
    await core.handle_text(west, "/timezone Asia/Tokyo")  # 08:30 on Wed 25 there
    await core.handle_text(west, "/next")
    await core.press(west, "d:b-one")  # studied on Wed 25 (Tokyo)
    await core.handle_text(west, "/timezone America/New_York")  # 18:30 on Tue 24 there
    clock.advance(seconds=300)
    await core.handle_text(west, "/answer 1/4")  # still Wed 25, not Tue 24
    assert "Streak: **1** day (today done ✓)" in await streak(west)
    clock.set(at(2026, 11, 25, 16, 0))  # 11:00 on Wed 25 in New York: the same date, not a second day
    assert "Streak: **1** day (today done ✓)" in await streak(west)
    clock.set(at(2026, 11, 26, 16, 0))  # Thu 26 in New York: a new day
    await answer_next(west)
    assert "Streak: **2** days (today done ✓)" in await streak(west)
