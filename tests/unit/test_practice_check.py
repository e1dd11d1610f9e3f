"""The answer checker: equivalences across kinds, the number rounding rule, choice, mistakes, validation."""

from __future__ import annotations

import pytest

from bot.content.model import Answer, Mistake, Prompt
from bot.practice.check import (
    MAX_ANSWER_CHARS,
    SELF_GRADED_FEEDBACK,
    Verdict,
    check_answer,
    check_prompt,
    chosen_option,
    example_for,
    validate_prompt,
    warm_up,
)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()


def expr(value: str, *variables: str) -> Answer:
    return Answer(kind="expression", value=value, vars=variables or ("x",))


def num(value: str, tolerance: float | None = None) -> Answer:
    return Answer(kind="number", value=value, tolerance=tolerance)


def vec(value: str) -> Answer:
    return Answer(kind="vector", value=value)


def mat(value: str) -> Answer:
    return Answer(kind="matrix", value=value)


def set_(value: str) -> Answer:
    return Answer(kind="set", value=value)


R, W, U = "right", "wrong", "unreadable"

TABLE = [
    # --- expressions: forms a mathematician means
    (expr("2*x + 1"), "2x + 1", R),
    (expr("2*x + 1"), "1+2*x", R),
    (expr("2*x + 1"), "2 x + 1", R),
    (expr("2*x + 1"), "x + x + 1", R),
    (expr("2*x + 1"), "2x + 2", W),
    (expr("2*x + 1"), "2x - 1", W),
    (expr("x^2"), "x**2", R),
    (expr("x^2"), "x²", R),
    (expr("x^2"), "x*x", R),
    (expr("x^2"), "x^3", W),
    (expr("x^2"), "2x", W),
    (expr("2*(x+1)"), "2(x+1)", R),
    (expr("2*(x+1)"), "2x+2", R),
    (expr("2*(x+1)"), "2x+1", W),
    (expr("sqrt(x)"), "√x", R),
    (expr("sqrt(x)"), "x^(1/2)", R),
    (expr("sqrt(x)"), "x^0.5", R),
    (expr("sqrt(x)"), "sqrt x", R),
    (expr("sqrt(x)"), "x/2", W),
    (expr("exp(x)"), "e^x", R),
    (expr("exp(x)"), "exp x", R),
    (expr("exp(x)"), "e^(x)", R),
    (expr("exp(x)"), "e*x", W),
    (expr("1/x"), "x^-1", R),
    (expr("1/x"), "x⁻¹", R),
    (expr("1/x"), "ln x", W),
    (expr("log(x)"), "ln x", R),
    (expr("log(x)"), "ln(x)", R),
    (expr("2*ln(x)"), "ln(x^2)", R),
    (expr("2*ln(x)"), "2 ln x", R),
    (expr("sin(x)^2"), "sin(x)^2", R),
    (expr("sin(x)^2"), "sin^2 x", R),
    (expr("sin(x)^2"), "(sin x)²", R),
    (expr("sin(x)^2"), "1 - cos(x)^2", R),
    (expr("sin(x)^2"), "sin(x^2)", W),
    (expr("sin(x)^2"), "sin x^2", W),
    (expr("3*x^2"), "3x²", R),
    (expr("3*x^2"), "3 × x^2", R),
    (expr("3*x^2"), "3·x^2", R),
    (expr("3*x^2"), "−(−3x^2)", R),
    (expr("3*x^2"), "3x^3", W),
    (expr("cos(x)*exp(sin(x))"), "cos(x)e^(sin(x))", R),
    (expr("cos(x)*exp(sin(x))"), "exp(sin x)cos x", R),
    (expr("cos(x)*exp(sin(x))"), "cos x e^(sin x)", R),
    (expr("cos(x)*exp(sin(x))"), "exp(sin(x))", W),
    (expr("2*x*y", "x", "y"), "2xy", R),
    (expr("2*x*y", "x", "y"), "2yx", R),
    (expr("2*x*y", "x", "y"), "2x + y", W),
    (expr("abs(x)"), "|x|", R),
    (expr("abs(x)"), "sqrt(x^2)", R),
    (expr("abs(x)"), "x", W),
    (expr("pi*x"), "πx", R),
    (expr("pi*x"), "3.14159x", W),
    (expr("x^2 - 1"), "(x-1)(x+1)", R),
    (expr("x^2 - 1"), "(x-1)^2", W),
    (expr("exp(x)/(1 + exp(x))"), "1/(1 + e^-x)", R),
    (expr("exp(x)/(1 + exp(x))"), "1/(1 + e^x)", W),
    (expr("p*(1 - p)", "p"), "p - p^2", R),
    (expr("p*(1 - p)", "p"), "p(1-p)", R),
    (expr("p*(1 - p)", "p"), "1 - p", W),
    (expr("sqrt(p*(1 - p)/n)", "p", "n"), "√(p(1-p)/n)", R),
    (expr("sqrt(p*(1 - p)/n)", "p", "n"), "p(1-p)/n", W),
    (expr("(k + 1)/(n + 2)", "k", "n"), "(k+1)/(n+2)", R),
    (expr("(k + 1)/(n + 2)", "k", "n"), "k/n", W),
    (expr("x^2 + 1"), "y = x^2 + 1", R),
    (expr("x^2 + 1"), "f(x) = x² + 1", R),
    (expr("theta^2", "theta"), "θ²", R),
    (expr("lambda*w^2", "lambda", "w"), "λw²", R),
    (expr("x_1 + 2*x_2", "x_1", "x_2"), "x₁ + 2x₂", R),
    (expr("x_1 + 2*x_2", "x_1", "x_2"), "x1 + 2x2", R),
    (expr("x_1 + 2*x_2", "x_1", "x_2"), "x_1 + x_2", W),
    (expr("x^(1/3)"), "x^(1/3)", R),
    (expr("atan(x)"), "arctan x", R),
    (expr("atan(x)"), "tan^-1 x", R),
    (expr("log(x)/log(2)"), "log_2 x", R),
    (expr("log(x)/log(2)"), "log(x, 2)", R),
    (expr("x^6"), "x^2*x^4", R),
    (expr("x^6"), "(x^2)^3", R),
    (expr("x^6"), "x^8", W),
    (expr("n*(n - 1)", "n"), "n!/(n-2)!", R),
    (expr("2*cos(2*x)"), "2cos2x", R),
    (expr("2*cos(2*x)"), "2 cos(2x)", R),
    (expr("2*cos(2*x)"), "cos 2x", W),
    (expr("log(x)/log(10)"), "log10 x", R),
    # --- numbers
    (num("3/4"), "0.75", R),
    (num("3/4"), "3/4", R),
    (num("3/4"), "6/8", R),
    (num("3/4"), "75%", R),
    (num("3/4"), "0.7", W),
    (num("sqrt(2)/2"), "1/√2", R),
    (num("sqrt(2)/2"), "0.71", R),
    (num("sqrt(2)/2"), "0.707", R),
    (num("sqrt(2)/2"), "0.7071", R),
    (num("sqrt(2)/2"), "0.7", W),
    (num("sqrt(2)/2"), "0.70", W),
    (num("pi/4"), "π/4", R),
    (num("pi/4"), "0.785", R),
    (num("pi/4"), "45", W),
    (num("1e-3"), "0.001", R),
    (num("1e-3"), "10^-3", R),
    (num("1e-3"), "1/1000", R),
    (num("e^2"), "exp(2)", R),
    (num("e^2"), "7.39", R),
    (num("e^2"), "7.4", W),
    (num("ln(2)"), "0.693", R),
    (num("ln(2)"), "log(2)", R),
    (num("2*sqrt(3)"), "√12", R),
    (num("2*sqrt(3)"), "3.46", R),
    (num("2*sqrt(3)"), "3.47", W),
    (num("-3"), "-3", R),
    (num("-3"), "−3", R),
    (num("-3"), "x = -3", R),
    (num("-3"), "3", W),
    (num("5050"), "5050", R),
    (num("5050"), "5050.00", R),
    (num("5050"), "5049.99", W),
    (num("120"), "5!", R),
    (num("10"), "C", U),
    # --- vectors
    (vec("[1, 2, 3]"), "[1, 2, 3]", R),
    (vec("[1, 2, 3]"), "(1, 2, 3)", R),
    (vec("[1, 2, 3]"), "1 2 3", R),
    (vec("[1, 2, 3]"), "1, 2, 3", R),
    (vec("[1, 2, 3]"), "[1; 2; 3]", R),
    (vec("[1, 2, 3]"), "[3, 2, 1]", W),
    (vec("[1, 2, 3]"), "[1, 2]", W),
    (vec("[1/2, sqrt(3)/2]"), "[0.5, 0.87]", R),
    (vec("[1/2, sqrt(3)/2]"), "(1/2, √3/2)", R),
    (vec("[1/2, sqrt(3)/2]"), "[0.5, 0.8]", W),
    (vec("[-3/5, -4/5]"), "[-0.6 -0.8]", R),
    (vec("[-3/5, -4/5]"), "[-0.6, 0.8]", W),
    # --- matrices
    (mat("[[1, 2], [3, 4]]"), "[[1,2],[3,4]]", R),
    (mat("[[1, 2], [3, 4]]"), "1 2; 3 4", R),
    (mat("[[1, 2], [3, 4]]"), "[1 2; 3 4]", R),
    (mat("[[1, 2], [3, 4]]"), "[[1 2] [3 4]]", R),
    (mat("[[1, 2], [3, 4]]"), "1 2\n3 4", R),
    (mat("[[1, 2], [3, 4]]"), "[[1,3],[2,4]]", W),
    (mat("[[1, 2], [3, 4]]"), "[[1,2,0],[3,4,0]]", W),
    (mat("[[1/4, 1/10], [1/10, 6/25]]"), "[[0.25, 0.1], [0.1, 0.24]]", R),
    (mat("[[1, 2], [3, -1]]"), "1 2; 3 -1", R),
    (mat("[[1, 2], [3, -1]]"), "1 2; 3 - 1", U),  # "3 - 1" is one entry: a ragged matrix
    # --- sets
    (set_("{1, -2}"), "{-2, 1}", R),
    (set_("{1, -2}"), "1, -2", R),
    (set_("{1, -2}"), "x = 1 or x = -2", R),
    (set_("{1, -2}"), "{1, 1, -2}", R),
    (set_("{1, -2}"), "{1}", W),
    (set_("{1, -2}"), "{1, 2}", W),
    (set_("{1, -2}"), "{1, -2, 3}", W),
    (set_("{2 + sqrt(3), 2 - sqrt(3)}"), "2 ± √3", R),
    (set_("{2 + sqrt(3), 2 - sqrt(3)}"), "{3.73, 0.27}", R),
    (set_("{pi/6, 5*pi/6}"), "{5π/6, π/6}", R),
    (set_("{pi/6, 5*pi/6}"), "{π/6}", W),
    (set_("{0, 1, 2, 3}"), "{3, 2, 1, 0}", R),
]


@pytest.mark.parametrize(("answer", "text", "status"), TABLE, ids=[f"{a.kind}:{a.value}|{t}" for a, t, _ in TABLE])
def test_equivalence_table(answer: Answer, text: str, status: str) -> None:
    v = check_answer(answer, text)
    assert v.status == status, v


def test_table_is_large() -> None:
    assert len(TABLE) >= 60
    assert {a.kind for a, _, _ in TABLE} >= {"expression", "number", "vector", "matrix", "set"}


# --- the number rule (what content authors were told)


@pytest.mark.parametrize(
    ("text", "status"),
    [("0.33", R), ("0.333", R), ("0.3333", R), ("1/3", R), ("2/6", R), (".33", R), ("0.3", W), ("0.34", W),
     ("0.332", W), ("0.33333333", R), ("0.3334", W), ("33%", R), ("0", W), ("1/3.0", R)],
)
def test_rounding_rule_one_third(text: str, status: str) -> None:
    assert check_answer(num("1/3"), text).status == status


@pytest.mark.parametrize(
    ("value", "text", "status"),
    [
        ("2/3", "0.67", R), ("2/3", "0.66", W), ("2/3", "0.667", R),
        ("1/8", "0.13", R), ("1/8", "0.12", R),  # a tie: either rounding of 0.125 is accepted
        ("1/8", "0.125", R), ("1/8", "0.1", W),
        ("-1/6", "-0.17", R), ("-1/6", "-0.16", W), ("-1/6", "0.17", W),
        ("1/221", "0.0045", R), ("1/221", "0.00", W),  # zero is not a rounding of a non-zero value
        ("pi", "3.14", R), ("pi", "3.1416", R), ("pi", "3.141", W), ("pi", "3.15", W), ("pi", "3", W),
        ("7", "7.0", R), ("7", "7.00", R), ("7", "6.99", W),
    ],
)
def test_rounding_rule_cases(value: str, text: str, status: str) -> None:
    assert check_answer(num(value), text).status == status


@pytest.mark.parametrize(
    ("text", "status"),
    [("0.84", R), ("0.8413", R), ("0.846", R), ("0.8363", R), ("0.8463", R), ("0.85", W), ("0.8", W), ("0.83", W)],
)
def test_tolerance_is_absolute(text: str, status: str) -> None:
    assert check_answer(num("0.8413", tolerance=0.005), text).status == status


def test_tolerance_on_closed_form() -> None:
    a = num("sqrt(2)", tolerance=0.01)
    assert check_answer(a, "1.41").right
    assert check_answer(a, "1.42").right
    assert check_answer(a, "1.4").status == W
    assert check_answer(a, "√2").right


def test_rule_applies_per_entry() -> None:
    assert check_answer(vec("[1/3, 2/3]"), "[0.33, 0.67]").right
    assert check_answer(vec("[1/3, 2/3]"), "[0.3, 0.7]").status == W
    assert check_answer(set_("{1/3, -1/3}"), "{-0.33, 0.333}").right


def test_decimal_comma_is_explained() -> None:
    v = check_answer(num("1/2"), "0,5")
    assert v.status == U and "point" in v.feedback


# --- choice


CHOICE = Answer(kind="choice", value="The gradient", options=("The loss", "The gradient", "−1", "x²"))


@pytest.mark.parametrize(
    ("text", "status"),
    [("The gradient", R), ("the  GRADIENT", R), ("thegradient", R), ("2", R), ("b", R), ("B)", R),
     ("(b)", R), ("1", W), ("a", W), ("-1", W), ("x^2", W), ("5", U), ("g", U), ("gradient", U)],
)
def test_choice(text: str, status: str) -> None:
    assert check_answer(CHOICE, text).status == status


def test_choice_numbers_are_not_indexes_when_options_are_numbers() -> None:
    a = Answer(kind="choice", value="3", options=("1", "2", "3"))
    assert check_answer(a, "3").right
    assert check_answer(a, "1").status == W  # the option "1", not the first option (which is also "1")
    b = Answer(kind="choice", value="0", options=("0", "1", "2", "3"))
    assert check_answer(b, "4").status == U  # would be the 4th option, but options are numbers: ambiguous
    assert check_answer(b, "a").right  # letters still work


def test_choice_letters_are_not_indexes_when_options_are_letters() -> None:
    a = Answer(kind="choice", value="b", options=("a", "b", "c"))
    assert check_answer(a, "b").right
    assert check_answer(a, "a").status == W
    assert check_answer(a, "2").right


def test_choice_mistake_hint() -> None:
    m = (Mistake(answer="The loss", hint="The loss is what we minimise, not the direction."),)
    v = check_answer(CHOICE, "1", mistakes=m)
    assert v == Verdict("wrong", "The loss is what we minimise, not the direction.", "The loss")


# --- mistakes with hints


def test_mistake_matched_by_equivalence() -> None:
    a = expr("2*x*cos(x^2)")
    ms = (Mistake(answer="cos(x^2)", hint="Chain rule: multiply by the inner derivative."),
          Mistake(answer="-2*x*sin(x^2)", hint="That is the derivative of cos, not of sin."))
    v = check_answer(a, "cos(x²)", mistakes=ms)
    assert v.status == W and v.mistake == "cos(x^2)" and "Chain rule" in v.feedback
    v = check_answer(a, "-2x sin(x^2)", mistakes=ms)
    assert v.mistake == "-2*x*sin(x^2)"
    v = check_answer(a, "x cos(x^2)", mistakes=ms)
    assert v == Verdict("wrong", "", None, read_as=r"x\cos(x^{2})")  # x^2 reads x²: shown as read
    assert check_answer(a, "2x cos(x^2)", mistakes=ms).right


def test_number_mistake_uses_the_number_rule() -> None:
    a = num("1/3")
    ms = (Mistake(answer="1/6", hint="Count the outcomes again."),)
    v = check_answer(a, "0.17", mistakes=ms)
    assert v.mistake == "1/6" and v.feedback == "Count the outcomes again."
    assert check_answer(a, "0.2", mistakes=ms).mistake is None  # 1 decimal is not a rounding of 1/6


def test_set_and_matrix_mistakes() -> None:
    ms = (Mistake(answer="{-1, 2}", hint="Check the signs."),)
    v = check_answer(set_("{1, -2}"), "2, -1", mistakes=ms)
    assert v.mistake == "{-1, 2}" and v.feedback == "Check the signs."
    mm = (Mistake(answer="[[1, 3], [2, 4]]", hint="That is the transpose."),)
    assert check_answer(mat("[[1, 2], [3, 4]]"), "1 3; 2 4", mistakes=mm).feedback == "That is the transpose."


def test_check_prompt_passes_the_prompt_mistakes() -> None:
    p = Prompt(
        id="p1", question="Differentiate x^3.", answer=expr("3*x^2"), hints=("Power rule.",),
        solution="Bring the power down: 3x^2.", mistakes=({"answer": "x^2", "hint": "Bring the 3 down too."},),
    )
    assert check_prompt(p, "3x²").right
    v = check_prompt(p, "x^2")
    assert v.status == W and v.feedback == "Bring the 3 down too." and v.mistake == "x^2"


def test_shape_feedback() -> None:
    assert "3" in check_answer(vec("[1, 2, 3]"), "[1, 2]").feedback
    assert "2×2" in check_answer(mat("[[1, 2], [3, 4]]"), "[[1, 2, 3]]").feedback


# --- unreadable answers show an example of the accepted form


@pytest.mark.parametrize(
    ("answer", "text", "needle"),
    [
        (vec("[1, 2]"), "banana", "write a vector like [1, 2, 3]"),
        (mat("[[1, 2], [3, 4]]"), "[1, 2, 3, 4]", "Write a matrix like"),
        (set_("{1, -2}"), "{1, [2}", "Write the values like {1, -2}"),
        (num("3"), "three", "Write a number like"),
        (expr("2*x", "x"), "2y", "Write an expression in x like"),
        (expr("2*x", "x"), "2y", "the variable is x"),
        (expr("2*x", "x"), "e^2x", "ambiguous"),
        (expr("2*x", "x"), "1/2x", "ambiguous"),
        (expr("2*x", "x"), "x2", "x*2 or x^2"),
        (num("3"), "", "empty"),
        (num("3"), "1 = 2 = 3", "equation"),
    ],
)
def test_unreadable_feedback(answer: Answer, text: str, needle: str) -> None:
    v = check_answer(answer, text)
    assert v.status == U
    assert v.feedback.startswith("I couldn't read that as maths: ")
    assert needle.casefold() in v.feedback.casefold()


def test_self_graded_is_unreadable_with_buttons() -> None:
    v = check_answer(Answer(kind="self"), "I think it is 3")
    assert v.status == U and v.feedback == SELF_GRADED_FEEDBACK and "I had it" in v.feedback


def test_too_long() -> None:
    v = check_answer(num("3"), "3" + " " * MAX_ANSWER_CHARS)
    assert v.status == U and "too long" in v.feedback


def test_example_for_every_kind() -> None:
    assert example_for(vec("[1, 2]")) == "write a vector like [1, 2, 3]"
    assert "in p, n" in example_for(expr("p*n", "p", "n"))
    assert "(1-4)" in example_for(CHOICE) and "(a-d)" in example_for(CHOICE)
    for kind in ("number", "matrix", "set"):
        assert example_for(Answer(kind=kind, value="{1}" if kind == "set" else "[[1]]" if kind == "matrix" else "1"))


def test_positional_signature_and_verdict() -> None:
    v = check_answer(num("2"), "2")
    assert v == Verdict("right") and v.right and v.mistake is None


# --- validate_prompt (check-content)


def prompt(answer: Answer, *mistakes: str | dict) -> Prompt:
    return Prompt(id="v1", question="A question?", answer=answer, hints=("h",), solution="A solution.",
                  mistakes=mistakes)


def test_validate_ok() -> None:
    assert validate_prompt(prompt(expr("3*x^2"), "x^2", {"answer": "3*x", "hint": "Power rule."})) == []
    assert validate_prompt(prompt(num("0.8413", 0.005), "0.1587")) == []
    assert validate_prompt(prompt(set_("{2 + sqrt(3), 2 - sqrt(3)}"), "{2}")) == []
    assert validate_prompt(prompt(Answer(kind="self"))) == []
    assert validate_prompt(prompt(CHOICE, "The loss")) == []


def test_validate_reports_accepted_mistake() -> None:
    problems = validate_prompt(prompt(expr("2*(x + 1)"), "2x + 2"))
    assert problems == ["the checker accepts the listed wrong answer '2x + 2'"]


def test_validate_reports_unreadable_mistake_and_canonical() -> None:
    problems = validate_prompt(prompt(expr("2*x"), "2y"))
    assert len(problems) == 1 and "cannot read the listed wrong answer '2y'" in problems[0]
    problems = validate_prompt(prompt(expr("2*x + z"), "2x"))
    assert len(problems) == 1 and "cannot read the answer '2*x + z'" in problems[0]
    problems = validate_prompt(prompt(Answer(kind="choice", value="a", options=("a", "b")), "c"))
    assert problems == ["the checker cannot read the listed wrong answer 'c': That is not one of the options: "
                        "press one of the buttons, or type the option, its number (1-2)."]  # a, b are options
    assert "its number (1-3) or its letter (a-c)" in example_for(Answer(kind="choice", value="x", options=("x", "y", "z")))
    assert "number" not in example_for(Answer(kind="choice", value="6", options=("6", "7", "3")))


def test_choice_options_written_as_maths_are_typed_plainly_or_as_their_buttons_show_them() -> None:
    from bot.practice.display import option_label

    a = Answer(kind="choice", value="$B^T A^T$", options=("$A^T B^T$", "$B^T A^T$", "$BA$", r"$P(E \mid H)$"))
    assert [option_label(o) for o in a.options] == ["Aᵀ Bᵀ", "Bᵀ Aᵀ", "BA", "P(E | H)"]
    for typed in ("B^T A^T", "B^TA^T", "Bᵀ Aᵀ", "b^t a^t", "2", "b"):
        assert check_answer(a, typed).right, typed
    assert chosen_option(a, "P(E|H)") == r"$P(E \mid H)$"
    assert check_answer(a, "A^T B^T", mistakes=(Mistake(answer="A^T B^T", hint="The order reverses."),)) == Verdict(
        "wrong", "The order reverses.", "A^T B^T")
    assert check_answer(a, "AB").status == U
    assert check_answer(expr("x^e", "x"), "xᵉ").right  # a superscript e is a power, not a product x·e
    h = Answer(kind="choice", value="Reject $H_0$", options=("Reject $H_0$", "Do not reject $H_0$"))
    assert option_label(h.value) == "Reject H₀"
    assert all(check_answer(h, typed).right for typed in ("Reject H0", "reject H_0", "Reject H₀", "1"))


def hinted(answer: Answer, question: str, *hints: str) -> list[str]:
    return validate_prompt(Prompt(id="v1", question=question, answer=answer, hints=hints, solution="A solution."))


def test_validate_reports_a_hint_that_states_the_answer() -> None:
    """A formula in a hint that ends in the answer gives it away: exactly, within the tolerance, or in another
    form; the second hint is named."""
    away = "hint 2 gives the answer away"
    assert away in hinted(num("3"), "Solve $2x + 1 = 7$.", "Move the 1.", "So $x = 3$.")[0]
    assert away in hinted(num("0.6931", 0.005), "Estimate it.", "Use a calculator.",
                          r"The limit is $\ln 2 \approx 0.693$.")[0]
    assert away in hinted(expr("2*x", "x"), "Differentiate $x^2$.", "Power rule.",
                          r"$\frac{d}{dx} x^2 = x \cdot 2$")[0]
    away_1 = hinted(Answer(kind="vector", value="[1, 2]"), "Add $[0, 1]$ and $[1, 1]$.",
                    r"The sum is $\mathbf{v} = [1, 2]$.")
    assert away_1 and "hint 1 gives the answer away" in away_1[0]


def test_validate_accepts_hints_that_show_a_method_or_the_question_s_data() -> None:
    assert hinted(num("3"), "Solve $2x + 1 = 7$.", "Subtract 1 from both sides: $2x = 6$.",
                  "Then divide by $2$.") == []
    # the question's own number is data, even when it equals the answer (x = 12 predicts 12)
    assert hinted(num("12"), r"A line $\hat{y} = 6 + 0.5x$: what does it predict at $x = 12$?",
                  "Substitute $x = 12$ and add the intercept.") == []
    assert hinted(num("3", 0.1), "How many sides has a triangle?", "Count: $1, 2, 3$.") == []  # no relation


def test_broken_canonical_at_runtime_is_not_the_learners_fault() -> None:
    v = check_answer(expr("2*x + z"), "2x")
    assert v.status == U and "broken" in v.feedback


def test_every_content_prompt_validates() -> None:
    from bot.content.loader import check_directory
    from tests.support import ROOT

    catalog, _ = check_directory(ROOT / "content")
    assert catalog is not None and catalog.prompt_by_id
    bad = {pid: validate_prompt(p) for pid, p in catalog.prompt_by_id.items()}
    assert {pid: probs for pid, probs in bad.items() if probs} == {}
