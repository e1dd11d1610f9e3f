"""Independent recomputation of every answer of ml-convexity (content/topics/ml.yaml).

Each computation rebuilds the function of the question from the drawn parameters and recomputes the answer with
sympy by another route than the YAML's ``let`` formulas: second derivatives and Hessians by ``sp.diff`` and
``sp.hessian`` (never the hand-differentiated coefficients the YAML writes), thresholds by solving where the
second derivative or the Hessian's determinant changes sign, and each threshold is cross-checked numerically: just
inside it the function passes a convexity test (numpy eigenvalues of the Hessian, or f'' on a grid), just outside
it fails. The chord gap is computed both from its definition and from the quadratic's second derivative. The two
choice prompts are decided option by option: the second derivative of each function of ml-convexity-2 sampled on a
grid, and for ml-convexity-5 the chord inequality tested at random points for several pairs of convex functions.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-convexity"
TEACHES = ["convex-sets", "convex-functions", "convexity-tests"]
NEEDS = ["calc-optimisation", "ml-positive-definite"]

x, y, w, b, k, u = sp.symbols("x y w b k u")
EPS = sp.Rational(1, 100)
GRID = np.linspace(-10, 10, 2001)


def convex_on_grid(second_derivative: sp.Expr, var: sp.Symbol = x) -> bool:
    """f'' >= 0 at every point of a grid (a numerical convexity test for functions of one variable)."""
    values = sp.lambdify(var, second_derivative, "numpy")(GRID)
    return bool(np.all(np.broadcast_to(values, GRID.shape) >= -1e-12))


def psd(matrix: sp.Matrix) -> bool:
    return bool(np.linalg.eigvalsh(np.array(matrix.tolist(), dtype=float)).min() >= -1e-12)


# ---------------------------------------------------------------- the answers, recomputed


def chord_gap(v) -> sp.Expr:
    """ml-convexity-1: the chord's height minus the graph's, from the definition; for a quadratic it must also be
    theta (1 - theta) (q - p)^2 f''/2."""
    f = sp.Lambda(x, v.a * x**2 + v.b * x)
    p, q, t = sp.Integer(v.p), sp.Integer(v.p + 4), sp.Rational(v.t)
    gap = t * f(p) + (1 - t) * f(q) - f(t * p + (1 - t) * q)
    curvature = sp.diff(f(x), x, 2) / 2
    assert sp.simplify(gap - t * (1 - t) * (q - p) ** 2 * curvature) == 0
    assert gap >= 0
    return gap


def quartic_second_derivative(v) -> sp.Expr:
    return sp.diff(v.a * x**4 + v.b * x**3 + v.c * x**2 + v.d * x, x, 2)


def cubic_threshold(v) -> sp.Expr:
    """ml-convexity-4: the one root of f'', with f'' < 0 left of it and > 0 right of it."""
    f = v.a * x**3 - 3 * v.a * v.t * x**2 + v.c * x
    f2 = sp.diff(f, x, 2)
    (root,) = sp.solve(f2, x)
    assert f2.subs(x, root - 1) < 0 < f2.subs(x, root + 1)
    return root


def hessian_bound(v) -> sp.Expr:
    """ml-convexity-6: the largest k at which the Hessian is still positive semidefinite."""
    a, c = v.g * v.u**2, v.g * v.w**2
    f = a * x**2 + k * x * y + c * y**2 + v.d * x
    hess = sp.hessian(f, (x, y))
    roots = sp.solve(hess.det(), k)
    bound = max(roots)
    assert min(roots) == -bound
    for inside in (bound, bound - EPS, -bound, -bound + EPS, 0):
        assert psd(hess.subs(k, inside)), inside
    for outside in (bound + EPS, -bound - EPS):
        assert not psd(hess.subs(k, outside)), outside
    return bound


def logistic_second_derivative(v) -> sp.Expr:
    """ml-convexity-7: L = -ln sigma(s w), differentiated twice by sympy; positive on a grid."""
    loss = -sp.log(1 / (1 + sp.exp(-v.s * w)))
    second = sp.diff(loss, w, 2)
    assert convex_on_grid(second, w)
    return second


def least_squares_hessian(v) -> sp.Matrix:
    """ml-convexity-8: the Hessian of the sum of squared errors by sympy, checked against 2 X^T X in numpy."""
    data = [(v.x_1, v.y_1), (v.x_2, v.y_2), (v.x_3, v.y_3)]
    loss = sum((w * xi + b - yi) ** 2 for xi, yi in data)
    hess = sp.hessian(loss, (w, b))
    design = np.array([[xi, 1] for xi, _ in data], dtype=float)
    assert np.allclose(np.array(hess.tolist(), dtype=float), 2 * design.T @ design)
    assert np.linalg.eigvalsh(2 * design.T @ design).min() > 0  # the x are not all equal: strictly convex
    return hess


def midpoint_loss(v) -> sp.Expr:
    """ml-convexity-9: the loss at the midpoint of two weight vectors that both give loss 0."""
    loss = sp.Lambda((u, v_), (u * v_ - v.r * v.s) ** 2)
    first, second = (v.r, v.s), (-v.r, -v.s)
    assert loss(*first) == 0 and loss(*second) == 0
    mid = [(p + q) / sp.Integer(2) for p, q in zip(first, second, strict=True)]
    value = loss(*mid)
    assert value > (loss(*first) + loss(*second)) / 2  # the chord inequality fails: not convex
    return value


v_ = sp.Symbol("v_")


def quartic_threshold(v) -> sp.Expr:
    """ml-convexity-10: the smallest k for which the minimum of f'' over x is 0, found by minimising f''."""
    f2 = sp.diff(v.p * x**4 + v.a * x**3 + k * x**2, x, 2)
    (xmin,) = sp.solve(sp.diff(f2, x), x)
    (bound,) = sp.solve(f2.subs(x, xmin), k)
    assert convex_on_grid(f2.subs(k, bound)) and convex_on_grid(f2.subs(k, bound + EPS))
    assert not convex_on_grid(f2.subs(k, bound - EPS))
    return bound


def log_sum_exp_second_derivative(v) -> sp.Expr:
    second = sp.diff(sp.log(sp.exp(v.a * x) + sp.exp(v.b * x)), x, 2)
    assert convex_on_grid(second)
    return second


# ---------------------------------------------------------------- the choice prompts, option by option


OPTION_FUNCTIONS = {"$x^3$": x**3, "$e^{-x}$": sp.exp(-x), "$-x^2$": -(x**2), "$\\sin x$": sp.sin(x)}


def convex_option() -> str:
    """ml-convexity-2: the only option whose second derivative is never negative on the grid."""
    options = prompts(UNIT)[f"{UNIT}-2"]["answer"]["options"]
    assert set(options) == set(OPTION_FUNCTIONS)
    (found,) = [o for o in options if convex_on_grid(sp.diff(OPTION_FUNCTIONS[o], x, 2))]
    return found


def combine(option: str, f, g):
    """ml-convexity-5: the function an option builds from f and g."""
    return {
        "$f + g$": lambda t: f(t) + g(t),
        "$3f$": lambda t: 3 * f(t),
        "$f(2x - 5)$": lambda t: f(2 * t - 5),
        "$\\max(f, g)$": lambda t: np.maximum(f(t), g(t)),
        "$f - g$": lambda t: f(t) - g(t),
    }[option]


CONVEX_PAIRS = [
    (lambda t: t**2, lambda t: 2 * t**2),
    (np.exp, lambda t: np.abs(t - 1)),
    (lambda t: (t - 2) ** 4, lambda t: np.maximum(t, 0)),
    (lambda t: np.log1p(np.exp(t)), lambda t: 3 * t + 1),
]


def chord_holds(h) -> bool:
    rng = np.random.default_rng(0)
    s, t, theta = rng.uniform(-4, 4, 2000), rng.uniform(-4, 4, 2000), rng.uniform(0, 1, 2000)
    return bool(np.all(h(theta * s + (1 - theta) * t) <= theta * h(s) + (1 - theta) * h(t) + 1e-9))


def not_always_convex_option() -> str:
    """ml-convexity-5: the only option that breaks the chord inequality for some pair of convex f and g."""
    options = prompts(UNIT)[f"{UNIT}-5"]["answer"]["options"]
    for f, g in CONVEX_PAIRS:
        assert chord_holds(f) and chord_holds(g)
    (found,) = [o for o in options if not all(chord_holds(combine(o, f, g)) for f, g in CONVEX_PAIRS)]
    return found


COMPUTE = {
    f"{UNIT}-1": chord_gap,
    f"{UNIT}-2": convex_option,
    f"{UNIT}-3": quartic_second_derivative,
    f"{UNIT}-4": cubic_threshold,
    f"{UNIT}-5": not_always_convex_option,
    f"{UNIT}-6": hessian_bound,
    f"{UNIT}-7": logistic_second_derivative,
    f"{UNIT}-8": least_squares_hessian,
    f"{UNIT}-9": midpoint_loss,
    f"{UNIT}-10": quartic_threshold,
    f"{UNIT}-11": log_sum_exp_second_derivative,
}


# ---------------------------------------------------------------- the numbers each template's question shows


def coefficient(c: int) -> list[int]:
    """A coefficient as a polynomial shows it: no 1, and a minus sign written apart (` - 3x`) or first (`-3x`)."""
    return [] if abs(c) == 1 else [abs(c)]


def leading(c: int) -> list[int]:
    return [] if abs(c) == 1 else [c]


def fraction(q) -> list[int]:
    q = sp.Rational(q)
    return [q.p, q.q] if q.q != 1 else [q.p]


SHOWN = {
    f"{UNIT}-1": lambda v: [*leading(v.a), 2, *coefficient(v.b), v.p, v.p + 4, *fraction(v.t), 1, 1, 1],
    f"{UNIT}-3": lambda v: [*leading(v.a), 4, *coefficient(v.b), 3, *coefficient(v.c), 2, *coefficient(v.d)],
    f"{UNIT}-4": lambda v: [*leading(v.a), 3, *coefficient(-3 * v.a * v.t), 2, *coefficient(v.c)],
    f"{UNIT}-6": lambda v: [*leading(v.g * v.u**2), 2, *leading(v.g * v.w**2), 2, *coefficient(v.d)],
    f"{UNIT}-7": lambda v: [v.s, v.s, 1, 1, -v.s, 1, 1, v.s, 1, -v.s, -2, -2],
    f"{UNIT}-8": lambda v: [v.x_1, v.y_1, v.x_2, v.y_2, v.x_3, v.y_3, 1, 3, 2],
    f"{UNIT}-9": lambda v: [1, 1, v.r * v.s, v.r * v.s, 2, v.r, v.s, -v.r, -v.s, 0],
    f"{UNIT}-10": lambda v: [*leading(v.p), 4, *coefficient(v.a), 3, 2],
    f"{UNIT}-11": lambda v: [*leading(v.a), *leading(v.b), *leading(v.a), *leading(v.b), 2, 2],
}


# ---------------------------------------------------------------- more checks of the templates


def test_the_chord_gap_mistakes_are_positive_values_of_the_wrong_sign_or_size():
    """ml-convexity-1: all values are positive (b > 0, p >= 0), so neither mistake can equal the gap."""
    for v, _ in instances(UNIT, f"{UNIT}-1"):
        f = sp.Lambda(x, v.a * x**2 + v.b * x)
        assert v.b > 0 and v.p >= 0 and f(v.p) >= 0 and f(v.p + 4) > 0 and chord_gap(v) > 0


def test_the_network_loss_is_not_convex_at_the_origin():
    """ml-convexity-9: the Hessian of (uv - c)^2 at the origin is indefinite (the solution says a saddle)."""
    for val, _ in instances(UNIT, f"{UNIT}-9"):
        hess = sp.hessian((u * v_ - val.r * val.s) ** 2, (u, v_)).subs({u: 0, v_: 0})
        assert hess == sp.Matrix([[0, -2 * val.r * val.s], [-2 * val.r * val.s, 0]])
        assert hess.det() < 0


def test_the_self_check_is_the_only_self_prompt():
    kinds = [p["answer"]["kind"] for p in prompts(UNIT).values()]
    assert kinds.count("self") == 1 and prompts(UNIT)[f"{UNIT}-12"]["answer"]["kind"] == "self"
