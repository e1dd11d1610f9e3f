"""Second tries in the console chat, end to end: a real `python -m bot console` process with piped input."""

from __future__ import annotations

from tests.e2e.test_console import run_console


def exchanges(out: str) -> dict[str, str]:
    """Each line typed (``> line``) and what the console printed after it, in order; repeated lines get #2, #3."""
    shown: dict[str, str] = {}
    for block in out.split("\n> ")[1:]:
        typed, _, reply = block.partition("\n")
        key, n = typed, 1
        while key in shown:
            n += 1
            key = f"{typed} #{n}"
        shown[key] = reply
    return shown


def test_a_wrong_answer_is_a_chance_to_try_again(tmp_path):
    p = run_console(tmp_path, [
        "/next", "/1",  # Done: the first question is "Which is 3 + 3?" with options 6, 7, 3
        "2",  # typed: the options are numbers, so 2 is neither an option nor a button (never a try)
        "7",  # typed: the option 7: wrong
        "/2",  # the second button is now 3 (7 is gone): wrong, and only the right option is left
        "/3",  # there is one button now
        "/1",  # Next: "Which is 6 + 6?"
        "/1",  # 12: right
        "/1",  # Next: "What is 1/4 as a fraction?"
        "/answer 4/1", "/answer hello", "/hint", "/answer 3", "/next", "/answer 0.3", "/hint",
    ])
    assert p.returncode == 0, p.stderr
    said = exchanges(p.stdout)
    assert "[/1] 6  [/2] 7  [/3] 3  [/4] Hint 💡  [/5] Show solution  [/6] Skip" in said["/1"]
    assert said["2"].startswith("That is not one of the options: press one of the buttons, or type the option, its letter (a-c).")
    assert "❌ Not quite yet." in said["7"] and "Pick again below." in said["7"]
    assert "[/1] 6  [/2] 3  [/3] Hint 💡  [/4] Show solution" in said["7"]  # 7 is gone
    assert "last try" in said["/2"] and "the answer: 6" in said["/2"].replace("**", "")
    assert "Solution: 3 + 3 = 6." in said["/2"] and "[/1] Next ▶" in said["/2"]
    assert "There is no button /3: the only button is /1." in said["/3"]
    assert "Right!" in said["/1 #3"]

    assert said["/answer 4/1"].startswith("❌ Not quite yet. 💡 Numerator and denominator are swapped.")
    assert "Type your next try. You have 2 more tries" in said["/answer 4/1"]
    assert "[/1] Hint 💡  [/2] Show solution" in said["/answer 4/1"]
    assert "couldn't read" in said["/answer hello"]  # never a try
    assert "Hint 1/2" in said["/hint"]
    assert "❌ Not quite yet." in said["/answer 3"] and "Hint 2/2" in said["/answer 3"]
    assert "1 more try" in said["/answer 3"]
    assert "still open" in said["/next"] and "Tried so far: “4/1”, “3”" in said["/next"]
    assert "last try" in said["/answer 0.3"] and "1/4" in said["/answer 0.3"]
    assert "Solution: It is 1/4." in said["/answer 0.3"]
    assert "That question is closed: its worked solution has been shown" in said["/hint #2"]
    assert "choose 1 to" not in p.stdout and "Traceback" not in p.stdout + p.stderr


def test_self_graded_grading_buttons_stay_until_one_is_pressed(tmp_path):
    p = run_console(tmp_path, [
        "/next", "/3", "/3",  # skip the lessons of Unit One and Unit Two
        "/1",  # More One's lesson done: its first question is self-graded
        "/2",  # Show solution
        "/next", "/progress", "/answer it is a parabola", "/1",
    ])
    assert p.returncode == 0, p.stderr
    said = exchanges(p.stdout)
    assert "Sketch y = x² and mark its lowest point." in said["/1"] and "[/1] Hint 💡  [/2] Show solution" in said["/1"]
    assert "lowest point at (0, 0)" in said["/2"] and "[/1] I had it ✓  [/2] I missed it ✗" in said["/2"]
    assert "waits for your grade" in said["/next"] and "[/1] I had it ✓  [/2] I missed it ✗" in said["/next"]
    assert "Hint" not in said["/next"] and "still open" not in said["/next"]
    assert "[/1] I had it ✓  [/2] I missed it ✗" in said["/answer it is a parabola"]
    assert said["/1 #2"].startswith("✅ Right!") and "[/1] Next ▶" in said["/1 #2"]
    assert "Traceback" not in p.stdout + p.stderr
