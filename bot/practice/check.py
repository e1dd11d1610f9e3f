"""Checking a learner's answer against a prompt's :class:`~bot.content.model.Answer`.

Interim version: numbers (integers, decimals, fractions) and multiple choice. The practice engine
replaces the internals; the public API (``Verdict``, ``check_answer``, ``validate_prompt``,
``example_for``) stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from bot.content.model import Answer, Prompt

MAX_ANSWER_CHARS = 500


@dataclass(frozen=True)
class Verdict:
    status: Literal["right", "wrong", "unreadable"]
    feedback: str = ""  # unreadable: why and an example; wrong: the matched mistake's hint, if any
    mistake: str | None = None  # the listed mistake this answer matched

    @property
    def right(self) -> bool:
        return self.status == "right"


_NUM = re.compile(r"^\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*(?:/\s*(\d+))?\s*$")


def _number(text: str) -> Fraction | None:
    m = _NUM.match(text.replace("−", "-"))
    if not m:
        return None
    num = Fraction(m.group(1))
    if m.group(2):
        den = int(m.group(2))
        if den == 0:
            return None
        num /= den
    return num


def example_for(answer: Answer) -> str:
    return {
        "number": "write a number like 3, -0.25 or 3/4",
        "choice": "press one of the buttons, or type the option",
        "expression": "write an expression like 2*x + 1",
        "vector": "write a vector like [1, 2, 3]",
        "matrix": "write a matrix like [[1, 2], [3, 4]]",
        "set": "write a set like {1, -2}",
        "self": "compare with the solution and grade yourself",
    }[answer.kind]


def check_answer(answer: Answer, text: str) -> Verdict:
    if len(text) > MAX_ANSWER_CHARS:
        return Verdict("unreadable", f"I couldn't read that as maths: it is too long. {example_for(answer)}.")
    if answer.kind == "choice":
        t = " ".join(text.split()).casefold()
        for opt in answer.options:
            if " ".join(opt.split()).casefold() == t:
                return Verdict("right" if opt == answer.value else "wrong")
        return Verdict("unreadable", f"That is not one of the options: {example_for(answer)}.")
    if answer.kind == "number":
        got, want = _number(text), _number(answer.value)
        if got is None:
            return Verdict("unreadable", f"I couldn't read that as a number: {example_for(answer)}.")
        tol = Fraction(answer.tolerance) if answer.tolerance is not None else Fraction(0)
        if want is not None and abs(got - want) <= tol:
            return Verdict("right")
        return Verdict("wrong")
    return Verdict("unreadable", f"This kind of answer is not supported yet: {example_for(answer)}.")


def validate_prompt(prompt: Prompt) -> list[str]:
    """Content check: the canonical answer is accepted and every listed mistake is read and rejected."""
    a = prompt.answer
    if a.kind == "self":
        return []
    problems = []
    if a.kind == "choice":
        canonical = a.value
    else:
        canonical = a.value
    if check_answer(a, canonical).status != "right":
        problems.append(f"the checker does not accept the canonical answer {a.value!r}")
    for m in prompt.mistakes:
        v = check_answer(a, m.answer)
        if v.status == "right":
            problems.append(f"the checker accepts the listed wrong answer {m.answer!r}")
        elif v.status == "unreadable":
            problems.append(f"the checker cannot read the listed wrong answer {m.answer!r}")
    return problems


def check_prompt(prompt: Prompt, text: str) -> Verdict:
    return check_answer(prompt.answer, text)
