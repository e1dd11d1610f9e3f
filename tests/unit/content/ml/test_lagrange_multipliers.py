"""Independent recomputation of every answer of ml-lagrange-multipliers (content/topics/ml.yaml).

The YAML solves each problem with the Lagrange condition; the computations here take other routes. A linear
constraint is eliminated (y written through x) and the one-variable function is optimised with sympy, its second
derivative confirming a maximum or a minimum; a circle is parametrised by an angle. The multiplier is recomputed
as the sensitivity dF*/dc of the optimal value F*(c), and checked against the gradients at the optimum. The
entropy prompts are solved numerically with scipy's SLSQP under the equality constraints, the PCA prompts with
numpy's eigen-solver and a brute-force search over unit vectors. The two choice prompts are checked on several
concrete problems: each option is tested at numerically found optima, and exactly the answer holds in all.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
import sympy as sp
from scipy.optimize import minimize, minimize_scalar

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import prompts

UNIT = "ml-lagrange-multipliers"
TEACHES = ["lagrange-multipliers", "constrained-optimisation"]
NEEDS = ["calc-optimisation", "ml-entropy-kl", "la-pca"]

R = sp.Rational
x, y = sp.symbols("x y", real=True)
c = sp.Symbol("c", positive=True)  # the constraint level of the expression prompts, c > 0 as they say
C = sp.Symbol("c")  # the same letter as the answers are parsed (no assumptions)
t = sp.Symbol("t", real=True)
ANGLES = np.linspace(0.0, 2 * np.pi, 20_001)


def per_draw(fn):
    """Compute once per distinct draw: many of the 200 instances repeat the same parameters."""
    cached = functools.cache(lambda items: fn(SimpleNamespace(**dict(items))))
    return functools.wraps(fn)(lambda v: cached(tuple(sorted(vars(v).items()))))


# ---------------------------------------------------------------- optimising along a line by elimination


def along_line(f: sp.Expr, a, b, rhs, kind: str) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """The optimum of f on the line a x + b y = rhs (b != 0): y is eliminated, the one-variable function's
    critical point found, and its (constant) second derivative confirms the kind. Returns (x, y, value)."""
    y_of_x = (rhs - a * x) / b
    h = sp.expand(f.subs(y, y_of_x))
    (x0,) = sp.solve(sp.diff(h, x), x)
    curvature = sp.simplify(sp.diff(h, x, 2))
    assert curvature.free_symbols == set()
    assert (curvature < 0) if kind == "max" else (curvature > 0), (f, a, b, curvature)
    return sp.simplify(x0), sp.simplify(y_of_x.subs(x, x0)), sp.simplify(h.subs(x, x0))


def multiplier(f: sp.Expr, g: sp.Expr, point: tuple) -> sp.Expr:
    """The lambda with grad f = lambda grad g at the point, after checking that the gradients are parallel."""
    at = dict(zip((x, y), point, strict=True))
    gf = [sp.diff(f, v).subs(at) for v in (x, y)]
    gg = [sp.diff(g, v).subs(at) for v in (x, y)]
    assert sp.simplify(gf[0] * gg[1] - gf[1] * gg[0]) == 0, "the gradients are not parallel"
    k = 0 if gg[0] != 0 else 1
    return sp.simplify(gf[k] / gg[k])


def sensitivity(f: sp.Expr, a, b, level, kind: str) -> sp.Expr:
    """dF*/dc at the level, with F*(c) the optimum of f on a x + b y = c, from the optimum as a function of c."""
    level_symbol = sp.Symbol("level", real=True)
    _, _, value = along_line(f, a, b, level_symbol, kind)
    return sp.diff(value, level_symbol).subs(level_symbol, level)


@per_draw
def max_xy(v) -> sp.Expr:
    """ml-lagrange-multipliers-1: max of xy on x + y = 2k; a grid along the line agrees."""
    level = 2 * v.k
    _, _, value = along_line(x * y, 1, 1, level, "max")
    xs = np.linspace(-3 * int(level), 3 * int(level), 60_001)
    assert abs(float(np.max(xs * (int(level) - xs))) - float(value)) < 1e-3
    return value


@per_draw
def closest_point(v) -> sp.Matrix:
    """ml-lagrange-multipliers-4: the point of a x + b y = c nearest the origin, by elimination; it is at the
    squared distance c^2 / (a^2 + b^2) of the point-line distance formula."""
    level = v.t * (v.a**2 + v.b**2)
    x0, y0, value = along_line(x**2 + y**2, v.a, v.b, level, "min")
    assert v.a * x0 + v.b * y0 == level
    assert value == R(level**2, v.a**2 + v.b**2)
    return sp.Matrix([x0, y0])


@per_draw
def lambda_of_weighted_sum(v) -> sp.Expr:
    """ml-lagrange-multipliers-5: the multiplier as the derivative of the optimal value with respect to the
    level, checked against grad f = lambda grad g at the optimum."""
    level = v.m * (v.k + 1)
    f, g = x**2 + v.k * y**2, x + y
    by_sensitivity = sensitivity(f, 1, 1, level, "min")
    x0, y0, _ = along_line(f, 1, 1, level, "min")
    assert multiplier(f, g, (x0, y0)) == by_sensitivity
    return by_sensitivity


@per_draw
def max_xy_weighted(v) -> sp.Expr:
    """ml-lagrange-multipliers-6: max of xy on a x + b y = c as an expression in c (c > 0)."""
    x0, y0, value = along_line(x * y, v.a, v.b, c, "max")
    assert x0.is_positive and y0.is_positive
    assert sp.simplify(sp.diff(value, c) - multiplier(x * y, v.a * x + v.b * y, (x0, y0))) == 0
    return value.subs(c, C)


@per_draw
def min_norm_on_line(v) -> sp.Expr:
    """ml-lagrange-multipliers-7: min of x^2 + y^2 on a x + b y = c as an expression in c."""
    x0, y0, value = along_line(x**2 + y**2, v.a, v.b, c, "min")
    assert sp.simplify(sp.diff(value, c) - multiplier(x**2 + y**2, v.a * x + v.b * y, (x0, y0))) == 0
    return value.subs(c, C)


@per_draw
def first_order_estimate(v) -> sp.Expr:
    """ml-lagrange-multipliers-8: a concrete problem with the question's data, maximise
    f = F + l (x - c0) + (x - c0)^2 / 4 - y^2 subject to g = x = level: its optimal value is F at c0 and its
    multiplier there is l. The estimate is the tangent line of F*(level) at c0, read at c0 + d/10 (and the
    true optimum differs from it only to second order)."""
    c0, level = v.c, sp.Symbol("level", real=True)
    f = v.F + v.l * (x - c0) + (x - c0) ** 2 / 4 - y**2
    inner = f.subs(x, level)
    (y0,) = sp.solve(sp.diff(inner, y), y)
    best = sp.expand(inner.subs(y, y0))  # F*(level)
    assert best.subs(level, c0) == v.F
    assert multiplier(f, x, (c0, y0)) == v.l == sp.diff(best, level).subs(level, c0)
    tangent = best.subs(level, c0) + sp.diff(best, level).subs(level, c0) * (level - c0)
    step = c0 + R(v.d, 10)
    assert best.subs(level, step) - tangent.subs(level, step) == R(v.d, 10) ** 2 / 4
    return tangent.subs(level, step)


# ---------------------------------------------------------------- the entropy prompts, solved numerically


def neg_entropy(p: np.ndarray) -> float:
    q = np.clip(p, 1e-300, None)
    return float(np.sum(q * np.log(q)))


@per_draw
def max_entropy_uniform(v) -> sp.Expr:
    """ml-lagrange-multipliers-3: SLSQP from a lopsided start under sum p = 1 finds the uniform distribution;
    its entropy is then computed exactly from the definition."""
    n = int(v.n)
    start = np.arange(1, n + 1, dtype=float)
    start /= start.sum()
    res = minimize(neg_entropy, start, method="SLSQP", bounds=[(1e-9, 1)] * n,
                   constraints=[{"type": "eq", "fun": lambda p: np.sum(p) - 1}], options={"ftol": 1e-14})
    assert res.success and np.allclose(res.x, 1 / n, atol=1e-5), res.x
    p = [R(1, n)] * n
    exact = -sum(pi * sp.log(pi) for pi in p)
    assert abs(float(exact) + res.fun) < 1e-8
    return exact


def mean_constrained_max_entropy(values: np.ndarray, mean: float) -> np.ndarray:
    k = len(values)
    res = minimize(neg_entropy, np.full(k, 1 / k), method="SLSQP", bounds=[(1e-12, 1)] * k,
                   constraints=[{"type": "eq", "fun": lambda p: np.sum(p) - 1},
                                {"type": "eq", "fun": lambda p: p @ values - mean}],
                   options={"ftol": 1e-15, "maxiter": 500})
    assert res.success, res.message
    return res.x


def max_entropy_shape() -> str:
    """ml-lagrange-multipliers-12: on outcomes 0..3 with means 0.9 and 2.4 (not the plain average 1.5), the
    numerical maximiser has ln p affine in x with a nonzero slope (p proportional to e^(-beta x)); it is not
    uniform, not proportional to x, and far from entropy 0."""
    options = prompts(UNIT)[f"{UNIT}-12"]["answer"]["options"]
    values = np.arange(4, dtype=float)
    holds = dict.fromkeys(options, True)
    for mean in (0.9, 2.4):
        p = mean_constrained_max_entropy(values, mean)
        slope, intercept = np.polyfit(values, np.log(p), 1)
        affine = np.max(np.abs(np.log(p) - (slope * values + intercept))) < 1e-4 and abs(slope) > 0.1
        holds[options[0]] &= bool(np.allclose(p, 0.25, atol=1e-3))
        holds[options[1]] &= bool(affine)
        holds[options[2]] &= bool(np.allclose(p, values / values.sum(), atol=1e-3))
        holds[options[3]] &= bool(np.max(p) > 0.999)
    (answer,) = [o for o, ok in holds.items() if ok]
    return answer


# ---------------------------------------------------------------- the PCA prompts


def covariance(v) -> sp.Matrix:
    """Sigma = v I + s [p, q][p, q]^T, as the question shows it."""
    u = sp.Matrix([v.p, v.q])
    return v.v * sp.eye(2) + v.s * u * u.T


@per_draw
def max_variance(v) -> sp.Expr:
    """ml-lagrange-multipliers-9: the largest eigenvalue (sympy), which numpy's eigvalsh and a brute-force search
    over unit vectors w = [cos t, sin t] both confirm as the maximum of w^T Sigma w."""
    sigma = covariance(v)
    top = max(sigma.eigenvals())
    s = np.array(sigma.tolist(), dtype=float)
    assert abs(np.linalg.eigvalsh(s)[-1] - float(top)) < 1e-9
    ws = np.stack([np.cos(ANGLES), np.sin(ANGLES)])
    assert abs(np.max(np.einsum("in,ij,jn->n", ws, s, ws)) - float(top)) < 1e-5
    return top


@per_draw
def best_direction(v) -> sp.Matrix:
    """ml-lagrange-multipliers-10: the unit eigenvector of the largest eigenvalue, first entry positive, which
    the brute-force search over unit vectors finds too (up to sign)."""
    sigma = covariance(v)
    value, _, (vec,) = max(sigma.eigenvects(), key=lambda e: e[0])
    w = sp.simplify(vec / vec.norm())
    w = w if w[0] > 0 else -w
    s = np.array(sigma.tolist(), dtype=float)
    k = int(np.argmax(np.einsum("in,ij,jn->n", np.stack([np.cos(ANGLES), np.sin(ANGLES)]), s,
                                np.stack([np.cos(ANGLES), np.sin(ANGLES)]))))
    found = np.array([np.cos(ANGLES[k]), np.sin(ANGLES[k])])
    found = found if found[0] > 0 else -found
    assert np.allclose(found, np.array(w.tolist(), dtype=float).ravel(), atol=1e-3)
    assert sp.simplify((w.T * sigma * w)[0, 0] - value) == 0
    return w


# ---------------------------------------------------------------- a linear score on a circle


@per_draw
def max_on_circle(v) -> sp.Expr:
    """ml-lagrange-multipliers-11: on x^2 + y^2 = c put x = sqrt(c) cos t, y = sqrt(c) sin t; the score is
    sqrt(c) (a cos t + b sin t), maximised over t by sympy (and by a grid)."""
    score = v.a * sp.cos(t) + v.b * sp.sin(t)
    critical = sp.solve(sp.diff(score, t), t)
    best = max((sp.simplify(score.subs(t, t0)) for t0 in critical), key=lambda e: float(e))
    assert abs(float(best) - np.max(float(v.a) * np.cos(ANGLES) + float(v.b) * np.sin(ANGLES))) < 1e-6
    return sp.sqrt(C) * best


# ---------------------------------------------------------------- the condition at a constrained optimum


def condition_at_optimum() -> str:
    """ml-lagrange-multipliers-2: three concrete problems (f, g, c), each maximised numerically along a
    parametrisation of its curve; each option is tested at the maximiser, and the answer is the one that
    holds in all three."""
    options = prompts(UNIT)[f"{UNIT}-2"]["answer"]["options"]
    problems = [
        # x^2 y on the unit circle, x y on x + 2y = 4, x + 3y on the ellipse x^2 + 2y^2 = 5
        (x**2 * y, x**2 + y**2, 1, lambda s: (np.cos(s), np.sin(s)), (0, 2 * np.pi)),
        (x * y, x + 2 * y, 4, lambda s: (4 - 2 * s, s), (-10, 10)),
        (x + 3 * y, x**2 + 2 * y**2, 5, lambda s: (np.sqrt(5) * np.cos(s), np.sqrt(5 / 2) * np.sin(s)),
         (0, 2 * np.pi)),
    ]
    holds = dict.fromkeys(options, True)
    for f, g, level, curve, (lo, hi) in problems:
        fn = sp.lambdify((x, y), f)
        grid = np.linspace(lo, hi, 20_001)
        s0 = grid[int(np.argmax(fn(*curve(grid))))]
        best = minimize_scalar(lambda s, fn=fn, curve=curve: -fn(*curve(s)), bounds=(s0 - 0.01, s0 + 0.01),
                               method="bounded", options={"xatol": 1e-12})
        px, py = curve(best.x)
        at = {x: px, y: py}
        gf = np.array([float(sp.diff(f, v).subs(at)) for v in (x, y)])
        gg = np.array([float(sp.diff(g, v).subs(at)) for v in (x, y)])
        assert abs(float(g.subs(at)) - level) < 1e-9 and np.linalg.norm(gg) > 0.1
        holds[options[0]] &= bool(abs(gf[0] * gg[1] - gf[1] * gg[0]) < 1e-5)
        holds[options[1]] &= bool(np.linalg.norm(gf) < 1e-5)
        holds[options[2]] &= bool(abs(gf @ gg) < 1e-5)
        holds[options[3]] &= bool(abs(float(f.subs(at)) - level) < 1e-5)
    (answer,) = [o for o, ok in holds.items() if ok]
    return answer


COMPUTE = {
    f"{UNIT}-1": max_xy,
    f"{UNIT}-2": condition_at_optimum,
    f"{UNIT}-3": max_entropy_uniform,
    f"{UNIT}-4": closest_point,
    f"{UNIT}-5": lambda_of_weighted_sum,
    f"{UNIT}-6": max_xy_weighted,
    f"{UNIT}-7": min_norm_on_line,
    f"{UNIT}-8": first_order_estimate,
    f"{UNIT}-9": max_variance,
    f"{UNIT}-10": best_direction,
    f"{UNIT}-11": max_on_circle,
    f"{UNIT}-12": max_entropy_shape,
}


def coefficients(*cs) -> list:
    """The numbers a linear form such as 2x - 3y shows: a coefficient 1 is not written, a minus sign stands
    apart from its number."""
    return [abs(k) for k in cs if abs(k) != 1]


def sigma_shown(v) -> list:
    s = covariance(v)
    return [s[0, 0], s[0, 1], s[1, 0], s[1, 1], 2, 1]


SHOWN = {
    f"{UNIT}-1": lambda v: [2 * v.k],
    f"{UNIT}-3": lambda v: [v.n, 1, 2],
    f"{UNIT}-4": lambda v: [*coefficients(v.a, v.b), v.t * (v.a**2 + v.b**2), 2, 2],
    f"{UNIT}-5": lambda v: [2, v.k, 2, v.m * (v.k + 1), v.m * (v.k + 1)],
    f"{UNIT}-6": lambda v: [*coefficients(v.a, v.b), 0, 0, 2, 2],
    f"{UNIT}-7": lambda v: [2, 2, *coefficients(v.a, v.b), 2, 2],
    f"{UNIT}-8": lambda v: [v.c, v.F, v.c, v.l, v.c + R(v.d, 10)],
    f"{UNIT}-9": sigma_shown,
    f"{UNIT}-10": sigma_shown,
    f"{UNIT}-11": lambda v: [*coefficients(v.a, v.b), 2, 2, 0],
}
