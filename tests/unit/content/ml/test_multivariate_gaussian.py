"""Independent recomputation of every answer of ml-multivariate-gaussian (content/topics/ml.yaml).

Every answer is recomputed from the problem's data (the numbers the question shows; ``SHOWN`` checks that the
question shows exactly them) through sympy.stats' own Gaussian: ``MultivariateNormal`` gives the density and
the marginals, never the unit's formulas. A mean is where the (log-)density peaks and a covariance matrix is
the inverse of minus the Hessian of the log-density; a conditional is the joint density with the observed
coordinate fixed; a linear map is a change of variables in the density; a Mahalanobis distance is read off
the drop of the density from its peak, ``p(x) = p(mu) exp(-Delta^2 / 2)``.
"""

from __future__ import annotations

import functools

import sympy as sp
import sympy.stats as st

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)

UNIT = "ml-multivariate-gaussian"
TEACHES = ["multivariate-gaussian", "mahalanobis-distance", "gaussian-conditioning"]
NEEDS = ["ml-positive-definite", "prob-joint-covariance", "prob-distributions", "stat-correlation", "la-systems-inverses"]

X = sp.symbols("x1 x2", real=True)
M = sp.Matrix


# ---------------------------------------------------------------- sympy.stats' Gaussian and its density


def gaussian(mu, sigma):
    return st.MultivariateNormal("X", M(mu), M(sigma))


@functools.cache
def _joint(mu: tuple, sigma: tuple) -> sp.Expr:
    return st.density(gaussian(mu, [list(row) for row in sigma]))(*X)


def density(mu, sigma, point=X):
    """The joint density of N(mu, sigma) at ``point``, as sympy.stats computes it; at a point that is not
    numbers, its density in the symbols x1, x2 with the point put in (it is slow to take an expression)."""
    if all(sp.sympify(c).is_number for c in point):
        return st.density(gaussian(mu, sigma))(*point)
    joint = _joint(tuple(mu), tuple(tuple(row) for row in M(sigma).tolist()))
    return joint.subs(dict(zip(X, point, strict=True)), simultaneous=True)


def log(expr):
    return sp.expand(sp.expand_log(sp.log(expr), force=True))


def moments(log_p, variables):
    """Mean vector and covariance matrix of a Gaussian from its log-density, a quadratic: the peak, where the
    (linear) gradient vanishes, and the inverse of minus the Hessian."""
    variables = list(variables)
    gradient = M([sp.diff(log_p, v) for v in variables])
    hessian = gradient.jacobian(variables)
    assert all(d.is_number for d in hessian)
    peak = -hessian.inv() * gradient.subs({v: 0 for v in variables})
    assert all(sp.simplify(g) == 0 for g in gradient.subs(dict(zip(variables, peak, strict=True))))
    return peak, (-hessian).inv()


def one_d(log_p, var):
    """Mean and variance of a one-dimensional Gaussian from its log-density."""
    mean, cov = moments(log_p, [var])
    return mean[0], cov[0, 0]


def marginal(mu, sigma, i):
    """[mean, variance] of component i, from sympy.stats' marginal distribution."""
    g = gaussian(mu, sigma)
    t = sp.Symbol("t", real=True)
    return list(one_d(log(st.marginal_distribution(g, g[i])(t)), t))


def conditional(mu, sigma, observed):
    """[mean, variance] of x1 given x2 = observed: the joint density along the line x2 = observed."""
    return list(one_d(log(density(mu, sigma, (X[0], observed))), X[0]))


def mahalanobis(mu, sigma, point):
    """Delta from p(point) = p(mu) exp(-Delta^2/2)."""
    drop = log(density(mu, sigma, tuple(mu))) - log(density(mu, sigma, tuple(point)))
    return sp.sqrt(sp.nsimplify(sp.simplify(2 * drop)))


def covariance_after(mu, sigma, a, b):
    """Mean and covariance of y = A x + b: change of variables x = A^(-1)(y - b) in the density of x."""
    a = M(a)
    y = sp.symbols("y1 y2", real=True)
    x_of_y = a.inv() * (M(y) - M(b))
    log_p = log(density(mu, sigma, tuple(x_of_y)) / abs(a.det()))
    return moments(log_p, y)


# ---------------------------------------------------------------- the data of each template's question


def sigma_l(v):
    """Sigma = L L^T with L = [[p, 0], [q, r]] (prompts 5 and 9)."""
    low = M([[v.p, 0], [v.q, v.r]])
    return low * low.T


def point_9(v):
    return M([v.m_1, v.m_2]) + M([[v.p, 0], [v.q, v.r]]) * M([v.w_1, v.w_2])


def sigma_11(v):
    return M([[v.s_11, v.s_12], [v.s_12, v.s_22]])


def a_11(v):
    return M([[v.a_11, v.a_12], [v.a_21, v.a_22]])


def weighted_sum_numbers(v):
    """The numbers of "y = 2x_{1} - 3x_{2}" as the question writes it (a weight 1 is not written)."""
    out = [] if v.w_1 == 1 else [v.w_1]
    out += [1] + ([] if abs(v.w_2) == 1 else [abs(v.w_2)]) + [2]
    return out


def flat(matrix):
    return list(matrix)


def rho_numbers(rho):
    return [abs(sp.numer(rho)), sp.denom(rho)]


# ---------------------------------------------------------------- the choices that are computations

CIRCLES = "none: the contours are circles"


def long_axis(sigma):
    """The line along which the density falls slowest from the mean: the long axis of every contour."""
    mu = (0, 0)
    lines = {"the line $x_2 = x_1$": (1, 1), "the line $x_2 = -x_1$": (1, -1), "the $x_1$-axis": (1, 0),
             "the $x_2$-axis": (0, 1)}
    heights = {name: density(mu, sigma, tuple(sp.Matrix(u) / sp.sqrt(u[0] ** 2 + u[1] ** 2)))
               for name, u in lines.items()}
    if len({sp.simplify(h) for h in heights.values()}) == 1:
        return CIRCLES
    best = max(heights, key=lambda name: float(heights[name]))
    assert sum(sp.simplify(h - heights[best]) == 0 for h in heights.values()) == 1
    return best


def independence(mu, sigma):
    """Joint density = product of the two marginal densities?"""
    g = gaussian(mu, sigma)
    product = st.marginal_distribution(g, g[0])(X[0]) * st.marginal_distribution(g, g[1])(X[1])
    same = sp.simplify(density(mu, sigma) - product) == 0
    return "Yes, independent" if same else "No, only uncorrelated"


# ---------------------------------------------------------------- every prompt

COMPUTE = {
    "ml-multivariate-gaussian-1": lambda v: marginal([v.m_1, v.m_2], [[v.a, v.c], [v.c, v.b]], 1),
    "ml-multivariate-gaussian-2": lambda v: (
        lambda cov: cov[0, 1] / sp.sqrt(cov[0, 0] * cov[1, 1])
    )(moments(log(density([0, 0], [[v.s_1**2, v.c], [v.c, v.s_2**2]])), X)[1]),
    "ml-multivariate-gaussian-3": lambda: independence([1, -2], [[4, 0], [0, 9]]),
    "ml-multivariate-gaussian-4": lambda v: mahalanobis(
        [v.m_1, v.m_2], [[v.s_1**2, 0], [0, v.s_2**2]], [v.m_1 + v.z_1 * v.s_1, v.m_2 + v.z_2 * v.s_2]),
    "ml-multivariate-gaussian-5": lambda v: density([v.m_1, v.m_2], sigma_l(v), (v.m_1, v.m_2)),
    "ml-multivariate-gaussian-6": lambda v: conditional(
        [v.m_1, v.m_2], [[v.a, v.c], [v.c, v.b]], v.m_2 + v.t)[0],
    "ml-multivariate-gaussian-7": lambda v: conditional([v.m_1, v.m_2], [[v.a, v.c], [v.c, v.b]], v.o)[1],
    "ml-multivariate-gaussian-8": lambda: long_axis([[4, 3], [3, 4]]),
    "ml-multivariate-gaussian-9": lambda v: mahalanobis([v.m_1, v.m_2], sigma_l(v), list(point_9(v))),
    "ml-multivariate-gaussian-10": lambda v: (
        lambda mean, cov: [mean[0], cov[0, 0]]
    )(*covariance_after([v.m_1, v.m_2], [[v.a, v.c], [v.c, v.b]], [[v.w_1, v.w_2], [0, 1]], [0, 0])),
    "ml-multivariate-gaussian-11": lambda v: covariance_after([0, 0], sigma_11(v), a_11(v), [v.b_1, v.b_2])[1],
    "ml-multivariate-gaussian-12": lambda v: conditional(
        [v.m_1, v.m_2],
        [[v.s_1**2, v.rho * v.s_1 * v.s_2], [v.rho * v.s_1 * v.s_2, v.s_2**2]],
        v.m_2 + v.t * v.s_2),
}

SHOWN = {
    "ml-multivariate-gaussian-1": lambda v: [1, 2, v.m_1, v.m_2, v.a, v.c, v.c, v.b, 2],
    "ml-multivariate-gaussian-2": lambda v: [1, 2, v.s_1**2, v.c, v.c, v.s_2**2, 1, 2],
    "ml-multivariate-gaussian-4": lambda v: [v.m_1, v.m_2, v.s_1**2, 0, 0, v.s_2**2,
                                             v.m_1 + v.z_1 * v.s_1, v.m_2 + v.z_2 * v.s_2, 7],
    "ml-multivariate-gaussian-5": lambda v: [v.m_1, v.m_2, *flat(sigma_l(v)), 1, 10],
    "ml-multivariate-gaussian-6": lambda v: [1, 2, v.m_1, v.m_2, v.a, v.c, v.c, v.b, 2, v.m_2 + v.t, 1, 2,
                                             v.m_2 + v.t],
    "ml-multivariate-gaussian-7": lambda v: [1, 2, v.m_1, v.m_2, v.a, v.c, v.c, v.b, 2, v.o, 1, 1, 2, v.o],
    "ml-multivariate-gaussian-9": lambda v: [v.m_1, v.m_2, *flat(sigma_l(v)), *flat(point_9(v)), 7],
    "ml-multivariate-gaussian-10": lambda v: [1, 2, v.m_1, v.m_2, v.a, v.c, v.c, v.b, *weighted_sum_numbers(v)],
    "ml-multivariate-gaussian-11": lambda v: [*flat(sigma_11(v)), *flat(a_11(v)), v.b_1, v.b_2],
    "ml-multivariate-gaussian-12": lambda v: [1, 2, 1, v.m_1, v.s_1, 2, v.m_2, v.s_2, *rho_numbers(v.rho), 2,
                                              v.m_2 + v.t * v.s_2, 1],
}
