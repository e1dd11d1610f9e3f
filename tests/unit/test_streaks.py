from datetime import date, timedelta

from bot.core.streaks import compute

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
