"""Independent verification of every checkable answer in content/topics/statistics.yaml.

Each computation below recomputes a prompt's answer from the problem's data with sympy or numpy, without
reading the YAML value; the tests then compare it with the value written in the YAML, check that every
listed mistake differs from the answer, and check that every formula renders with matplotlib mathtext.
A template prompt (fresh numbers every attempt) is checked in each of many drawn instances: its computation
takes the instance's parameters ``v`` (``v.a``; a vector as a sympy Matrix).
"""

from __future__ import annotations

import re
from functools import cache
from itertools import product
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest
import sympy as sp
import yaml

from bot.content.loader import prerequisites
from tests.support import load_yaml
from tests.support.exact import is_zero, parser
from tests.support.mathtext import render_formula
from tests.support.templates import instances, is_template

ROOT = Path(__file__).resolve().parents[3]
TOPIC_FILE = ROOT / "content" / "topics" / "statistics.yaml"
DATA = load_yaml(TOPIC_FILE.read_text(encoding="utf-8"))
UNITS = DATA["units"]
PROMPTS = {p["id"]: p for u in UNITS for p in u["prompts"]}
CHECKABLE = {"number", "expression", "vector", "matrix", "set"}

n_ = sp.Symbol("n", positive=True)
LOCALS = {"e": sp.E, "pi": sp.pi, "ln": sp.log, "sqrt": sp.sqrt}


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

NORMAL = NormalDist()


def population_var(values) -> sp.Expr:
    vals = [sp.Rational(v) for v in values]
    mean = sum(vals) / len(vals)
    return sum((v - mean) ** 2 for v in vals) / len(vals)


def sample_var(values) -> sp.Expr:
    vals = [sp.Rational(v) for v in values]
    mean = sum(vals) / len(vals)
    return sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)


def median(values) -> sp.Expr:
    vals = sorted(sp.Rational(v) for v in values)
    n = len(vals)
    return vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2


def robust_summary_choice():
    before, after = [2, 3, 3, 5, 12], [2, 3, 3, 5, 1000]
    summaries = {
        "mean": lambda d: sp.Rational(sum(d), len(d)),
        "median": median,
        "range": lambda d: max(d) - min(d),
        "standard deviation": lambda d: sp.sqrt(population_var(d)),
    }
    unchanged = [name for name, f in summaries.items() if sp.simplify(f(before) - f(after)) == 0]
    assert len(unchanged) == 1
    return unchanged[0]


def sd_after_affine():
    data = np.array([3.0, 7.0])  # any data with mean 5 and sd 2
    assert data.mean() == 5 and data.std() == 2
    return sp.nsimplify((3 * data + 10).std())


def biased_estimator_choice():
    mu = sp.Symbol("mu")
    n = 5
    xs = sp.symbols(f"x1:{n + 1}")
    expectation = {xi: mu for xi in xs}  # each value has expected value mu; estimators are linear
    xbar = sum(xs) / n
    estimators = {
        "the sample mean": xbar,
        "the first value $x_1$ alone": xs[0],
        "$(x_1 + x_2)/2$": (xs[0] + xs[1]) / 2,
        "the sample mean plus 1": xbar + 1,
    }
    biased = [name for name, est in estimators.items() if sp.simplify(est.subs(expectation) - mu) != 0]
    assert len(biased) == 1
    return biased[0]


def lower_mse_choice():
    mse_a, mse_b = 0**2 + 9, 2**2 + 4
    return "A" if mse_a < mse_b else "B" if mse_b < mse_a else "they tie"


def wider_choice():
    z95, z99 = NORMAL.inv_cdf(0.975), NORMAL.inv_cdf(0.995)
    return "it gets wider" if z99 > z95 else "it gets narrower"


def decision(p_value: float, alpha: float = 0.05) -> str:
    return "Reject $H_0$" if p_value < alpha else "Do not reject $H_0$"


def two_sided_p(zval: float) -> float:
    return 2 * (1 - NORMAL.cdf(abs(zval)))


def correlation(xs, ys) -> sp.Expr:
    xv, yv = sp.Matrix(xs), sp.Matrix(ys)
    dx = xv - sp.ones(len(xs), 1) * (sum(xs) / sp.Integer(len(xs)))
    dy = yv - sp.ones(len(ys), 1) * (sum(ys) / sp.Integer(len(ys)))
    return sp.simplify(dx.dot(dy) / sp.sqrt(dx.dot(dx) * dy.dot(dy)))


def correlation_after_transform():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=2000)
    ys = 0.6 * xs + 0.8 * rng.normal(size=2000)
    before = np.corrcoef(xs, ys)[0, 1]
    after = np.corrcoef(2 * xs + 5, -3 * ys)[0, 1]
    return sp.nsimplify(round(after / before, 9)) * sp.Rational(6, 10)


def sample_covariance_matrix(points):
    """Divides by n - 1; numpy's np.cov (rows are variables) is the independent cross-check."""
    pts = sp.Matrix(points)
    centred = pts - sp.ones(pts.rows, 1) * (sp.ones(1, pts.rows) * pts / pts.rows)
    cov = centred.T * centred / (pts.rows - 1)
    assert np.allclose(np.array(cov, dtype=float), np.cov(np.array(points, dtype=float).T, ddof=1))
    return cov.tolist()


def ols(xs, ys):
    X = sp.Matrix([[1, xi] for xi in xs])
    theta = (X.T * X).inv() * X.T * sp.Matrix(ys)
    return list(theta)


def slope_through_origin(xs, ys):
    bb = sp.Symbol("b")
    loss = sum((yi - bb * xi) ** 2 for xi, yi in zip(xs, ys, strict=True))
    return sp.solve(sp.diff(loss, bb), bb)[0]


DESIGN = sp.Matrix([[1, 1], [1, 2], [1, 3]])


# ---------------------------------------------------------------- the data of template instances


def five_values(v) -> list:
    """stat-descriptive-1: four close values and a large one that makes the mean a whole number."""
    four = [v.a, v.a + v.p, v.a + v.p + v.q, v.a + v.p + v.q + v.r]
    fifth = [x for x in range(four[-1] + 7, four[-1] + 12) if (sum(four) + x) % 5 == 0]
    assert len(fifth) == 1, vars(v)
    return [*four, fifth[0]]


def estimates(v) -> list:
    """stat-bias-variance-2: four runs scattered around the true value plus the bias (the last balancing)."""
    first = [v.t + v.b + dev for dev in v.d]
    return [*first, 4 * (v.t + v.b) - sum(first)]


def regression_ys(v) -> list:
    """stat-regression-6: y at x = 1, 2, 3 on the line a_0 + b_0 x, with residuals k (1, -2, 1)."""
    return [v.a_0 + v.b_0 * xi + v.k * res for xi, res in zip([1, 2, 3], [1, -2, 1], strict=True)]


def mean_of(values) -> sp.Expr:
    return sp.Rational(sum(values), len(values))


def sd_from_moments(mean, mean_of_squares) -> sp.Expr:
    return sp.sqrt(mean_of_squares - mean**2)

def _desc_group(mean, size: int) -> list:
    """size values spread evenly around mean (their mean is exactly mean)."""
    return [mean + j - sp.Rational(size - 1, 2) for j in range(size)]


def _desc_combined_mean(v) -> sp.Expr:
    """stat-descriptive-8: the mean of both groups together, from values with the stated means."""
    values = _desc_group(sp.Symbol("m"), int(v.p)) + _desc_group(v.c, int(v.q))
    return sp.simplify(sum(values) / len(values))


def _desc_four_values(v) -> list:
    """stat-descriptive-9: the four values shown."""
    return [v.k + v.a, v.k - v.b, v.k + v.c, v.k + (v.b - v.a - v.c)]


def _desc_variance_by_n(values) -> sp.Expr:
    result = population_var(values)
    assert np.isclose(float(result), np.var(np.array(values, dtype=float)))  # numpy's var divides by n
    return result


def _samp_from_numpy_var(v) -> sp.Expr:
    """stat-sampling-estimators-8: the ratio of np.var with ddof=1 to np.var (ddof=0) on any data of size n."""
    data = np.random.default_rng(int(v.n)).normal(size=int(v.n))
    ratio = sp.nsimplify(round(np.var(data, ddof=1) / np.var(data), 9))
    return ratio * sp.Symbol("v")


@cache
def _samp_bootstrap_miss(n: int) -> sp.Expr:
    """stat-sampling-estimators-9: the share of all n^n equally likely resamples that leave out data value 0."""
    resamples = list(product(range(n), repeat=n))
    return sp.Rational(sum(0 not in r for r in resamples), len(resamples))


def _samp_accuracy_se(v) -> sp.Expr:
    """stat-sampling-estimators-10: the 0/1 scores of the test set; the standard error of their mean."""
    n = int(v.k**2)
    right = int(v.p * n)
    scores = [1] * right + [0] * (n - right)
    return sp.sqrt(population_var(scores)) / sp.sqrt(n)


def _corr_var_of_combination(v) -> sp.Expr:
    """stat-correlation-8: Var(ax + by) is linear in c = Cov(x, y); measure it on data with the stated variances
    and two different covariances (x, y built from orthonormal centred patterns), then read off the line."""
    e1, e2 = sp.Matrix([1, -1, 1, -1]), sp.Matrix([1, 1, -1, -1])  # mean 0, variance 1 (dividing by n), orthogonal

    def var(col):  # dividing by n, exact for surds
        centred = col - sp.ones(4, 1) * (sum(col) / 4)
        return sp.simplify(centred.dot(centred) / 4)

    def measured(rho):
        xs = sp.sqrt(v.p) * e1
        ys = sp.sqrt(v.q) * (rho * e1 + sp.sqrt(1 - rho**2) * e2)
        assert var(xs) == v.p and sp.simplify(var(ys) - v.q) == 0
        cov = sp.simplify(xs.dot(ys) / 4)
        return cov, var(v.a * xs + v.b * ys)

    (c0, var0), (c1, var1) = measured(sp.Integer(0)), measured(sp.Rational(1, 2))
    slope = sp.simplify((var1 - var0) / (c1 - c0))
    return sp.expand(var0 + slope * (sp.Symbol("c") - c0))


def _corr_points(v) -> list:
    """stat-correlation-9: the four points shown."""
    ys = [v.k + v.a, v.k + v.b, v.k + v.c, v.k - v.a - v.b - v.c]
    return [[v.m + dx, y] for dx, y in zip([-3, -1, 1, 3], ys, strict=True)]


def _corr_matrix_from_cov(v):
    """stat-correlation-10: D^-1 Sigma D^-1 with D the diagonal of standard deviations; numpy's corrcoef agrees."""
    sigma = sp.Matrix([[v.a**2, v.c], [v.c, v.b**2]])
    d_inv = sp.diag(*[1 / sp.sqrt(sigma[j, j]) for j in range(2)])
    return (d_inv * sigma * d_inv).applyfunc(sp.simplify).tolist()


def _reg_points(v) -> list:
    """stat-regression-8: the three points shown."""
    return [(v.x_0, v.y_1), (v.x_0 + v.h, v.y_2), (v.x_0 + 2 * v.h, v.y_3)]


def _reg_intercept_gradient(v) -> sp.Expr:
    """stat-regression-8: differentiate the squared loss with respect to the intercept."""
    a, b = sp.symbols("a b")
    loss = sum((yi - a - b * xi) ** 2 for xi, yi in _reg_points(v))
    return sp.expand(sp.diff(loss, a))


def _reg_line_from_moments(v) -> list:
    """stat-regression-9: the normal equations divided by n, X^T X w / n = X^T y / n, written with the moments
    (the mean of x^2 is Var(x) + x-bar^2, the mean of xy is Cov(x, y) + x-bar y-bar)."""
    xbar, ybar, var_x, cov = v.m, v.w, v.u, v.k * v.u
    gram = sp.Matrix([[1, xbar], [xbar, var_x + xbar**2]])
    moment = sp.Matrix([ybar, cov + xbar * ybar])
    return list(gram.solve(moment))


def _reg_other_residuals(v) -> list:
    """stat-regression-10: residuals orthogonal to both columns of X, solved for e_3, e_4; checked by fitting a
    line to data built from them."""
    e3, e4 = sp.symbols("e3 e4")
    e = sp.Matrix([v.p, v.q, e3, e4])
    X = sp.Matrix([[1, xi] for xi in (1, 2, 3, 4)])
    (sol,) = sp.linsolve(list(X.T * e), [e3, e4])
    ys = [5 - 2 * xi + ei for xi, ei in zip((1, 2, 3, 4), e.subs({e3: sol[0], e4: sol[1]}), strict=True)]
    a, b = ols([1, 2, 3, 4], ys)
    assert [yi - (a + b * xi) for xi, yi in zip((1, 2, 3, 4), ys, strict=True)][:2] == [v.p, v.q]
    return list(sol)


def _bv_shrunk_mse(v) -> sp.Expr:
    """stat-bias-variance-8: E[(T - mu)^2] for T = (x_1 + ... + x_n)/(n + k), straight from the second moments
    E[x_i x_j] = mu^2 (i != j) and mu^2 + sigma^2 (i = j), without the bias-variance split."""
    mu = sp.Symbol("mu")
    n, d = int(v.n), v.n + v.k
    second = sum(mu**2 + (v.v if i == j else 0) for i in range(n) for j in range(n))  # E[(sum x_i)^2]
    return sp.expand(second / d**2 - 2 * mu * (n * mu) / d + mu**2)


def _bv_runs_mse(v) -> sp.Expr:
    """stat-bias-variance-9: the average squared error of the four runs shown, from the truth t."""
    runs = [v.t + v.b + v.p, v.t + v.b - v.q, v.t + v.b - v.p, v.t + v.b + v.q]
    return sp.Rational(sum((y - v.t) ** 2 for y in runs), len(runs))


def _ci_sample_size(v) -> sp.Expr:
    """stat-confidence-intervals-9: solve z sigma / sqrt(n) = m for n (positive symbols), then the plain m."""
    n, m = sp.symbols("n m", positive=True)
    found = sp.solve(sp.Eq(v.z * v.s / sp.sqrt(n), m), n)
    assert len(found) == 1
    return found[0].subs(m, sp.Symbol("m"))


def _ci_values_for_width(v) -> sp.Expr:
    """stat-confidence-intervals-10: sigma from the width k u at n values (z = 1.96), then the n for width u."""
    z, n2 = sp.Rational(196, 100), sp.Symbol("n2", positive=True)
    sigma = v.k * v.u * sp.sqrt(v.n) / (2 * z)
    return sp.solve(sp.Eq(2 * z * sigma / sp.sqrt(n2), v.u), n2)[0]


def _ht_coin_z(v) -> sp.Expr:
    """stat-hypothesis-tests-8: the z of h heads in n = 4 k^2 tosses under p_0 = 1/2, simplified by sympy."""
    h, n, p0 = sp.Symbol("h"), 4 * v.k**2, sp.Rational(1, 2)
    return sp.simplify((h / n - p0) / sp.sqrt(p0 * (1 - p0) / n))


def _ht_false_share(v) -> sp.Expr:
    """stat-hypothesis-tests-9: expected false rejections over expected rejections, test by test."""
    alpha, power = sp.Rational(5, 100), sp.Rational(8, 10)
    tests = [alpha] * int(20 * v.a) + [power] * int(5 * v.b)  # each test's chance of rejecting
    return sum(tests[: int(20 * v.a)]) / sum(tests)

COMPUTE = {
    # stat-descriptive
    "stat-descriptive-1": lambda v: mean_of(five_values(v)),
    "stat-descriptive-2": lambda: median([7, 1, 9, 4, 10, 3]),
    "stat-descriptive-3": robust_summary_choice,
    "stat-descriptive-4": lambda: population_var([2, 4, 4, 4, 5, 5, 7, 9]),
    "stat-descriptive-5": sd_after_affine,
    "stat-descriptive-6": lambda: list(sp.Matrix([[1, 2], [3, 0], [5, 4]]).T * sp.ones(3, 1) / 3),
    "stat-descriptive-7": lambda v: sd_from_moments(v.m, v.m**2 + v.s**2),
    "stat-descriptive-8": _desc_combined_mean,
    "stat-descriptive-9": lambda v: _desc_variance_by_n(_desc_four_values(v)),
    # the value shown is k + z s; scaled by the standard deviation, the square root of the variance shown
    "stat-descriptive-10": lambda v: ((v.k + v.z * v.s) - v.k) / sp.sqrt(v.s**2),
    # stat-sampling-estimators
    "stat-sampling-estimators-2": lambda v: v.r * v.k / sp.sqrt(v.k**2),  # sigma = r k, n = k^2
    "stat-sampling-estimators-3": lambda: [sp.Rational(sum([3, 8, 5, 4]), 4), sample_var([3, 8, 5, 4])],
    "stat-sampling-estimators-4": lambda: sp.solve(sp.Eq(1 / sp.sqrt(n_), sp.Rational(1, 2)), n_)[0],
    "stat-sampling-estimators-5": lambda: [50, 10 / sp.sqrt(25)],
    "stat-sampling-estimators-7": lambda: next(
        n for n in range(1, 1000) if 4 / sp.sqrt(n) <= sp.Rational(1, 2)
    ),
    "stat-sampling-estimators-8": _samp_from_numpy_var,
    "stat-sampling-estimators-9": lambda v: _samp_bootstrap_miss(int(v.n)),
    "stat-sampling-estimators-10": _samp_accuracy_se,
    # stat-bias-variance
    "stat-bias-variance-1": biased_estimator_choice,
    "stat-bias-variance-2": lambda v: mean_of(estimates(v)) - v.t,
    "stat-bias-variance-3": lambda: 2**2 + 5,
    "stat-bias-variance-4": lower_mse_choice,
    "stat-bias-variance-5": lambda v: (v.m * v.n) / v.n,  # sigma^2 = m n
    "stat-bias-variance-7": lambda: sp.Rational(5 - 1, 5) * 10 - 10,
    "stat-bias-variance-8": _bv_shrunk_mse,
    "stat-bias-variance-9": _bv_runs_mse,
    # sigma^2 = m n; the estimator dividing by n averages (n - 1)/n sigma^2
    "stat-bias-variance-10": lambda v: sp.Rational(int(v.n) - 1, int(v.n)) * (v.m * v.n) - v.m * v.n,
    # stat-confidence-intervals
    "stat-confidence-intervals-1": lambda v: 2 * (v.r * v.k) / sp.sqrt(v.k**2),  # sigma = r k, n = k^2
    "stat-confidence-intervals-2": wider_choice,
    "stat-confidence-intervals-3": lambda: [50 - 1.96 * 10 / np.sqrt(100), 50 + 1.96 * 10 / np.sqrt(100)],
    "stat-confidence-intervals-5": lambda: NORMAL.inv_cdf(0.95),
    "stat-confidence-intervals-6": lambda: sp.Rational(196, 100) * sp.sqrt(sp.Rational(64, 100) * sp.Rational(36, 100) / 100),
    # the half-width of [12.2, 15.8] equals 1.96 sigma / sqrt(36)
    "stat-confidence-intervals-7": lambda: sp.solve(
        sp.Eq(sp.Rational(196, 100) * sp.Symbol("sigma") / sp.sqrt(36), (sp.Rational(158, 10) - sp.Rational(122, 10)) / 2),
        sp.Symbol("sigma"),
    )[0],
    # sigma = r k, n = k^2, z = 2
    "stat-confidence-intervals-8": lambda v: [
        v.m - 2 * v.r * v.k / sp.sqrt(v.k**2), v.m + 2 * v.r * v.k / sp.sqrt(v.k**2)
    ],
    "stat-confidence-intervals-9": _ci_sample_size,
    "stat-confidence-intervals-10": _ci_values_for_width,
    # stat-hypothesis-tests
    "stat-hypothesis-tests-1": lambda: decision(0.03),
    # mu_0 = 10 h, x-bar = mu_0 + z r, sigma = r k, n = k^2
    "stat-hypothesis-tests-2": lambda v: ((10 * v.h + v.z * v.r) - 10 * v.h) / (v.r * v.k / sp.sqrt(v.k**2)),
    "stat-hypothesis-tests-4": lambda: two_sided_p(2.0),
    "stat-hypothesis-tests-5": lambda: decision(two_sided_p(1.8)),
    "stat-hypothesis-tests-6": lambda: 200 * sp.Rational(5, 100),
    "stat-hypothesis-tests-7": lambda: (sp.Rational(60, 100) - sp.Rational(1, 2))
    / sp.sqrt(sp.Rational(1, 4) / 100),
    "stat-hypothesis-tests-8": _ht_coin_z,
    "stat-hypothesis-tests-9": _ht_false_share,
    # mu_0 = 10 h, sigma = r k, n = k^2: the x-bar where z = 2
    "stat-hypothesis-tests-10": lambda v: sp.solve(
        sp.Eq((sp.Symbol("xbar") - 10 * v.h) / (v.r * v.k / sp.sqrt(v.k**2)), 2), sp.Symbol("xbar")
    )[0],
    # stat-correlation
    "stat-correlation-2": lambda: correlation([1, 2, 3, 4], [10 - 2 * v for v in [1, 2, 3, 4]]),
    "stat-correlation-4": lambda: correlation([1, 2, 3], [1, 3, 2]),
    "stat-correlation-5": lambda v: sp.Rational(v.d, v.a * v.b),
    "stat-correlation-6": correlation_after_transform,
    "stat-correlation-7": lambda: sample_covariance_matrix([[1, 2], [3, 6], [5, 4]]),
    "stat-correlation-8": _corr_var_of_combination,
    "stat-correlation-9": lambda v: sample_covariance_matrix(_corr_points(v))[0][1],
    "stat-correlation-10": _corr_matrix_from_cov,
    # stat-regression
    "stat-regression-1": lambda v: v.a + v.b * (2 * v.h),  # x = 2 h
    "stat-regression-2": lambda: 9 - (2 + sp.Rational(1, 2) * 10),
    "stat-regression-4": lambda: sp.Rational(8, 10) * 10 / 4,
    "stat-regression-5": lambda: (DESIGN.T * DESIGN).tolist(),
    "stat-regression-6": lambda v: ols([1, 2, 3], regression_ys(v)),
    "stat-regression-7": lambda: slope_through_origin([1, 2, 3], [2, 3, 7]),
    "stat-regression-8": _reg_intercept_gradient,
    "stat-regression-9": _reg_line_from_moments,
    "stat-regression-10": _reg_other_residuals,
}

# the numbers a template's question shows, in order (its data is what the computation above used)
SHOWN = {
    "stat-descriptive-1": five_values,
    "stat-descriptive-9": lambda v: [*_desc_four_values(v), 1, 2],  # then the 1 and 2 of 1/n and ^2 in the formula
    "stat-bias-variance-2": lambda v: [v.t, *estimates(v)],
    # then the n - 1 = 3 of the question
    "stat-correlation-9": lambda v: [n for point in _corr_points(v) for n in point] + [1, 3],
    "stat-regression-6": lambda v: [n for xi, yi in zip([1, 2, 3], regression_ys(v), strict=True) for n in (xi, yi)],
}


# ---------------------------------------------------------------- tests


def test_topic_shape():
    assert DATA["id"] == "statistics"
    assert DATA["title"] == "Statistics"
    assert [u["id"] for u in UNITS] == [
        "stat-descriptive", "stat-sampling-estimators", "stat-bias-variance", "stat-confidence-intervals",
        "stat-hypothesis-tests", "stat-correlation", "stat-regression",
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
    assert any(url.startswith("https://seeing-theory.brown.edu/") for url in urls)
    assert any(url.startswith("https://mml-book.github.io/") for url in urls)


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


def test_template_questions_show_the_computed_data():
    assert SHOWN.keys() <= {pid for pid, p in PROMPTS.items() if is_template(p)}
    for pid, shown in SHOWN.items():
        for v, prompt in instances(PROMPTS[pid]):
            numbers = [int(n) for n in re.findall(r"-?\d+", prompt["question"])]
            assert numbers == shown(v), f"{pid} {vars(v)}: {prompt['question']!r}"


def test_templates_are_spread_over_the_units():
    templates = [u["id"] for u in UNITS for p in u["prompts"] if is_template(p)]
    assert len(templates) >= 6 and len(set(templates)) >= 4, templates
    for pid, p in PROMPTS.items():
        if is_template(p):
            assert p["answer"]["kind"] != "self", pid
            assert pid in COMPUTE, pid


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


@pytest.mark.parametrize(("where", "text"), list(_texts()))
def test_formulas_render(where, text):
    assert text.count("$") % 2 == 0, f"{where}: unbalanced $"
    for formula in re.findall(r"\$([^$]+)\$", text):
        render_formula(formula)


def test_exact_values_of_the_decimal_answers():
    """The two interval prompts that ask for decimals store the exact value, with a tolerance of half a unit in the
    last asked place (issue #37: stat-confidence-intervals-6 used to store 0.0941 for 0.09408)."""
    for pid, places in (("stat-confidence-intervals-6", 3), ("stat-confidence-intervals-7", 2)):
        answer = PROMPTS[pid]["answer"]
        assert f"{places} decimal places" in PROMPTS[pid]["question"], pid
        exact = sp.N(COMPUTE[pid](), 30)
        assert abs(sp.N(parse(answer["value"]), 30) - exact) < 1e-12, pid
        assert answer["tolerance"] == 5 * 10 ** -(places + 1), pid
        rounded = round(float(exact), places)
        assert abs(rounded - float(exact)) <= answer["tolerance"], pid


def test_data_prompts_state_the_variance_divisor():
    """A prompt that asks for a variance, standard deviation or covariance of data says which divisor it wants."""
    asks_of_data = [
        "stat-descriptive-4", "stat-descriptive-5", "stat-descriptive-7", "stat-sampling-estimators-3",
        "stat-correlation-7",
    ]
    for pid in asks_of_data:
        question = PROMPTS[pid]["question"]
        assert "dividing by $n$" in question or "divide by $n - 1$" in question or "dividing by $n - 1" in question, pid
    for u in UNITS:
        assert "$n - 1$" in u["summary"] or u["id"] in ("stat-confidence-intervals", "stat-hypothesis-tests"), u["id"]


def test_prompts_stand_alone():
    for pid, p in PROMPTS.items():
        text = p["question"].lower()
        assert not re.search(r"\bagain\b.*(as before|previous)|^again|as before|previous (question|prompt)", text), pid


# The concepts each unit teaches (the shared vocabulary of issue #37), the needs that put every unit that teaches a
# used concept among the prerequisites, and the units of other topics that teach the concepts used here.
TEACHES = {
    "stat-descriptive": ["median", "data-variance", "standard-deviation"],
    "stat-sampling-estimators": ["estimators", "sample-variance", "sampling-distribution", "standard-error", "bootstrap"],
    "stat-bias-variance": ["bias", "mean-squared-error", "bias-variance-tradeoff"],
    "stat-confidence-intervals": ["confidence-intervals"],
    "stat-hypothesis-tests": ["hypothesis-tests", "p-values"],
    "stat-correlation": ["sample-covariance", "correlation", "covariance-matrix"],
    "stat-regression": ["linear-regression", "residuals"],
}
NEEDS = {
    "stat-descriptive": ["alg-sigma"],
    "stat-sampling-estimators": ["stat-descriptive", "prob-expectation-variance"],
    "stat-bias-variance": ["stat-sampling-estimators"],
    "stat-confidence-intervals": ["stat-sampling-estimators", "prob-lln-clt"],
    "stat-hypothesis-tests": ["stat-confidence-intervals"],
    "stat-correlation": ["stat-descriptive", "la-dot-projections"],
    # calc-optimisation: stat-regression-7 and the summary minimise by setting the derivative to zero (critical points)
    "stat-regression": ["stat-correlation", "la-orthogonality", "calc-partials", "calc-optimisation"],
}
EXTERNAL_TEACHER = {
    "expressions": "alg-expressions", "slope": "alg-functions", "sigma-notation": "alg-sigma", "mean": "alg-sigma",
    "vectors": "la-vectors", "vector-length": "la-vectors", "transpose": "la-matmul",
    "matrix-multiplication": "la-matmul", "dot-product": "la-dot-projections", "projection": "la-dot-projections",
    "orthogonality": "la-orthogonality", "least-squares": "la-orthogonality", "normal-equations": "la-orthogonality",
    "derivative": "calc-limits-derivatives",
    "chain-rule": "calc-chain-rule", "partial-derivatives": "calc-partials", "critical-points": "calc-optimisation",
    "complement-rule": "prob-counting", "conditional-probability": "prob-conditional", "cdf": "prob-random-variables",
    "expectation": "prob-expectation-variance", "variance": "prob-expectation-variance",
    "normal-distribution": "prob-distributions", "standardisation": "prob-distributions",
    "central-limit-theorem": "prob-lln-clt",
}


def _all_topics() -> list[dict]:
    return [load_yaml(f.read_text(encoding="utf-8")) for f in sorted(TOPIC_FILE.parent.glob("*.yaml"))]


def _prerequisites() -> dict[str, set[str]]:
    """Every unit's prerequisites in the whole curriculum (the needs of its needs too), by unit id."""
    graph = {u["id"]: list(u.get("needs") or []) for t in _all_topics() for u in t["units"]}
    return {uid: set(found) for uid, found in prerequisites(graph).items()}


def test_concepts_and_needs():
    assert {u["id"]: list(u["needs"]) for u in UNITS} == NEEDS
    assert {u["id"]: list(u["teaches"]) for u in UNITS} == TEACHES
    teacher = {c: uid for uid, cs in TEACHES.items() for c in cs}
    assert len(teacher) == sum(map(len, TEACHES.values()))  # each concept taught once
    assert not teacher.keys() & EXTERNAL_TEACHER.keys()
    before = _prerequisites()
    for u in UNITS:
        keys = list(u)
        assert keys[keys.index("needs") + 1 : keys.index("needs") + 3] == ["teaches", "uses"], u["id"]
        assert len(set(u["uses"])) == len(u["uses"]), u["id"]
        for c in u["uses"]:
            by = teacher.get(c) or EXTERNAL_TEACHER.get(c)
            assert by is not None, f"{u['id']} uses {c!r}, which is not in the vocabulary here"
            assert by != u["id"], f"{u['id']} both teaches and uses {c!r}"
            assert by in before[u["id"]], f"{u['id']} uses {c!r} but {by!r} is not among its prerequisites"
    # the other topics, where they declare what they teach, agree with the teachers assumed here
    declared = {c: u["id"] for t in _all_topics() for u in t["units"] for c in u.get("teaches") or []}
    for c, uid in EXTERNAL_TEACHER.items():
        assert declared.get(c, uid) == uid, f"{c!r} is taught by {declared[c]!r}, not {uid!r}"
    used = {u["id"]: set(u["uses"]) for u in UNITS}
    # the uses the prompts show (not an exhaustive list): each must be declared
    assert {"mean", "sigma-notation"} <= used["stat-descriptive"]
    assert {"expectation", "variance", "data-variance"} <= used["stat-sampling-estimators"]
    assert {"estimators", "standard-error", "sample-variance"} <= used["stat-bias-variance"]
    assert {"standard-error", "central-limit-theorem", "normal-distribution", "cdf"} <= used["stat-confidence-intervals"]
    assert {"standard-error", "standardisation", "conditional-probability"} <= used["stat-hypothesis-tests"]
    assert {"dot-product", "vector-length", "standard-deviation"} <= used["stat-correlation"]
    assert {"critical-points", "chain-rule", "transpose", "least-squares", "correlation"} <= used["stat-regression"]


def _alone(text: str) -> str:
    """The topic file as a curriculum of its own: needs of other topics' units and uses of concepts other topics
    teach are dropped; everything else stays."""
    data = yaml.safe_load(text)
    own = {u["id"] for u in data["units"]}
    taught = {c for u in data["units"] for c in u["teaches"]}
    for u in data["units"]:
        u["needs"] = [n for n in u["needs"] if n in own]
        u["uses"] = [c for c in u["uses"] if c in taught]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _check_alone(tmp_path, text: str):
    from bot.content.loader import check_directory

    (tmp_path / "topics").mkdir()
    (tmp_path / "track.yaml").write_text("title: T\ntopics: [statistics]\nmin_prompts_per_unit: 6\n")
    (tmp_path / "topics" / "statistics.yaml").write_text(text, encoding="utf-8")
    return check_directory(tmp_path)


def test_loader_accepts_the_file(tmp_path):
    catalog, problems = _check_alone(tmp_path, _alone(TOPIC_FILE.read_text(encoding="utf-8")))
    assert problems == []
    assert catalog is not None and len(catalog.units) == 7
    # what was dropped is exactly the cross-topic part
    needed = {need for u in UNITS for need in u["needs"]}
    assert needed - {u["id"] for u in UNITS} == {n for ns in NEEDS.values() for n in ns if not n.startswith("stat-")}


def test_concept_check_fails_on_a_misordered_copy(tmp_path):
    """stat-bias-variance without stat-sampling-estimators among its needs uses estimators no prerequisite teaches."""
    data = yaml.safe_load(_alone(TOPIC_FILE.read_text(encoding="utf-8")))
    unit = next(u for u in data["units"] if u["id"] == "stat-bias-variance")
    unit["needs"] = ["stat-descriptive"]
    catalog, problems = _check_alone(tmp_path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000))
    assert catalog is None
    messages = [p.message for p in problems]
    assert any("'stat-bias-variance' uses concept 'estimators'" in m for m in messages), messages
    assert all("'stat-bias-variance'" in m for m in messages), messages
