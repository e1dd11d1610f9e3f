"""The console is a real chat, end to end: a real `python -m bot console` process, piped and on a pty.

Answers are answers (a bare number is never a button press), plain text with no question open gets a clear
reply, and the small replies (pause, time zones, streaks across a zone change) say what is true.
"""

from __future__ import annotations

import json
import os
import pty
import select
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_console import console_env, run_console
from tests.e2e.test_console import write_content as write_curriculum
from tests.e2e.test_console_second_tries import exchanges

TRACK = "title: Chat\ntopics: [sums]\nmin_prompts_per_unit: 3\n"
TOPIC = textwrap.dedent(r"""
    id: sums
    title: Sums
    units:
    - id: s-unit
      title: Small Sums
      minutes: 10
      summary: Adding small whole numbers.
      why_ml: Because every model adds numbers.
      resources:
      - {title: Khan Academy math, url: "https://www.khanacademy.org/math", kind: course}
      prompts:
      - id: s-two
        question: 'What is $1 + 1$?'
        answer: {kind: number, value: "2"}
        hints: [Count on from 1.]
        solution: 'It is $2$.'
      - id: s-three
        question: 'What is $2 + 1$?'
        answer: {kind: number, value: "3"}
        hints: [Count on from 2.]
        solution: 'It is $3$.'
      - id: s-one
        question: 'What is $3 - 2$?'
        answer: {kind: number, value: "1"}
        hints: [Count back from 3.]
        solution: 'It is $1$.'
    - id: s-unit-two
      title: More Sums
      minutes: 10
      needs: [s-unit]
      summary: Adding a few more numbers.
      why_ml: Because every model adds numbers.
      resources:
      - {title: Khan Academy math, url: "https://www.khanacademy.org/math", kind: course}
      prompts:
      - id: s-four
        question: 'What is $2 + 2$?'
        answer: {kind: number, value: "4"}
        hints: [Double 2.]
        solution: 'It is $4$.'
      - id: s-five
        question: 'What is $2 + 3$?'
        answer: {kind: number, value: "5"}
        hints: [Count on from 3.]
        solution: 'It is $5$.'
      - id: s-six
        question: 'What is $3 + 3$?'
        answer: {kind: number, value: "6"}
        hints: [Double 3.]
        solution: 'It is $6$.'
    """)


def write_content(tmp_path: Path) -> dict[str, str]:
    return write_curriculum(tmp_path, TRACK, {"sums": TOPIC})


class PtyConsole:
    """`python -m bot console` on a pseudo-terminal: what a learner at a terminal sees, prompt and all."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "console"], stdin=slave, stdout=slave,
                                     stderr=subprocess.PIPE, env=env, cwd=tmp_path, close_fds=True)
        os.close(slave)
        self.seen = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        """Everything shown until ``text`` appears (and what came with it)."""
        end = time.monotonic() + timeout
        while text not in self.seen:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.seen[-3000:]}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the process closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the console ended before {text!r}:\n{self.seen[-3000:]}")
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        shown, _, self.seen = self.seen.partition(text)
        return shown + text

    def say(self, line: str) -> str:
        """Type a line; what the console shows before its next prompt."""
        os.write(self.master, (line + "\n").encode())
        shown = self.read_until("you> ").removesuffix("you> ")
        echo, _, reply = shown.partition("\n")  # the terminal echoes what was typed
        assert echo == line, shown
        return reply.lstrip("\n")

    def close(self) -> int:
        if self.proc.poll() is None:
            os.write(self.master, b"/quit\n")
        try:
            rc = self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.master)
        return rc


@pytest.fixture
def terminal(tmp_path):
    consoles: list[PtyConsole] = []

    def start(**extra: str) -> PtyConsole:
        c = PtyConsole(tmp_path, console_env(tmp_path, {**write_content(tmp_path), **extra}))
        c.read_until("you> ")
        consoles.append(c)
        return c

    yield start
    for c in consoles:
        assert c.close() == 0
        assert b"Traceback" not in c.proc.stderr.read()  # type: ignore[union-attr]


def test_a_bare_number_is_an_answer_on_a_terminal(terminal):
    chat = terminal()
    said = chat.say("/next")
    assert "[/1] Done ✓  [/2] Practice ▶  [/3] Skip" in said
    said = chat.say("/1")
    assert "What is 1 + 1?" in said and "[/1] Hint 💡  [/2] Show solution  [/3] Skip" in said
    said = chat.say("2")  # the answer, although there is a button /2 (Show solution)
    assert said.startswith("✅ Right!")
    said = chat.say("/next")
    assert "What is 2 + 1?" in said
    said = chat.say("3")  # the answer, although there is a button /3 (Skip)
    assert said.startswith("✅ Right!")
    said = chat.say("/next")
    assert "What is 3 − 2?" in said
    said = chat.say("/1")  # a button is pressed with its slash: Hint
    assert "Count back from 3" in said
    assert "That was the last hint. Show solution (or /solution) shows the worked solution." in said  # no ** shown
    said = chat.say("1")
    assert said.startswith("✅ Right!")


def test_a_bare_number_is_an_answer_in_piped_input(tmp_path):
    p = run_console(tmp_path, ["/next", "/1", "2", "/next", "3", "/next", "/9", "5", "/2"], env=write_content(tmp_path))
    assert p.returncode == 0, p.stderr
    said = exchanges(p.stdout)
    assert "[/1] Hint 💡  [/2] Show solution  [/3] Skip" in said["/1"]
    assert said["2"].startswith("✅ Right!")
    assert said["3"].startswith("✅ Right!")
    assert said["/9"].startswith("There is no button /9: the buttons are /1 to /3.")
    assert said["5"].startswith("❌ Not quite yet.")  # 3 - 2 is not 5: a try, not a press
    assert "It is 1." in said["/2"]  # Show solution, pressed with its slash
    assert "Traceback" not in p.stdout + p.stderr


def test_plain_text_with_no_question_open_says_so(tmp_path):
    p = run_console(tmp_path, ["hello", "/next", "2", "/next", "/1", "2", "hello again", "7"],
                    env=write_content(tmp_path))
    assert p.returncode == 0, p.stderr
    said = exchanges("\n" + p.stdout)
    assert said["hello"].startswith("No question is open — /next gives you one.")
    assert said["2"].startswith("No question is open — /next gives you one.")  # the lesson is showing
    assert "To press a button, type its number after a slash: /2 is “Practice ▶”." in said["2"]
    assert "[/1]" not in said["2"]  # the lesson's buttons stay the ones to press
    assert said["2 #2"].startswith("✅ Right!")
    assert said["hello again"].startswith("No question is open — /next gives you one.")
    # an answer to the question just answered: said so, not counted again
    assert said["7"].startswith("✅ You already answered that question — right! Nothing more is counted.")
    assert "Traceback" not in p.stdout + p.stderr


def test_pause_while_reminders_are_off_says_they_are_off(tmp_path):
    p = run_console(tmp_path, ["/pause 3", "/settings", "/remind 07:30", "/pause 3", "/remind off", "/pause 0"],
                    env=write_content(tmp_path))
    assert p.returncode == 0, p.stderr
    said = exchanges("\n" + p.stdout)
    off = "🔕 Reminders are off, so there is nothing to pause. Turn them on with /remind 07:30 (your local time)."
    assert said["/pause 3"].strip() == off
    assert "Reminders: off" in said["/settings"] and "paused" not in said["/settings"]  # nothing changed
    assert said["/pause 3 #2"].startswith("⏸ Reminders paused; they resume on")  # on: paused as asked
    assert said["/pause 0"].strip() == off
    assert "Traceback" not in p.stdout + p.stderr


def test_a_partial_zone_name_is_never_a_silent_guess(tmp_path):
    p = run_console(tmp_path, ["/timezone berlin", "/settings", "/1", "/timezone new york", "/timezone America/new_york",
                               "/settings Mars/Base"], env=write_content(tmp_path))
    assert p.returncode == 0, p.stderr
    said = exchanges("\n" + p.stdout)
    assert said["/timezone berlin"].startswith("I don't know the time zone “berlin”. Did you mean Europe/Berlin?")
    assert "[/1] Europe/Berlin" in said["/timezone berlin"]
    assert "Time zone: UTC" in said["/settings"]  # nothing changed
    assert said["/1"].startswith("🌍 Time zone set.") and "Time zone: Europe/Berlin" in said["/1"]  # the suggestion
    assert "Did you mean America/New_York?" in said["/timezone new york"]
    assert "[/1] America/New_York" in said["/timezone new york"]
    assert "Time zone: America/New_York" in said["/timezone America/new_york"]  # the full name, in any case
    assert said["/settings Mars/Base"].startswith("I don't know the time zone “Mars/Base”.")
    assert "Traceback" not in p.stdout + p.stderr


def study_days_exported(tmp_path: Path, out: str) -> list:
    """The study days in the file /export saved (the console prints where)."""
    saved = [line.split("(file saved: ", 1)[1].rstrip(")") for line in out.splitlines() if "(file saved: " in line]
    data = json.loads((tmp_path / saved[-1]).read_text())
    return data["study_days"]


@pytest.mark.parametrize("first, then", [("Pacific/Pago_Pago", "Pacific/Kiritimati"),  # east: a day later
                                         ("Pacific/Kiritimati", "Pacific/Pago_Pago")])  # west: a day earlier
def test_a_zone_change_does_not_add_a_second_study_day(tmp_path, first, then):
    """UTC−11 and UTC+14 always show different dates: a sitting that changes between them is still one day."""
    p = run_console(tmp_path, [f"/timezone {first}", "/next", "/1", "2", f"/timezone {then}", "/next", "3",
                               "/progress", "/export"], env=write_content(tmp_path))
    assert p.returncode == 0, p.stderr
    said = exchanges("\n" + p.stdout)
    assert said["2"].startswith("✅ Right!") and said["3"].startswith("✅ Right!")
    assert "Streak: 1 day (today done ✓)" in said["/progress"]
    assert len(study_days_exported(tmp_path, p.stdout)) == 1
    assert "Traceback" not in p.stdout + p.stderr


# ---------------------------------------------------------------- reminders in the console


def set_next_reminder(tmp_path: Path, user: str, at: datetime) -> None:
    """What the clock does while the chat is closed: the learner's next reminder instant moves to ``at``."""
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        db.execute("UPDATE learners SET reminder_next_at = ? WHERE id = (SELECT learner_id FROM identities "
                   "WHERE platform = 'console' AND user_id = ?)",
                   (at.astimezone(UTC).replace(tzinfo=None).isoformat(" "), user))


def next_reminder(tmp_path: Path, user: str) -> datetime | None:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        (value,) = db.execute("SELECT reminder_next_at FROM learners WHERE id = (SELECT learner_id FROM identities "
                              "WHERE platform = 'console' AND user_id = ?)", (user,)).fetchone()
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def test_a_reminder_missed_while_the_chat_was_closed_comes_at_the_next_start(tmp_path):
    env = write_content(tmp_path)
    for user in ("you", "ann"):
        p = run_console(tmp_path, ["/remind 07:30"], "--user", user, env=env)
        assert "a reminder every day at 07:30" in p.stdout
    now = datetime.now(UTC)
    set_next_reminder(tmp_path, "you", now - timedelta(minutes=20))  # within the grace period (60 minutes)
    set_next_reminder(tmp_path, "ann", now - timedelta(minutes=20))  # another learner of this database
    p = run_console(tmp_path, ["/settings", "2"], env=env)
    assert p.returncode == 0, p.stderr
    head, _, rest = p.stdout.partition("\n> /settings\n")
    assert head.startswith("☀️ Hi you, time to study") and "What is 1 + 1?" in head  # before the first command
    assert "[/4] Snooze 1h  [/5] Next ▶" in head
    said = exchanges("\n> /settings\n" + rest)
    assert "(next: " in said["/settings"]
    assert next_reminder(tmp_path, "you") > datetime.now(UTC)  # the next one is in the future again
    assert said["2"].startswith("✅ Right!")  # a bare reply answers the reminder's question
    assert next_reminder(tmp_path, "ann") < datetime.now(UTC)  # ann's is hers: not claimed by this chat

    set_next_reminder(tmp_path, "you", datetime.now(UTC) - timedelta(hours=3))  # too late: skipped
    p = run_console(tmp_path, ["/settings"], env=env)
    assert p.stdout.startswith("> /settings") and "time to study" not in p.stdout
    assert next_reminder(tmp_path, "you") > datetime.now(UTC)
    assert "Traceback" not in p.stdout + p.stderr


def test_a_reminder_comes_at_its_time_while_the_chat_is_open(terminal):
    """On a terminal, waiting at the prompt: the reminder appears at its minute (a wait of up to two minutes)."""
    now = datetime.now(UTC)
    due = (now + timedelta(minutes=2 if now.second > 45 else 1)).replace(second=0, microsecond=0)
    chat = terminal()
    said = chat.say(f"/remind {due:%H:%M}")
    assert f"a reminder every day at {due:%H:%M} (UTC)" in said
    shown = chat.read_until("you> ", timeout=(due - datetime.now(UTC)).total_seconds() + 30)
    assert datetime.now(UTC) >= due
    assert "☀️ Hi you, time to study" in shown and "What is 1 + 1?" in shown
    assert "[/4] Snooze 1h  [/5] Next ▶" in shown
    said = chat.say("2")  # answers the reminder's question
    assert said.startswith("✅ Right!")
    said = chat.say("/settings")
    assert f"(next: {due + timedelta(days=1):%a %d %b %H:%M})" in said
