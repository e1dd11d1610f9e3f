"""Checking the form as well as the value; degrees; answers shown as maths; lists over lines; 5,050.

A right value in the form asked for is right; in another form it is a ``nudge`` (sent back, never a try)
that says what is left to do; a wrong value is still wrong whatever its form.
"""

from __future__ import annotations

import pytest

from bot.content.model import Answer, Prompt
from bot.practice.check import (
    Verdict,
    answer_latex,
    check_answer,
    check_prompt,
    question_expressions,
    validate_prompt,
    warm_up,
)
from bot.render.unicode import latex_to_unicode, text_to_unicode


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()


def expr(value: str, form: str, *variables: str) -> Answer:
    return Answer(kind="expression", value=value, vars=variables or ("x",), form=form)


def num(value: str, form: str = "any", tolerance: float | None = None) -> Answer:
    return Answer(kind="number", value=value, form=form, tolerance=tolerance)


def said(v: Verdict) -> str:
    return text_to_unicode(v.feedback)


# ------------------------------------------------------------------------------------------ the forms

EXPANDED = expr("4*x^2 - 12*x + 9", "expanded")
SIMPLIFIED = expr("x + 8", "simplified")
FACTORED = expr("(x - 2)*(x - 3)", "factored")
NUMERIC = num("4", "numeric")

RIGHT = [
    (EXPANDED, "4x^2 - 12x + 9"), (EXPANDED, "9 - 12x + 4x²"), (EXPANDED, "4*x**2-12*x+9"),
    (EXPANDED, "-12x + 4x^2 + 9"), (EXPANDED, "4 x^2 − 12 x + 9"),
    (SIMPLIFIED, "x + 8"), (SIMPLIFIED, "8 + x"), (SIMPLIFIED, "x+8"), (SIMPLIFIED, "8.0 + x"),
    (SIMPLIFIED, "y = x + 8"),
    (FACTORED, "(x - 2)(x - 3)"), (FACTORED, "(x-3)(x-2)"), (FACTORED, "(2 - x)(3 - x)"),
    (FACTORED, "-(2 - x)(x - 3)"), (FACTORED, "(x − 3)·(x − 2)"),
    (NUMERIC, "4"), (NUMERIC, "4.0"), (NUMERIC, "4.00"), (NUMERIC, " 4 "), (NUMERIC, "x = 4"),
    (num("3/4", "numeric"), "3/4"), (num("3/4", "numeric"), "0.75"), (num("-3/4", "numeric"), "-3/4"),
]

WRONG_FORM = [
    (EXPANDED, "(2x - 3)^2", "not expanded yet: multiply out (2x − 3)²"),
    (EXPANDED, "(2x-3)(2x-3)", "not expanded yet: multiply out (2x − 3)(2x − 3)"),
    (EXPANDED, "4x^2 - 3(4x - 3)", "multiply out 3(4x − 3)"),
    (EXPANDED, "-(12x - 9) + 4x^2", "multiply out −(12x − 9)"),
    (EXPANDED, "2x(2x - 6) + 9", "multiply out 2x(2x − 6)"),
    (EXPANDED, "4x^2 - 6x - 6x + 9", "collect the like terms"),
    (EXPANDED, "4x^2 - 12x + 3*3", "3 · 3 can be written more simply"),
    (SIMPLIFIED, "3(x + 2) - 2(x - 1)", "not simplified yet: collect the like terms"),
    (SIMPLIFIED, "3x + 6 - 2x + 2", "collect the like terms"),
    (SIMPLIFIED, "x + 5 + 3", "collect the like terms"),
    (SIMPLIFIED, "2x - x + 8", "collect the like terms"),
    (SIMPLIFIED, "(2x + 16)/2", "it can be written more simply"),
    (SIMPLIFIED, "x + 2*4", "2 · 4 can be written more simply"),
    (FACTORED, "x^2 - 5x + 6", "not factored yet: write it as a product of factors"),
    (FACTORED, "(x^2 - 5x + 6)", "not factored yet"),
    (FACTORED, "x(x - 5) + 6", "not factored yet"),
    (FACTORED, "(x - 2)(x - 3)*1", "(x − 2)(x − 3) · 1 can be written more simply"),
    (FACTORED, "(2x - 4)(x - 3)/2", "take the common factor 2 out of 2x − 4"),
    (NUMERIC, "8^(2/3)", "not worked out yet: give it as a single number"),
    (NUMERIC, "2^2", "give it as a single number"),
    (NUMERIC, "2 + 2", "give it as a single number"),
    (NUMERIC, "sqrt(16)", "give it as a single number"),
    (NUMERIC, "8/2", "not in lowest terms yet: reduce the fraction 8/2"),
    (num("3/4", "numeric"), "6/8", "reduce the fraction 6/8"),
]


@pytest.mark.parametrize(("answer", "text"), RIGHT)
def test_right_in_the_form_asked_for(answer: Answer, text: str) -> None:
    v = check_answer(answer, text)
    assert v == Verdict("right", read_as=v.read_as)  # how it was read is shown too, when typed otherwise


@pytest.mark.parametrize(("answer", "text", "nudge"), WRONG_FORM)
def test_right_value_in_another_form_is_a_nudge_not_a_try(answer: Answer, text: str, nudge: str) -> None:
    v = check_answer(answer, text)
    assert v.status == "nudge" and not v.counts and not v.right
    assert said(v).startswith("That is equal, but ") and nudge in said(v)
    assert said(v).endswith("This doesn't count as a try: send it again.")
    assert check_answer(Answer(kind=answer.kind, value=answer.value, vars=answer.vars), text).right  # form any


def test_each_form_has_five_right_and_five_wrong_form_cases() -> None:
    for form in ("expanded", "simplified", "factored", "numeric"):
        assert sum(a.form == form for a, _ in RIGHT) >= 5
        assert sum(a.form == form for a, _, _ in WRONG_FORM) >= 5


@pytest.mark.parametrize(
    ("answer", "text"),
    [(EXPANDED, "(2x + 3)^2"), (EXPANDED, "4x^2 + 12x + 9"), (SIMPLIFIED, "3(x + 2) - 2(x + 1)"),
     (SIMPLIFIED, "x + 9"), (FACTORED, "(x - 2)(x + 3)"), (FACTORED, "x^2 - 5x - 6"), (NUMERIC, "2^3"),
     (NUMERIC, "5")],
)
def test_a_wrong_value_is_wrong_whatever_its_form(answer: Answer, text: str) -> None:
    assert check_answer(answer, text).status == "wrong"


def test_simplified_catches_powers_unevaluated_functions_and_length() -> None:
    single_power = expr("x^6", "simplified")
    assert check_answer(single_power, "x^6").right and check_answer(single_power, "x⁶").right
    assert "combine the powers of x into one" in said(check_answer(single_power, "x^5 x^3/x^2"))
    assert "combine the powers of x" in said(check_answer(single_power, "x*x^5"))
    assert "(x³)² can be written more simply" in said(check_answer(single_power, "(x^3)^2"))
    trig = expr("1 + sin(x)", "simplified")
    assert check_answer(trig, "sin x + 1").right
    for longer in ("sin^2 x + cos^2 x + tan x cos x", "1 + tan(x)cos(x)"):
        assert "it can be written more simply" in said(check_answer(trig, longer))
    radians = num("5*pi/6", "simplified")
    for ok in ("5pi/6", "5π/6", "(5/6)π", "5/6 pi"):
        assert check_answer(radians, ok).right, ok
    assert "150° can be written more simply" in said(check_answer(radians, "150°"))
    assert "150π/180 can be written more simply" in said(check_answer(radians, "150pi/180"))
    assert "collect the like terms" in said(check_answer(radians, "pi - pi/6"))
    exact = num("-sqrt(2)/2", "simplified")
    for ok in ("-√2/2", "-1/sqrt(2)", "-(1/2)sqrt(2)", "-1/2*sqrt(2)", "-0.5√2", "-0.7071"):
        assert check_answer(exact, ok).right, ok
    assert "1x can be written more simply" in said(check_answer(SIMPLIFIED, "1x + 8"))
    assert "cos(3π/4) can be written more simply" in said(check_answer(exact, "cos(3pi/4)"))
    assert "√8 can be written more simply" in said(check_answer(num("2*sqrt(2)", "simplified"), "sqrt(8)"))


def test_forms_apply_per_entry_of_a_vector() -> None:
    components = Answer(kind="vector", value="[3*sqrt(3), 3]", form="simplified")
    assert check_answer(components, "[3√3, 3]").right
    assert "cos(30°) can be written more simply" in said(check_answer(components, "[6cos(30°), 6sin(30°)]"))
    assert check_answer(Answer(kind="vector", value="[3*sqrt(3), 3]"), "[6cos(30°), 6sin(30°)]").right


def test_a_form_is_declared_only_where_it_means_something() -> None:
    from pydantic import ValidationError

    for bad in ({"kind": "number", "value": "4", "form": "expanded"},
                {"kind": "choice", "value": "a", "options": ("a", "b"), "form": "numeric"},
                {"kind": "self", "form": "simplified"},
                {"kind": "expression", "value": "x", "vars": ("x",), "form": "tidy"}):
        with pytest.raises(ValidationError):
            Answer(**bad)


# ------------------------------------------------------------------------------------------- degrees

DEGREES_Q = "What is $\\cos 60^\\circ$? Give the exact value."


def degrees_prompt(answer: Answer, question: str = DEGREES_Q) -> Prompt:
    return Prompt(id="d1", question=question, answer=answer, hints=("h",), solution="A solution.")


@pytest.mark.parametrize("text", ["cos(30°)", "cos 30°", "cos(30 deg)", "cos 30 degrees", "cos(30º)",
                                  "cos(pi/6)", "sqrt(3)/2", "0.866"])
def test_degrees_are_read(text: str) -> None:
    assert check_answer(num("sqrt(3)/2"), text).right


def test_a_bare_angle_in_a_question_in_degrees_is_sent_back() -> None:
    p = degrees_prompt(num("1/2"))
    v = check_prompt(p, "cos(60)")
    assert v.status == "nudge" and not v.counts
    assert said(v) == ("This question is in degrees: did you mean cos(60°)? Write the degree sign, like 60° or "
                       "60 deg (a bare number there means radians). This doesn't count as a try: send it again.")
    assert check_prompt(p, "cos(60°)").right and check_prompt(p, "0.5").right
    assert check_prompt(p, "cos(pi/3)").right  # radians said with π are radians
    radians = Prompt(id="d2", question="What is $\\cos(1)$ to 2 decimals?", answer=num("cos(1)"), hints=("h",),
                     solution="A solution.")
    assert check_prompt(radians, "cos(1)").right  # no degrees in the question: a bare number is radians


@pytest.mark.parametrize(("question", "degrees"), [
    ("What is $\\cos 60^\\circ$?", True), ("What is $\\sin 60^{\\circ}$?", True), ("An angle of 30°.", True),
    ("Rotate by 90 degrees.", True), ("Give the angle in degrees.", True),
    ("Write the degree-2 Taylor polynomial of $\\cos x$.", False), ("A t-test with 9 degrees of freedom.", False),
    ("Let $h = f \\circ g$.", False), ("What is $\\cos(1)$?", False)])
def test_which_questions_are_in_degrees(question: str, degrees: bool) -> None:
    from bot.practice.check import in_degrees

    assert in_degrees(question) is degrees
    taylor = Prompt(id="t1", question=question, answer=expr("1 - x^2/2", "any"), hints=("h",), solution="A solution.")
    assert check_prompt(taylor, "cos(0) - x^2/2").right  # 0 is 0 in degrees and radians
    assert check_prompt(taylor, "cos(2) - cos(2) + 1 - x^2/2").status == ("nudge" if degrees else "right")


def test_a_degree_sign_on_an_angle_in_degrees_is_a_label() -> None:
    p = degrees_prompt(num("135"), "What angle does $[-1, 1]$ make with the x-axis? Give it in degrees.")
    for text in ("135", "135°", "135 deg", "135 degrees"):
        assert check_prompt(p, text).right, text
    assert check_prompt(p, "45°").status == "wrong"
    to_radians = degrees_prompt(num("5*pi/6"), "Convert $150^\\circ$ to radians.")
    assert check_prompt(to_radians, "5pi/6").right and check_prompt(to_radians, "150°").right  # form any: value


# ------------------------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("answer", "shown"),
    [(Answer(kind="vector", value="[3*sqrt(3), 3]"), "[3√3, 3]"),
     (Answer(kind="expression", value="2*x + 3", vars=("x",)), "2x + 3"),
     (Answer(kind="expression", value="x^2", vars=("x",)), "x²"),
     (Answer(kind="number", value="5*pi/6"), "5π/6"),
     (Answer(kind="number", value="-sqrt(2)/2"), "−√2/2"),
     (Answer(kind="set", value="{2 + sqrt(3), 2 - sqrt(3)}"), "{2 + √3, 2 − √3}"),
     (Answer(kind="matrix", value="[[1/2, 0], [0, -1]]"), "[[1/2, 0], [0, −1]]"),
     (Answer(kind="expression", value="-x*exp(-x^2/2)", vars=("x",)), "−xe^(−x²/2)"),
     (Answer(kind="expression", value="exp(x)/(1 + exp(x))", vars=("x",)), "eˣ/(1 + eˣ)"),
     (Answer(kind="expression", value="2*(a - y)*a*(1 - a)", vars=("a", "y")), "2(a − y)a(1 − a)"),
     (Answer(kind="number", value="0.6931"), "0.6931"),
     (Answer(kind="expression", value="x - x^2/2 + x^3/3", vars=("x",)), "x − x²/2 + x³/3")],
)
def test_answers_are_shown_as_maths(answer: Answer, shown: str) -> None:
    latex = answer_latex(answer)
    assert latex is not None and latex_to_unicode(latex) == shown
    assert check_answer(answer, latex_to_unicode(latex).replace("−", "-")).right  # what is shown reads back


def test_no_latex_for_choices_and_self_graded() -> None:
    assert answer_latex(Answer(kind="choice", value="a", options=("a", "b"))) is None
    assert answer_latex(Answer(kind="self")) is None


# ------------------------------------------------------------------------ lists over lines, thousands


@pytest.mark.parametrize(
    ("answer", "text"),
    [(Answer(kind="matrix", value="[[2, 1], [0, 3]]"), "[[2, 1],\n[0, 3]]"),
     (Answer(kind="vector", value="[-1, 14]"), "[-1,\n14]"),
     (Answer(kind="set", value="{pi/6, 5*pi/6}"), "{pi/6,\n5pi/6}"),
     (Answer(kind="vector", value="[1, 2, 3]"), "[\n1,\n2,\n3]"),
     (Answer(kind="matrix", value="[[2, 1], [0, 3]]"), "2 1\n0 3")],
)
def test_a_line_break_after_a_comma_continues_the_list(answer: Answer, text: str) -> None:
    assert check_answer(answer, text).right


@pytest.mark.parametrize(("value", "text", "status"),
                         [("5050", "5,050", "right"), ("1000000", "1,000,000", "right"), ("-2500", "-2,500", "right"),
                          ("5050", "5,005", "wrong"), ("1234.5", "1,234.5", "right")])
def test_a_thousands_separator_is_not_a_decimal_comma(value: str, text: str, status: str) -> None:
    assert check_answer(num(value), text).status == status


def test_a_comma_that_only_a_decimal_reading_makes_right_gets_a_question() -> None:
    v = check_answer(num("2.5"), "2,500")
    assert v.status == "nudge" and said(v).startswith("Did you mean 2.500? Write decimals with a point")
    assert "2,500 reads as 2500" in said(v)
    assert "use a point for decimals" in check_answer(num("1/2"), "0,5").feedback  # not a thousands group


# ------------------------------------------------------------------------------------- check-content


def test_the_question_expressions_are_found() -> None:
    assert question_expressions("Simplify $3(x + 2) - 2(x - 1)$.") == ["3(x + 2) − 2(x − 1)"]
    assert question_expressions("Expand $(2x - 3)^2$.") == ["(2x − 3)²"]
    assert question_expressions("If $f(x) = 3x - 4$, what is 2^10 + 1?") == ["f(x) = 3x − 4", "f(x)", "3x − 4",
                                                                            "2^10 + 1"]


@pytest.mark.parametrize(
    ("question", "answer", "form"),
    [("Simplify $3(x + 2) - 2(x - 1)$.", expr("x + 8", "any"), "simplified"),
     ("Expand $(2x - 3)^2$.", expr("4*x^2 - 12*x + 9", "any"), "expanded"),
     ("Factor $x^2 - 5x + 6$.", expr("(x - 2)*(x - 3)", "any"), "factored"),
     ("Evaluate $8^{2/3}$.", num("4"), "numeric"),
     ("What is $\\cos 60^\\circ$?", num("1/2"), "numeric"),
     ("What is 2^10?", num("1024"), "numeric")],
)
def test_check_content_rejects_a_question_that_answers_itself(question: str, answer: Answer, form: str) -> None:
    p = Prompt(id="q1", question=question, answer=answer, hints=("h",), solution="A solution.")
    problems = validate_prompt(p)
    assert len(problems) == 1 and "the question's own expression" in problems[0] and "set the answer's form" in \
        problems[0]
    fixed = p.model_copy(update={"answer": answer.model_copy(update={"form": form})})
    assert validate_prompt(fixed) == []


def test_a_number_the_question_gives_is_not_flagged() -> None:
    p = Prompt(id="q2", question="With $x = 2$, what is $x$?", answer=num("2"), hints=("h",), solution="It is 2.")
    assert validate_prompt(p) == []


# ------------------------------------------------------------------- through the core, real curriculum


async def _open(core, repo, prompt_id: str) -> int:
    from tests.support.conversation import ADA

    await core.handle_text(ADA, "/start")
    learner = await repo.find_learner(ADA.platform, ADA.user_id)
    await repo.update_learner(learner.id, open_prompt=prompt_id, open_source="practice")
    return learner.id


async def test_typing_the_question_back_is_sent_back_and_changes_nothing(real_core, repo):
    from bot.core.markup import to_plain
    from tests.support.conversation import ADA, db_state

    lid = await _open(real_core, repo, "alg-expressions-1")  # Simplify 3(x + 2) − 2(x − 1)
    before = await db_state(repo)
    for typed in ("3(x + 2) - 2(x - 1)", "3x + 6 - 2x + 2"):
        r = await real_core.handle_text(ADA, f"/answer {typed}")
        assert to_plain(r[0].text) == ("That is equal, but not simplified yet: collect the like terms. "
                                       "This doesn't count as a try: send it again.")
        assert r[0].expects_answer
    assert await db_state(repo) == before  # not a try, not an answer, no card
    r = await real_core.handle_text(ADA, "/answer x + 8")
    assert r[0].text.startswith("✅ Right!") and "try" not in r[0].text.split("\n")[0]
    assert await repo.attempt_totals(lid) == (1, 1)


async def test_the_answer_after_the_last_try_is_shown_as_maths(real_core, repo):
    from bot.core.markup import to_plain
    from tests.support.conversation import ADA

    await _open(real_core, repo, "la-vectors-4")  # length 6 at 30 degrees: [3√3, 3]
    for typed in ("[1, 2]", "[3, 3]", "[6, 6]"):
        r = await real_core.handle_text(ADA, f"/answer {typed}")
    shown = to_plain(r[0].text)
    assert "here is the answer: [3√3, 3]." in shown and "sqrt" not in shown and "*" not in shown


def test_form_checks_on_big_equal_inputs(monkeypatch) -> None:
    """Big inputs equal to the answer (their cost is in bench/answers.py: a degree bound keeps sympy from
    factoring a degree-400 polynomial for seconds). The verdict, not the clock: the checker's 80 ms budget is
    widened here, so a loaded machine (CI's two busy workers) cannot turn a right answer into 'wrong'."""
    import bot.practice.check as check

    monkeypatch.setattr(check, "TIME_BUDGET_S", 5.0)
    factored = expr("(x - 2)*(x - 3)", "factored")
    hostile = [(factored, "(x-2)(x-3) + (x+1)^200*(x-1)^200 - (x^2-1)^200"),
               (factored, "(x-2)(x-3)" + "*(x+1)/(x+1)" * 30),
               (EXPANDED, "4x^2 - 12x + 9 + (x+1)^300 - (1+x)^300"),
               (SIMPLIFIED, "+".join(["(x+1)"] * 60) + " - 60x - 60 + x + 8"),
               (num("4", "simplified"), "2^2" + "+sin(1)^2+cos(1)^2-1" * 10)]
    for answer, text in hostile:
        assert check_answer(answer, text).status in ("right", "nudge"), text
    assert check_answer(*hostile[0]).status == "nudge"  # a sum is not a product, however big


@pytest.mark.parametrize(("value", "typed", "shown"), [
    ("sin(x^2)", "sin x^2", r"\sin(x^{2})"),  # what a bare function takes: shown before the verdict
    ("sin(x)^2", "sin^2 x", r"\sin(x)^{2}"),
    ("2/x", "2x^-1", "2x^{-1}"),
    ("(x+1)^2", "(x+1)**2", "(x + 1)^{2}"),
    ("2*(x+1)", "2(x+1)", ""),  # typed as it reads (spaces and multiplication signs aside): nothing to show
    ("2*(x+1)", "2 * (x + 1)", ""),
    ("x/2", "x/2", ""),
])
def test_an_expression_not_typed_the_way_it_reads_is_shown_as_read(value, typed, shown):
    assert check_answer(Answer(kind="expression", value=value, vars=("x",)), typed).read_as == shown


@pytest.mark.parametrize(("kind", "value", "typed", "shown"), [
    ("number", "1000", "1e3", "1000"),
    ("number", "sqrt(2)", "sqrt 2", r"\sqrt{2}"),
    ("number", "1/4", "1/4", ""),
    ("number", "0.25", "0.25", ""),
    ("number", "-3", "−3", ""),
    ("vector", "[1, 2]", "1, 2", "[1, 2]"),
    ("vector", "[1, 2]", "[1,2]", ""),
    ("number", "1/4", "0.3", ""),  # wrong, and typed as it reads
    ("number", "1/4", "x", ""),  # unreadable: nothing was read
])
def test_numbers_and_vectors_are_shown_as_read_only_when_typed_otherwise(kind, value, typed, shown):
    assert check_answer(Answer(kind=kind, value=value), typed).read_as == shown
