"""The form of an answer, degrees, a thousands separator and answers shown as maths, in the console chat end
to end: a real `python -m bot console` process with piped input, on a one-unit curriculum written here."""

from __future__ import annotations

import textwrap

from tests.e2e.test_console import run_console, write_content
from tests.e2e.test_console_second_tries import exchanges

TRACK = "title: Forms\ntopics: [forms]\nmin_prompts_per_unit: 3\n"
TOPIC = textwrap.dedent(r"""
    id: forms
    title: Forms
    units:
    - id: f-unit
      title: Forms Unit
      minutes: 10
      summary: A unit whose questions ask for a form, in degrees, with big numbers.
      why_ml: Because learners type answers in many ways.
      resources:
      - {title: Khan Academy math, url: "https://www.khanacademy.org/math", kind: course}
      prompts:
      - id: f-simplify
        question: 'Simplify $3(x + 2) - 2(x - 1)$.'
        answer: {kind: expression, value: "x + 8", vars: [x], form: simplified}
        hints: [Multiply out each bracket.]
        solution: 'It is $x + 8$.'
      - id: f-expand
        question: 'Expand $(2x - 3)^2$.'
        answer: {kind: expression, value: "4*x^2 - 12*x + 9", vars: [x], form: expanded}
        hints: [Multiply the bracket by itself.]
        solution: 'It is $4x^2 - 12x + 9$.'
      - id: f-degrees
        question: 'A vector of length 6 makes an angle of $30^\circ$ with the x-axis. What are its components?'
        answer: {kind: vector, value: "[3*sqrt(3), 3]"}
        hints: [Use cos and sin.]
        solution: 'The components are $6\cos 30^\circ$ and $6\sin 30^\circ$.'
    - id: f-unit-two
      title: Forms Unit Two
      minutes: 10
      needs: [f-unit]
      summary: A second unit, so that three right answers do not end the track.
      why_ml: Because learners type answers in many ways.
      resources:
      - {title: Khan Academy math, url: "https://www.khanacademy.org/math", kind: course}
      prompts:
      - id: f-sum
        question: 'Compute $\sum_{i=1}^{100} i$.'
        answer: {kind: number, value: "5050"}
        hints: [Pair the first and the last.]
        solution: 'There are 50 pairs that add up to 101.'
      - id: f-evaluate
        question: 'Evaluate $8^{2/3}$.'
        answer: {kind: number, value: "4", form: numeric}
        hints: [Take the cube root first.]
        solution: 'The cube root of 8 is 2, and $2^2 = 4$.'
      - id: f-show
        question: 'What is the derivative of $x^2 + 3x$?'
        answer: {kind: expression, value: "2*x + 3", vars: [x]}
        hints: [Power rule.]
        solution: 'Term by term.'
    """)


def test_forms_degrees_thousands_and_answers_as_maths_in_the_console(tmp_path):
    p = run_console(tmp_path, [
        "/next", "/1",  # the lesson is done: the first question
        "3(x + 2) - 2(x - 1)", "3x + 6 - 2x + 2", "x + 8",
        "/next", "(2x - 3)^2", "4x^2 - 6x - 6x + 9", "4x^2 - 12x + 9",
        "/next", "[6cos(30), 6sin(30)]", "[6cos(30°), 6sin(30 deg)]",
        "/next", "/1", "5,050",  # the second unit's lesson is done: its first question
        "/next", "8^(2/3)", "4",  # a bare number is an answer
        "/next", "2*x*3", "/solution",
    ], env=write_content(tmp_path, TRACK, {"forms": TOPIC}))
    assert p.returncode == 0, p.stderr
    said = exchanges(p.stdout)
    nudge = "This doesn't count as a try: send it again."
    assert said["3(x + 2) - 2(x - 1)"].startswith(f"That is equal, but not simplified yet: collect the like terms. {nudge}")
    assert said["3x + 6 - 2x + 2"].startswith("That is equal, but not simplified yet")
    assert said["x + 8"].startswith("✅ Right!") and "try" not in said["x + 8"].split("\n")[0]  # nudges are not tries

    # how an answer was read comes first when it was not typed the way it reads (x^2 reads x²), as in STACK
    assert said["(2x - 3)^2"].startswith("🔎 Read as: (2x − 3)²\n"
                                         f"That is equal, but not expanded yet: multiply out (2x − 3)². {nudge}")
    assert said["4x^2 - 6x - 6x + 9"].startswith("🔎 Read as: 4x² − 6x − 6x + 9\nThat is equal, but not finished")
    assert said["4x^2 - 12x + 9"].startswith("🔎 Read as: 4x² − 12x + 9\n✅ Right!")

    assert said["[6cos(30), 6sin(30)]"].startswith(
        "This question is in degrees: did you mean cos(30°)? Write the degree sign, like 60° or 60 deg")
    assert said["[6cos(30°), 6sin(30 deg)]"].startswith("🔎 Read as: [6 cos(30°), 6 sin(30°)]\n✅ Right!")

    assert said["5,050"].startswith("✅ Right!")

    assert said["8^(2/3)"].startswith(f"That is equal, but not worked out yet: give it as a single number. {nudge}")
    assert said["4"].startswith("✅ Right!")

    assert said["2*x*3"].startswith("❌ Not quite yet.")  # typed as it reads (2x·3): nothing to show
    assert "Read as" not in said["x + 8"] + said["4"] + said["5,050"] + said["2*x*3"]
    assert "Here is the worked solution, and the answer: 2x + 3." in said["/solution"]
    assert "2*x" not in said["/solution"] and "Traceback" not in p.stdout + p.stderr
