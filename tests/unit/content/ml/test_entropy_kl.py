"""Independent recomputation of every answer of ml-entropy-kl (content/topics/ml.yaml).

Entropy, cross-entropy and KL divergence are computed from their definitions over the distributions each question
describes (built here from the drawn parameters, never from the YAML's ``let`` values), exactly with sympy, and
each exact value is cross-checked against ``scipy.stats.entropy``, which computes H(p) and D_KL(p || q) in floating
point. The smallest binary cross-entropy of ml-entropy-kl-12 is found by numerical minimisation over q, not by the
identity H(p, q) = H(p) + KL that the prompt teaches.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar
from scipy.stats import entropy as scipy_entropy

from tests.unit.content.ml.checks import *  # noqa: F403
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-entropy-kl"
TEACHES = ["entropy", "cross-entropy", "kl-divergence"]
NEEDS = ["prob-expectation-variance", "prob-mle"]

R = sp.Rational
BITS, NATS = 2, None  # the base of the logarithm: log_2 or ln


def _log(x: sp.Expr, base: int | None) -> sp.Expr:
    return sp.log(x) if base is None else sp.log(x, base)


def _floats(p: list) -> list[float]:
    assert sum(p) == 1 and all(x >= 0 for x in p), p
    return [float(x) for x in p]


def entropy(p: list, base: int | None) -> sp.Expr:
    """H(p) = -sum p log p, with 0 log 0 = 0."""
    value = -sum(x * _log(x, base) for x in p if x != 0)
    assert abs(float(value) - scipy_entropy(_floats(p), base=base)) < 1e-9
    return value


def kl(p: list, q: list, base: int | None) -> sp.Expr:
    """D_KL(p || q) = sum p log(p / q)."""
    value = sum(x * _log(x / y, base) for x, y in zip(p, q, strict=True) if x != 0)
    assert abs(float(value) - scipy_entropy(_floats(p), _floats(q), base=base)) < 1e-9
    return value


def cross_entropy(p: list, q: list, base: int | None) -> sp.Expr:
    """H(p, q) = -sum p log q, checked against scipy's H(p) + D_KL(p || q)."""
    value = -sum(x * _log(y, base) for x, y in zip(p, q, strict=True) if x != 0)
    pf, qf = _floats(p), _floats(q)
    assert abs(float(value) - scipy_entropy(pf, base=base) - scipy_entropy(pf, qf, base=base)) < 1e-9
    return value


def bernoulli(p: sp.Expr) -> list:
    return [p, 1 - p]


def nats_per_bit() -> sp.Expr:
    """The conversion factor from the change of base, ln x / log_2 x (any x > 1)."""
    return sp.log(7) / sp.log(7, 2)


@functools.cache
def uniform_entropy_in_nats(outcomes: int) -> sp.Expr:
    """ml-entropy-kl-3: a distribution of h bits is the uniform one on 2^h outcomes; its entropy in nats."""
    return entropy([R(1, outcomes)] * outcomes, NATS)


def largest_entropy_option() -> str:
    """ml-entropy-kl-4: read the four distributions off the options themselves and pick the largest entropy."""
    options = prompts(UNIT)["ml-entropy-kl-4"]["answer"]["options"]
    dists = {o: [sp.Rational(x) for x in o.strip("$()").split(",")] for o in options}
    return max(dists, key=lambda o: float(entropy(dists[o], BITS)))


def group_entropy(v) -> sp.Expr:
    """ml-entropy-kl-5: n_1 values of probability 1/2^a and, to make the total 1, the rest of 1/2^b."""
    n_1, a, b = int(v.n_1), int(v.a), int(v.b)
    rest = 1 - R(n_1, 2**a)
    n_2 = rest * 2**b
    assert n_2.is_integer and n_2 >= 2
    return entropy([R(1, 2**a)] * n_1 + [R(1, 2**b)] * int(n_2), BITS)


def best_constant_loss(v) -> sp.Expr:
    """ml-entropy-kl-12: the mean binary cross-entropy of a constant prediction q, minimised numerically over q;
    the exact value returned is the label entropy, which must agree with that minimum."""
    p = R(v.k, v.n)
    labels = [1] * int(v.k) + [0] * int(v.n - v.k)

    def mean_loss(q: float) -> float:
        return float(np.mean([-(y * np.log(q) + (1 - y) * np.log(1 - q)) for y in labels]))

    best = minimize_scalar(mean_loss, bounds=(1e-6, 1 - 1e-6), method="bounded",
                           options={"xatol": 1e-10})
    exact = entropy(bernoulli(p), NATS)
    assert abs(best.fun - float(exact)) < 1e-7 and abs(best.x - float(p)) < 1e-4
    return exact


COMPUTE = {
    "ml-entropy-kl-1": lambda v: entropy([R(1, 2**v.k)] * 2**int(v.k), BITS),
    "ml-entropy-kl-2": lambda: entropy([R(1, 2), R(1, 4), R(1, 8), R(1, 8)], BITS),
    "ml-entropy-kl-3": lambda v: uniform_entropy_in_nats(2**int(v.h)),
    "ml-entropy-kl-4": largest_entropy_option,
    "ml-entropy-kl-5": group_entropy,
    "ml-entropy-kl-6": lambda v: cross_entropy([0, 1, 0], [R(v.a, 10), R(v.b, 10), R(10 - v.a - v.b, 10)], NATS),
    "ml-entropy-kl-7": lambda v: cross_entropy([R(v.a, 10), R(v.b, 10), R(v.c, 10), R(10 - v.a - v.b - v.c, 10)],
                                               [R(1, 2), R(1, 4), R(1, 8), R(1, 8)], BITS),
    # the mean over the batch of each image's one-hot cross-entropy
    "ml-entropy-kl-8": lambda v: sum(cross_entropy([1, 0], [R(1, 2**t), 1 - R(1, 2**t)], NATS)
                                     for t in (v.a, v.b, v.c, v.d)) / 4,
    # KL is what H(p, q) exceeds H(p) by: taken in nats (H(p) converted), then converted to bits
    "ml-entropy-kl-10": lambda v: (v.c - v.h * nats_per_bit()) / nats_per_bit(),
    "ml-entropy-kl-11": lambda v: [kl(bernoulli(R(v.k, 10)), bernoulli(R(v.m, 10)), NATS),
                                   kl(bernoulli(R(v.m, 10)), bernoulli(R(v.k, 10)), NATS)],
    "ml-entropy-kl-12": best_constant_loss,
}

SHOWN = {
    "ml-entropy-kl-1": lambda v: [2**v.k, 2],
    "ml-entropy-kl-3": lambda v: [v.h, 2, 3],
    "ml-entropy-kl-5": lambda v: [v.n_1 + (1 - R(v.n_1, 2**v.a)) * 2**v.b, v.n_1, 1, 2**v.a,
                                  (1 - R(v.n_1, 2**v.a)) * 2**v.b, 1, 2**v.b],
    "ml-entropy-kl-6": lambda v: [R(v.a, 10), R(v.b, 10), R(10 - v.a - v.b, 10), 1, 0, 3],
    "ml-entropy-kl-7": lambda v: [R(v.a, 10), R(v.b, 10), R(v.c, 10), R(10 - v.a - v.b - v.c, 10),
                                  1, 2, 1, 4, 1, 8, 1, 8, 2],
    "ml-entropy-kl-8": lambda v: [4, 1, 2**v.a, 1, 2**v.b, 1, 2**v.c, 1, 2**v.d, 3],
    "ml-entropy-kl-10": lambda v: [v.h, v.c, 3],
    "ml-entropy-kl-11": lambda v: [R(v.k, 10), R(v.k, 10), R(v.m, 10), 3],
    "ml-entropy-kl-12": lambda v: [v.k, v.n, 1, 0, 1, 1, 1, 1, 3],
}


def _approx(text: str) -> list[str]:
    """The decimals a solution quotes after an approximately-equal sign."""
    return re.findall(r"\\approx (\d+\.\d+)", text)


def test_decimals_in_template_solutions_are_the_rounded_values():
    """ml-entropy-kl-11 and -12 show their results to 3 places (0.{@R@}): those are the values, rounded."""
    for pid in ("ml-entropy-kl-11", "ml-entropy-kl-12"):
        for v, prompt in instances(UNIT, pid):
            computed = COMPUTE[pid](v)
            values = computed if isinstance(computed, list) else [computed]
            shown = _approx(prompt["solution"])
            assert shown == [f"{float(x):.3f}" for x in values], (pid, vars(v), shown)


def test_decimals_in_fixed_solutions():
    """The numbers the fixed prompts' solutions quote, recomputed."""
    text = {pid: " ".join(p["solution"].split()) for pid, p in prompts(UNIT).items()}
    assert f"that is {float(COMPUTE['ml-entropy-kl-2']()):.2f} bits" in text["ml-entropy-kl-2"]
    assert f"has {float(entropy([R(1, 2), R(1, 4), R(1, 8), R(1, 8)], BITS)):.2f} bits" in text["ml-entropy-kl-4"]
    assert f"about {float(entropy([R(2, 5), R(1, 5), R(1, 5), R(1, 5)], BITS)):.2f} bits" in text["ml-entropy-kl-4"]
    forward = kl(bernoulli(R(1, 2)), bernoulli(R(1, 10)), NATS)
    backward = kl(bernoulli(R(1, 10)), bernoulli(R(1, 2)), NATS)
    assert f"about {float(forward):.3f} and {float(backward):.3f} nats" in text["ml-entropy-kl-9"]
    # the conversion factors quoted in the summary, hints and solutions
    assert f"{float(sp.log(2)):.3f}" == "0.693" and f"{float(1 / sp.log(2)):.3f}" == "1.443"
