"""Recompute every checkable answer of content/topics/linear-algebra.yaml independently.

Each entry of ``COMPUTE`` rebuilds the answer from the data in the question with sympy or numpy, and the
tests compare it with the value written in the YAML. Every listed mistake must differ from the answer, and
every formula must render with matplotlib mathtext. A template prompt (fresh numbers for every attempt) is
checked in each of its drawn instances: its ``COMPUTE`` entry takes the instance's parameters ``v`` (``v.a``;
a vector or matrix as a sympy Matrix) and computes the answer from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from bot.content.loader import prerequisites
from tests.support import load_yaml
from tests.support.exact import is_zero
from tests.support.mathtext import render_formula
from tests.support.templates import instances, is_template

ROOT = Path(__file__).resolve().parents[3]
TOPIC_FILE = ROOT / "content" / "topics" / "linear-algebra.yaml"
TOPIC = load_yaml(TOPIC_FILE.read_text(encoding="utf-8"))
PROMPTS = {p["id"]: p for u in TOPIC["units"] for p in u["prompts"]}
CHECKABLE = {"number", "expression", "vector", "matrix", "set"}

UNIT_IDS = [
    "la-vectors", "la-span", "la-linear-maps", "la-matmul", "la-determinants", "la-systems-inverses",
    "la-rank-nullspace", "la-dot-projections", "la-orthogonality", "la-eigen", "la-diagonalisation",
    "la-svd", "la-pca",
]
GUIDE_LINKS = [
    "https://www.youtube.com/watch?v=fNk_zzaMoSs&list=PLZHQObOWTQDPD3MizzM2xVFitgF8hE_ab",
    "https://www.youtube.com/playlist?list=PL49CF3715CB9EF31D",
    "https://mml-book.github.io",
]

IMPLICIT = (*standard_transformations, implicit_multiplication_application)
M = sp.Matrix
R = sp.Rational
t, k = sp.symbols("t k")


# ---------------------------------------------------------------- helpers used by the computations


def vec(*xs: Any) -> sp.Matrix:
    return sp.Matrix(xs)


def unit(v: sp.Matrix) -> sp.Matrix:
    return v / v.norm()


def angle_deg(u: sp.Matrix, v: sp.Matrix) -> sp.Expr:
    return sp.acos(u.dot(v) / (u.norm() * v.norm())) * 180 / sp.pi


def proj(b: sp.Matrix, a: sp.Matrix) -> sp.Matrix:
    return (a.dot(b) / a.dot(a)) * a


def null_with_first(a: sp.Matrix, first: Any) -> sp.Matrix:
    (n,) = a.nullspace()
    return n * sp.nsimplify(first) / n[0]


def eigvals(a: sp.Matrix) -> set:
    return set(a.eigenvals())


def eigvec_for(a: sp.Matrix, lam: Any, first: Any = 1) -> sp.Matrix:
    return null_with_first(a - lam * sp.eye(a.rows), first)


def singular_values(a: sp.Matrix) -> set:
    return {sp.sqrt(lam) for lam in (a.T * a).eigenvals()}


def rotation(theta: Any) -> sp.Matrix:
    """Counterclockwise rotation: the images of e1 and e2 as columns."""
    return M.hstack(vec(sp.cos(theta), sp.sin(theta)), vec(-sp.sin(theta), sp.cos(theta)))


def eigval_of(a: sp.Matrix, v: sp.Matrix) -> sp.Expr:
    lam = (a * v)[0] / v[0]
    assert a * v == lam * v, "not an eigenvector"
    return lam


def frac(x: float) -> sp.Rational:
    """A float that should be a simple fraction, as an exact Rational (checked to be close)."""
    r = sp.Rational(float(x)).limit_denominator(10_000)
    assert abs(float(r) - float(x)) < 1e-9, x
    return r


def choose(options: list[str], predicate: Callable[[str], bool]) -> str:
    hits = [o for o in options if predicate(o)]
    assert len(hits) == 1, hits
    return hits[0]


def parse_matrix_text(s: str) -> sp.Matrix:
    return sp.Matrix(sp.sympify(s))


def options(pid: str) -> list[str]:
    return list(PROMPTS[pid]["answer"]["options"])


def maths(option: str) -> str:
    """An option that is one formula, ``$...$``, without its dollars (options show their maths as LaTeX)."""
    assert option.startswith("$") and option.endswith("$") and option.count("$") == 2, option
    return option[1:-1]


def vector_pair(option: str) -> tuple[sp.Matrix, sp.Matrix]:
    """The two vectors of an option written ``$[1, 2]$ and $[2, -1]$``."""
    first, second = option.split(" and ")
    return vec(*sp.sympify(maths(first))), vec(*sp.sympify(maths(second)))


def is_linear_map(text: str) -> bool:
    """True if the map T(x, y) = (f, g) written in ``text`` is linear (numeric test on random inputs)."""
    x, y = sp.symbols("x y")
    rhs = maths(text).split("=", 1)[1].strip().strip("()")
    comps = [parse_expr(c.replace("^", "**"), transformations=IMPLICIT) for c in rhs.split(",")]
    f = sp.lambdify((x, y), comps)
    rng = np.random.default_rng(0)
    for _ in range(5):
        p, q = rng.normal(size=2), rng.normal(size=2)
        a, b = rng.normal(size=2)
        lhs = np.array(f(*(a * p + b * q)))
        rhs_v = a * np.array(f(*p)) + b * np.array(f(*q))
        if not np.allclose(lhs, rhs_v):
            return False
    return True


# ---------------------------------------------------------------- independent computations


def _la_span_k_in_span(a: Any, b: Any, r: Any, s: Any) -> sp.Expr:
    """The k for which [r, s, k] is in the span of [1, 0, a] and [0, 1, b]: the three columns are dependent."""
    (sol,) = sp.solve(M.hstack(vec(1, 0, a), vec(0, 1, b), vec(r, s, k)).det(), k)
    assert M.hstack(vec(1, 0, a), vec(0, 1, b), vec(r, s, sol)).rank() == 2
    return sol


def _la_lm_image_of_combination(a: Any, b: Any, g: sp.Matrix, h: sp.Matrix) -> sp.Matrix:
    """Build a matrix T with T u = g and T w = h for a random basis u, w; then apply it to a u - b w."""
    rng = np.random.default_rng(int(a * 7 + b))
    while True:
        inputs = M(rng.integers(-3, 4, size=(2, 2)).tolist())
        if inputs.det() != 0:
            break
    t_mat = M.hstack(g, h) * inputs.inv()
    u, w = inputs[:, 0], inputs[:, 1]
    return t_mat * (a * u - b * w)


def _la_lm_matrix_of_formula(v: Any) -> sp.Matrix:
    """The Jacobian of T(x, y) = (ax + by, cx, dx + fy): for a linear map, its matrix."""
    x, y = sp.symbols("x y")
    return M([v.a * x + v.b * y, v.c * x, v.d * x + v.f * y]).jacobian([x, y])


def _la_mm_gram(a: Any, b: Any, c: Any) -> sp.Matrix:
    """X^T X of the design matrix [1, x] by numpy, checked against the sums it must hold."""
    x = np.array([[1, int(a)], [1, int(b)], [1, int(c)]], dtype=float)
    g = x.T @ x
    assert np.isclose(g[0, 0], len(x)) and np.isclose(g[1, 1], (x[:, 1] ** 2).sum())
    return M(np.rint(g).astype(int).tolist())


def _la_mm_first_then(first: sp.Matrix, then: sp.Matrix) -> sp.Matrix:
    """The matrix of x -> then(first(x)), read off from the images of e1 and e2."""
    cols = [then * (first * sp.eye(2)[:, j]) for j in range(2)]
    return M.hstack(*cols)


def _la_det_parallelogram_area(u: sp.Matrix, w: sp.Matrix) -> sp.Expr:
    """Area of the parallelogram 0, u, u + w, w by the shoelace formula (no determinant)."""
    pts = [(0, 0), (u[0], u[1]), (u[0] + w[0], u[1] + w[1]), (w[0], w[1])]
    twice = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))
    return abs(sp.Rational(twice, 2))


def _la_det_scaled(n: int, k: Any, det_a: Any) -> sp.Expr:
    """det(kA) for an n by n A with det(A) = det_a, built as a random unimodular matrix times diag(det_a, 1, ...)."""
    rng = np.random.default_rng(n * 100 + int(k) * 10 + int(det_a))
    lower = M(n, n, lambda i, j: int(rng.integers(-2, 3)) if i > j else int(i == j))
    upper = M(n, n, lambda i, j: int(rng.integers(-2, 3)) if i < j else int(i == j))
    a = lower * sp.diag(det_a, *([1] * (n - 1))) * upper
    assert a.det() == det_a
    return (k * a).det()


def _la_vec_squared_distance(a: Any, b: Any, c: Any) -> sp.Expr:
    """The squared distance from [x, cx] to [a, b] as a polynomial in x (numpy's dot as a second check)."""
    x = sp.Symbol("x")
    diff = vec(x, c * x) - vec(a, b)
    poly = sp.expand((diff.T * diff)[0])
    for x0 in (-2, 0, 3):
        d0 = np.array([x0 - a, c * x0 - b], dtype=float)
        assert np.isclose(float(poly.subs(x, x0)), d0 @ d0)
    return poly


A_eig = M([[4, 1], [2, 3]])


def _eigen_gd_step_eigenvalues(p: Any, q: Any, m: Any) -> set:
    rot = M([[3, -4], [4, 3]]) / 5  # an orthogonal matrix: A = rot diag(p, q) rot^T is symmetric
    a = rot * sp.diag(p, q) * rot.T
    return set((sp.eye(2) - a / m).eigenvals())


def _eigen_vector_second_one(a: sp.Matrix, lam: Any) -> sp.Matrix:
    (n,) = (a - lam * sp.eye(2)).nullspace()
    v = n / n[1]
    assert a * v == lam * v
    return v


def _diag_power_first_entry(p: Any, q: Any, x: sp.Matrix) -> sp.Expr:
    """The first entry of A^k x as a formula in k, checked against the matrix powers for k = 0..6."""
    e1, e2 = vec(1, 1), vec(1, -1)
    a = M.hstack(p * e1, q * e2) * M.hstack(e1, e2).inv()  # A sends each eigenvector to its multiple
    c1, c2 = sp.symbols("c1 c2")
    coords = sp.solve(list(c1 * e1 + c2 * e2 - x), [c1, c2])
    formula = coords[c1] * p**k + coords[c2] * q**k
    for n in range(7):
        assert formula.subs(k, n) == (a**n * x)[0]
    return formula


def _diag_symmetric_from_eigen(p: Any, q: Any) -> sp.Matrix:
    s11, s12, s22 = sp.symbols("s11 s12 s22")
    s = M([[s11, s12], [s12, s22]])
    eqs = list(s * vec(1, 1) - p * vec(1, 1)) + list(s * vec(1, -1) - q * vec(1, -1))
    return s.subs(sp.solve(eqs, [s11, s12, s22]))


def _diag_markov_limit(m: sp.Matrix) -> sp.Matrix:
    (n,) = (m - sp.eye(2)).nullspace()
    limit = n / sum(n)
    far = np.linalg.matrix_power(np.array(m, dtype=float), 200) @ np.array([1.0, 0.0])
    assert np.allclose(far, np.array(limit, dtype=float).ravel())
    return limit


def _svd_ridge_condition(p: Any, q: Any) -> sp.Expr:
    """X = diag(p, q) R for a rotation R has singular values p and q; t > 0 orders the eigenvalues."""
    x = sp.diag(p, q) * M([[3, -4], [4, 3]]) / 5
    tp = sp.Symbol("tp", positive=True)
    evs = list((x.T * x + tp * sp.eye(2)).eigenvals())
    big = max(evs, key=lambda ev: ev.subs(tp, 1))
    small = min(evs, key=lambda ev: ev.subs(tp, 1))
    return sp.simplify(big / small).subs(tp, t)


def _svd_rank1_squared_error(sigmas: list[Any]) -> sp.Rational:
    """A 5 by 3 matrix with these singular values, its truncated SVD, and the squared entries of the rest."""
    rng = np.random.default_rng(4)
    u, _ = np.linalg.qr(rng.normal(size=(5, 3)))
    w, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = u @ np.diag([float(s) for s in sigmas]) @ w.T
    uu, ss, vt = np.linalg.svd(a)
    a1 = ss[0] * np.outer(uu[:, 0], vt[0])
    return frac(np.sum((a - a1) ** 2))


def _pca_score(x: sp.Matrix, mean: sp.Matrix, u: sp.Matrix) -> sp.Rational:
    assert u.norm() == 1
    centred = np.array(x - mean, dtype=float).ravel()
    return frac(np.dot(centred, np.array(u, dtype=float).ravel()))


def _pca_projected_variance(c: sp.Matrix) -> sp.Expr:
    """w^T C w for w = [1, s], checked against the sample variance of z = x1 + s x2 on data with covariance C."""
    s = sp.Symbol("s")
    w = vec(1, s)
    formula = sp.expand((w.T * c * w)[0])
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(10, 2))
    raw -= raw.mean(axis=0)
    white = raw @ np.linalg.inv(np.linalg.cholesky(np.cov(raw, rowvar=False))).T  # sample covariance I
    x = white @ np.linalg.cholesky(np.array(c, dtype=float)).T  # sample covariance C
    for sv in (-2.0, -0.5, 1.0, 3.0):
        z = x[:, 0] + sv * x[:, 1]
        assert np.isclose(z.var(ddof=1), float(formula.subs(s, sv)))
    return formula


def _pca_first_share(c: sp.Matrix) -> sp.Rational:
    ev = np.linalg.eigvalsh(np.array(c, dtype=float))
    assert ev.min() > 0  # a covariance matrix
    return frac(ev.max() / ev.sum())


def _rn_rank_two_k(a: sp.Matrix) -> sp.Expr:
    """The one k for which every 3 by 3 minor of the 3 by 4 matrix ``a`` vanishes (rank below 3)."""
    minors = [a.extract([0, 1, 2], list(cols)).det() for cols in ((0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3))]
    sols = set.intersection(*[set(sp.solve(mi, k)) if mi.has(k) else set() for mi in minors if mi != 0])
    assert len(sols) == 1 and a.subs(k, next(iter(sols))).rank() == 2
    return next(iter(sols))


def _rn_x_on_solution_line(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    x, y, z = sp.symbols("x y z")
    (sol,) = sp.linsolve((a, b), x, y, z)
    return sol[0].subs(z, t)


def _dp_closest_multiple(b: sp.Matrix, a: sp.Matrix) -> sp.Matrix:
    """The point c a of the line through a closest to b, by minimising the squared distance over c."""
    c = sp.Symbol("c")
    (best,) = sp.solve(sp.diff((b - c * a).dot(b - c * a), c), c)
    return best * a


def _dp_cosine(u: sp.Matrix, v: sp.Matrix) -> sp.Expr:
    """Cosine similarity, exact, checked against numpy's floating-point value."""
    exact = u.dot(v) / (u.norm() * v.norm())
    nu, nv = np.array(u, dtype=float).ravel(), np.array(v, dtype=float).ravel()
    assert np.isclose(float(exact), nu @ nv / (np.linalg.norm(nu) * np.linalg.norm(nv)))
    return exact


def _or_slope_through_origin(points: list[tuple[Any, Any]]) -> sp.Expr:
    """The slope w minimising the sum of squared errors of y = wx (set the derivative to 0)."""
    w = sp.Symbol("w")
    (best,) = sp.solve(sp.diff(sum((y - w * x) ** 2 for x, y in points), w), w)
    return best


def _or_polyfit_line(xs: list[int], ys: list[Any]) -> sp.Matrix:
    m, c = np.polyfit(np.array(xs, dtype=float), np.array([float(y) for y in ys]), 1)
    return vec(frac(c), frac(m))


def _si_x_of_t(a: Any, b: Any, c: Any, d: Any, r: Any) -> sp.Expr:
    x, y = sp.symbols("x y")
    return sp.solve([a * x + b * y - t, c * x + d * y - r], [x, y], dict=True)[0][x]


def _si_lu_matrix(v: Any) -> sp.Matrix:
    low = M([[1, 0, 0], [v.p, 1, 0], [v.q, v.h, 1]])
    up = M([[1, 1, 1], [0, 1, v.c], [0, 0, v.g]])
    return low * up


# A fixed prompt's entry takes no argument; a template's takes the instance's parameters (``d`` where a
# parameter is itself called v).
COMPUTE: dict[str, Callable[..., Any]] = {
    # la-vectors
    "la-vectors-1": lambda d: d.v + d.w,
    "la-vectors-2": lambda: 3 * vec(1, 4) - 2 * vec(2, -1),
    "la-vectors-3": lambda: vec(3, -4).norm(),
    "la-vectors-4": lambda: 6 * vec(sp.cos(sp.pi / 6), sp.sin(sp.pi / 6)),
    "la-vectors-5": lambda: unit(vec(5, 12)),
    "la-vectors-6": lambda: sp.atan2(1, -1) * 180 / sp.pi,
    "la-vectors-7": lambda: set(sp.solve(sp.Eq(vec(t, t, 1).dot(vec(t, t, 1)), 3**2), t)),
    "la-vectors-8": lambda v: (vec(v.a, v.b) - vec(v.a - v.p, v.b - v.q)).norm(),
    # the direction of [g, h], rebuilt from m, n and the signs, rescaled to length L
    "la-vectors-9": lambda v: v.L * unit(vec(v.f * (v.n**2 - v.m**2), v.u * 2 * v.m * v.n)),
    "la-vectors-10": lambda v: _la_vec_squared_distance(v.a, v.b, v.c),
    # la-span
    "la-span-1": lambda: 2 * vec(1, 0, 3) - vec(0, 1, 1),
    "la-span-2": lambda: choose(
        options("la-span-2"),
        lambda o: o == ("A line through the origin" if M([[1, -2], [3, -6]]).rank() == 1 else "The whole plane"),
    ),
    "la-span-3": lambda v: M.hstack(vec(1, v.p), vec(v.q, 1)).solve(v.r * vec(1, v.p) + v.s * vec(v.q, 1)),
    "la-span-4": lambda: sp.solve(M([[1, 3], [2, k]]).det(), k)[0],
    "la-span-5": lambda: choose(
        options("la-span-5"),
        lambda o: " and " in o and M.hstack(*vector_pair(o)).rank() == 2,
    ),
    "la-span-6": lambda: M([[1, 1], [1, -1]]).solve(vec(5, 1)),
    "la-span-7": lambda: M([[1, 2, 3], [2, 4, 6], [0, 1, 1]]).T.rank(),
    "la-span-8": lambda d: d.p * d.u + d.q * d.w,
    "la-span-9": lambda v: _la_span_k_in_span(v.a, v.b, v.r, v.s),
    "la-span-10": lambda v: M.hstack(vec(1, v.p), vec(v.m, v.p * v.m + 1)).solve(vec(*sp.symbols("x y")))[0],
    # la-linear-maps
    "la-linear-maps-1": lambda d: M([[d.a, d.b], [d.c, d.d]]) * d.v,
    "la-linear-maps-2": lambda: M.hstack(vec(3, 1), vec(-1, 2)),
    "la-linear-maps-3": lambda: M.hstack(vec(3, 1), vec(-1, 2)) * vec(2, 5),
    "la-linear-maps-4": lambda: rotation(sp.pi / 2),
    "la-linear-maps-5": lambda: choose(options("la-linear-maps-5"), is_linear_map),
    "la-linear-maps-6": lambda: M([[1, 0], [2, 1], [0, -1]]) * vec(3, -2),
    # T * [[1, 1], [1, -1]] (inputs as columns) = [[3, 1], [1, 5]] (images as columns)
    "la-linear-maps-7": lambda: M([[3, 1], [1, 5]]) * M([[1, 1], [1, -1]]).inv(),
    # only the images of u and w are known: any independent u, w (here random ones) give the same answer
    "la-linear-maps-8": lambda v: _la_lm_image_of_combination(v.a, v.b, v.g, v.h),
    "la-linear-maps-9": lambda v: _la_lm_matrix_of_formula(v),
    # images (as columns) times the inverse of the inputs (as columns), applied to [x, y]
    "la-linear-maps-10": lambda v: sp.expand(
        (M([[v.m + v.n, v.m - v.n], [v.g + v.h, v.g - v.h]]) * M([[1, 1], [1, -1]]).inv() * vec(*sp.symbols("x y")))[0]
    ),
    # la-matmul
    "la-matmul-1": lambda v: M([[v.a, v.b], [v.c, v.d]]) * M([[0, 1], [1, 0]]),
    "la-matmul-2": lambda: choose(
        options("la-matmul-2"),
        lambda o: o == "{} by {}".format(*(np.ones((2, 3)) @ np.ones((3, 4))).shape),
    ),
    "la-matmul-3": lambda: M([[1, 2, 0], [0, 1, -1]]) * M([[1, 0], [2, 1], [3, 4]]),
    "la-matmul-4": lambda: M([[1, 0], [0, -1]]) * M([[0, -1], [1, 0]]),
    "la-matmul-5": lambda: _transpose_rule(),
    "la-matmul-6": lambda: M([[1, 1], [0, 1]]) ** 5,
    "la-matmul-7": lambda: (lambda a, b: a * b - b * a)(M([[1, 2], [3, 4]]), M([[2, 0], [1, 1]])),
    "la-matmul-8": lambda v: _la_mm_gram(v.a, v.b, v.c),
    # D S: the shear applied first stands on the right (checked on a vector as a composition of maps)
    "la-matmul-9": lambda v: _la_mm_first_then(M([[1, v.k], [0, 1]]), sp.diag(v.p, v.q)),
    "la-matmul-10": lambda v: sp.expand(
        (lambda u: (u.T * M([[v.a, v.b], [v.c, v.d]]) * u)[0])(vec(*sp.symbols("x y")))
    ),
    # la-determinants
    "la-determinants-1": lambda v: M([[v.a, v.b], [v.c, v.d]]).det(),
    "la-determinants-2": lambda: choose(
        options("la-determinants-2"),
        lambda o: "squashes" in o.lower() and M([[1, 2], [2, 4]]).det() == 0 and M([[1, 2], [2, 4]]).rank() < 2,
    ),
    # a square of area 3 (side sqrt(3)) mapped by a matrix with determinant -2
    "la-determinants-3": lambda: abs((M([[0, 1], [2, 0]]) * sp.sqrt(3) * sp.eye(2)).det()),
    "la-determinants-4": lambda: M([[2, 0, 1], [1, 3, 2], [1, 1, 2]]).det(),
    "la-determinants-5": lambda v: _det_product(2, v.p, v.q),
    "la-determinants-6": lambda: _det_2abt(),
    "la-determinants-7": lambda: set(sp.solve(M([[k, 2], [3, k - 1]]).det(), k)),
    "la-determinants-8": lambda v: _la_det_parallelogram_area(vec(v.a, v.b), vec(v.c, v.d)),
    "la-determinants-9": lambda v: _la_det_scaled(int(v.n), v.k, v.p),
    "la-determinants-10": lambda v: sp.expand(
        M([[*sp.symbols("x y z")], [v.a, v.b, 0], [v.p, v.q, v.r]]).det(method="berkowitz")
    ),
    # la-systems-inverses
    "la-systems-inverses-1": lambda: sp.linear_eq_to_matrix(
        [2 * sp.Symbol("x") + 3 * sp.Symbol("y") - 5, sp.Symbol("x") - sp.Symbol("y")],
        [sp.Symbol("x"), sp.Symbol("y")],
    )[0],
    "la-systems-inverses-2": lambda: M([[2, 0], [0, 4]]).inv(),
    "la-systems-inverses-3": lambda: M([[3, 1], [5, 2]]).inv(),
    # the system's right-hand side is A [r, s]; solve it back
    "la-systems-inverses-4": lambda v: (lambda a: a.LUsolve(a * vec(v.r, v.s)))(
        M([[v.p, 1], [v.p * v.q - 1, v.q]])
    ),
    "la-systems-inverses-5": lambda: _singular_solution_counts(),
    "la-systems-inverses-6": lambda: M([[1, 1, 1], [0, 2, 5], [2, 5, -1]]).LUsolve(vec(6, -4, 27)),
    "la-systems-inverses-7": lambda: (M([[1, 2], [0, 1]]).inv() * M([[1, 0], [3, 1]]).inv()).inv(),
    "la-systems-inverses-8": lambda v: M([[v.a, v.b], [v.c, v.d]]).inv(),
    # solve the system with t left as a symbol, by sympy's solver (not through the 2 by 2 inverse formula)
    "la-systems-inverses-9": lambda v: _si_x_of_t(v.a, v.b, v.c, v.d, v.r),
    # A = LU: the question's coefficients; its right-hand side (checked in QUESTION_SHOWS) is A [r, s, w]
    "la-systems-inverses-10": lambda v: _si_lu_matrix(v).LUsolve(_si_lu_matrix(v) * vec(v.r, v.s, v.w)),
    # la-rank-nullspace
    "la-rank-nullspace-1": lambda: M([[1, 2], [2, 4]]).rank(),
    "la-rank-nullspace-2": lambda: _nullity_3x5_rank3(),
    "la-rank-nullspace-3": lambda v: null_with_first(M([[v.a, v.b], [v.k * v.a, v.k * v.b]]), v.b),
    "la-rank-nullspace-4": lambda: M([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).rank(),
    "la-rank-nullspace-5": lambda: _column_space_choice(),
    "la-rank-nullspace-6": lambda: null_with_first(M([[1, 1, 1], [1, 2, 3]]), 1),
    "la-rank-nullspace-7": lambda: _rank_drop_k(),
    "la-rank-nullspace-8": lambda v: _rn_rank_two_k(
        M([[1, v.a, 0, v.b], [0, 1, 1, v.c], [v.n, v.n * v.a + v.m, v.m, k]])
    ),
    "la-rank-nullspace-9": lambda v: _rn_x_on_solution_line(M([[1, 1, v.c], [0, 1, v.b]]), vec(v.r + v.q, v.q)),
    # b = [p, q, k] is in the column space when [A | b] (3 by 3) is singular
    "la-rank-nullspace-10": lambda v: sp.solve(
        M.hstack(M([[1, 0], [v.m, 1], [v.a, v.c]]), vec(v.p, v.q, k)).det(), k
    )[0],
    # la-dot-projections
    "la-dot-projections-1": lambda v: vec(v.a, -v.b, v.c).dot(vec(v.p, v.q, v.r)),
    "la-dot-projections-2": lambda v: sp.solve(vec(v.a, k).dot(vec(v.u * v.c, -v.c)), k)[0],
    "la-dot-projections-3": lambda: angle_deg(vec(1, 1, 0), vec(1, 0, 1)),
    "la-dot-projections-4": lambda: proj(vec(3, 4), vec(1, 2)),
    "la-dot-projections-5": lambda: vec(3, -4).dot(vec(2, 3)) / vec(3, -4).norm(),
    "la-dot-projections-6": lambda: vec(1, 2) * vec(1, 2).T / vec(1, 2).dot(vec(1, 2)),
    "la-dot-projections-7": lambda: (
        vec(1, 2, 0, 2).dot(vec(2, 0, 1, 2)) / (vec(1, 2, 0, 2).norm() * vec(2, 0, 1, 2).norm())
    ),
    "la-dot-projections-8": lambda v: _dp_closest_multiple(vec(v.r, v.s), vec(v.p, v.q)),
    "la-dot-projections-9": lambda v: sp.expand((vec(v.a, v.b) + t * vec(v.c, v.d)).dot(vec(v.a, v.b) + t * vec(v.c, v.d))),
    "la-dot-projections-10": lambda v: _dp_cosine(vec(v.a, v.b, v.c), vec(v.p, v.q, v.r)),
    # la-orthogonality
    "la-orthogonality-1": lambda: choose(
        options("la-orthogonality-1"), lambda o: (lambda u, v: u.dot(v) == 0)(*vector_pair(o))
    ),
    "la-orthogonality-2": lambda: M([[R(3, 5), R(-4, 5)], [R(4, 5), R(3, 5)]]).inv(),
    "la-orthogonality-3": lambda: M.hstack(vec(R(3, 5), R(4, 5)), vec(R(-4, 5), R(3, 5))).solve(vec(2, 3)),
    "la-orthogonality-4": lambda: sp.GramSchmidt([vec(1, 1, 0), vec(1, 0, 1)])[1],
    "la-orthogonality-5": lambda: (lambda c: c / c[0])(vec(1, 0, 1).cross(vec(0, 1, 1))),
    "la-orthogonality-6": lambda: _least_squares_line(),
    "la-orthogonality-8": lambda v: sp.GramSchmidt([vec(1, v.m, v.n), vec(v.u, v.v, v.w)])[1],
    "la-orthogonality-9": lambda v: _or_slope_through_origin([(1, v.p), (2, v.q), (v.c, t)]),
    "la-orthogonality-10": lambda v: _or_polyfit_line([0, 1, 2], [v.p, v.q, v.r]),
    # la-eigen
    "la-eigen-1": lambda v: eigvals(M([[v.p, v.b], [0, v.q]])),
    "la-eigen-2": lambda: eigval_of(A_eig, vec(1, 1)),
    "la-eigen-3": lambda: (A_eig - t * sp.eye(2)).det(),
    "la-eigen-4": lambda: eigvals(A_eig),
    "la-eigen-5": lambda: eigvec_for(A_eig, 2),
    "la-eigen-6": lambda: eigvals(M([[8, 4], [2, 6]])),
    "la-eigen-7": lambda: choose(
        options("la-eigen-7"),
        lambda o: all(not ev.is_real for ev in parse_matrix_text(maths(o)).eigenvals()),
    ),
    "la-eigen-8": lambda v: sp.expand(sp.Matrix([[v.a, v.b], [v.c, v.d]]).charpoly(t).as_expr()),
    # gradient descent x -> x - eta*A*x with A symmetric: any A with these eigenvalues, e.g. a rotated diagonal
    "la-eigen-9": lambda v: _eigen_gd_step_eigenvalues(v.p, v.q, v.m),
    "la-eigen-10": lambda v: _eigen_vector_second_one(
        M([[v.p + v.u, v.u * v.r], [v.w, v.p + v.w * v.r]]), v.p
    ),
    # la-diagonalisation
    "la-diagonalisation-1": lambda: sp.diag(2, -1) ** 3,
    "la-diagonalisation-2": lambda: _columns_of_p_choice(),
    "la-diagonalisation-3": lambda: _diag_in_order(A_eig, M([[1, 1], [1, -2]])),
    "la-diagonalisation-4": lambda: M([[1, 1], [0, 1]]) * sp.diag(2, 3) * M([[1, 1], [0, 1]]).inv(),
    "la-diagonalisation-5": lambda: _power_top_right(),
    "la-diagonalisation-6": lambda: choose(
        options("la-diagonalisation-6"), lambda o: not parse_matrix_text(maths(o)).is_diagonalizable()
    ),
    "la-diagonalisation-7": lambda: unit(eigvec_for(M([[2, 1], [1, 2]]), 3)),
    "la-diagonalisation-8": lambda v: _diag_power_first_entry(v.p, v.q, vec(v.a + v.b, v.a - v.b)),
    "la-diagonalisation-9": lambda v: _diag_symmetric_from_eigen(v.m + v.h, v.m - v.h),
    # the question's M, its entries 0.(10 - a) and so on as tenths
    "la-diagonalisation-10": lambda v: _diag_markov_limit(M([[10 - v.a, v.b], [v.a, 10 - v.b]]) / 10),
    # la-svd
    "la-svd-1": lambda: singular_values(M([[3, 0], [0, -5]])),
    "la-svd-2": lambda: int(np.linalg.matrix_rank(np.diag([7.0, 2.0, 0.0]))),
    "la-svd-3": lambda: max(singular_values(M([[3, 0], [4, 0]]))),
    "la-svd-4": lambda: singular_values(M([[3, 0], [4, 5]])),
    "la-svd-5": lambda: _svd_squares_choice(),
    "la-svd-6": lambda: _rank1_approx(M([[3, 1], [1, 3]])),
    "la-svd-7": lambda: _energy_fraction(M([[3, 1], [1, 3]])),
    "la-svd-8": lambda v: _svd_ridge_condition(v.p, v.q),
    "la-svd-9": lambda v: np.zeros((100 * int(v.a), int(v.r))).size + np.zeros((int(v.r), 100 * int(v.b))).size,
    "la-svd-10": lambda v: _svd_rank1_squared_error([v.a, v.b, v.c]),
    # la-pca
    "la-pca-1": lambda: (lambda v: v - sp.ones(3, 1) * (sum(v) / 3))(vec(2, 4, 9)),
    "la-pca-2": lambda: R(6, 6 + 3 + 1),
    "la-pca-3": lambda: _components_for_90(),
    "la-pca-4": lambda: (lambda x: x.T * x / (x.rows - 1))(M([[1, 2], [-1, 0], [0, -2]])),
    "la-pca-5": lambda: _first_pc(M([[5, 2], [2, 2]])),
    "la-pca-6": lambda: _pca_variance_from_svd(),
    "la-pca-8": lambda v: _pca_score(vec(v.a + v.c, v.b + v.d), vec(v.a, v.b), vec(R(3, 5), R(4, 5))),
    # the variance of z = w . x for centred data is w^T C w, expanded as a polynomial in s
    "la-pca-9": lambda v: _pca_projected_variance(M([[v.a, v.b], [v.b, v.d]])),
    "la-pca-10": lambda v: _pca_first_share(M([[v.m, v.h], [v.h, v.m]])),
}


def _transpose_rule() -> str:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    target = (a @ b).T
    candidates = {  # the options as the learner sees them (LaTeX), each with its meaning
        "$A^T B^T$": lambda: a.T @ b.T,
        "$B^T A^T$": lambda: b.T @ a.T,
        "$BA$": lambda: b @ a,
        "$AB$": lambda: a @ b,
    }

    def matches(o: str) -> bool:
        try:
            got = candidates[o]()
        except ValueError:  # shapes do not fit
            return False
        return got.shape == target.shape and np.allclose(got, target)

    return choose(options("la-matmul-5"), matches)


def _det_product(n: int, det_a: int, det_b: int) -> sp.Expr:
    a = sp.diag(det_a, *([1] * (n - 1)))
    b = sp.diag(det_b, *([1] * (n - 1)))
    return (a * b).det()


def _det_2abt() -> sp.Expr:
    rng = np.random.default_rng(2)
    q1, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = q1 @ np.diag([3.0, 1.0, 1.0]) @ np.linalg.inv(q1)
    b = rng.normal(size=(3, 3))
    b = b * np.cbrt(-2.0 / np.linalg.det(b))  # scale so det(B) = -2
    assert np.isclose(np.linalg.det(a), 3) and np.isclose(np.linalg.det(b), -2)
    return sp.Integer(round(np.linalg.det(2 * a @ b.T)))


def _singular_solution_counts() -> str:
    a = M([[1, 2], [2, 4]])
    x, y = sp.symbols("x y")
    none = sp.linsolve((a, vec(1, 0)), x, y)
    many = sp.linsolve((a, vec(1, 2)), x, y)
    assert none == sp.EmptySet and len(next(iter(many)).free_symbols) == 1
    return choose(options("la-systems-inverses-5"), lambda o: o == "None or infinitely many")


def _nullity_3x5_rank3() -> int:
    a = M([[1, 0, 0, 2, 1], [0, 1, 0, 3, 1], [0, 0, 1, 4, 1]])
    assert a.rank() == 3
    return len(a.nullspace())


def _column_space_choice() -> str:
    a = M([[1, 2], [2, 4]])
    b_in, b_out = vec(3, 6), vec(1, 0)
    x, y = sp.symbols("x y")
    assert sp.linsolve((a, b_in), x, y) != sp.EmptySet and M.hstack(a, b_in).rank() == a.rank()
    assert sp.linsolve((a, b_out), x, y) == sp.EmptySet and M.hstack(a, b_out).rank() > a.rank()
    assert a.det() == 0  # solvable although det is 0, so "det(A) is not 0" is not the criterion
    return choose(options("la-rank-nullspace-5"), lambda o: "column space" in o)


def _rank_drop_k() -> sp.Expr:
    a = M([[1, 2, 0, 1], [0, 1, 1, 2], [1, 3, 1, k]])
    sols = [kk for kk in range(-10, 11) if a.subs(k, kk).rank() == 2]
    assert len(sols) == 1
    return sp.Integer(sols[0])


def _least_squares_line() -> sp.Matrix:
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 4.0])
    m, c = np.polyfit(xs, ys, 1)
    return vec(frac(c), frac(m))


def _columns_of_p_choice() -> str:
    p, d = A_eig.diagonalize()
    for i in range(2):
        assert A_eig * p[:, i] == d[i, i] * p[:, i]
    return choose(options("la-diagonalisation-2"), lambda o: o == "Eigenvectors of $A$")


def _diag_in_order(a: sp.Matrix, p: sp.Matrix) -> sp.Matrix:
    return p.inv() * a * p


def _power_top_right() -> sp.Expr:
    a = M([[1, 2], [0, 3]])
    kk = sp.Symbol("k", integer=True, positive=True)
    p, d = a.diagonalize()
    formula = sp.simplify((p * d**kk * p.inv())[0, 1])
    for n in range(1, 7):
        assert formula.subs(kk, n) == (a**n)[0, 1]
    return formula.subs(kk, k)


def _svd_squares_choice() -> str:
    a = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])  # non-square on purpose
    s = np.linalg.svd(a, compute_uv=False)
    ev = np.sort(np.linalg.eigvalsh(a.T @ a))[-2:]
    assert np.allclose(np.sort(s**2), ev)
    return choose(options("la-svd-5"), lambda o: o == "$A^TA$")


def _rank1_approx(a: sp.Matrix) -> sp.Matrix:
    u, s, vt = np.linalg.svd(np.array(a, dtype=float))
    r1 = s[0] * np.outer(u[:, 0], vt[0])
    return sp.Matrix(r1).applyfunc(frac)


def _energy_fraction(a: sp.Matrix) -> sp.Expr:
    s = np.linalg.svd(np.array(a, dtype=float), compute_uv=False)
    return frac(s[0] ** 2 / np.sum(s**2))


def _components_for_90() -> int:
    ev = np.array([5, 3, 1, 0.6, 0.4])
    frac = np.cumsum(np.sort(ev)[::-1]) / ev.sum()
    return int(np.argmax(frac >= 0.9 - 1e-12)) + 1


def _first_pc(c: sp.Matrix) -> sp.Matrix:
    lam = max(c.eigenvals())
    v = unit((c - lam * sp.eye(2)).nullspace()[0])
    return v if v[0] > 0 else -v


def _pca_variance_from_svd() -> sp.Expr:
    """Build centred data with n = 9 rows and singular values 6 and 2, then read off the top variance."""
    rng = np.random.default_rng(3)
    raw = rng.normal(size=(9, 2))
    u, _ = np.linalg.qr(raw - raw.mean(axis=0))  # columns orthonormal and orthogonal to the ones vector
    v, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    x = u @ np.diag([6.0, 2.0]) @ v.T
    assert np.allclose(x.mean(axis=0), 0)
    assert np.allclose(np.linalg.svd(x, compute_uv=False), [6.0, 2.0])
    return frac(np.linalg.eigvalsh(x.T @ x / (9 - 1))[-1])


# ---------------------------------------------------------------- parsing and comparing


def parse(kind: str, value: str) -> Any:
    obj = sp.sympify(value.replace("^", "**"), locals={"e": sp.E, "k": k, "t": t})
    if kind == "vector":
        return sp.Matrix(list(obj))
    if kind == "matrix":
        return sp.Matrix([list(r) for r in obj])
    if kind == "set":
        return {sp.nsimplify(x) if not isinstance(x, sp.Basic) else x for x in obj}
    return sp.sympify(obj)


def as_sympy(x: Any) -> Any:
    if isinstance(x, set):
        return {sp.sympify(v) for v in x}
    if isinstance(x, sp.MatrixBase):
        return sp.Matrix(x)
    return sp.sympify(x)


def equal(kind: str, got: Any, want: Any, tol: float | None = None) -> bool:
    if kind == "set":
        got, want = list(got), list(want)
        if len(got) != len(want):
            return False
        return all(any(is_zero(g - w) for w in want) for g in got) and all(
            any(is_zero(g - w) for g in got) for w in want
        )
    if kind in ("vector", "matrix"):
        got, want = sp.Matrix(got), sp.Matrix(want)
        if got.shape != want.shape and got.shape != want.T.shape:
            return False
        got = got.reshape(*want.shape)
        return all(is_zero(a - b) for a, b in zip(got, want, strict=True))
    diff = sp.sympify(got) - sp.sympify(want)
    if tol is not None:
        return abs(float(sp.N(diff, 30))) <= tol
    return is_zero(diff)


# ---------------------------------------------------------------- tests


def test_units_are_the_fixed_ids_in_order() -> None:
    assert TOPIC["id"] == "linear-algebra"
    assert TOPIC["title"] == "Linear Algebra"
    assert TOPIC["why"] == "to manipulate and represent data"
    assert [u["id"] for u in TOPIC["units"]] == UNIT_IDS
    needs = {u["id"]: u.get("needs", []) for u in TOPIC["units"]}
    assert needs == NEEDS


# The study order of issue #37: what each unit teaches (the shared concept vocabulary) and its needs. la-vectors
# measures angles counterclockwise as on the unit circle; la-span solves small linear systems (coordinates);
# la-orthogonality's least squares makes the error orthogonal to the column space; la-pca builds the sample
# covariance matrix (stat-correlation).
TEACHES = {
    "la-vectors": ["vectors", "vector-length", "unit-vectors"],
    "la-span": ["linear-combinations", "span", "linear-independence", "basis"],
    "la-linear-maps": ["linear-maps", "matrix-vector-product"],
    "la-matmul": ["matrix-multiplication", "transpose"],
    "la-determinants": ["determinant"],
    "la-systems-inverses": ["gaussian-elimination", "matrix-inverse"],
    "la-rank-nullspace": ["column-space", "rank", "null-space"],
    "la-dot-projections": ["dot-product", "projection"],
    "la-orthogonality": ["orthogonality", "orthogonal-matrices", "gram-schmidt", "least-squares", "normal-equations"],
    "la-eigen": ["eigenvalues", "eigenvectors", "trace"],
    "la-diagonalisation": ["diagonalisation", "spectral-theorem"],
    "la-svd": ["svd", "low-rank-approximation"],
    "la-pca": ["pca", "explained-variance"],
}
NEEDS = {
    "la-vectors": ["alg-trig", "alg-unit-circle"],
    "la-span": ["la-vectors", "alg-systems"],
    "la-linear-maps": ["la-span"],
    "la-matmul": ["la-linear-maps"],
    "la-determinants": ["la-matmul"],
    "la-systems-inverses": ["la-determinants", "alg-systems"],
    "la-rank-nullspace": ["la-systems-inverses"],
    "la-dot-projections": ["la-matmul"],
    "la-orthogonality": ["la-dot-projections", "la-rank-nullspace"],
    "la-eigen": ["la-rank-nullspace"],
    "la-diagonalisation": ["la-eigen", "la-orthogonality"],
    "la-svd": ["la-diagonalisation"],
    "la-pca": ["la-svd", "stat-correlation"],
}
TAUGHT_HERE = {c: uid for uid, cs in TEACHES.items() for c in cs}
# Concepts of other topics that units here use, with the unit that teaches each (the shared vocabulary).
TAUGHT_ELSEWHERE = {
    "linear-equations": "alg-expressions", "quadratic-equations": "alg-expressions",
    "function-composition": "alg-functions", "linear-systems": "alg-systems", "mean": "alg-sigma",
    "right-triangle-trig": "alg-trig", "pythagorean-theorem": "alg-trig", "unit-circle": "alg-unit-circle",
    "data-variance": "stat-descriptive", "sample-covariance": "stat-correlation",
    "covariance-matrix": "stat-correlation",
}


def _all_needs() -> dict[str, list[str]]:
    """Every unit's needs across the curriculum (read from the topic files: the study order only)."""
    out = {}
    for path in (ROOT / "content" / "topics").glob("*.yaml"):
        for u in load_yaml(path.read_text(encoding="utf-8"))["units"]:
            out[u["id"]] = list(u.get("needs", []))
    return out


def _prerequisites(uid: str, needs: dict[str, list[str]]) -> set[str]:
    return set(prerequisites(needs).get(uid, ()))


def test_units_declare_what_they_teach_and_use() -> None:
    for u in TOPIC["units"]:
        keys = list(u)
        at = keys.index("needs")
        assert keys[at + 1 : at + 3] == ["teaches", "uses"], u["id"]  # right after needs
        assert u["teaches"] == TEACHES[u["id"]], u["id"]
        assert u["uses"], u["id"]
        assert len(set(u["uses"])) == len(u["uses"]), u["id"]
        assert not set(u["uses"]) & set(u["teaches"]), u["id"]
        assert set(u["uses"]) <= TAUGHT_HERE.keys() | TAUGHT_ELSEWHERE.keys(), u["id"]


def test_concepts_are_used_after_they_are_taught() -> None:
    """A used concept is taught by a prerequisite: within this topic from its own needs, across topics through
    the needs written in the other topic files (check-content checks the whole curriculum the same way)."""
    local = {uid: [n for n in ns if n in TEACHES] for uid, ns in NEEDS.items()}
    everywhere = _all_needs()
    for u in TOPIC["units"]:
        for c in u["uses"]:
            if c in TAUGHT_HERE:
                assert TAUGHT_HERE[c] in _prerequisites(u["id"], local), (u["id"], c)
            else:
                assert TAUGHT_ELSEWHERE[c] in _prerequisites(u["id"], everywhere), (u["id"], c)


def test_pca_uses_the_covariance_matrix_of_stat_correlation() -> None:
    pca = next(u for u in TOPIC["units"] if u["id"] == "la-pca")
    assert {"covariance-matrix", "sample-covariance"} <= set(pca["uses"])
    # the misordered copy in tests/unit/test_content.py replaces exactly this line
    assert "    needs: [la-svd, stat-correlation]\n" in TOPIC_FILE.read_text(encoding="utf-8")


def test_guide_links_appear() -> None:
    urls = [r["url"] for u in TOPIC["units"] for r in u["resources"]]
    for link in GUIDE_LINKS:
        assert link in urls, link


def test_unit_shape() -> None:
    for u in TOPIC["units"]:
        ps = u["prompts"]
        assert len(ps) >= 6, u["id"]
        assert [p["id"] for p in ps] == [f"{u['id']}-{i}" for i in range(1, len(ps) + 1)]
        assert sum(p["answer"]["kind"] == "self" for p in ps) <= 1, u["id"]
        assert 1 <= sum(bool(p.get("daily")) for p in ps) <= len(ps) // 2 + 1, u["id"]
        diffs = [p["difficulty"] for p in ps]
        # the first seven climb 1 → 3; prompts added later come last (ids are permanent) at any level
        assert diffs[:7] == sorted(diffs[:7]) and diffs[0] == 1 and diffs[6] == 3 and set(diffs) <= {1, 2, 3}, u["id"]


def test_every_checkable_prompt_has_a_computation() -> None:
    need = {
        pid
        for pid, p in PROMPTS.items()
        if p["answer"]["kind"] in CHECKABLE or p["answer"]["kind"] == "choice"
    }
    assert need - COMPUTE.keys() == set(), "prompts without an independent computation"
    assert COMPUTE.keys() - PROMPTS.keys() == set(), "computations for unknown prompts"


@pytest.mark.parametrize("pid", sorted(COMPUTE))
def test_answer_matches_independent_computation(pid: str) -> None:
    template = is_template(PROMPTS[pid])
    for v, prompt in instances(PROMPTS[pid]):  # a template: each instance, from its own parameters
        ans = prompt["answer"]
        got = COMPUTE[pid](v) if template else COMPUTE[pid]()
        if ans["kind"] == "choice":
            assert got == ans["value"], (pid, vars(v), got, ans["value"])
            continue
        want = parse(ans["kind"], ans["value"])
        assert equal(ans["kind"], as_sympy(got), want, ans.get("tolerance")), (pid, vars(v), got, ans["value"])


# Templates whose questions show numbers derived from the parameters (``let``): the numbers the learner sees
# are recomputed here, so a wrong derivation cannot hide behind an answer computed from the parameters.
QUESTION_SHOWS: dict[str, Callable[[Any], str]] = {
    "la-span-3": lambda v: f"= [{v.r + v.q * v.s}, {v.p * v.r + v.s}]$",
    "la-systems-inverses-4": lambda v: (
        f"${v.p}x + y = {v.p * v.r + v.s}$, "
        f"${v.p * v.q - 1}x + {v.q}y = {(v.p * v.q - 1) * v.r + v.q * v.s}$"
    ),
    "la-rank-nullspace-3": lambda v: f"A = [[{v.a}, {v.b}], [{v.k * v.a}, {v.k * v.b}]]",
    "la-dot-projections-2": lambda v: f"$[{v.a}, k]$ perpendicular to $[{v.u * v.c}, {-v.c}]$",
}


@pytest.mark.parametrize("pid", sorted(QUESTION_SHOWS))
def test_question_shows_the_derived_numbers(pid: str) -> None:
    assert is_template(PROMPTS[pid]), pid
    for v, prompt in instances(PROMPTS[pid]):
        assert QUESTION_SHOWS[pid](v) in prompt["question"], (pid, vars(v), prompt["question"])


@pytest.mark.parametrize("pid", ["la-systems-inverses-9", "la-systems-inverses-10"])
def test_si_question_systems_have_the_answer_as_solution(pid: str) -> None:
    """The equations the learner reads, parsed back from the question text and solved by sympy."""
    x, y, z = sp.symbols("x y z")
    for _, prompt in instances(PROMPTS[pid]):
        eqs = []
        for f in re.findall(r"\$([^$]*=[^$]*)\$", prompt["question"]):
            lhs, rhs = (parse_expr(side.replace("−", "-"), transformations=IMPLICIT) for side in f.split("="))
            eqs.append(lhs - rhs)
        unknowns = [x, y, z][: len(eqs)]
        (sol,) = sp.solve(eqs, unknowns, dict=True)
        ans = prompt["answer"]
        if ans["kind"] == "vector":
            assert vec(*[sol[u] for u in unknowns]) == parse("vector", ans["value"]), (pid, prompt["question"])
        else:
            assert sp.simplify(sol[x] - parse("expression", ans["value"])) == 0, (pid, prompt["question"])


def test_templates_draw_different_numbers() -> None:
    """A converted prompt is a template whose instances differ (so the loops above see fresh numbers)."""
    templates = [pid for pid, p in PROMPTS.items() if is_template(p)]
    assert len(templates) >= 7
    for pid in templates:
        assert len({p["question"] for _, p in instances(PROMPTS[pid])}) > 1, pid


@pytest.mark.parametrize(
    "pid", sorted(pid for pid, p in PROMPTS.items() if p["answer"]["kind"] in CHECKABLE)
)
def test_mistakes_differ_from_answer(pid: str) -> None:
    for v, p in instances(PROMPTS[pid]):  # a template: in every instance
        kind = p["answer"]["kind"]
        want = parse(kind, p["answer"]["value"])
        mistakes = p.get("mistakes", [])
        assert 1 <= len(mistakes) <= 4, pid
        if is_template(PROMPTS[pid]):
            assert 2 <= len(mistakes), pid
        for m in mistakes:
            wrong = parse(kind, m["answer"])
            assert not equal(kind, wrong, want), (pid, vars(v), m["answer"], p["answer"]["value"])


def _prose() -> list[str]:
    """Every text with formulas; a template's as the learner sees it, in a few drawn instances."""
    out = []
    for u in TOPIC["units"]:
        out += [u["summary"], u["why_ml"]]
        for p in (drawn for t in u["prompts"] for _, drawn in instances(t, 3)):
            out += [p["question"], p["solution"], *p["hints"], *p["answer"].get("options", [])]
            out += [m.get("hint", "") for m in p.get("mistakes", [])]
    return out


def _outside_maths(text: str) -> str:
    return re.sub(r"\$[^$]*\$", " ", text)


# Maths written as plain text: a matrix or vector of numbers, a power, a root, a product like 3*x, a formula
# with a relation between letters (x - y = 0), a transpose A^T or a determinant det(A).
RAW_MATHS = re.compile(
    r"\[\[-?\d|\[-?\d+(/\d+)?, -?\d|\^|sqrt\(|\w\*\w|\b[a-z] [-+] \d?[a-z]\b|\bdet\(|\b[A-Z]\^|λ"
)


def test_maths_is_written_inside_dollars() -> None:
    """Questions, hints, solutions, mistake hints and options keep their maths in $...$; the answer formats
    a learner is asked to type ("Give a vector [a, b]", "[[a, b], [c, d]]", "you may use sqrt") are prose."""
    for u in TOPIC["units"]:
        for t in u["prompts"]:
            for _, p in instances(t, 3):
                texts = [p["question"], p["solution"], *p["hints"], *p["answer"].get("options", [])]
                texts += [m.get("hint", "") for m in p.get("mistakes", [])]
                for text in texts:
                    found = RAW_MATHS.search(_outside_maths(text))
                    assert not found, (p["id"], found.group(), text)


def test_one_notation_for_transposes_and_vectors() -> None:
    for text in _prose():
        assert "\\top" not in text and "\\vec" not in text and "'" not in re.sub(r"[A-Za-z]'[a-z]", "", text)


def test_every_prompt_stands_alone_and_has_a_hint_ladder() -> None:
    for pid, p in PROMPTS.items():
        assert not re.search(r"\b(again|as before|previous|above)\b", p["question"], re.I), pid
        assert len(p["hints"]) >= 2, pid  # a nudge, then a method


def test_pca_states_its_variance_divisor() -> None:
    pca = next(u for u in TOPIC["units"] if u["id"] == "la-pca")
    assert "n - 1" in pca["summary"] and "sample" in pca["summary"]
    for p in pca["prompts"]:
        if re.search(r"covariance matrix \$", p["question"]) or "X^TX" in p["question"]:
            assert "dividing by $n - 1$" in p["question"], p["id"]
            assert "n - 1" in p["solution"], p["id"]


def test_elimination_prompt_solves_by_elimination() -> None:
    """la-systems-inverses-6 asks for Gaussian elimination: its solution shows the triangular system that row
    operations give (recomputed here) and solves it from the bottom up, without substituting."""
    p = PROMPTS["la-systems-inverses-6"]
    aug = M([[1, 1, 1, 6], [0, 2, 5, -4], [2, 5, -1, 27]])
    aug[2, :] = (aug[2, :] - 2 * aug[0, :]) / 3  # remove x from the third equation: y - z = 5
    aug[1, :] = aug[1, :] - 2 * aug[2, :]  # remove y from the second: 7z = -14
    assert aug[2, :] == M([[0, 1, -1, 5]]) and aug[1, :] == M([[0, 0, 7, -14]])
    assert "$y - z = 5$" in p["solution"] and "$7z = -14$" in p["solution"]
    assert "elimination" in p["question"] and "substitut" not in p["solution"].lower()
    z = sp.Rational(aug[1, 3], aug[1, 2])
    y = aug[2, 3] - aug[2, 2] * z
    x = aug[0, 3] - aug[0, 1] * y - aug[0, 2] * z
    assert vec(x, y, z) == parse("vector", p["answer"]["value"])


def test_dollar_signs_are_balanced() -> None:
    for s in _prose():
        assert s.count("$") % 2 == 0, s


FORMULAS = sorted({f for s in _prose() for f in re.findall(r"\$([^$]+)\$", s)})


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_renders(formula: str) -> None:
    render_formula(formula)


def test_no_unsupported_latex() -> None:
    bad = re.compile(r"\\(begin|text|dfrac|tfrac|binom|operatorname|le|ge)(?![a-zA-Z])")
    for s in _prose():
        assert not bad.search(s), s
