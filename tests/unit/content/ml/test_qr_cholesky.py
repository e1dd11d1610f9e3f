"""Independent recomputation of every answer of ml-qr-cholesky (content/topics/ml.yaml).

Each computation rebuilds the problem's data from the drawn parameters (the numbers the question shows;
``SHOWN`` checks that the question shows exactly them) and recomputes the answer by another route than the
YAML's ``let`` formulas: triangular systems by sympy's general solver (``LUsolve``) and by scipy's
``solve_triangular``, Cholesky factors by sympy's ``cholesky`` and numpy's ``linalg.cholesky``, the QR factor by
sympy's ``QRdecomposition`` and numpy's ``linalg.qr`` (signs normalised), least squares by the normal equations
in exact arithmetic and by numpy's ``lstsq``, the Cholesky threshold by where numpy's factorisation starts to
fail, and a Gaussian sample's covariance by the covariance of ``mu + L z`` over a large standard normal draw.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import sympy as sp

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-qr-cholesky"
TEACHES = ["qr-decomposition", "cholesky-decomposition", "back-substitution"]
NEEDS = ["la-orthogonality", "stat-regression", "ml-positive-definite"]

M = sp.Matrix


def as_float(a: sp.Matrix) -> np.ndarray:
    return np.array(a.tolist(), dtype=float)


def exact(values) -> sp.Matrix:
    """A float result that must be a small fraction, back to an exact sympy matrix."""
    return M([sp.nsimplify(float(v), rational=True, tolerance=1e-9) for v in np.ravel(values)])


def lower(p, q, r) -> sp.Matrix:
    return M([[p, 0], [q, r]])


def cholesky(a: sp.Matrix) -> sp.Matrix:
    """sympy's Cholesky factor, checked against numpy's."""
    low = a.cholesky(hermitian=False)
    assert np.allclose(as_float(low), np.linalg.cholesky(as_float(a)))
    assert low * low.T == a
    return low


# ---------------------------------------------------------------- the problems' data from the parameters


def upper_3(v) -> sp.Matrix:
    return M([[v.a, v.b, v.d], [0, v.c, v.h], [0, 0, v.f]])


def back_substitution(v) -> sp.Matrix:
    """ml-qr-cholesky-1: y is R x for the drawn x; solve R x = y again, by sympy's LU and by scipy."""
    r = upper_3(v)
    y = r * v.x
    x = r.LUsolve(y)
    assert np.allclose(sla.solve_triangular(as_float(r), as_float(y).ravel(), lower=False), as_float(x).ravel())
    return x


def det_from_factor(v) -> sp.Expr:
    low = M([[v.p, 0, 0], [v.q, v.r, 0], [v.s, v.t, v.u]])
    a = low * low.T
    assert abs(np.linalg.det(as_float(a)) - float(a.det())) < 1e-6 * max(1.0, abs(float(a.det())))
    return a.det()


def first_unknown(v) -> sp.Expr:
    """ml-qr-cholesky-6: x_1 of R x = [y_1, y_2], solved symbolically."""
    y = M(sp.symbols("y_1 y_2"))
    return sp.expand(M([[v.a, v.b], [0, v.c]]).LUsolve(y)[0])


def general_l22() -> sp.Expr:
    """ml-qr-cholesky-5: sympy's symbolic Cholesky of [[p, q], [q, s]] (p, s positive), entry (2, 2); it must agree
    with sympy's numeric factor at a positive definite point."""
    p, q, s = sp.symbols("p q s", positive=True)
    low = M([[p, q], [q, s]]).cholesky(hermitian=False)
    point = {p: 4, q: 2, s: 5}
    assert low.subs(point) == M([[4, 2], [2, 5]]).cholesky(hermitian=False)
    return low[1, 1].subs({p: sp.Symbol("p"), q: sp.Symbol("q"), s: sp.Symbol("s")})


# the orthogonal triples (u, v, w) of the Gram-Schmidt prompts, all three of one length n
TRIPLES = {
    1: ([1, 2, 2], [2, 1, -2], [2, -2, 1]),
    2: ([2, 2, 1], [1, -2, 2], [2, -1, -2]),
    3: ([2, 3, 6], [6, 2, -3], [3, -6, 2]),
}


def triple(k: int, sg: int) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    u, v, w = (M(t) for t in TRIPLES[int(k)])
    gram = M.hstack(u, v, w).T * M.hstack(u, v, w)
    assert gram == gram[0, 0] * sp.eye(3), f"triple {k} is not orthogonal with equal lengths"
    return u, sg * v, w


def qr_matrix(v) -> sp.Matrix:
    """ml-qr-cholesky-7: the A of the question."""
    u, w2, _ = triple(v.k, v.sg)
    return M.hstack(v.a * u, v.b * u + v.c * w2)


def qr_r_factor(v) -> sp.Matrix:
    a = qr_matrix(v)
    q, r = a.QRdecomposition()
    assert q.T * q == sp.eye(2) and q * r == a
    # numpy's Householder QR fixes signs differently: make its diagonal positive and compare
    qn, rn = np.linalg.qr(as_float(a))
    signs = np.sign(np.diag(rn))
    assert np.allclose(np.diag(signs) @ rn, as_float(r))
    return r


def cholesky_threshold(v) -> sp.Expr:
    """ml-qr-cholesky-8: the smallest k where numpy can factor [[k, b], [b, c]], found by bisection, and the exact
    root of the last pivot c - b^2/k."""
    k = sp.Symbol("k", positive=True)
    low = M([[k, v.b], [v.b, v.c]]).cholesky(hermitian=False)
    (root,) = sp.solve(sp.Eq(low[1, 1] ** 2, 0), k)

    def factors(x: float) -> bool:
        try:
            np.linalg.cholesky(np.array([[x, v.b], [v.b, v.c]], dtype=float))
        except np.linalg.LinAlgError:
            return False
        return True

    lo, hi = 0.0, 100.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if factors(mid) else (mid, hi)
    assert abs(hi - float(root)) < 1e-6
    return root


def sigma_of(v) -> sp.Matrix:
    return M([[v.p**2, v.p * v.q], [v.p * v.q, v.q**2 + v.r**2]])


def sample(v) -> sp.Matrix:
    """ml-qr-cholesky-9: mu + L z with L from sympy's Cholesky of Sigma; the recipe's samples have covariance
    Sigma (checked on a large standard normal draw)."""
    sigma = sigma_of(v)
    low = cholesky(sigma)
    mu = M([v.m_1, v.m_2])
    zs = np.random.default_rng(0).standard_normal((2, 200_000))
    xs = as_float(mu) + as_float(low) @ zs
    assert np.allclose(np.cov(xs), as_float(sigma), atol=0.15 * float(max(sigma)))
    return mu + low * v.z


def sample_expression(v) -> sp.Expr:
    """ml-qr-cholesky-11: the second entry of mu + L z in the symbols z_1, z_2."""
    low = cholesky(sigma_of(v))
    z = M(sp.symbols("z_1 z_2"))
    return sp.expand((M([v.m_1, v.m_2]) + low * z)[1])


def least_squares_data(v) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """ml-qr-cholesky-10: Q, R and b of the question (b = Q R x + t w, with w orthogonal to the columns)."""
    u, w2, w = triple(v.k, v.sg)
    q = M.hstack(u, w2) / 3
    r = M([[3 * v.a, 3 * v.b], [0, 3 * v.c]])
    b = q * r * v.x + v.t * w
    return q, r, b


def least_squares(v) -> sp.Matrix:
    """The least-squares solution of A x = b for A = QR, from the normal equations (exact) and numpy's lstsq."""
    q, r, b = least_squares_data(v)
    assert q.T * q == sp.eye(2)
    a = q * r
    x = (a.T * a).inv() * a.T * b
    numeric, *_ = np.linalg.lstsq(as_float(a), as_float(b).ravel(), rcond=None)
    assert np.allclose(numeric, as_float(x).ravel())
    assert a.T * (b - a * x) == M([0, 0]) and b - a * x != M([0, 0, 0])
    return x


def normal_equations(v) -> sp.Matrix:
    """ml-qr-cholesky-12: X^T X w = X^T y with X^T y = X^T X w for the drawn w, solved by sympy and by scipy's
    Cholesky solver."""
    a = sigma_of(v)
    g = a * v.w
    w = a.LUsolve(g)
    assert np.allclose(sla.cho_solve(sla.cho_factor(as_float(a), lower=True), as_float(g).ravel()),
                       as_float(w).ravel())
    return w


COMPUTE = {
    f"{UNIT}-1": back_substitution,
    f"{UNIT}-2": det_from_factor,
    f"{UNIT}-4": lambda v: cholesky(sigma_of(v)),
    f"{UNIT}-5": general_l22,
    f"{UNIT}-6": first_unknown,
    f"{UNIT}-7": qr_r_factor,
    f"{UNIT}-8": cholesky_threshold,
    f"{UNIT}-9": sample,
    f"{UNIT}-10": least_squares,
    f"{UNIT}-11": sample_expression,
    f"{UNIT}-12": normal_equations,
}


def shown_least_squares(v) -> list:
    q, r, b = least_squares_data(v)
    return [1, 3, *list(3 * q), *list(r), *list(b)]


SHOWN = {
    f"{UNIT}-1": lambda v: [*list(upper_3(v)), *list(upper_3(v) * v.x)],
    f"{UNIT}-2": lambda v: [v.p, 0, 0, v.q, v.r, 0, v.s, v.t, v.u],
    f"{UNIT}-4": lambda v: list(sigma_of(v)),
    f"{UNIT}-6": lambda v: [v.a, v.b, 0, v.c, 1, 2, 1, 1, 2, 1, 2],
    f"{UNIT}-7": lambda v: list(qr_matrix(v)),
    f"{UNIT}-8": lambda v: [v.b, v.b, v.c],
    f"{UNIT}-9": lambda v: [v.m_1, v.m_2, *list(sigma_of(v)), v.p, 0, v.q, v.r, *list(v.z)],
    f"{UNIT}-10": shown_least_squares,
    f"{UNIT}-11": lambda v: [1, 2, v.m_1, v.m_2, *list(sigma_of(v)), 1, 2],
    f"{UNIT}-12": lambda v: [*list(sigma_of(v)), *list(sigma_of(v) * v.w)],
}


# ---------------------------------------------------------------- the choice and the listed mistakes


def test_normal_equations_square_the_condition_number():
    """ml-qr-cholesky-3: cond(A^T A) = cond(A)^2, and the QR route and the normal equations give the same
    x-hat in exact arithmetic, so the answer is about conditioning."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((20, 3)) @ np.diag([1.0, 1e-2, 1e-4])
    assert np.isclose(np.linalg.cond(a.T @ a), np.linalg.cond(a) ** 2, rtol=1e-6)
    exact_a = M([[1, 0], [1, 1], [1, 2]])
    b = M([1, 3, 4])
    q, r = exact_a.QRdecomposition()
    assert r.LUsolve(q.T * b) == (exact_a.T * exact_a).LUsolve(exact_a.T * b)
    assert prompts(UNIT)[f"{UNIT}-3"]["answer"]["value"] == "$A^TA$ squares the condition number"


def test_named_mistakes_are_what_their_hints_say():
    """Spot checks that a listed mistake is the wrong route its hint names, recomputed by that route."""
    for v, p in instances(UNIT, f"{UNIT}-12"):
        low = lower(v.p, v.q, v.r)
        g = sigma_of(v) * v.w
        z = low.LUsolve(g)
        wrong = {m["answer"] for m in p["mistakes"]}
        assert {str(list(z)).replace(" ", ""), str(list(low.LUsolve(z))).replace(" ", ""),
                str(list(low.T.LUsolve(g))).replace(" ", "")} == {w.replace(" ", "") for w in wrong}
    for v, p in instances(UNIT, f"{UNIT}-9"):
        mu, low = M([v.m_1, v.m_2]), lower(v.p, v.q, v.r)
        named = [mu + low.T * v.z, mu + sigma_of(v) * v.z, low * v.z]
        got = [M(sp.sympify(m["answer"])) for m in p["mistakes"]]
        assert got == named
