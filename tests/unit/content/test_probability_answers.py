"""Independent re-computation of every checkable answer in content/topics/probability.yaml.

Each entry of ``COMPUTE`` recomputes one prompt's answer from the problem's data (by brute-force
enumeration, sympy / sympy.stats, or exact fractions) without reading the YAML answer. A template
prompt (fresh numbers for every attempt) has an entry ``lambda v: ...`` that recomputes the answer
from each drawn instance's parameters ``v`` (``v.n``, ``v.x`` a sympy Matrix); the tests run over
``instances(prompt)``. The tests then compare with the YAML value, check that every listed mistake
is really wrong, that every formula renders with matplotlib mathtext, and that the file loads
cleanly with the project loader.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
import sympy.stats as st
import yaml

from bot.content.loader import check_directory, prerequisites
from bot.content.model import Prompt
from bot.practice.check import validate_prompt
from tests.support import load_yaml
from tests.support.exact import is_zero
from tests.support.mathtext import render_formula
from tests.support.templates import instances, is_template

ROOT = Path(__file__).resolve().parents[3]
TOPIC_FILE = ROOT / "content" / "topics" / "probability.yaml"
DATA = load_yaml(TOPIC_FILE.read_text(encoding="utf-8"))
UNITS = DATA["units"]
PROMPTS: dict[str, dict] = {p["id"]: p for u in UNITS for p in u["prompts"]}

R = sp.Rational
CHECKED_KINDS = {"number", "expression", "vector", "matrix", "set"}
# Choice prompts whose correct option is a matter of definition or concept, not a computation.
CONCEPTUAL_CHOICES = {
    "prob-bayes-2",  # which factor is the prior
    "prob-distributions-3",  # Poisson as the model for counts at a steady rate
    "prob-lln-clt-2",  # statement of the law of large numbers
    "prob-bayesian-inference-2",  # posterior proportional to likelihood times prior
}


def phi(z: float) -> float:
    """Standard normal CDF."""
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def frac(count: int, total: int) -> sp.Rational:
    return R(count, total)


# ---------------------------------------------------------------- problem data helpers

DIE = range(1, 7)
DECK = [(rank, suit) for suit in "SHDC" for rank in range(1, 14)]  # rank 13 = king, 1 = ace
JOINT = {(0, 0): R(4, 10), (0, 1): R(1, 10), (1, 0): R(2, 10), (1, 1): R(3, 10)}
theta = sp.Symbol("theta", positive=True)


def bayes(prior: sp.Expr, like_h: sp.Expr, like_not_h: sp.Expr) -> sp.Expr:
    return like_h * prior / (like_h * prior + like_not_h * (1 - prior))


def total_probability(priors: list[sp.Expr], likelihoods: list[sp.Expr]) -> sp.Expr:
    assert sum(priors) == 1
    return sum(p * q for p, q in zip(priors, likelihoods, strict=True))


def joint_e(f: Callable[[int, int], Any]) -> sp.Expr:
    return sum(f(x, y) * p for (x, y), p in JOINT.items())


def marginal(axis: int, value: int) -> sp.Expr:
    return sum(p for xy, p in JOINT.items() if xy[axis] == value)


def independent_choice(p_a: sp.Expr, p_b: sp.Expr, p_ab: sp.Expr) -> str:
    return "Yes, independent" if sp.simplify(p_a * p_b - p_ab) == 0 else "No, dependent"


def beta_kernel(a: int, b: int) -> sp.Expr:
    return theta ** (a - 1) * (1 - theta) ** (b - 1)


def posterior_kernel(a: int, b: int, heads: int, tails: int) -> sp.Expr:
    return sp.powsimp(beta_kernel(a, b) * theta**heads * (1 - theta) ** tails)


def kernel_mean(kernel: sp.Expr) -> sp.Expr:
    return sp.integrate(theta * kernel, (theta, 0, 1)) / sp.integrate(kernel, (theta, 0, 1))


def kernel_mode(kernel: sp.Expr) -> sp.Expr:
    crit = [c for c in sp.solve(sp.diff(sp.log(kernel), theta), theta) if 0 < c < 1]
    assert len(crit) == 1
    return crit[0]


def kernel_beta_params(kernel: sp.Expr) -> list[sp.Expr]:
    powers = sp.powsimp(kernel).as_powers_dict()
    return [powers[theta] + 1, powers[1 - theta] + 1]


def mle(loglik: sp.Expr, var: sp.Symbol) -> sp.Expr:
    sols = [s for s in sp.solve(sp.diff(loglik, var), var) if s.is_positive]
    assert len(sols) == 1
    return sols[0]


# ---------------------------------------------------------------- unit-by-unit computations


def _counting() -> dict[str, Callable[..., Any]]:
    def heart_or_king() -> sp.Expr:
        return frac(sum(1 for r, s in DECK if s == "H" or r == 13), len(DECK))

    def exactly_two_red() -> sp.Expr:
        balls = ["r"] * 6 + ["b"] * 4
        draws = list(itertools.combinations(range(10), 3))
        return frac(sum(1 for d in draws if [balls[i] for i in d].count("r") == 2), len(draws))

    def shared_weekday() -> sp.Expr:
        days = list(itertools.product(range(7), repeat=4))
        return frac(sum(1 for d in days if len(set(d)) < 4), len(days))

    def at_least_one_six(v: Any) -> sp.Expr:
        rolls = list(itertools.product(DIE, repeat=int(v.n)))
        return frac(sum(1 for r in rolls if 6 in r), len(rolls))

    def committees(v: Any) -> sp.Expr:
        return sp.Integer(len(list(itertools.combinations(range(int(v.n)), int(v.k)))))

    def either_word(v: Any) -> sp.Expr:
        """Emails 0..n-1: the first a contain "free", the b from a - c on contain "win" (c of them both)."""
        free = set(range(int(v.a)))
        win = set(range(int(v.a - v.c), int(v.a - v.c + v.b)))
        assert len(free & win) == v.c and len(free | win) <= v.n
        return frac(len(free | win), int(v.n))

    def first_in_batch(v: Any) -> sp.Expr:
        """C(n - 1, k - 1) / C(n, k) for a symbolic n, simplified; checked against listing batches for n = 7..10."""
        n = sp.Symbol("n", positive=True, integer=True)
        k = int(v.k)
        p = sp.simplify(sp.combsimp(sp.binomial(n - 1, k - 1) / sp.binomial(n, k)))
        for size in range(7, 11):
            batches = list(itertools.combinations(range(size), k))
            assert p.subs(n, size) == frac(sum(1 for s in batches if 0 in s), len(batches))
        return p

    def two_cats(v: Any) -> sp.Expr:
        images = ["cat"] * int(v.r) + ["dog"] * int(v.b)
        batches = list(itertools.combinations(range(len(images)), 3))
        return frac(sum(1 for s in batches if [images[i] for i in s].count("cat") == 2), len(batches))

    return {
        "prob-counting-1": lambda: frac(sum(1 for k in DIE if sp.isprime(k)), 6),
        "prob-counting-2": lambda: frac(sum(1 for a, b in itertools.product(DIE, DIE) if a + b == 7), 36),
        "prob-counting-3": committees,  # template: C(n, k) by listing the committees
        "prob-counting-4": heart_or_king,
        "prob-counting-5": at_least_one_six,  # template: n rolls
        "prob-counting-6": exactly_two_red,
        "prob-counting-7": shared_weekday,
        "prob-counting-8": either_word,  # template: at least one of two words, by sets of emails
        "prob-counting-9": first_in_batch,  # template: a batch of k from n, as an expression in n
        "prob-counting-10": two_cats,  # template: exactly 2 cats in a batch of 3, by listing the batches
    }


def _conditional() -> dict[str, Callable[..., Any]]:
    def six_given_even() -> sp.Expr:
        even = [k for k in DIE if k % 2 == 0]
        return frac(even.count(6), len(even))

    def two_aces() -> sp.Expr:
        pairs = list(itertools.permutations(range(52), 2))
        return frac(sum(1 for i, j in pairs if DECK[i][0] == 1 and DECK[j][0] == 1), len(pairs))

    def all_heads_given_one() -> sp.Expr:
        seqs = [s for s in itertools.product("HT", repeat=3) if "H" in s]
        return frac(sum(1 for s in seqs if s == ("H", "H", "H")), len(seqs))

    def spam_given_flagged(v: Any) -> sp.Expr:
        """The emails as (spam, flagged) pairs; keep the flagged ones and count the spam among them."""
        emails = [(1, 1)] * int(v.a) + [(1, 0)] * int(v.b) + [(0, 1)] * int(v.c) + [(0, 0)] * int(v.d)
        flagged = [e for e in emails if e[1]]
        return frac(sum(spam for spam, _ in flagged), len(flagged))

    def either_alarm(v: Any) -> sp.Expr:
        """1 - P(no alarm), the two sensors independent: from the four joint outcomes."""
        p, q = sp.Symbol("p"), v.b / sp.Integer(10)
        joint = {(x, y): (p if x else 1 - p) * (q if y else 1 - q) for x in (0, 1) for y in (0, 1)}
        return sp.expand(sum(w for (x, y), w in joint.items() if x or y))

    def some_mislabelled(v: Any) -> sp.Expr:
        """Every ordered draw of 3 different examples; the first d are the mislabelled ones."""
        draws = list(itertools.permutations(range(int(v.n)), 3))
        return frac(sum(1 for s in draws if min(s) < v.d), len(draws))

    return {
        "prob-conditional-1": six_given_even,
        # template: P(A) = a/10, P(B) = b/10, P(A and B) = c/10
        "prob-conditional-2": lambda v: (v.c / sp.Integer(10)) / (v.b / sp.Integer(10)),
        "prob-conditional-3": lambda: independent_choice(R(1, 2), R(2, 5), R(1, 5)),
        "prob-conditional-4": lambda: independent_choice(R(3, 10), R(1, 2), 0),
        "prob-conditional-5": two_aces,
        # template: machine A makes a share s/10 with defect rate d_A %, machine B the rest with d_B %
        "prob-conditional-6": lambda v: total_probability(
            [v.s / sp.Integer(10), 1 - v.s / sp.Integer(10)], [v.d_A / sp.Integer(100), v.d_B / sp.Integer(100)]
        ),
        "prob-conditional-7": all_heads_given_one,
        "prob-conditional-8": spam_given_flagged,  # template: a spam filter's counts, the flagged emails kept
        "prob-conditional-9": either_alarm,  # template: P(A or B) for independent A, B, as an expression in p
        "prob-conditional-10": some_mislabelled,  # template: 3 draws without replacement, by listing them
    }


def _bayes() -> dict[str, Callable[..., Any]]:
    def urn_one_given_red(v: Any) -> sp.Expr:
        """Every (urn, ball) pair: the urn by a fair coin, then a ball uniformly from it."""
        urns = {1: ["r"] * int(v.r_1) + ["b"] * int(v.b_1), 2: ["r"] * int(v.r_2) + ["b"] * int(v.b_2)}
        weights = {(u, i): R(1, 2) / len(balls) for u, balls in urns.items() for i in range(len(balls))}
        red = {key: w for key, w in weights.items() if urns[key[0]][key[1]] == "r"}
        return sum(w for key, w in red.items() if key[0] == 1) / sum(red.values())

    def sick_given_positive(v: Any) -> sp.Expr:
        """A population of 10000 people, each (sick, positive) group counted, then the sick share of the positives."""
        sick, healthy = 100 * v.p, 10000 - 100 * v.p
        groups = {(1, 1): sick * v.s / 100, (1, 0): sick * (100 - v.s) / 100,
                  (0, 1): healthy * v.f / 100, (0, 0): healthy * (100 - v.f) / 100}
        assert sum(groups.values()) == 10000
        return groups[1, 1] / (groups[1, 1] + groups[0, 1])

    def naive_bayes_two_words(v: Any) -> sp.Expr:
        """Two updates one after the other, each with likelihoods in the ratio of the word's factor."""
        after_first = bayes(1 / (1 + v.k), v.r * R(1, 10), R(1, 10))
        return bayes(after_first, v.s * R(1, 10), R(1, 10))

    return {
        "prob-bayes-1": lambda: R(9, 10) * R(2, 10) / R(3, 10),
        "prob-bayes-4": urn_one_given_red,  # template
        "prob-bayes-5": lambda: bayes(R(2, 10), R(40, 100), R(5, 100)),
        "prob-bayes-6": lambda: bayes(R(2, 100), R(95, 100), R(10, 100)),
        "prob-bayes-7": lambda: bayes(R(2, 100), R(95, 100) ** 2, R(10, 100) ** 2),
        "prob-bayes-8": sick_given_positive,  # template: prevalence p %, detection s %, false positives f %
        # template: the posterior as a function of the prior p, likelihoods a/10 and b/10
        "prob-bayes-9": lambda v: sp.simplify(bayes(sp.Symbol("p"), v.a / sp.Integer(10), v.b / sp.Integer(10))),
        "prob-bayes-10": naive_bayes_two_words,  # template: prior odds 1 : k, Bayes factors r and s
    }


def _random_variables() -> dict[str, Callable[..., Any]]:
    three = list(itertools.product("HT", repeat=3))
    two = list(itertools.product("HT", repeat=2))

    def max_is_three() -> sp.Expr:
        pairs = list(itertools.product(DIE, DIE))
        return frac(sum(1 for a, b in pairs if max(a, b) == 3), len(pairs))

    def point_probability() -> str:
        x = sp.Symbol("x")
        return f"${sp.integrate(sp.Integer(1), (x, R(1, 2), R(1, 2)))}$"  # the option as shown, in $...$

    def pmf_from_cdf(v: Any) -> list[sp.Expr]:
        """A distribution with these CDF values, by sympy.stats; then its PMF value by value."""
        cdf = {1: v.a / sp.Integer(10), 2: v.b / sp.Integer(10), 3: v.c / sp.Integer(10), 4: sp.Integer(1)}
        density = {k: cdf[k] - cdf.get(k - 1, 0) for k in cdf}
        x = st.FiniteRV("X", density)
        assert all(st.P(x <= k) == cdf[k] for k in cdf)
        return [st.P(sp.Eq(x, k)) for k in cdf]

    def uniform_cdf(v: Any) -> sp.Expr:
        x = sp.Symbol("x")
        return st.cdf(st.Uniform("U", v.a, v.a + v.w))(x).args[1][0]  # the piece for a <= x <= b

    def max_of_rolls(v: Any) -> sp.Expr:
        rolls = list(itertools.product(DIE, repeat=int(v.k)))
        return frac(sum(1 for r in rolls if max(r) == v.m), len(rolls))

    return {
        "prob-random-variables-1": lambda: {sp.Integer(s.count("H")) for s in three},
        "prob-random-variables-2": lambda: frac(sum(1 for s in three if s.count("H") == 2), len(three)),
        # template: P(X = 1) = a/10 and P(X = 2) = b/10 with b = 10 - u - a, as the question shows them
        "prob-random-variables-3": lambda v: 1 - v.a / sp.Integer(10) - (10 - v.u - v.a) / sp.Integer(10),
        "prob-random-variables-4": lambda: frac(sum(1 for s in three if s.count("H") <= 1), len(three)),
        "prob-random-variables-5": lambda: [frac(sum(1 for s in two if s.count("H") == k), 4) for k in range(3)],
        "prob-random-variables-6": point_probability,
        "prob-random-variables-7": max_is_three,
        "prob-random-variables-8": pmf_from_cdf,  # template: CDF values in tenths
        "prob-random-variables-9": uniform_cdf,  # template: uniform on [a, a + w], the CDF inside the interval
        "prob-random-variables-10": max_of_rolls,  # template: the largest of k rolls, by listing the rolls
    }


def _expectation_variance() -> dict[str, Callable[..., Any]]:
    die = st.DiscreteUniform("D", list(DIE))

    def shifted_mean(v: Any) -> sp.Expr:
        x = st.DiscreteUniform("Y", [v.m - 1, v.m + 1])  # any X with E[X] = m
        assert st.E(x) == v.m
        return st.E(v.a * x + v.b)

    def scaled_variance(v: Any) -> sp.Expr:
        x = st.FiniteRV("X", {sp.sqrt(v.v): R(1, 2), -sp.sqrt(v.v): R(1, 2)})  # any X with Var(X) = v
        assert st.variance(x) == v.v
        return sp.simplify(st.variance(v.a * x - v.b))

    def game() -> sp.Expr:
        return sum(R(1, 6) * (12 if k == 6 else 0) for k in DIE) - 5

    def pmf_variance(v: Any) -> sp.Expr:
        probs = [v.u / sp.Integer(10), v.w / sp.Integer(10), (10 - v.u - v.w) / sp.Integer(10)]
        return st.variance(st.FiniteRV("X", dict(zip([0, 1, 2], probs, strict=True))))

    def two_point_variance(v: Any) -> sp.Expr:
        p = sp.Symbol("p")
        return sp.factor(st.variance(st.FiniteRV("X", {v.a: p, v.b: 1 - p})))

    def constant_prediction_error(v: Any) -> sp.Expr:
        y = st.FiniteRV("Y", {v.m - sp.sqrt(v.v): R(1, 2), v.m + sp.sqrt(v.v): R(1, 2)})  # any Y with this mean, variance
        assert st.E(y) == v.m and sp.simplify(st.variance(y) - v.v) == 0
        return sp.simplify(st.E((y - v.c) ** 2))

    return {
        "prob-expectation-variance-1": lambda: st.E(die),
        "prob-expectation-variance-2": lambda: 0 * R(5, 10) + 10 * R(3, 10) + 20 * R(2, 10),
        "prob-expectation-variance-3": shifted_mean,  # template: E[X] = m, find E[aX + b]
        "prob-expectation-variance-4": lambda: st.variance(die),
        "prob-expectation-variance-5": scaled_variance,  # template: Var(X) = v, find Var(aX - b)
        "prob-expectation-variance-6": game,
        "prob-expectation-variance-7": lambda: sp.simplify(st.variance(st.Bernoulli("B", sp.Symbol("p")))),
        "prob-expectation-variance-8": pmf_variance,  # template: the PMF on 0, 1, 2 in tenths
        "prob-expectation-variance-9": two_point_variance,  # template: a with probability p, else b; in p
        "prob-expectation-variance-10": constant_prediction_error,  # template: E[(Y - c)^2] for mean m, variance v
    }


def _distributions() -> dict[str, Callable[..., Any]]:
    def uniform_variance() -> sp.Expr:
        b = sp.Symbol("b", positive=True)
        x = sp.Symbol("x")
        ex = sp.integrate(x / b, (x, 0, b))
        ex2 = sp.integrate(x**2 / b, (x, 0, b))
        return sp.simplify(ex2 - ex**2)

    def normal_tail() -> sp.Expr:
        assert abs((1 - phi((130 - 100) / 15)) - 0.0228) < 5e-4
        return 1 - R("0.9772")

    def normal_interval() -> sp.Expr:
        assert abs(phi((58 - 50) / 4) - phi((46 - 50) / 4) - 0.8185) < 5e-4
        return R("0.9772") - (1 - R("0.8413"))

    def binomial_moments(v: Any) -> list[sp.Expr]:
        binom = st.Binomial("X", int(v.n), v.k / sp.Integer(10))  # p = 0.k
        return [st.E(binom), st.variance(binom)]

    def uniform_strip(v: Any) -> sp.Expr:
        """The area under the density of Uniform(a, a + L) between c and d, by integration."""
        x = st.Uniform("X", v.a, v.a + v.L)
        return st.P(sp.And(x > v.c, x < v.d))

    def binomial_pmf_in_p(v: Any) -> sp.Expr:
        """P(X = k) for Binomial(n, p) with p a symbol: sympy.stats' density, p left free."""
        p = sp.Symbol("p")
        return st.density(st.Binomial("X", int(v.n), p))(int(v.k))

    def normal_between(v: Any) -> sp.Expr:
        """The ends at mu - z_1 sd and mu + z_2 sd, the CDF of N(mu, sd^2) rounded to the table's 4 places."""
        def table(x: float) -> sp.Expr:
            return R(f"{phi((x - float(v.mu)) / float(v.sd)):.4f}")
        return table(float(v.mu + v.z_2 * v.sd)) - table(float(v.mu - v.z_1 * v.sd))

    return {
        # templates: Binomial(n, 1/2) at k; Binomial(n, k/10) mean and variance
        "prob-distributions-1": lambda v: st.P(sp.Eq(st.Binomial("X", int(v.n), R(1, 2)), v.k)),
        "prob-distributions-2": binomial_moments,
        "prob-distributions-4": lambda: st.density(st.Poisson("N", 2))(2),
        "prob-distributions-5": normal_tail,
        "prob-distributions-6": uniform_variance,
        "prob-distributions-7": normal_interval,
        # templates: a uniform strip; the binomial pmf as an expression in p; a normal interval (fresh prob-distributions-7)
        "prob-distributions-8": uniform_strip,
        "prob-distributions-9": binomial_pmf_in_p,
        "prob-distributions-10": normal_between,
    }


def _joint() -> dict[str, Callable[..., Any]]:
    def independence() -> str:
        ok = all(p == marginal(0, x) * marginal(1, y) for (x, y), p in JOINT.items())
        return "Yes, independent" if ok else "No, dependent"

    def cov_from_moments() -> sp.Expr:
        """A concrete pair with E[X] = 2, E[Y] = 3, E[XY] = 10: (0, 1) or (4, 5), each with probability 1/2."""
        pair = {(0, 1): R(1, 2), (4, 5): R(1, 2)}
        ex = sum(x * p for (x, _), p in pair.items())
        ey = sum(y * p for (_, y), p in pair.items())
        assert (ex, ey, sum(x * y * p for (x, y), p in pair.items())) == (2, 3, 10)
        return sum((x - ex) * (y - ey) * p for (x, y), p in pair.items())  # the centred definition

    def var_of_difference() -> sp.Expr:
        """The distribution of X - Y from the joint table, then its variance about its own mean."""
        dist: dict[int, sp.Expr] = {}
        for (x, y), p in JOINT.items():
            dist[x - y] = dist.get(x - y, 0) + p
        mean = sum(d * p for d, p in dist.items())
        return sum((d - mean) ** 2 * p for d, p in dist.items())

    def var_of_sum() -> sp.Expr:
        sigma = sp.Matrix([[4, -2], [-2, 9]])
        ones = sp.Matrix([1, 1])
        return (ones.T * sigma * ones)[0, 0]

    def cov_of_table(v: Any) -> sp.Expr:
        """The centred definition E[(X - E[X])(Y - E[Y])] over the drawn table (probabilities in tenths)."""
        table = {(1, 1): v.p_11, (1, 0): v.p_10, (0, 1): v.p_01}
        table[(0, 0)] = 10 - sum(table.values())
        probs = {xy: n / sp.Integer(10) for xy, n in table.items()}
        ex = sum(x * p for (x, _), p in probs.items())
        ey = sum(y * p for (_, y), p in probs.items())
        return sum((x - ex) * (y - ey) * p for (x, y), p in probs.items())

    def var_of_mix(v: Any) -> sp.Expr:
        """Var(X + tY) as the quadratic form w^T Sigma w with w = (1, t)."""
        t = sp.Symbol("t")
        sigma = sp.Matrix([[v.v_X, v.c], [v.c, v.v_Y]])
        w = sp.Matrix([1, t])
        return sp.expand((w.T * sigma * w)[0, 0])

    def cov_sum_difference(v: Any) -> sp.Expr:
        """Cov(a^T Z, b^T Z) = a^T Sigma b for Z = (X, Y), a = (1, 1), b = (1, -1)."""
        sigma = sp.Matrix([[v.v_X, v.c], [v.c, v.v_Y]])
        return (sp.Matrix([[1, 1]]) * sigma * sp.Matrix([1, -1]))[0, 0]

    return {
        "prob-joint-covariance-1": lambda: [marginal(1, 0), marginal(1, 1)],
        "prob-joint-covariance-2": cov_from_moments,
        "prob-joint-covariance-3": independence,
        "prob-joint-covariance-4": lambda: joint_e(lambda x, y: x * y)
        - joint_e(lambda x, y: x) * joint_e(lambda x, y: y),
        "prob-joint-covariance-5": var_of_sum,
        "prob-joint-covariance-6": var_of_difference,
        # templates: covariance from a drawn table (fresh prob-joint-covariance-4); Var(X + tY) in t; Cov(X + Y, X - Y)
        "prob-joint-covariance-8": cov_of_table,
        "prob-joint-covariance-9": var_of_mix,
        "prob-joint-covariance-10": cov_sum_difference,
    }


def _lln_clt() -> dict[str, Callable[..., Any]]:
    def var_of_mean(v: Any) -> sp.Expr:
        n, s2 = int(v.n), v.r * v.n  # the question shows sigma^2 = r*n and n
        # each draw is +-sigma with probability 1/2 (variance sigma^2): average over all 2^n outcomes
        outcomes = list(itertools.product((-1, 1), repeat=n))
        means = [sp.sqrt(s2) * R(sum(signs), n) for signs in outcomes]
        return sp.expand(sum(m**2 for m in means) / len(outcomes) - (sum(means) / len(outcomes)) ** 2)

    def var_of_sum() -> sp.Expr:
        return 100 * st.variance(st.DiscreteUniform("D", list(DIE)))

    def total_tail() -> sp.Expr:
        """25 independent bags (mean 20, sd 2): the total's mean and variance add up, then the CLT tail above 510."""
        bag = st.FiniteRV("W", {18: R(1, 2), 22: R(1, 2)})  # any bag weight with mean 20 and variance 4
        assert st.E(bag) == 20 and st.variance(bag) == 4
        mean, var = 25 * st.E(bag), 25 * st.variance(bag)
        z = (510 - mean) / sp.sqrt(var)
        assert z == 1 and abs(1 - phi(float(z)) - 0.1587) < 5e-4
        return 1 - R("0.8413")

    def mean_tail() -> sp.Expr:
        z = (5.3 - 5) / (2 / math.sqrt(100))
        assert abs(z - 1.5) < 1e-12 and abs(1 - phi(z) - 0.0668) < 5e-4
        return 1 - R("0.9332")

    def coin_tail() -> sp.Expr:
        heads = st.Binomial("H", 400, R(1, 2))
        z = (220 - st.E(heads)) / sp.sqrt(st.variance(heads))
        assert z == 2 and abs(1 - phi(float(z)) - 0.0228) < 5e-4
        return 1 - R("0.9772")

    def se_of_fraction() -> sp.Expr:
        p, n = sp.symbols("p n", positive=True)
        return sp.sqrt(st.variance(st.Bernoulli("B", p)) / n)

    def test_set_size(v: Any) -> sp.Expr:
        """The smallest n whose standard error sigma/sqrt(n) is at most the target: a search over n, not a formula."""
        sigma = v.w * v.r
        n = 1
        while sigma / sp.sqrt(n) > v.w:
            n += 1
        return sp.Integer(n)

    def z_of_sum(v: Any) -> sp.Expr:
        """The mean and variance of one draw (any draw m +- sd), scaled to n draws by linearity and independence."""
        s, n = sp.symbols("s n", positive=True)
        draw = st.FiniteRV("D", {v.m - v.sd: R(1, 2), v.m + v.sd: R(1, 2)})
        return (s - n * st.E(draw)) / sp.sqrt(n * st.variance(draw))

    def coin_within(v: Any) -> sp.Expr:
        """Binomial(4k^2, 1/2) moments from sympy.stats, then the normal CDF rounded to the table's 4 places."""
        heads = st.Binomial("H", int(4 * v.k**2), R(1, 2))
        mean, sd = st.E(heads), sp.sqrt(st.variance(heads))
        lo, hi = 2 * v.k**2 - v.z * v.k, 2 * v.k**2 + v.z * v.k

        def table(x: sp.Expr) -> sp.Expr:
            return R(f"{phi(float((x - mean) / sd)):.4f}")
        return table(hi) - table(lo)

    return {
        "prob-lln-clt-1": var_of_mean,  # template
        "prob-lln-clt-3": total_tail,
        "prob-lln-clt-4": var_of_sum,
        "prob-lln-clt-5": mean_tail,
        "prob-lln-clt-6": coin_tail,
        "prob-lln-clt-7": se_of_fraction,
        # templates: test-set size for a target standard error; z-score of a sum in s and n; heads within z sd
        "prob-lln-clt-8": test_set_size,
        "prob-lln-clt-9": z_of_sum,
        "prob-lln-clt-10": coin_within,
    }


def _mle() -> dict[str, Callable[..., Any]]:
    p = sp.Symbol("p", positive=True)

    def poisson_mle(v: Any) -> sp.Expr:
        lam = sp.Symbol("lambda", positive=True)
        data = [*v.x, 0, 5 * v.l - sum(v.x)]  # the five counts as the question shows them
        assert all(x >= 0 for x in data)
        loglik = sum(sp.log(st.density(st.Poisson("N", lam))(x)) for x in data)
        return mle(sp.expand_log(loglik, force=True), lam)

    def cross_entropy() -> str:
        q, y = sp.symbols("q y", positive=True)
        nll = -sp.log(q**y * (1 - q) ** (1 - y))
        assert sp.simplify(sp.expand_log(nll, force=True) + (y * sp.log(q) + (1 - y) * sp.log(1 - q))) == 0
        return "Cross-entropy (log loss)"

    def normal_var_mle() -> sp.Expr:
        data = [1, 3, 5, 7]
        mu = sp.Rational(sum(data), len(data))
        s2 = sp.Symbol("s2", positive=True)
        loglik = sum(-sp.log(2 * sp.pi * s2) / 2 - (x - mu) ** 2 / (2 * s2) for x in data)
        return mle(loglik, s2)

    def exponential_rate() -> sp.Expr:
        lam = sp.Symbol("lambda", positive=True)
        times = [R(2), R(1, 2), R(3, 2), R(4)]  # minutes, as the question shows them
        x = sp.Symbol("x", nonnegative=True)
        density = st.density(st.Exponential("T", lam))(x)
        loglik = sum(sp.log(density.subs(x, t)) for t in times)
        rate = mle(sp.expand_log(loglik, force=True), lam)
        assert sp.diff(loglik, lam, 2).subs(lam, rate) < 0  # a maximum
        return rate

    def poisson_score(v: Any) -> sp.Expr:
        """The derivative of the summed log-pmf of sympy.stats' Poisson at the drawn counts."""
        lam = sp.Symbol("lambda", positive=True)
        loglik = sum(sp.log(st.density(st.Poisson("N", lam))(int(x))) for x in v.x)
        return sp.simplify(sp.diff(sp.expand_log(loglik, force=True), lam))

    def normal_mle_pair(v: Any) -> list[sp.Expr]:
        """Both partial derivatives of the normal log-likelihood set to 0 and solved together."""
        data = [v.m - v.a, v.m + v.b, v.m + v.a, v.m - v.b]
        mu, s2 = sp.Symbol("mu"), sp.Symbol("s2", positive=True)
        loglik = sum(-sp.log(2 * sp.pi * s2) / 2 - (x - mu) ** 2 / (2 * s2) for x in data)
        sols = sp.solve([sp.diff(loglik, mu), sp.diff(loglik, s2)], [mu, s2], dict=True)
        assert len(sols) == 1
        return [sols[0][mu], sols[0][s2]]

    def exponential_rate_drawn(v: Any) -> sp.Expr:
        lam = sp.Symbol("lambda", positive=True)
        x = sp.Symbol("x", nonnegative=True)
        density = st.density(st.Exponential("T", lam))(x)
        loglik = sum(sp.log(density.subs(x, t)) for t in v.x)
        rate = mle(sp.expand_log(loglik, force=True), lam)
        assert sp.diff(loglik, lam, 2).subs(lam, rate) < 0  # a maximum
        return rate

    return {
        "prob-mle-1": lambda v: mle(v.h * sp.log(p) + (v.n - v.h) * sp.log(1 - p), p),  # template
        "prob-mle-2": lambda: sp.Mul(*[p if f == "H" else 1 - p for f in "HHT"]),
        "prob-mle-3": poisson_mle,  # template
        "prob-mle-4": lambda: sp.diff(7 * sp.log(p) + 3 * sp.log(1 - p), p),
        "prob-mle-5": cross_entropy,
        "prob-mle-6": normal_var_mle,
        "prob-mle-7": exponential_rate,
        # templates: the Poisson score in lambda; [mu, sigma^2] (fresh prob-mle-6); an exponential rate (fresh prob-mle-7)
        "prob-mle-8": poisson_score,
        "prob-mle-9": normal_mle_pair,
        "prob-mle-10": exponential_rate_drawn,
    }


def _bayesian_inference() -> dict[str, Callable[..., Any]]:
    def rule_of_succession() -> sp.Expr:
        k, n = sp.symbols("k n", positive=True)
        a, b = k + 1, n - k + 1  # posterior Beta(a, b) after a flat prior
        ratio = sp.beta(a + 1, b) / sp.beta(a, b)  # E[theta] = B(a+1, b) / B(a, b)
        return sp.gammasimp(sp.expand_func(ratio))

    def log_posterior_slope(v: Any) -> sp.Expr:
        """d/dtheta of the logarithm of prior kernel times likelihood."""
        kernel = posterior_kernel(int(v.a), int(v.b), int(v.h), int(v.t))
        return sp.simplify(sp.diff(sp.expand_log(sp.log(kernel), force=True), theta))

    def two_day_update(v: Any) -> list[sp.Expr]:
        """Monday's posterior kernel times Tuesday's likelihood, its Beta parameters read off the powers."""
        monday = posterior_kernel(int(v.a), int(v.b), int(v.h_1), int(v.t_1))
        tuesday = sp.powsimp(monday * theta ** int(v.h_2) * (1 - theta) ** int(v.t_2))
        return kernel_beta_params(tuesday)

    return {
        "prob-bayesian-inference-1": lambda: bayes(R(1, 2), R(3, 4), R(1, 2)),
        # templates: h heads and t tails after a Beta(1, 1) prior, and after a Beta(s, s) prior
        "prob-bayesian-inference-3": lambda v: kernel_beta_params(posterior_kernel(1, 1, int(v.h), int(v.t))),
        "prob-bayesian-inference-4": lambda v: kernel_mean(posterior_kernel(int(v.s), int(v.s), int(v.h), int(v.t))),
        "prob-bayesian-inference-5": lambda: kernel_mode(posterior_kernel(2, 2, 3, 1)),
        "prob-bayesian-inference-6": lambda: bayes(R(1, 2), R(3, 4) ** 2, R(1, 2) ** 2),
        "prob-bayesian-inference-7": rule_of_succession,
        # templates: the MAP with any Beta prior (fresh prob-bayesian-inference-5); the log-posterior's slope in theta;
        # two days of updates
        "prob-bayesian-inference-8": lambda v: kernel_mode(posterior_kernel(int(v.a), int(v.b), int(v.h), int(v.t))),
        "prob-bayesian-inference-9": log_posterior_slope,
        "prob-bayesian-inference-10": two_day_update,
    }


COMPUTE: dict[str, Callable[..., Any]] = {
    **_counting(),
    **_conditional(),
    **_bayes(),
    **_random_variables(),
    **_expectation_variance(),
    **_distributions(),
    **_joint(),
    **_lln_clt(),
    **_mle(),
    **_bayesian_inference(),
}


# ---------------------------------------------------------------- parsing YAML values


def parse_scalar(text: str, names: tuple[str, ...] = ()) -> sp.Expr:
    text = text.strip()
    try:
        return sp.Rational(text)  # exact for "3/8", "0.032", "-3"
    except (TypeError, ValueError):
        pass
    local = {n: sp.Symbol(n) for n in names}
    if "lambda" in names:  # a Python keyword: sympify cannot read it, so read it under another name
        text, local["lamda_"] = re.sub(r"\blambda\b", "lamda_", text), sp.Symbol("lambda")
    return sp.sympify(text.replace("^", "**"), locals=local)


def parse_value(answer: dict, text: str) -> Any:
    kind = answer["kind"]
    names = tuple(answer.get("vars", ()))
    if kind in ("number", "expression"):
        return parse_scalar(text, names)
    if kind == "vector":
        return [parse_scalar(t) for t in text.strip().strip("[]").split(",")]
    if kind == "matrix":
        return sp.Matrix(sp.sympify(text.replace("^", "**")))
    if kind == "set":
        return {parse_scalar(t) for t in text.strip().strip("{}").split(",")}
    raise AssertionError(kind)


def plain_symbols(expr: sp.Expr) -> sp.Expr:
    """Replace symbols carrying assumptions by plain symbols of the same name."""
    return expr.subs({s: sp.Symbol(s.name) for s in expr.free_symbols})


def same(answer: dict, got: Any, want: Any) -> bool:
    kind = answer["kind"]
    tol = answer.get("tolerance")
    if kind == "number":
        if tol is not None:
            return abs(float(got) - float(want)) <= tol
        return is_zero(sp.nsimplify(got) - sp.nsimplify(want))
    if kind == "expression":
        a, b = plain_symbols(sp.sympify(got)), plain_symbols(sp.sympify(want))
        if is_zero(a - b):
            return True
        rng = random.Random(0)
        names = sorted({s.name for s in a.free_symbols | b.free_symbols})
        for _ in range(5):  # numeric fallback, at points inside every domain used here (0 < p < 1, n > k)
            point = {sp.Symbol(n): sp.Rational(rng.randint(1, 9), 10) for n in names}
            if "n" in names:
                point[sp.Symbol("n")] = sp.Integer(rng.randint(11, 30))
            if abs(complex(sp.N((a - b).subs(point)))) > 1e-9:
                return False
        return True
    if kind == "vector":
        return len(got) == len(want) and all(is_zero(x - y) for x, y in zip(got, want, strict=True))
    if kind == "matrix":
        return sp.Matrix(got).shape == sp.Matrix(want).shape and sp.simplify(sp.Matrix(got) - sp.Matrix(want)).is_zero_matrix
    if kind == "set":
        return {sp.nsimplify(x) for x in got} == {sp.nsimplify(x) for x in want}
    raise AssertionError(kind)


# ---------------------------------------------------------------- tests


def checkable_ids() -> list[str]:
    out = []
    for pid, p in PROMPTS.items():
        kind = p["answer"]["kind"]
        if kind in CHECKED_KINDS or (kind == "choice" and pid not in CONCEPTUAL_CHOICES):
            out.append(pid)
    return out


def test_every_checkable_prompt_has_a_computation() -> None:
    missing = sorted(set(checkable_ids()) - set(COMPUTE))
    extra = sorted(set(COMPUTE) - set(checkable_ids()))
    assert not missing, f"prompts without an independent computation: {missing}"
    assert not extra, f"computations for unknown or unchecked prompts: {extra}"
    assert CONCEPTUAL_CHOICES <= {pid for pid, p in PROMPTS.items() if p["answer"]["kind"] == "choice"}


@pytest.mark.parametrize("pid", sorted(COMPUTE))
def test_answer_is_recomputed(pid: str) -> None:
    for v, prompt in instances(PROMPTS[pid]):  # a template: each instance, from its own parameters
        answer = prompt["answer"]
        computed = COMPUTE[pid](v) if is_template(PROMPTS[pid]) else COMPUTE[pid]()
        where = f"{pid} {vars(v)}" if vars(v) else pid
        if answer["kind"] == "choice":
            assert computed in answer["options"], f"{where}: computed option {computed!r} is not offered"
            assert answer["value"] == computed, f"{where}: YAML {answer['value']!r}, computed {computed!r}"
            continue
        given = parse_value(answer, answer["value"])
        assert same(answer, given, computed), f"{where}: YAML {answer['value']!r}, computed {computed}"


def _rounded_decimal_matches(mistake: str, value: sp.Expr) -> bool:
    """The checker accepts a decimal with >= 2 places that is the exact value correctly rounded."""
    m = re.fullmatch(r"-?\d+\.(\d+)", mistake.strip())
    if not m or len(m.group(1)) < 2:
        return False
    places = len(m.group(1))
    return Fraction(mistake) == round(Fraction(str(sp.nsimplify(value))), places)


@pytest.mark.parametrize("pid", sorted(p for p in PROMPTS if PROMPTS[p]["answer"]["kind"] in CHECKED_KINDS))
def test_mistakes_differ_from_answer(pid: str) -> None:
    for v, prompt in instances(PROMPTS[pid]):  # a template: in every instance
        where = f"{pid} {vars(v)}" if vars(v) else pid
        answer = prompt["answer"]
        mistakes = prompt.get("mistakes", [])
        assert 2 <= len(mistakes) <= 4, f"{where}: give 2-4 plausible wrong answers"
        value = parse_value(answer, answer["value"])
        for m in mistakes:
            wrong = parse_value(answer, m["answer"])
            assert not same(answer, wrong, value), f"{where}: mistake {m['answer']!r} equals the answer"
            if answer["kind"] == "number" and answer.get("tolerance") is None:
                assert not _rounded_decimal_matches(m["answer"], value), f"{where}: {m['answer']!r} rounds to the answer"
            assert m.get("hint"), f"{where}: mistake {m['answer']!r} needs a hint"


@pytest.mark.parametrize(
    "pid", sorted(p for p in PROMPTS if PROMPTS[p]["answer"]["kind"] in ("number", "choice"))
)
def test_checker_accepts_answer_and_rejects_mistakes(pid: str) -> None:
    for v, prompt in instances(PROMPTS[pid]):  # a template: every instance as the learner sees it
        assert validate_prompt(Prompt.model_validate(prompt)) == [], f"{pid} {vars(v)}"


def test_rule_of_succession_by_integration() -> None:
    """prob-bayesian-inference-7, checked case by case with explicit integrals."""
    answer = PROMPTS["prob-bayesian-inference-7"]["answer"]
    expr = parse_value(answer, answer["value"])
    k, n = sp.Symbol("k"), sp.Symbol("n")
    for total in range(1, 6):
        for heads in range(total + 1):
            exact = kernel_mean(posterior_kernel(1, 1, heads, total - heads))
            assert expr.subs({k: heads, n: total}) == exact


# ---------------------------------------------------------------- formulas and structure

MATH = re.compile(r"\$(.+?)\$", re.S)


def texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [("description", DATA.get("description", ""))]
    for u in UNITS:
        out += [(u["id"] + ".summary", u["summary"]), (u["id"] + ".why_ml", u["why_ml"])]
        for k, p in ((k, drawn) for t in u["prompts"] for k, (_, drawn) in enumerate(instances(t, 3))):
            pid = p["id"] + (f"#{k}" if k else "")  # a template: three of its instances
            out.append((pid + ".question", p["question"]))
            out.append((pid + ".solution", p["solution"]))
            out += [(pid + ".hint", h) for h in p["hints"]]
            out += [(pid + ".mistake", m.get("hint", "")) for m in p.get("mistakes", [])]
            out += [(pid + ".option", o) for o in p["answer"].get("options", [])]
    return out


@pytest.mark.parametrize("where,text", texts(), ids=[w for w, _ in texts()])
def test_formulas_render(where: str, text: str) -> None:
    assert text.count("$") % 2 == 0, f"{where}: unbalanced $ (write 'dollars' for money)"
    for latex in MATH.findall(text):
        for banned in ("\\begin", "\\text", "\\dfrac", "\\tfrac", "\\binom", "\\operatorname"):
            assert banned not in latex, f"{where}: {banned} is not supported by mathtext"
        render_formula(latex)


EXPECTED_UNITS = [
    "prob-counting", "prob-conditional", "prob-bayes", "prob-random-variables",
    "prob-expectation-variance", "prob-distributions", "prob-joint-covariance", "prob-lln-clt",
    "prob-mle", "prob-bayesian-inference",
]


def test_structure() -> None:
    assert DATA["id"] == "probability" and DATA["title"] == "Probability"
    assert DATA["why"] == "to make decisions under uncertainty"
    assert [u["id"] for u in UNITS] == EXPECTED_UNITS
    assert {u["id"]: list(u.get("needs", [])) for u in UNITS} == NEEDS
    daily = total = selfs = 0
    for u in UNITS:
        prompts = u["prompts"]
        assert len(prompts) >= 7, u["id"]
        assert [p["id"] for p in prompts] == [f"{u['id']}-{i}" for i in range(1, len(prompts) + 1)]
        levels = [p["difficulty"] for p in prompts]
        # the first seven climb 1 → 3; prompts added later come last (ids are permanent) at any level
        assert levels[:7] == sorted(levels[:7]) and levels[0] == 1 and levels[6] == 3 and set(levels) <= {1, 2, 3}, u["id"]
        unit_selfs = sum(p["answer"]["kind"] == "self" for p in prompts)
        assert unit_selfs <= 1, u["id"]
        selfs += unit_selfs
        daily += sum(bool(p.get("daily")) for p in prompts)
        total += len(prompts)
    assert 0.2 <= daily / total <= 0.4
    assert selfs / total <= 0.15
    urls = {r["url"] for u in UNITS for r in u["resources"]}
    assert "https://seeing-theory.brown.edu/basic-probability/index.html" in urls
    assert "https://mml-book.github.io" in urls
    assert "https://www.youtube.com/watch?v=HZGCoVF3YvM" in urls
    assert "https://www.youtube.com/watch?v=zeJD6dqJ5lo" in urls


# The concepts each unit teaches (the shared vocabulary of issue #37) and the needs that put every concept a unit
# uses among its prerequisites: stat-descriptive before expectation (standard deviation, the data variance),
# stat-sampling-estimators before the CLT (the standard error) and before the MLE (estimators, the sample variance),
# alg-exponents-logs before counting ($6^n$ sequences of rolls).
TEACHES = {
    "prob-counting": ["sample-spaces", "permutations", "combinations", "complement-rule", "inclusion-exclusion"],
    "prob-conditional": ["conditional-probability", "probability-product-rule", "total-probability", "independence"],
    "prob-bayes": ["bayes-theorem", "bayes-odds"],
    "prob-random-variables": ["random-variables", "pmf", "cdf", "pdf"],
    "prob-expectation-variance": ["expectation", "variance"],
    "prob-distributions": [
        "bernoulli", "binomial", "poisson", "uniform-distribution", "normal-distribution", "standardisation",
    ],
    "prob-joint-covariance": ["joint-distributions", "marginal-distributions", "covariance", "variance-of-sums"],
    "prob-lln-clt": ["law-of-large-numbers", "central-limit-theorem"],
    "prob-mle": ["likelihood", "maximum-likelihood"],
    "prob-bayesian-inference": ["bayesian-inference", "beta-distribution", "conjugate-priors", "map-estimate"],
}
NEEDS = {
    "prob-counting": ["alg-sigma", "alg-exponents-logs"],
    "prob-conditional": ["prob-counting"],
    "prob-bayes": ["prob-conditional"],
    "prob-random-variables": ["prob-conditional"],
    "prob-expectation-variance": ["prob-random-variables", "stat-descriptive"],
    "prob-distributions": ["prob-expectation-variance", "calc-integrals"],
    "prob-joint-covariance": ["prob-expectation-variance"],
    "prob-lln-clt": ["prob-distributions", "prob-joint-covariance", "stat-sampling-estimators"],
    "prob-mle": ["prob-distributions", "calc-optimisation", "stat-sampling-estimators"],
    "prob-bayesian-inference": ["prob-bayes", "prob-mle"],
}
# The concepts of other topics that units here use, with the unit (of that topic) that teaches them: check-content
# holds each to be taught by a prerequisite across the whole curriculum; here they must be in the vocabulary.
TAUGHT_ELSEWHERE = {
    "functions": "alg-functions", "expressions": "alg-expressions", "linear-equations": "alg-expressions",
    "exponents": "alg-exponents-logs", "logarithms": "alg-exponents-logs", "exponential-functions": "alg-exponents-logs",
    "sigma-notation": "alg-sigma", "product-notation": "alg-sigma", "mean": "alg-sigma",
    "derivative": "calc-limits-derivatives", "power-rule": "calc-diff-rules", "exp-log-derivatives": "calc-diff-rules",
    "chain-rule": "calc-chain-rule", "integrals": "calc-integrals", "fundamental-theorem": "calc-integrals",
    "second-derivative": "calc-taylor", "critical-points": "calc-optimisation",
    "data-variance": "stat-descriptive", "standard-deviation": "stat-descriptive",
    "estimators": "stat-sampling-estimators", "sample-variance": "stat-sampling-estimators",
    "sampling-distribution": "stat-sampling-estimators", "standard-error": "stat-sampling-estimators",
}
TAUGHT_HERE = {c for cs in TEACHES.values() for c in cs}


def _before(uid: str) -> set[str]:
    """The unit's prerequisites in this file, direct and indirect."""
    return set(prerequisites(NEEDS)[uid]) & NEEDS.keys()


def test_concepts_and_needs() -> None:
    assert {u["id"]: list(u["teaches"]) for u in UNITS} == TEACHES
    teacher = {c: uid for uid, cs in TEACHES.items() for c in cs}
    assert len(teacher) == sum(map(len, TEACHES.values()))  # each concept taught once
    assert not TAUGHT_HERE & set(TAUGHT_ELSEWHERE)
    for u in UNITS:
        keys = list(u)
        assert keys[keys.index("needs") + 1 : keys.index("needs") + 3] == ["teaches", "uses"], u["id"]
        assert len(set(u["uses"])) == len(u["uses"]), u["id"]
        for c in u["uses"]:
            if c in teacher:  # taught in this file: by a prerequisite in this file
                assert teacher[c] in _before(u["id"]), f"{u['id']} uses {c!r} before {teacher[c]!r} teaches it"
            else:
                assert c in TAUGHT_ELSEWHERE, f"{u['id']} uses {c!r}, which is not in the vocabulary"
    used = {u["id"]: set(u["uses"]) for u in UNITS}
    # the uses the prompts show (not an exhaustive list): each must be declared
    assert {"conditional-probability", "total-probability", "independence"} <= used["prob-bayes"]
    assert {"combinations", "integrals", "exponential-functions", "standard-deviation"} <= used["prob-distributions"]
    assert {"expectation", "variance", "independence"} <= used["prob-joint-covariance"]
    assert {"standard-error", "variance-of-sums", "normal-distribution", "standardisation"} <= used["prob-lln-clt"]
    assert {"logarithms", "exp-log-derivatives", "chain-rule", "poisson", "sample-variance"} <= used["prob-mle"]
    assert {"bayes-theorem", "likelihood", "maximum-likelihood", "expectation"} <= used["prob-bayesian-inference"]
    # correlation and covariance matrices are the statistics topic's (stat-correlation); no unit here uses them
    assert not any({"correlation", "covariance-matrix"} & cs for cs in used.values())


STUB_UNIT = """
  - id: {uid}
    title: Stub {uid}
    minutes: 10
    teaches: [stub-{uid}]
    summary: A stand-in for a unit of another topic.
    why_ml: Only here so the loader can resolve prerequisites.
    resources:
      - title: Stub
        url: https://example.org/stub
    prompts:
"""
STUB_PROMPT = """      - id: {uid}-{i}
        question: What is 1 + 1?
        answer: {{kind: number, value: "2"}}
        hints: [Add.]
        solution: It is 2.
"""


def _alone(tmp_path: Path, text: str) -> Path:
    """The topic with a stub unit for each prerequisite of another topic, and without the uses of concepts other
    topics teach (the stubs teach only placeholders; check-content checks those uses across the curriculum)."""
    data = load_yaml(text)
    for unit in data["units"]:
        unit["uses"] = [c for c in unit["uses"] if c in TAUGHT_HERE]
    external = sorted({n for u in data["units"] for n in u.get("needs", [])} - set(EXPECTED_UNITS))
    (tmp_path / "topics").mkdir()
    (tmp_path / "track.yaml").write_text("title: T\ntopics: [stubs, probability]\nmin_prompts_per_unit: 6\n")
    stub = "id: stubs\ntitle: Stubs\nunits:\n" + "".join(
        STUB_UNIT.format(uid=uid) + "".join(STUB_PROMPT.format(uid=uid, i=i) for i in range(6)) for uid in external
    )
    (tmp_path / "topics" / "stubs.yaml").write_text(stub)
    (tmp_path / "topics" / "probability.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return tmp_path


def test_loads_with_project_loader(tmp_path: Path) -> None:
    catalog, problems = check_directory(_alone(tmp_path, TOPIC_FILE.read_text(encoding="utf-8")))
    assert problems == [], "\n".join(map(str, problems))
    assert catalog is not None and len(catalog.units_of("probability")) == 10
    # the concepts taught here are still checked: every in-file use survived the stripping
    assert sum(len(u.uses) for u in catalog.units_of("probability")) == sum(
        len([c for c in u["uses"] if c in TAUGHT_HERE]) for u in UNITS
    ) > 0


def test_concept_check_fails_on_a_misordered_copy(tmp_path: Path) -> None:
    """prob-lln-clt without prob-joint-covariance among its needs adds variances that no prerequisite taught."""
    text = TOPIC_FILE.read_text(encoding="utf-8")
    before = "needs: [prob-distributions, prob-joint-covariance, stat-sampling-estimators]"
    assert text.count(before) == 1
    misordered = text.replace(before, "needs: [prob-distributions, stat-sampling-estimators]")
    catalog, problems = check_directory(_alone(tmp_path, misordered))
    assert catalog is None
    messages = [p.message for p in problems]
    assert any(
        "'prob-lln-clt' uses concept 'variance-of-sums', taught by 'prob-joint-covariance', which is not among" in m
        for m in messages
    ), messages
    assert all("prob-lln-clt" in m for m in messages), messages
