"""Independent recomputation of every answer of ml-monte-carlo (content/topics/ml.yaml).

The Monte Carlo estimates are recomputed from the drawn samples by other routes than the YAML's formulas (the mean
of the squares as variance plus squared mean, the integral as a sum of rectangles), and the standard-error answers
by searching for the sample size or comparing the two standard errors symbolically. Every density the unit derives
by the change-of-variables formula is recomputed here by the CDF method instead: write down
$F_Y(y) = P(g(X) \\leq y)$ with sympy and differentiate it; probabilities are integrals of densities, checked
against ``scipy.stats``. The 2-D log-density of ml-monte-carlo-12 is computed as that of the Gaussian
$N(\\mathbf{0}, AA^T)$, exactly with sympy and in floating point with ``scipy.stats.multivariate_normal``, never
with $|\\det A|$. The inverse-transform choice is decided by sampling every option and running a
Kolmogorov-Smirnov test against the exponential distribution.
"""

from __future__ import annotations

import re

import numpy as np
import sympy as sp
from scipy import stats

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-monte-carlo"
TEACHES = ["monte-carlo-estimation", "change-of-variables", "inverse-transform-sampling", "reparameterisation-trick"]
NEEDS = ["prob-lln-clt", "prob-distributions", "calc-integrals", "calc-chain-rule", "calc-jacobian-hessian",
         "la-determinants"]

R = sp.Rational
Y_POS = sp.Symbol("y", positive=True)  # where the densities live; answers use the plain symbols of the checker
Z_REAL = sp.Symbol("z", real=True)


def plain(expr: sp.Expr) -> sp.Expr:
    """The expression in the assumption-free symbols that ``checks.parse`` reads from the YAML."""
    return expr.subs({Y_POS: sp.Symbol("y"), Z_REAL: sp.Symbol("z")})


def std_normal_cdf(t: sp.Expr) -> sp.Expr:
    return (1 + sp.erf(t / sp.sqrt(2))) / 2


# ---------------------------------------------------------------- Monte Carlo estimates


def mean_of_squares(v) -> sp.Expr:
    """ml-monte-carlo-1: the mean of x_i^2 as the (population) variance of the samples plus their squared mean."""
    xs = [R(v.a), R(v.b), R(v.c), R(v.d)]
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / len(xs)
    assert abs(float(var) - np.var([float(x) for x in xs])) < 1e-9
    return var + mean**2


def integral_estimate(v) -> sp.Expr:
    """ml-monte-carlo-2: each of the 4 uniform points stands for a rectangle of width (b - a)/4 and height u^2."""
    a, b = R(v.a), R(v.a + v.L)
    points = [v.u_1, v.u_2, v.u_3, v.u_4]
    assert len(set(points)) == 4 and all(a < u < b for u in points)
    return sum((b - a) / len(points) * R(u) ** 2 for u in points)


def error_divisor(v) -> sp.Expr:
    """ml-monte-carlo-3: the ratio of the two standard errors sigma/sqrt(n), for any sigma."""
    sigma = sp.Symbol("sigma", positive=True)
    before, after = sigma / sp.sqrt(R(v.n)), sigma / sp.sqrt(R(v.k**2 * v.n))
    return sp.simplify(before / after)


def samples_needed(v) -> int:
    """ml-monte-carlo-5: the smallest n with s / sqrt(n) <= 0.k, found by search from the exact bound."""
    target = R(v.k, 10)
    n = 1
    while R(v.s) ** 2 / n > target**2:
        n *= 2
    low, high = n // 2, n  # s^2/low > target^2 >= s^2/high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if R(v.s) ** 2 / mid > target**2 else (low, mid)
    assert R(v.s) / sp.sqrt(high) == target  # the target is reached exactly, as the question says
    return high


# ---------------------------------------------------------------- densities by the CDF method


def linear_density_at_point(v) -> sp.Expr:
    """ml-monte-carlo-4: F_Y(y) = P(b - cX <= y) = P(X >= (b - y)/c) for X uniform on [0, 1]; its derivative."""
    y = sp.Symbol("y", real=True)
    x_low = (v.b - y) / v.c
    cdf = 1 - x_low  # valid while x_low lies in [0, 1]
    point = R(v.b - v.t)
    assert 0 < x_low.subs(y, point) < 1
    return sp.diff(cdf, y).subs(y, point)


def reparameterised_density(v) -> sp.Expr:
    """ml-monte-carlo-7: F_Z(z) = P(m + s eps <= z) = Phi((z - m)/s), differentiated; checked against scipy."""
    density = sp.diff(std_normal_cdf((Z_REAL - v.m) / v.s), Z_REAL)
    for z0 in (-3.5, 0.0, 1.25, float(v.m)):
        assert abs(float(density.subs(Z_REAL, z0)) - stats.norm(float(v.m), float(v.s)).pdf(z0)) < 1e-12
    return plain(sp.simplify(density))


def square_density(v) -> sp.Expr:
    """ml-monte-carlo-8: F_Y(y) = P(X <= sqrt(y)) = sqrt(y)/c for X uniform on [0, c]."""
    density = sp.diff(sp.sqrt(Y_POS) / v.c, Y_POS)
    assert sp.integrate(density, (Y_POS, 0, v.c**2)) == 1
    return plain(density)


def exponential_density(v) -> sp.Expr:
    """ml-monte-carlo-9: F_Y(y) = P(-ln(U)/r <= y) = P(U >= e^{-ry}) = 1 - e^{-ry}."""
    density = sp.diff(1 - sp.exp(-v.r * Y_POS), Y_POS)
    assert abs(float(density.subs(Y_POS, 0.7)) - stats.expon(scale=1 / float(v.r)).pdf(0.7)) < 1e-12
    return plain(density)


def exponential_probability(v) -> sp.Expr:
    """ml-monte-carlo-10: the integral of the rate-r exponential density from 0 to ln k; scipy's CDF agrees."""
    t = sp.Symbol("t", positive=True)
    value = sp.nsimplify(sp.simplify(sp.integrate(v.r * sp.exp(-v.r * t), (t, 0, sp.log(v.k)))))
    assert abs(float(value) - stats.expon(scale=1 / float(v.r)).cdf(np.log(float(v.k)))) < 1e-12
    return value


def lognormal_density(v) -> sp.Expr:
    """ml-monte-carlo-11: F_Y(y) = P(e^X <= y) = Phi(ln y - m); checked against scipy's log-normal."""
    density = sp.diff(std_normal_cdf(sp.log(Y_POS) - v.m), Y_POS)
    for y0 in (0.3, 1.0, 4.5):
        want = stats.lognorm(s=1.0, scale=np.exp(float(v.m))).pdf(y0)
        assert abs(float(density.subs(Y_POS, y0)) - want) < 1e-12
    return plain(sp.simplify(density))


def flow_log_density(v) -> sp.Expr:
    """ml-monte-carlo-12: y = A x with x standard normal is N(0, A A^T); its log-density at the shown y."""
    a = sp.Matrix([[v.a, v.b], [0, v.d]])
    x = sp.Matrix([v.p, v.q])
    y = a * x
    cov = a * a.T
    exact = -(y.T * cov.inv() * y)[0, 0] / 2 - sp.log(2 * sp.pi) - sp.log(cov.det()) / 2
    yf = np.array([float(t) for t in y])
    covf = np.array(cov.tolist(), dtype=float)
    assert abs(float(exact) - stats.multivariate_normal(mean=[0.0, 0.0], cov=covf).logpdf(yf)) < 1e-9
    return exact


# ---------------------------------------------------------------- the inverse-transform choice, by sampling

OPTION_SAMPLERS = {
    r"$-\ln(U)/\lambda$": lambda u, lam: -np.log(u) / lam,
    r"$-\lambda \ln U$": lambda u, lam: -lam * np.log(u),
    r"$e^{-\lambda U}$": lambda u, lam: np.exp(-lam * u),
    r"$\ln(U)/\lambda$": lambda u, lam: np.log(u) / lam,
}


def exponential_sampler() -> str:
    """ml-monte-carlo-6: draw 20 000 uniforms, transform them by each option with lambda = 2 and keep the options
    that pass a Kolmogorov-Smirnov test against Exponential(rate 2); exactly one must."""
    options = prompts(UNIT)[f"{UNIT}-6"]["answer"]["options"]
    assert set(options) == set(OPTION_SAMPLERS)
    u = np.random.default_rng(39).uniform(size=20_000)
    passing = [o for o in options
               if stats.kstest(OPTION_SAMPLERS[o](u, 2.0), stats.expon(scale=0.5).cdf).pvalue > 1e-3]
    assert len(passing) == 1, passing
    return passing[0]


COMPUTE = {
    f"{UNIT}-1": mean_of_squares,
    f"{UNIT}-2": integral_estimate,
    f"{UNIT}-3": error_divisor,
    f"{UNIT}-4": linear_density_at_point,
    f"{UNIT}-5": samples_needed,
    f"{UNIT}-6": exponential_sampler,
    f"{UNIT}-7": reparameterised_density,
    f"{UNIT}-8": square_density,
    f"{UNIT}-9": exponential_density,
    f"{UNIT}-10": exponential_probability,
    f"{UNIT}-11": lognormal_density,
    f"{UNIT}-12": flow_log_density,
}


def _gaussian_exponent_numbers(m: int) -> list:
    """The numbers LaTeX shows in e^{-(x - m)^2/2}: m (unless 0, when the bracket goes), the square, the 2."""
    return ([abs(m)] if m else []) + [2, 2]


SHOWN = {
    f"{UNIT}-1": lambda v: [2, 4, v.a, v.b, v.c, v.d, 2],
    f"{UNIT}-2": lambda v: [v.a, v.a + v.L, 2, 4, v.a, v.a + v.L, v.u_1, v.u_2, v.u_3, v.u_4],
    f"{UNIT}-3": lambda v: [v.n, v.k**2 * v.n],
    f"{UNIT}-4": lambda v: [0, 1, 1, v.b, v.c, v.b - v.t],
    f"{UNIT}-5": lambda v: [v.s, R(v.k, 10)],
    f"{UNIT}-7": lambda v: [v.m, v.s, 0, 1, 1, 2, 2, 2, 2, 2],
    f"{UNIT}-8": lambda v: [0, v.c, 1, v.c, 2, 0, v.c**2],
    f"{UNIT}-9": lambda v: [0, 1, 1, v.r, 0],
    f"{UNIT}-10": lambda v: [0, 1, v.r, v.k],
    f"{UNIT}-11": lambda v: [v.m, 1, 1, 2, *_gaussian_exponent_numbers(int(v.m)), 0, 2, 2],
    f"{UNIT}-12": lambda v: [1, 2, 1, 2, 1, 2, 2, 2, 2, v.a, v.b, 0, v.d, v.a * v.p + v.b * v.q, v.d * v.q, 3],
}


# ---------------------------------------------------------------- numbers quoted in solutions


def test_exact_integral_quoted_in_the_estimate_solution():
    """ml-monte-carlo-2 compares the estimate with the exact integral of x^2 over [a, b]."""
    x = sp.Symbol("x")
    for v, p in instances(UNIT, f"{UNIT}-2"):
        exact = sp.integrate(x**2, (x, v.a, v.a + v.L))
        assert f"The exact value is ${sp.latex(exact)}$" in " ".join(p["solution"].split()) or (
            f"The exact value is ${sp.latex(exact).replace(' ', '')}$" in " ".join(p["solution"].split())
        ), (vars(v), p["solution"])


def test_square_of_the_mean_quoted_in_solution_1():
    """ml-monte-carlo-1 quotes the square of the sample mean, which must be smaller than the estimate."""
    for v, p in instances(UNIT, f"{UNIT}-1"):
        square = (R(v.a + v.b + v.c + v.d, 4)) ** 2
        assert square < mean_of_squares(v)
        text = " ".join(p["solution"].split())
        assert re.search(r"The square of the sample mean, \$([^$]+)\$", text), text


def test_monte_carlo_estimates_converge_as_one_over_root_n():
    """The unit's claim: the error of a Monte Carlo mean is about sigma/sqrt(n), so 100 times the samples gives one
    more digit. Checked on the integral of x^2 over [0, 1] (sigma of U^2 is sqrt(4/45))."""
    rng = np.random.default_rng(7)
    sigma = np.sqrt(4 / 45)
    for n in (100, 10_000):
        estimates = rng.uniform(size=(400, n)) ** 2
        spread = estimates.mean(axis=1).std()
        assert abs(spread / (sigma / np.sqrt(n)) - 1) < 0.15, (n, spread)
