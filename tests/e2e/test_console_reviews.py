"""Reviews in the console chat, end to end: a real `python -m bot console` process with piped input, on the
wall clock. Right first time is days away, today's prompt counts once, /progress says when reviews come."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.practice import srs
from tests.e2e.test_console import run_console
from tests.e2e.test_console_second_tries import exchanges


def same_day_after_a_miss() -> bool:
    """Whether a miss now comes back on the same UTC date (the console learner's zone): not just before midnight."""
    now = datetime.now(UTC)
    return (now + srs.MISSED_COMES_BACK_AFTER).date() == now.date()


def test_right_first_time_is_not_due_again_and_todays_prompt_counts_once(tmp_path):
    same_day = same_day_after_a_miss()
    p = run_console(tmp_path, [
        "/start", "/daily",  # today's prompt: "Which is 3 + 3?"
        "/1", "/daily", "/answer 6",  # 6: right; today's prompt is not opened again
        "/next", "/1",  # Unit One's lesson: Done; then "Which is 6 + 6?"
        "/2",  # a wrong option
        "/solution", "/progress", "/review",
    ])
    assert p.returncode == 0, p.stderr
    said = exchanges(p.stdout)
    assert said["/daily"].startswith("☀️ Today's prompt") and "Which is 3 + 3?" in said["/daily"]
    assert said["/1"].startswith("✅ Right!")
    assert said["/daily #2"].startswith("☀️ You answered today's prompt already ✓. One answer a day counts")
    assert "already answered that question — right" in said["/answer 6"]  # not opened again, not counted again
    assert "Which is 6 + 6?" in said["/1 #2"]
    if same_day == same_day_after_a_miss():  # the wall clock did not pass the hour before midnight meanwhile
        when = "later today" if same_day else "tomorrow"
        assert f"The question comes back {when}." in said["/solution"]
        assert f"Reviews due: 0 · coming: 1 {when}, 1 later this week" in said["/progress"]
    assert "Accuracy: 33% of 3" in said["/progress"]  # 3 + 3 once, a wrong option, the solution shown
    assert "No reviews are due right now. The next one is due" in said["/review"]
    assert "Traceback" not in p.stdout + p.stderr
