"""Independent verification of every checkable answer in content/topics/algebra.yaml.

Each computation below recomputes a prompt's answer from the problem's data with sympy, without reading the
YAML value; the tests then compare it with the value written in the YAML, check that every listed mistake
differs from the answer, and check that every formula renders with matplotlib mathtext.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sympy as sp

from bot.content.loader import prerequisites
from tests.support import load_yaml
from tests.support.exact import is_zero, parser
from tests.support.mathtext import render_formula
from tests.support.templates import instances, is_template

ROOT = Path(__file__).resolve().parents[3]
TOPIC_FILE = ROOT / "content" / "topics" / "algebra.yaml"
DATA = load_yaml(TOPIC_FILE.read_text(encoding="utf-8"))
UNITS = DATA["units"]
PROMPTS = {p["id"]: p for u in UNITS for p in u["prompts"]}
CHECKABLE = {"number", "expression", "vector", "matrix", "set"}

x, y, z, t, k, m, b, a_, b_ = sp.symbols("x y z t k m b a_ b_")
x_real = sp.Symbol("x", real=True)  # an exponential equation: its real solution
LOCALS = {"e": sp.E, "pi": sp.pi, "ln": sp.log, "sqrt": sp.sqrt, "x": x, "y": y, "z": z, "t": t}


# ---------------------------------------------------------------- parsing YAML values


parse = parser(LOCALS)  # sympify of answer syntax, cached by text


def parse_set(text: str) -> list:
    inner = text.strip()
    assert inner.startswith("{") and inner.endswith("}"), text
    return [parse(part) for part in inner[1:-1].split(",") if part.strip()]


def same_number(a, b, tol: float = 0.0) -> bool:
    diff = sp.N(sp.sympify(a) - sp.sympify(b), 30)
    if tol:
        return abs(float(diff)) <= tol
    return is_zero(sp.sympify(a) - sp.sympify(b))


def same_set(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    rest = list(b)
    for item in a:
        for j, other in enumerate(rest):
            if same_number(item, other):
                rest.pop(j)
                break
        else:
            return False
    return True


def matches(kind: str, yaml_value: str, computed, tol: float = 0.0) -> bool:
    if kind == "number":
        return same_number(parse(yaml_value), computed, tol)
    if kind == "expression":
        return is_zero(parse(yaml_value) - sp.sympify(computed))
    if kind == "vector":
        got = parse(yaml_value)
        if len(got) != len(computed):
            return False
        return all(same_number(g, c) for g, c in zip(got, computed, strict=True))
    if kind == "matrix":
        got = parse(yaml_value)
        return sp.Matrix(got).shape == sp.Matrix(computed).shape and all(
            same_number(g, c) for g, c in zip(sp.Matrix(got), sp.Matrix(computed), strict=True)
        )
    if kind == "set":
        return same_set(parse_set(yaml_value), list(computed))
    if kind == "choice":
        return yaml_value == computed
    raise AssertionError(f"unknown kind {kind}")


# ---------------------------------------------------------------- independent computations


def solve1(lhs, rhs, var=x):
    sols = sp.solve(sp.Eq(lhs, rhs), var)
    assert len(sols) == 1, sols
    return sols[0]


def line_through(p, q):
    slope = sp.Rational(q[1] - p[1], q[0] - p[0])
    return slope * (x - p[0]) + p[1]


def slope(p, q):
    """The slope of the line through the points p and q (rise over run)."""
    return sp.Rational(q[1] - p[1], q[0] - p[0])


def line_coefficients(p, q):
    """[m, b] of the line y = m*x + b through the points p and q, from one equation per point."""
    return system_solution([sp.Eq(m * p[0] + b, p[1]), sp.Eq(m * q[0] + b, q[1])], [m, b])


def linear_sum_from_total(n, total, a, c):
    """sum (a*x_i + c) over n values whose sum is total: computed on actual data with that sum (linearity
    says any such data gives the same result)."""
    data = [sp.Integer(total)] + [sp.Integer(0)] * (n - 1)
    data2 = [sp.Rational(total, n)] * n
    results = {sum(a * xi + c for xi in d) for d in (data, data2)}
    assert len(results) == 1, results
    return results.pop()


def fn_shift_choice():
    f = (x - 2) ** 2 + 1
    vx = sp.solve(sp.diff(f, x), x)[0]
    vy = f.subs(x, vx)
    horiz = f"right {abs(vx)}" if vx > 0 else f"left {abs(vx)}"
    vert = f"up {abs(vy)}" if vy > 0 else f"down {abs(vy)}"
    return f"shifted {horiz}, {vert}"


def ln_ab_choice():
    a, bb = sp.symbols("a b", positive=True)
    target = sp.expand_log(sp.log(a * bb), force=True)
    options = {  # the options as the learner sees them (LaTeX), each with its meaning
        r"$\ln(a) + \ln(b)$": sp.log(a) + sp.log(bb),
        r"$\ln(a) \cdot \ln(b)$": sp.log(a) * sp.log(bb),
        r"$\ln(a) - \ln(b)$": sp.log(a) - sp.log(bb),
        r"$a \ln(b)$": a * sp.log(bb),
    }
    good = [name for name, e in options.items() if sp.simplify(e - target) == 0]
    assert len(good) == 1
    return good[0]


def system_solution(eqs, unknowns):
    sol = sp.solve(eqs, unknowns, dict=True)
    assert len(sol) == 1
    return [sol[0][u] for u in unknowns]


def check_point_choice():
    eqs = [sp.Eq(3 * x - y, 5), sp.Eq(x + 2 * y, 4)]
    ok = [bool(e.subs({x: 2, y: 1})) for e in eqs]
    if all(ok):
        return "Yes"
    return "No, it fails the first equation" if not ok[0] else "No, it fails the second equation"


def count_solutions_choice():
    sol = sp.linsolve([2 * x + 4 * y - 6, x + 2 * y - 5], [x, y])
    if sol == sp.EmptySet:
        return "none"
    (point,) = tuple(sol)
    return "exactly one" if not point.free_symbols else "infinitely many"


def k_for_infinitely_many():
    kk = sp.Symbol("k")
    good = []
    for cand in sp.solve(sp.Matrix([[1, kk], [2, 4]]).det(), kk):
        sols = sp.linsolve([x + cand * y - 3, 2 * x + 4 * y - 6], [x, y])
        if sols != sp.EmptySet and tuple(sols)[0].free_symbols:
            good.append(cand)
    assert len(good) == 1
    return good[0]


def quadrant_choice(angle):
    c, s = sp.cos(angle), sp.sin(angle)
    return {(True, True): "I", (False, True): "II", (False, False): "III", (True, False): "IV"}[
        (bool(c > 0), bool(s > 0))
    ]


def law_of_cosines(p, q, deg):
    return sp.sqrt(p**2 + q**2 - 2 * p * q * sp.cos(sp.rad(deg)))


COMPUTE = {
    # alg-expressions
    "alg-expressions-1": lambda: sp.expand(3 * (x + 2) - 2 * (x - 1)),
    # a template: computed from each instance's parameters v
    "alg-expressions-2": lambda v: solve1((v.c + v.k) * x - v.b, v.c * x + v.k * v.r - v.b),
    "alg-expressions-3": lambda v: (v.m * a_**2 - v.n * a_ * b_).subs({a_: v.u, b_: v.w}),
    "alg-expressions-4": lambda: sp.expand((2 * x - 3) ** 2),
    "alg-expressions-5": lambda: sp.solve(x**2 - 5 * x + 6, x),
    "alg-expressions-6": lambda: solve1((x + 1) / 2 - (x - 2) / 3, 2),
    "alg-expressions-7": lambda: sp.solve(x**2 - 4 * x + 1, x),
    # k is what is left of the expression once (x + h)^2 is taken away: it must not depend on x
    "alg-expressions-8": lambda v: sp.expand(x**2 + 2 * v.h * x + v.c - (x + v.h) ** 2),
    "alg-expressions-9": lambda v: sp.expand(v.a * (x + v.b) - v.c * (x - v.d)),
    "alg-expressions-10": lambda v: sp.solve(v.a * x**2 + v.b * x + v.c, x),
    # alg-functions
    "alg-functions-1": lambda v: (v.m * x - v.c).subs(x, v.s),
    "alg-functions-2": lambda v: slope((v.p, v.q), (v.p + v.r, v.q + v.k * v.r)),
    "alg-functions-3": lambda: sp.expand(2 * (x - 1) + 5),
    "alg-functions-4": fn_shift_choice,
    "alg-functions-5": lambda: (x**2).subs(x, 2 * x + 1),
    "alg-functions-6": lambda: solve1(2 * y + 3, x, y),
    "alg-functions-7": lambda: sp.minimum(x**2 - 6 * x + 5, x),
    "alg-functions-8": lambda v: sp.expand((v.a * x + v.b).subs(x, v.c * x + v.d)),
    "alg-functions-9": lambda v: solve1(v.a * y + v.b, x, y),
    # where the derivative of the function the question shows is zero
    "alg-functions-10": lambda v: solve1(sp.diff(v.a * x**2 - 2 * v.a * v.h * x + v.a * v.h**2 + v.k, x), 0),
    # alg-exponents-logs
    "alg-exponents-logs-1": lambda: sp.simplify(x**5 * x**3 / x**2),
    "alg-exponents-logs-2": lambda v: sp.log(v.b**v.n, v.b),
    "alg-exponents-logs-3": ln_ab_choice,
    "alg-exponents-logs-4": lambda: sp.Integer(8) ** sp.Rational(2, 3),
    "alg-exponents-logs-5": lambda v: solve1(v.b ** (x_real + v.c), v.b**v.n, x_real),
    "alg-exponents-logs-6": lambda: [s for s in sp.solve(sp.exp(2 * x) - 7, x) if s.is_real][0],
    "alg-exponents-logs-7": lambda: solve1(800 * 2 ** (-t / 3), 50, t),
    "alg-exponents-logs-8": lambda v: sp.powsimp((x**v.a) ** v.b * x**v.c, force=True),
    "alg-exponents-logs-9": lambda v: solve1(v.a * sp.exp(v.k * x_real), v.a * v.m, x_real),
    "alg-exponents-logs-10": lambda v: solve1(v.c * 2**v.m * 2 ** (-t / v.h), v.c, t),
    # alg-sigma
    "alg-sigma-1": lambda: sp.summation(k**2, (k, 1, 4)),
    "alg-sigma-2": lambda: sp.product(k, (k, 1, 4)),
    "alg-sigma-3": lambda v: sp.Rational(sum([v.x_1, v.x_2, v.x_3, v.x_4]), 4),
    "alg-sigma-4": lambda v: linear_sum_from_total(v.n, v.s, v.a, v.c),
    "alg-sigma-5": lambda: sp.summation(k, (k, 1, 100)),
    "alg-sigma-6": lambda v: sum(
        (yi - hi) ** 2
        for yi, hi in zip(
            [v.t_1, v.t_2, v.t_3], [v.t_1 - v.d_1, v.t_2 - v.d_2, v.t_3 - v.d_3], strict=True
        )  # targets y, and the predictions the question shows
    ),
    "alg-sigma-7": lambda: sum(i + j for i in range(1, 3) for j in range(1, 4)),
    # the mean of the rescaled data, on a made-up data set with the stated mean (any data set gives the same)
    "alg-sigma-8": lambda v: sp.Rational(sum(v.a * xi + v.b for xi in [v.m - 3, v.m, v.m + 5, v.m - 2]), 4),
    "alg-sigma-9": lambda v: sp.summation(v.a * k + v.b, (k, 1, sp.Symbol("n"))),
    "alg-sigma-10": lambda v: sum(range(v.m, v.n + 1)),
    # alg-systems
    "alg-systems-1": lambda v: system_solution([sp.Eq(x + y, v.p + v.q), sp.Eq(x - y, v.p - v.q)], [x, y]),
    "alg-systems-2": check_point_choice,
    "alg-systems-3": lambda: system_solution([sp.Eq(y, 2 * x - 1), sp.Eq(3 * x + 2 * y, 12)], [x, y]),
    "alg-systems-4": lambda v: line_coefficients((v.u, v.k * v.u + v.c), (v.w, v.k * v.w + v.c)),
    "alg-systems-5": count_solutions_choice,
    "alg-systems-6": k_for_infinitely_many,
    "alg-systems-7": lambda: system_solution(
        [sp.Eq(x + y + z, 6), sp.Eq(2 * x - y + z, 3), sp.Eq(x + 2 * y - z, 2)], [x, y, z]
    ),
    "alg-systems-8": lambda v: system_solution(
        [sp.Eq(y, v.m * x + v.q - v.m * v.p), sp.Eq(v.a * x + v.b * y, v.a * v.p + v.b * v.q)], [x, y]
    ),
    # the k where the system stops having a solution: its determinant vanishes (and the right sides disagree)
    "alg-systems-9": lambda v: solve1(sp.Matrix([[v.a, v.b], [v.a * v.t, k]]).det(), 0, k),
    "alg-systems-10": lambda v: sp.solve(
        [x + v.a * y - sp.Symbol("s"), x - y - sp.Symbol("d")], [x, y], dict=True
    )[0][x],
    # alg-trig
    "alg-trig-1": lambda: sp.Rational(3, sp.sqrt(3**2 + 4**2)),
    "alg-trig-2": lambda v: sp.sqrt((v.p**2 - v.q**2) ** 2 + (2 * v.p * v.q) ** 2),  # legs of the drawn triangle
    "alg-trig-3": lambda: sp.cos(sp.rad(60)),
    "alg-trig-4": lambda: sp.cos(sp.asin(sp.Rational(5, 13))),
    "alg-trig-5": lambda: sp.deg(sp.atan(2 / (2 * sp.sqrt(3)))),
    "alg-trig-6": lambda: sp.sin(x) ** 2 + sp.cos(x) ** 2 + sp.tan(x) * sp.cos(x),
    "alg-trig-7": lambda: law_of_cosines(5, 8, 60),
    "alg-trig-8": lambda v: sp.tan(sp.asin(sp.Rational(v.p**2 - v.q**2, v.p**2 + v.q**2))),
    "alg-trig-9": lambda v: law_of_cosines(v.a, v.b, 60),
    "alg-trig-10": lambda: sp.tan(sp.asin(sp.Symbol("s"))),
    # alg-unit-circle
    "alg-unit-circle-1": lambda v: sp.rad(v.d),
    "alg-unit-circle-2": lambda: [sp.cos(sp.pi / 3), sp.sin(sp.pi / 3)],
    "alg-unit-circle-3": lambda: sp.cos(3 * sp.pi / 4),
    "alg-unit-circle-4": lambda: quadrant_choice(4),
    "alg-unit-circle-5": lambda v: sp.periodicity(sp.sin(v.k * t), t),
    "alg-unit-circle-7": lambda: sp.solveset(
        sp.sin(x) - sp.Rational(1, 2), x, sp.Interval.Ropen(0, 2 * sp.pi)
    ),
    "alg-unit-circle-8": lambda v: sp.deg(v.k * sp.pi / 12),
    "alg-unit-circle-9": lambda v: sp.sin(sp.rad(30 * v.k)),
    "alg-unit-circle-10": lambda v: sp.integrate(v.r, (t, 0, v.k * sp.pi / 6)),  # arc length: r dθ summed
}


# ---------------------------------------------------------------- tests


def test_topic_shape():
    assert DATA["id"] == "algebra"
    assert DATA["title"] == "Algebra & Trigonometry"
    assert [u["id"] for u in UNITS] == [
        "alg-expressions", "alg-functions", "alg-exponents-logs", "alg-sigma",
        "alg-systems", "alg-trig", "alg-unit-circle",
    ]
    for u in UNITS:
        prompts = u["prompts"]
        assert len(prompts) >= 6, u["id"]
        assert [p["id"] for p in prompts] == [f"{u['id']}-{i}" for i in range(1, len(prompts) + 1)]
        assert sum(p["answer"]["kind"] == "self" for p in prompts) <= 1, u["id"]
        assert 2 <= sum(bool(p.get("daily")) for p in prompts) <= 3, u["id"]
        diffs = [p["difficulty"] for p in prompts]
        # the first seven climb 1 → 3; prompts added later come last (ids are permanent) at any level
        assert diffs[:7] == sorted(diffs[:7]) and diffs[0] == 1 and diffs[6] == 3 and set(diffs) <= {1, 2, 3}, u["id"]
    selfs = sum(p["answer"]["kind"] == "self" for p in PROMPTS.values())
    assert selfs <= 0.15 * len(PROMPTS)
    urls = {r["url"] for u in UNITS for r in u["resources"]}
    assert "https://www.khanacademy.org/math" in urls


def test_every_checkable_prompt_has_a_computation():
    need = {pid for pid, p in PROMPTS.items() if p["answer"]["kind"] in CHECKABLE}
    assert need - COMPUTE.keys() == set()
    assert COMPUTE.keys() - PROMPTS.keys() == set()


@pytest.mark.parametrize("pid", sorted(COMPUTE))
def test_answer_matches_independent_computation(pid):
    for v, prompt in instances(PROMPTS[pid]):  # a template: each instance, from its own parameters
        answer = prompt["answer"]
        computed = COMPUTE[pid](v) if is_template(PROMPTS[pid]) else COMPUTE[pid]()
        assert matches(answer["kind"], answer["value"], computed, answer.get("tolerance") or 0.0), (
            f"{pid} {vars(v)}: YAML says {answer['value']!r}, computed {computed!r}"
        )


def _differs(kind: str, value: str, wrong: str, tol: float) -> bool:
    if kind == "number":
        # A decimal correctly rounded to 2 places would be accepted, so a mistake must be further away.
        return abs(float(sp.N(parse(value) - parse(wrong)))) > max(tol, 0.005)
    if kind == "expression":
        return not is_zero(parse(value) - parse(wrong))
    if kind in ("vector", "matrix"):
        return not matches(kind, value, parse(wrong))
    if kind == "set":
        return not same_set(parse_set(value), parse_set(wrong))
    raise AssertionError(kind)


@pytest.mark.parametrize("pid", sorted(PROMPTS))
def test_mistakes_differ_from_answer(pid):
    for _, prompt in instances(PROMPTS[pid]):  # a template: in every instance
        _mistakes_differ(pid, prompt)


def _mistakes_differ(pid, prompt):
    answer = prompt["answer"]
    mistakes = prompt.get("mistakes") or []
    if answer["kind"] in CHECKABLE:
        assert 2 <= len(mistakes) <= 4, pid
    if answer["kind"] == "choice":
        assert answer["value"] in answer["options"]
        assert all(len(o) < 40 for o in answer["options"]), pid
    for mistake in mistakes:
        assert _differs(answer["kind"], answer["value"], mistake["answer"], answer.get("tolerance") or 0.0), (
            f"{pid}: mistake {mistake['answer']!r} equals the answer {answer['value']!r}"
        )
    if answer["kind"] == "expression":
        declared = {sp.Symbol(v) for v in answer["vars"]}
        assert parse(answer["value"]).free_symbols <= declared
        for mistake in mistakes:
            assert parse(mistake["answer"]).free_symbols <= declared


def _texts():
    yield "description", DATA.get("description", "")
    for u in UNITS:
        yield u["id"] + ".summary", u["summary"]
        yield u["id"] + ".why_ml", u["why_ml"]
        for p in (drawn for t in u["prompts"] for _, drawn in instances(t, 3)):
            yield p["id"] + ".question", p["question"]
            yield p["id"] + ".solution", p["solution"]
            for i, h in enumerate(p["hints"]):
                yield f"{p['id']}.hint{i}", h
            for i, mistake in enumerate(p.get("mistakes") or []):
                yield f"{p['id']}.mistake{i}", mistake.get("hint", "")
            for i, option in enumerate(p["answer"].get("options") or []):
                yield f"{p['id']}.option{i}", option


@pytest.mark.parametrize(("where", "text"), list(_texts()))
def test_formulas_render(where, text):
    assert text.count("$") % 2 == 0, f"{where}: unbalanced $"
    for formula in re.findall(r"\$([^$]+)\$", text):
        render_formula(formula)


# The concepts each unit teaches (the shared vocabulary of issue #37, plus pythagorean-theorem, which alg-trig-2
# teaches and alg-unit-circle-6 and vector lengths use) and the needs that make every used concept come first.
TEACHES = {
    "alg-expressions": ["expressions", "linear-equations", "quadratic-equations"],
    "alg-functions": ["functions", "slope", "function-composition", "inverse-functions", "graph-transformations"],
    "alg-exponents-logs": ["exponents", "logarithms", "exponential-functions"],
    "alg-sigma": ["sigma-notation", "product-notation", "mean"],
    "alg-systems": ["linear-systems"],
    "alg-trig": ["right-triangle-trig", "pythagorean-identity", "law-of-cosines", "pythagorean-theorem"],
    "alg-unit-circle": ["radians", "unit-circle"],
}
NEEDS = {
    "alg-expressions": [],
    "alg-functions": ["alg-expressions"],
    "alg-exponents-logs": ["alg-functions"],
    "alg-sigma": ["alg-expressions"],
    "alg-systems": ["alg-functions"],
    "alg-trig": ["alg-expressions"],
    "alg-unit-circle": ["alg-trig", "alg-functions"],
}


def _before(uid: str) -> set[str]:
    """The unit's prerequisites, direct and indirect."""
    return set(prerequisites(NEEDS)[uid])


def test_concepts_and_needs():
    assert {u["id"]: list(u["needs"]) for u in UNITS} == NEEDS
    assert {u["id"]: list(u["teaches"]) for u in UNITS} == TEACHES
    teacher = {c: uid for uid, cs in TEACHES.items() for c in cs}
    assert len(teacher) == sum(map(len, TEACHES.values()))  # each concept taught once
    for u in UNITS:
        keys = list(u)
        assert keys[keys.index("needs") + 1 : keys.index("needs") + 3] == ["teaches", "uses"], u["id"]
        assert len(set(u["uses"])) == len(u["uses"]), u["id"]
        for c in u["uses"]:
            # every concept the algebra units use is taught in this file, by a prerequisite
            assert c in teacher, f"{u['id']} uses {c!r}, which no algebra unit teaches"
            assert teacher[c] in _before(u["id"]), f"{u['id']} uses {c!r} before {teacher[c]!r} teaches it"
    used = {u["id"]: set(u["uses"]) for u in UNITS}
    # the uses the prompts show (not an exhaustive list): each must be declared
    assert {"right-triangle-trig", "pythagorean-identity", "pythagorean-theorem"} <= used["alg-unit-circle"]
    assert {"functions", "inverse-functions", "linear-equations"} <= used["alg-exponents-logs"]
    assert {"slope", "linear-equations"} <= used["alg-systems"]


def test_concept_check_fails_on_a_misordered_copy(tmp_path):
    """alg-unit-circle without alg-trig among its needs uses trigonometry that no prerequisite teaches."""
    from bot.content.loader import check_directory

    (tmp_path / "topics").mkdir()
    (tmp_path / "track.yaml").write_text("title: T\ntopics: [algebra]\nmin_prompts_per_unit: 6\n")
    text = TOPIC_FILE.read_text(encoding="utf-8")
    assert text.count("needs: [alg-trig, alg-functions]") == 1
    (tmp_path / "topics" / "algebra.yaml").write_text(text.replace("needs: [alg-trig, alg-functions]", "needs: [alg-functions]"))
    catalog, problems = check_directory(tmp_path)
    assert catalog is None
    messages = [p.message for p in problems]
    assert any("'alg-unit-circle' uses concept 'right-triangle-trig'" in m for m in messages), messages
    assert all("alg-unit-circle" in m for m in messages), messages


def test_loader_accepts_the_file(tmp_path):
    from bot.content.loader import check_directory

    (tmp_path / "topics").mkdir()
    (tmp_path / "track.yaml").write_text("title: T\ntopics: [algebra]\nmin_prompts_per_unit: 6\n")
    shutil.copy(TOPIC_FILE, tmp_path / "topics" / "algebra.yaml")
    catalog, problems = check_directory(tmp_path)
    assert problems == []
    assert catalog is not None and len(catalog.units) == 7
