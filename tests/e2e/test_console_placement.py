"""The placement quiz and mastery levels in the console chat, end to end: real `python -m bot console` processes
with piped input, on a curriculum written for the test with the prerequisite graph of the real algebra topic
(so every answer is known before it is typed), and a restart between sittings."""

from __future__ import annotations

import sqlite3

import yaml

from tests.e2e.test_console import run_console, write_content
from tests.e2e.test_console_second_tries import exchanges

# the real curriculum's algebra graph, then the first two units of linear algebra
UNITS = {
    "algebra": [
        ("alg-expressions", "Expressions & equations", []),
        ("alg-functions", "Functions & graphs", ["alg-expressions"]),
        ("alg-exponents-logs", "Exponents & logarithms", ["alg-functions"]),
        ("alg-sigma", "Sums & sigma notation", ["alg-expressions"]),
        ("alg-systems", "Systems of linear equations", ["alg-functions"]),
        ("alg-trig", "Trigonometric functions", ["alg-expressions"]),
        ("alg-unit-circle", "The unit circle & radians", ["alg-trig", "alg-functions"]),
    ],
    "linear-algebra": [
        ("la-vectors", "Vectors", ["alg-trig"]),
        ("la-span", "Span and bases", ["la-vectors"]),
    ],
}
TITLES = {"algebra": "Algebra & Trigonometry", "linear-algebra": "Linear Algebra"}


def hard(i: int) -> int:
    """The answer to unit i's hardest question (the placement quiz asks it)."""
    return 10 * i + 7


def easy(i: int) -> int:
    """The answer to each of unit i's easier questions."""
    return i + 1


def curriculum() -> tuple[str, dict[str, str]]:
    topics, i = {}, 0
    for topic, units in UNITS.items():
        written = []
        for uid, title, needs in units:
            i += 1
            prompts = [{"id": f"{uid}-{j}", "difficulty": 1, "question": f"Warm-up {j}: what is {i} + 1?",
                        "answer": {"kind": "number", "value": str(easy(i))}, "hints": ["Add one."],
                        "solution": f"{i} + 1 = {easy(i)}."} for j in range(1, 4)]
            prompts.append({"id": f"{uid}-hard", "difficulty": 3, "question": f"What is 10 × {i} + 7?",
                            "answer": {"kind": "number", "value": str(hard(i))}, "hints": ["Multiply first."],
                            "solution": f"10 × {i} + 7 = {hard(i)}."})
            written.append({"id": uid, "title": title, "minutes": 10, "needs": needs,
                            "summary": f"A short summary of {title}.", "why_ml": "Models need it.",
                            "resources": [{"title": "Khan Academy math", "url": "https://www.khanacademy.org/math",
                                           "kind": "course"}],
                            "prompts": prompts})
        topics[topic] = yaml.safe_dump({"id": topic, "title": TITLES[topic], "why": "to test", "units": written},
                                       allow_unicode=True, sort_keys=False)
    track = "title: Test Track\ntopics: [algebra, linear-algebra]\nmin_prompts_per_unit: 4\n"
    return track, topics


def index(uid: str) -> int:
    return [u for units in UNITS.values() for u, _, _ in units].index(uid) + 1


def test_a_learner_who_knows_algebra_reaches_linear_algebra_in_at_most_12_answers(tmp_path):
    env = write_content(tmp_path, *curriculum())
    # top-down: the unit circle (with trigonometry, functions, expressions), then systems, sums, exponents
    answers = [f"/answer {hard(index(u))}" for u in ("alg-unit-circle", "alg-systems", "alg-sigma",
                                                    "alg-exponents-logs")]
    p = run_console(tmp_path, ["/start", "/2", *answers, "/next", "/topic algebra", "/progress"], env=env)
    assert p.returncode == 0, p.stderr
    said = exchanges("\n" + p.stdout)
    assert "[/1] Next ▶  [/2] Placement quiz 🧭" in said["/start"]
    assert "Placement quiz: Algebra & Trigonometry" in said["/2"] and "The unit circle & radians" in said["/2"]
    assert "Right: The unit circle & radians is known, with the 3 units it builds on." in said[answers[0]]
    assert len(answers) <= 12
    assert "You know 7 of 7 units of Algebra & Trigonometry; /next starts at Vectors." in said[answers[-1]]
    assert said["/next"].startswith("📘 Vectors · Linear Algebra")
    assert said["/topic algebra"].count("· ◑ familiar") == 7 and "⏭ The unit circle & radians" in said["/topic algebra"]
    assert "Algebra & Trigonometry: 7/7 · 7 familiar" in said["/progress"]
    assert "Traceback" not in p.stdout + p.stderr


def test_a_stopped_quiz_resumes_after_a_restart(tmp_path):
    env = write_content(tmp_path, *curriculum())
    first = run_console(tmp_path, ["/placement", "/answer 1", "/answer seven", "/placement stop"], env=env)
    assert first.returncode == 0, first.stderr
    said = exchanges("\n" + first.stdout)
    assert "Not this one: The unit circle & radians is one to study. The answer: 77." in said["/answer 1"]
    assert "Question 2 of at most 12" in said["/answer 1"] and "Trigonometric functions" in said["/answer 1"]
    assert "Question" not in said["/answer seven"]  # unreadable: asked again, not a miss
    assert "stopped after 1 answer" in said["/placement stop"]
    # a new process on the same database: studying as usual, then the quiz goes on where it stopped
    second = run_console(tmp_path, ["/next", "/placement", f"/answer {hard(index('alg-trig'))}",
                                    f"/answer {hard(index('alg-systems'))}", "/answer 0", "/answer 0"], env=env)
    assert second.returncode == 0, second.stderr
    said = exchanges("\n" + second.stdout)
    assert said["/next"].startswith("📘 Expressions & equations")
    assert "going on" in said["/placement"] and "Question 2 of at most 12" in said["/placement"]
    assert "Trigonometric functions" in said["/placement"]
    # trigonometry and systems right (with expressions and functions); sums and exponents missed
    assert "You know 4 of 7 units of Algebra & Trigonometry; /next starts at Exponents & logarithms." in \
        said["/answer 0 #2"]
    assert "Traceback" not in first.stdout + second.stdout + first.stderr + second.stderr


def test_a_level_goes_down_after_a_missed_review(tmp_path):
    env = write_content(tmp_path, *curriculum())
    right = f"/answer {easy(1)}"
    first = run_console(tmp_path, ["/next", "/1", right, "/next", right, "/next", right, "/topic algebra"], env=env)
    assert first.returncode == 0, first.stderr
    said = exchanges("\n" + first.stdout)
    assert "Unit complete: Expressions & equations! Level: ◕ proficient." in said[f"{right} #3"]
    assert "✅ Expressions & equations (10 min) · ◕ proficient" in said["/topic algebra"]
    # time passes: the reviews come due (the clock is the wall clock, so the schedule is moved back)
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        db.execute("UPDATE review_cards SET due_at = '2020-01-01 00:00:00.000000'")
    second = run_console(tmp_path, ["/review", "/answer 100", "/answer 101", "/answer 102", "/topic algebra"],
                         env=env)
    assert second.returncode == 0, second.stderr
    said = exchanges("\n" + second.stdout)
    assert said["/review"].startswith("🔁 Review · Expressions & equations")
    assert "That was your last try" in said["/answer 102"]
    assert "Expressions & equations moves down to ◑ familiar: a missed review." in said["/answer 102"]
    assert "✅ Expressions & equations (10 min) · ◑ familiar" in said["/topic algebra"]
    assert "Traceback" not in first.stdout + second.stdout + first.stderr + second.stderr
