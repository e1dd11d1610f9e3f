"""Independent recomputation of every answer of ml-norms-regularisation (content/topics/ml.yaml).

Norms come from sympy's own ``Matrix.norm`` (and numpy's for the Frobenius norm), not from the YAML's sums of
absolute values or squares. The regularised fits are found by minimising each prompt's stated objective
directly: the derivative of the objective solved with sympy (ridge), or every candidate minimiser compared
(lasso's kink at 0). The MAP penalties are read off the negative log posterior built from sympy.stats densities
of a small made-up data set, not from the formula lambda = sigma^2 / tau^2.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.stats import Laplace, Normal, density

from tests.unit.content.ml.checks import *  # noqa: F403
from tests.unit.content.ml.checks import instances

UNIT = "ml-norms-regularisation"
TEACHES = ["vector-norms", "frobenius-norm", "regularisation", "ridge-regression", "lasso"]
NEEDS = ["stat-regression", "prob-bayesian-inference", "stat-bias-variance"]

w_ = sp.Symbol("w", real=True)


# ---------------------------------------------------------------- norms


def frobenius(a: sp.Matrix) -> sp.Expr:
    """The Frobenius norm as sqrt(tr(A^T A)), cross-checked against numpy's own."""
    exact = sp.sqrt((a.T * a).trace())
    assert abs(float(exact) - np.linalg.norm(np.array(a.tolist(), dtype=float), "fro")) < 1e-12
    return exact


def gram_root(gram: sp.Matrix) -> sp.Matrix:
    """A 3 by 2 matrix A with A^T A = gram: the Cholesky factor's transpose with a zero row below it."""
    lower = gram.cholesky()
    a = lower.T.col_join(sp.zeros(1, 2))
    assert sp.simplify(a.T * a - gram) == sp.zeros(2, 2)
    return a


def three_norms(x: sp.Matrix) -> list:
    return [x.norm(1), x.norm(2), x.norm(sp.oo)]


# ---------------------------------------------------------------- fitting by minimising the stated objective


def ridge_line(points, lam) -> sp.Expr:
    """Minimise sum (y - w x)^2 + lam w^2 over w: the one zero of the derivative (the objective is convex)."""
    loss = sum((y - w_ * x) ** 2 for x, y in points) + lam * w_**2
    (root,) = sp.solve(sp.diff(loss, w_), w_)
    assert sp.diff(loss, w_, 2) > 0
    return root


def ridge(x: sp.Matrix, y: sp.Matrix, lam) -> sp.Matrix:
    """Minimise ||y - X w||^2 + lam ||w||^2 by setting its gradient to 0 (no closed-form inverse)."""
    ws = sp.symbols(f"w1:{x.cols + 1}", real=True)
    w = sp.Matrix(ws)
    r = y - x * w
    loss = (r.T * r)[0] + lam * (w.T * w)[0]
    sol = sp.solve([sp.diff(loss, s) for s in ws], ws, dict=True)
    assert len(sol) == 1
    return w.subs(sol[0])


def lasso_scalar(z, lam) -> sp.Expr:
    """Minimise (1/2)(w - z)^2 + lam |w| by comparing every candidate: the stationary point of each smooth piece
    (kept only if it lies on its piece) and the kink at 0."""
    f = sp.Rational(1, 2) * (w_ - z) ** 2 + lam * sp.Abs(w_)
    candidates = [sp.Integer(0)]
    for sign in (1, -1):
        (c,) = sp.solve(sp.diff(sp.Rational(1, 2) * (w_ - z) ** 2 + lam * sign * w_, w_), w_)
        if sign * c > 0:
            candidates.append(c)
    values = [f.subs(w_, c) for c in candidates]
    best = min(values)
    assert values.count(best) == 1
    return candidates[values.index(best)]


# ---------------------------------------------------------------- MAP penalties from densities

XS, YS = (1, 2, 3), (40, 50, 70)  # a made-up data set for reading off the penalties (large y: a positive weight)


def neg_log_posterior(sigma2, prior_density) -> sp.Expr:
    noise = [density(Normal("e", w_ * x, sp.sqrt(sigma2)))(y) for x, y in zip(XS, YS, strict=True)]
    return -sum(sp.log(d) for d in noise) - sp.log(prior_density)


def map_ridge_lambda(sigma2, tau2) -> sp.Expr:
    """The lambda for which the ridge fit equals the MAP weight with a N(0, tau^2) prior."""
    nlp = neg_log_posterior(sigma2, density(Normal("w0", 0, sp.sqrt(tau2)))(w_))
    (w_map,) = sp.solve(sp.diff(sp.expand_log(nlp, force=True), w_), w_)
    lam = sp.Symbol("lam", positive=True)
    (found,) = sp.solve(sp.Eq(ridge_line(list(zip(XS, YS, strict=True)), lam), w_map), lam)
    return found


def map_lasso_lambda(sigma2, b) -> sp.Expr:
    """The lambda for which the one-feature lasso fit equals the MAP weight with a Laplace(0, b) prior."""
    wp = sp.Symbol("wp", positive=True)  # both optima are positive for this data set
    nlp = neg_log_posterior(sigma2, density(Laplace("w0", 0, b))(w_)).subs(w_, wp)
    (w_map,) = sp.solve(sp.diff(sp.simplify(sp.expand_log(nlp, force=True)), wp), wp)
    lam = sp.Symbol("lam", positive=True)
    lasso_loss = sum((y - wp * x) ** 2 for x, y in zip(XS, YS, strict=True)) + lam * wp
    (w_lasso,) = sp.solve(sp.diff(lasso_loss, wp), wp)
    (found,) = sp.solve(sp.Eq(w_lasso, w_map), lam)
    return found


# ---------------------------------------------------------------- the unit's prompts

P11_X = sp.Matrix([[1, 0], [0, 1], [1, 1]])

COMPUTE = {
    "ml-norms-regularisation-1": lambda v: sp.Matrix([v.b, v.a, v.c]).norm(1),
    "ml-norms-regularisation-2": lambda v: sp.Matrix([v.a, v.b, v.c]).norm(2),
    "ml-norms-regularisation-4": lambda v: three_norms(sp.Matrix([v.s * (v.p**2 - v.q**2), v.t * 2 * v.p * v.q])),
    "ml-norms-regularisation-5": lambda v: frobenius(v.A),
    "ml-norms-regularisation-6": lambda: sp.sqrt(sum(e**2 for e in gram_root(sp.Matrix([[14, 3], [3, 11]])))),
    "ml-norms-regularisation-7": lambda v: ridge_line([(v.p, v.r), (v.q, v.s)], v.k),
    "ml-norms-regularisation-8": lambda v: map_ridge_lambda(v.a, v.t),
    "ml-norms-regularisation-9": lambda v: lasso_scalar(v.s * (v.k + v.d), v.k),
    "ml-norms-regularisation-11": lambda v: ridge(P11_X, sp.Matrix([v.a, v.b, v.c]), v.k),
    "ml-norms-regularisation-12": lambda v: map_lasso_lambda(v.a, v.b),
    "ml-norms-regularisation-13": lambda v: [lasso_scalar(z, v.k) for z in (v.s * (v.k + v.d), v.t * v.f, v.r * v.g)],
}

SHOWN = {
    "ml-norms-regularisation-1": lambda v: [1, 1, v.b, v.a, v.c],  # "L1 norm ||x||_1", then x
    "ml-norms-regularisation-4": lambda v: [v.s * (v.p**2 - v.q**2), v.t * 2 * v.p * v.q, 1, 2],
    "ml-norms-regularisation-5": lambda v: list(v.A),
    "ml-norms-regularisation-7": lambda v: [2, 2, v.p, v.r, v.q, v.s, v.k],  # two squares in L(w), then the data
    "ml-norms-regularisation-9": lambda v: [1, 2, 2, v.s * (v.k + v.d), v.k],  # (1/2)(w - z)^2, then z and lambda
}


# ---------------------------------------------------------------- claims the solutions make


def test_ridge_weight_vector_is_shorter_than_least_squares():
    """ml-norms-regularisation-11's solution: the ridge weights are shorter than the least-squares ones."""
    for v, _ in instances(UNIT, "ml-norms-regularisation-11"):
        y = sp.Matrix([v.a, v.b, v.c])
        w_ridge, w_ls = ridge(P11_X, y, v.k), ridge(P11_X, y, 0)
        assert w_ridge.norm() < w_ls.norm()


def test_norms_are_ordered():
    """ml-norms-regularisation-4's solution: ||x||_inf <= ||x||_2 <= ||x||_1."""
    for v, _ in instances(UNIT, "ml-norms-regularisation-4"):
        one, two, inf = three_norms(sp.Matrix([v.s * (v.p**2 - v.q**2), v.t * 2 * v.p * v.q]))
        assert inf <= two <= one


def test_orthonormal_lasso_splits_per_weight():
    """ml-norms-regularisation-13's question: with X^T X = I, (1/2)||y - Xw||^2 = (1/2)||w - X^T y||^2 + const."""
    q, _ = sp.Matrix([[1, 2, 2], [2, 1, -2], [2, -2, 1], [0, 0, 0]]).QRdecomposition()
    y = sp.Matrix([3, -1, 4, 2])
    w = sp.Matrix(sp.symbols("w1:4", real=True))
    z = q.T * y
    gap = ((y - q * w).T * (y - q * w))[0] / 2 - ((w - z).T * (w - z))[0] / 2
    assert sp.simplify(q.T * q - sp.eye(3)) == sp.zeros(3, 3)
    assert sp.expand(gap).free_symbols == set()


def test_lasso_zeroes_exactly_the_small_entries():
    """ml-norms-regularisation-13 always has a surviving, a zeroed, and a free third entry."""
    for v, _ in instances(UNIT, "ml-norms-regularisation-13"):
        w1, w2, _ = COMPUTE["ml-norms-regularisation-13"](v)
        assert w1 != 0 and w2 == 0
