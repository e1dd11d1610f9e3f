"""Independent recomputation of every answer of ml-softmax-cross-entropy (content/topics/ml.yaml): softmax,
log-sum-exp, one-hot targets and the cross-entropy loss with its gradient p - y.

Every answer is recomputed from the problem's data by another route than the YAML's formula: the loss and the
gradients by differentiating the definition -ln(softmax(z)_true) with sympy, the log-sum-exp of huge logits
in exact sympy arithmetic and checked against mpmath at 50 digits, the decimal loss with numpy, the one-hot
vector as a row of the identity matrix, and the shift-invariant option by comparing softmax outputs.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)

UNIT = "ml-softmax-cross-entropy"
TEACHES = ["softmax", "log-sum-exp", "one-hot-encoding", "cross-entropy-loss"]
NEEDS = ["ml-entropy-kl", "calc-backprop", "prob-mle"]


def softmax_np(z) -> np.ndarray:
    """Softmax of small logits in floating point, straight from the definition."""
    ez = np.exp(np.asarray(z, dtype=float))
    return ez / ez.sum()


def loss_exact(z, true: int):
    """-ln softmax(z)[true] (true counts from 0) in exact sympy arithmetic, straight from the definition."""
    return -sp.log(sp.exp(z[true]) / sum(sp.exp(x) for x in z))


def loss_checked(z, true: int):
    """The exact loss, checked against a 50-digit mpmath evaluation of the same definition (huge logits too)."""
    exact = loss_exact(z, true)
    with mpmath.workdps(50):
        numeric = -mpmath.log(mpmath.exp(z[true]) / sum(mpmath.exp(x) for x in z))
        assert abs(mpmath.mpf(str(sp.N(exact, 60))) - numeric) < mpmath.mpf(10) ** -40
    return exact


def lse_checked(z):
    """ln(sum of e^{z_i}) computed exactly and checked against mpmath, which has no overflow."""
    exact = sp.log(sum(sp.exp(x) for x in z))
    with mpmath.workdps(50):
        numeric = mpmath.log(sum(mpmath.exp(x) for x in z))
        assert abs(mpmath.mpf(str(sp.N(exact, 60))) - numeric) < mpmath.mpf(10) ** -40
    return exact


def gradient_at(z_values, true: int) -> sp.Matrix:
    """dL/dz for L = -ln softmax(z)[true], by symbolic differentiation, evaluated at z_values."""
    zs = sp.symbols(f"z0:{len(z_values)}")
    loss = -sp.log(sp.exp(zs[true]) / sum(sp.exp(x) for x in zs))
    at = dict(zip(zs, z_values, strict=True))
    return sp.Matrix([sp.nsimplify(sp.simplify(sp.diff(loss, x).subs(at))) for x in zs])


def same_softmax_option(v) -> str:
    """The option whose softmax equals that of z = [a, b, c], found by computing all four softmaxes."""
    z = [v.a, v.b, v.c]
    options = [
        [v.k * v.a, v.k * v.b, v.k * v.c],
        [v.a + v.s, v.b + v.s, v.c + v.s],
        [v.c, v.b, v.a],
        [v.a + v.s, v.b, v.c],
    ]
    same = [o for o in options if np.allclose(softmax_np(o), softmax_np(z), rtol=0, atol=1e-12)]
    assert len(same) == 1, (z, options)
    return "$[" + ", ".join(str(int(x)) for x in same[0]) + "]$"


def one_hot(d: int) -> sp.Matrix:
    return sp.Matrix(np.eye(10, dtype=int)[int(d)].tolist())


def sum_of_gradient_entries():
    """The entries of dL/dz for four classes and a symbolic true class 2, added and simplified."""
    zs = sp.symbols("z0:4")
    loss = -sp.log(sp.exp(zs[1]) / sum(sp.exp(x) for x in zs))
    return sp.simplify(sum(sp.diff(loss, x) for x in zs))


def sigmoid_argument(a, b) -> int:
    """The d with sigma(d) = softmax([a, b])[0]: invert the sigmoid numerically and round."""
    p1 = softmax_np([a, b])[0]
    d = np.log(p1 / (1 - p1))
    assert abs(d - round(d)) < 1e-9
    return int(round(d))


def two_class_derivative():
    z1, z2 = sp.symbols("z_1 z_2")
    loss = -sp.log(sp.exp(z1) / (sp.exp(z1) + sp.exp(z2)))
    return sp.diff(loss, z1)


COMPUTE = {
    f"{UNIT}-1": lambda v: 1 / (1 + sp.exp(v.b - v.a) + sp.exp(v.c - v.a)),
    f"{UNIT}-2": lambda v: one_hot(v.d),
    f"{UNIT}-3": same_softmax_option,
    f"{UNIT}-4": lambda v: loss_exact([sp.log(sp.Rational(1, v.n)), sp.log(1 - sp.Rational(1, v.n))], 0),
    f"{UNIT}-5": lambda v: lse_checked([v.M + v.a, v.M + v.b, v.M + v.c]),
    f"{UNIT}-6": lambda v: float(-np.log(softmax_np([int(v.a), int(v.b), int(v.c)])[1])),
    f"{UNIT}-7": lambda v: gradient_at([sp.log(sp.Rational(x, 10)) for x in (v.u, v.v, 10 - v.u - v.v)], 2),
    f"{UNIT}-8": sum_of_gradient_entries,
    f"{UNIT}-9": lambda v: sigmoid_argument(int(v.a), int(v.b)),
    f"{UNIT}-10": lambda v: gradient_at([sp.log(v.a), sp.log(v.b), sp.log(v.c)], int(v.t) - 1),
    f"{UNIT}-11": two_class_derivative,
    f"{UNIT}-12": lambda v: loss_checked([v.M + v.a, v.M + v.b, v.M + v.c], 2),
}

SHOWN = {
    f"{UNIT}-1": lambda v: [v.a, v.b, v.c, 3],
    f"{UNIT}-2": lambda v: [10, 0, 9, v.d, 10, 0, 1, *[0] * 9],
    f"{UNIT}-3": lambda v: [v.a, v.b, v.c, v.s, v.s, v.k],
    f"{UNIT}-4": lambda v: [1, v.n],
    f"{UNIT}-5": lambda v: [v.M + v.a, v.M + v.b, v.M + v.c, v.M],
    f"{UNIT}-6": lambda v: [v.a, v.b, v.c, 2, 3],
    f"{UNIT}-7": lambda v: [sp.Rational(v.u, 10), sp.Rational(v.v, 10), sp.Rational(10 - v.u - v.v, 10), 3],
    f"{UNIT}-10": lambda v: [v.a, v.b, v.c, v.t],
    f"{UNIT}-12": lambda v: [v.M + v.a, v.M + v.b, v.M + v.c, 3, v.M],
}
