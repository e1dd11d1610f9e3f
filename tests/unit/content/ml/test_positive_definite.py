"""Independent recomputation of every answer of ml-positive-definite (content/topics/ml.yaml).

Each computation rebuilds the problem's data from the drawn parameters (a template) and recomputes the answer
with sympy or numpy by another route than the YAML's ``let`` formulas: the quadratic form by matrix products,
the matrix back from the polynomial by its Hessian, minors as determinants of the product ``L D L^T``, a
variance from a small data set with that covariance. Where a prompt classifies matrices (which one is positive
definite, which function has a saddle), every option is classified twice, by numpy's eigenvalues and by
Sylvester's criterion, and the two must agree.
"""

from __future__ import annotations

import re

import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    split_symbols,
    standard_transformations,
)

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-positive-definite"
TEACHES = ["quadratic-forms", "positive-definite-matrices", "sylvester-criterion"]
NEEDS = ["la-diagonalisation", "calc-optimisation", "stat-correlation"]

x, y = sp.symbols("x y")
M = sp.Matrix


# ---------------------------------------------------------------- classifying a symmetric matrix, twice


def by_eigenvalues(a: sp.Matrix) -> str:
    lam = np.linalg.eigvalsh(np.array(a.tolist(), dtype=float))
    assert np.all(np.abs(lam) > 1e-9), f"a zero eigenvalue in {a}"
    if np.all(lam > 0):
        return "positive definite"
    if np.all(lam < 0):
        return "negative definite"
    return "indefinite"


def by_sylvester(a: sp.Matrix) -> str:
    minors = [a[:k, :k].det() for k in range(1, a.rows + 1)]
    assert all(d != 0 for d in minors), f"a zero leading minor in {a}"
    if all(d > 0 for d in minors):
        return "positive definite"
    if all((-1) ** k * d > 0 for k, d in enumerate(minors, start=1)):
        return "negative definite"
    return "indefinite"


def kind(a: sp.Matrix) -> str:
    first, second = by_eigenvalues(a), by_sylvester(a)
    assert first == second, f"{a}: eigenvalues say {first}, Sylvester says {second}"
    return first


def sym(a: int, b: int, c: int) -> sp.Matrix:
    return M([[a, b], [b, c]])


def matrix_text(a: sp.Matrix) -> str:
    return "$[[" + "], [".join(", ".join(str(int(e)) for e in a.row(i)) for i in range(a.rows)) + "]]$"


def _term(coefficient: int, monomial: str, first: bool) -> str:
    size = "" if abs(coefficient) == 1 else str(abs(coefficient))
    if first:
        return ("-" if coefficient < 0 else "") + size + monomial
    return (" - " if coefficient < 0 else " + ") + size + monomial


def form_text(a: sp.Matrix) -> str:
    """The quadratic form of a symmetric 2 by 2 matrix, written as the options write it (no zero entries)."""
    return "$" + _term(int(a[0, 0]), "x^{2}", True) + _term(int(2 * a[0, 1]), "xy", False) + _term(
        int(a[1, 1]), "y^{2}", False) + "$"


TRANSFORMS = (*standard_transformations, split_symbols, implicit_multiplication_application)


def read_matrix(text: str) -> sp.Matrix:
    rows = re.findall(r"\[([^\[\]]+)\]", text)
    return M([[int(n) for n in row.split(",")] for row in rows])


def read_form(text: str) -> sp.Matrix:
    """The symmetric matrix of a quadratic form as an option writes it ($4x^{2} - 12xy + 10y^{2}$): half its
    Hessian."""
    body = text.strip("$").replace("^{2}", "^2").replace("^", "**")
    poly = parse_expr(body, local_dict={"x": x, "y": y}, transformations=TRANSFORMS)
    return sp.hessian(poly, (x, y)) / 2


# ---------------------------------------------------------------- the problems' data from the parameters


def cholesky_like(p: int, q: int, r: int) -> sp.Matrix:
    low = M([[p, 0], [q, r]])
    return low * low.T


def pd_candidates(v) -> dict[str, sp.Matrix]:
    """ml-positive-definite-4: the three matrices the question shows, built from the drawn factors."""
    t = v.sg * (max(v.m, v.z) + v.j)
    return {"P": cholesky_like(v.p, v.q, v.r), "N": -cholesky_like(v.u, v.v, v.w), "I": sym(v.m, t, v.z)}


def saddle_candidates(v) -> dict[str, sp.Matrix]:
    """ml-positive-definite-12: the matrices of the three quadratic forms."""
    return {"min": cholesky_like(v.p, v.q, v.r), "max": -cholesky_like(v.u, v.v, v.w),
            "saddle": sym(v.m, max(v.m, v.z) + v.j, v.z)}


def the_one(candidates: dict[str, sp.Matrix], wanted: str) -> sp.Matrix:
    found = [a for a in candidates.values() if kind(a) == wanted]
    assert len(found) == 1, (wanted, candidates)
    return found[0]


def positive_definite_option(v) -> str:
    return matrix_text(the_one(pd_candidates(v), "positive definite"))


def saddle_option(v) -> str:
    forms = saddle_candidates(v)
    assert {kind(a) for a in forms.values()} == {"positive definite", "negative definite", "indefinite"}
    return form_text(the_one(forms, "indefinite"))


def quadratic_form(a: sp.Matrix, w: sp.Matrix) -> sp.Expr:
    return (w.T * a * w)[0, 0]


def expand_form(v) -> sp.Expr:
    vec = M([x, y])
    return sp.expand(quadratic_form(sym(v.a, v.b, v.c), vec))


def matrix_of_polynomial(v) -> sp.Matrix:
    poly = v.a * x**2 + 2 * v.b * x * y + v.c * y**2
    return sp.hessian(poly, (x, y)) / 2


def pd_bound(v) -> sp.Expr:
    a, c = v.g * v.u**2, v.g * v.w**2
    t = sp.Symbol("t", real=True)
    roots = sp.solve(sym(a, t, c).det(), t)
    bound = max(roots)
    eps = sp.Rational(1, 100)
    assert kind(sym(a, bound - eps, c)) == "positive definite"
    assert kind(sym(a, bound + eps, c)) == "indefinite"
    return bound


def null_direction(v) -> sp.Matrix:
    col = v.a
    x_mat = M.hstack(col, v.f * col)
    (basis,) = x_mat.nullspace()
    w = basis / basis[1]
    assert (w.T * x_mat.T * x_mat * w)[0, 0] == 0
    return w


def shift_bound(v) -> sp.Expr:
    a = sym(v.n + 4 * v.k, 2 * v.sg * v.k, v.n + v.k)
    exact = min(a.eigenvals())
    assert abs(float(exact) - np.linalg.eigvalsh(np.array(a.tolist(), dtype=float)).min()) < 1e-9
    return -exact


def variance_of_feature(v) -> sp.Expr:
    """The variance of z = w1 x1 + w2 x2 over a four-point data set whose covariance (divisor n) is Sigma."""
    low = M([[v.p, 0], [v.r, v.s]])
    sigma = low * low.T
    points = [sgn * sp.sqrt(2) * low[:, i] for i in range(2) for sgn in (1, -1)]
    assert sum((pt * pt.T for pt in points), sp.zeros(2, 2)) / len(points) == sigma
    z = [(v.w.T * pt)[0, 0] for pt in points]
    mean = sum(z) / len(z)
    return sp.nsimplify(sp.expand(sum((zi - mean) ** 2 for zi in z) / len(z)))


def leading_minors(v) -> list:
    low = M([[1, 0, 0], [v.p, 1, 0], [v.q, v.r, 1]])
    a = low * sp.diag(*v.d) * low.T
    return [a[:k, :k].det() for k in (1, 2, 3)]


def minors_question_numbers(v) -> list:
    low = M([[1, 0, 0], [v.p, 1, 0], [v.q, v.r, 1]])
    a = low * sp.diag(*v.d) * low.T
    return [1, 2, 3, *list(a), 1, 1, 2, 2, 3, 3, 1, 2, 3]


def taylor_estimate(v) -> sp.Expr:
    hess = M([[2 * v.a, v.b], [v.b, 2 * v.c]])
    assert kind(hess) == "positive definite"
    xs = M(sp.symbols("u1 u2"))
    model = v.f + quadratic_form(hess, xs) / 2  # f near x*, shifted so that x* = 0
    return model.subs(dict(zip(xs, v.h, strict=True)))


COMPUTE = {
    f"{UNIT}-1": expand_form,
    f"{UNIT}-2": matrix_of_polynomial,
    f"{UNIT}-4": positive_definite_option,
    f"{UNIT}-5": pd_bound,
    f"{UNIT}-6": lambda v: quadratic_form(v.X.T * v.X, v.w),
    f"{UNIT}-7": null_direction,
    f"{UNIT}-8": shift_bound,
    f"{UNIT}-9": variance_of_feature,
    f"{UNIT}-10": leading_minors,
    f"{UNIT}-11": taylor_estimate,
    f"{UNIT}-12": saddle_option,
}

SHOWN = {
    f"{UNIT}-1": lambda v: [v.a, v.b, v.b, v.c],
    f"{UNIT}-5": lambda v: [v.g * v.u**2, v.g * v.w**2],
    f"{UNIT}-6": lambda v: [*list(v.X), *list(v.w)],
    f"{UNIT}-7": lambda v: [n for a in v.a for n in (a, v.f * a)] + [1, 0],
    f"{UNIT}-8": lambda v: [v.n + 4 * v.k, 2 * v.sg * v.k, 2 * v.sg * v.k, v.n + v.k],
    f"{UNIT}-10": minors_question_numbers,
    f"{UNIT}-11": lambda v: [v.f, 2 * v.a, v.b, v.b, 2 * v.c, 1, 2, *list(v.h)],
}


# ---------------------------------------------------------------- the choice templates, option by option


def test_each_option_of_which_is_positive_definite_is_classified():
    """ml-positive-definite-4: the options are the three matrices of the question, in its order; exactly one is
    positive definite (eigenvalues and Sylvester agree) and it is the answer; the others are one negative
    definite and one indefinite."""
    for v, p in instances(UNIT, f"{UNIT}-4"):
        options = p["answer"]["options"]
        shown = [read_matrix(m) for m in re.findall(r"\$([^$]+)\$", p["question"])]
        assert shown == [read_matrix(o) for o in options]
        kinds = [kind(a) for a in shown]
        assert sorted(kinds) == ["indefinite", "negative definite", "positive definite"], kinds
        assert options[kinds.index("positive definite")] == p["answer"]["value"]
        assert {matrix_text(a) for a in pd_candidates(v).values()} == set(options)


def test_each_option_of_which_has_a_saddle_is_classified():
    """ml-positive-definite-12: the options are the question's three functions; the one whose Hessian is
    indefinite is the answer, one other is a minimum and one a maximum."""
    for v, p in instances(UNIT, f"{UNIT}-12"):
        options = p["answer"]["options"]
        assert re.findall(r"\$[^$]+\$", p["question"]) == list(options)
        matrices = [read_form(o) for o in options]
        kinds = [kind(a) for a in matrices]
        assert sorted(kinds) == ["indefinite", "negative definite", "positive definite"], kinds
        assert options[kinds.index("indefinite")] == p["answer"]["value"]
        assert {form_text(a) for a in saddle_candidates(v).values()} == set(options)


def test_the_eigenvalue_choice_is_semidefinite():
    """ml-positive-definite-3: eigenvalues 4, 0, 1 give a form that is never negative and is 0 on a nonzero
    vector."""
    q, _ = np.linalg.qr(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]]))
    a = q @ np.diag([4.0, 0.0, 1.0]) @ q.T
    samples = np.random.default_rng(0).normal(size=(1000, 3))
    assert np.all(np.einsum("ij,jk,ik->i", samples, a, samples) >= -1e-12)
    assert abs(q[:, 1] @ a @ q[:, 1]) < 1e-12
    assert prompts(UNIT)[f"{UNIT}-3"]["answer"]["value"] == "positive semidefinite, not definite"
