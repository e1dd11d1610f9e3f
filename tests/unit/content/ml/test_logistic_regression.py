"""Independent recomputation of every answer of ml-logistic-regression (content/topics/ml.yaml): the sigmoid and
the log-odds, the log-loss, its gradient and one gradient-descent step, the decision boundary, the convexity of
the loss and two-class softmax as logistic regression.

Every answer is recomputed from the problem's data by another route than the YAML's formulas: probabilities
as e^z / (1 + e^z) and checked against scipy's expit, the loss as minus the log of the Bernoulli likelihood
p^y (1 - p)^(1 - y), gradients, the update and the second derivative by differentiating the loss with sympy
(the update checked against a numpy finite-difference step), the logit and the boundaries with sympy's solve,
and the logistic regression behind a two-class softmax read off the softmax's log-odds at three points.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.special import expit

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-logistic-regression"
TEACHES = ["logistic-regression", "log-odds", "log-loss", "decision-boundary"]
NEEDS = ["ml-softmax-cross-entropy", "ml-matrix-calculus", "ml-optimisers", "stat-regression"]

w1, w2, bb, zz, yy, pp, ww, x1, x2 = sp.symbols("w1 w2 bb z y p w x_1 x_2")


def sigmoid(t):
    """sigma(t) written as e^t / (1 + e^t), not as the YAML's 1 / (1 + e^-t)."""
    return sp.exp(t) / (1 + sp.exp(t))


def log_loss(p, y):
    """Minus the log of the Bernoulli likelihood p^y (1 - p)^(1 - y) of the label y."""
    return -sp.log(p**y * (1 - p) ** (1 - y))


def log_loss_z(z, y):
    """The loss of a score z with label y, built from the Bernoulli likelihood (y is a symbol or 0/1)."""
    return -(y * sp.log(sigmoid(z)) + (1 - y) * sp.log(1 - sigmoid(z)))


# ---------------------------------------------------------------- the problems, rebuilt from the parameters


def probability(v):
    """ml-logistic-regression-1: the bias the question shows is z - w.x; recompute z = w.x + b and sigma(z)."""
    b = v.z - (v.w.T * v.x)[0, 0]
    z = (v.w.T * v.x)[0, 0] + b
    p = sigmoid(z)
    assert abs(float(p) - expit(float(z))) < 1e-12
    return p


def odds_and_log_odds(v) -> sp.Matrix:
    """ml-logistic-regression-2: odds and log-odds of p = a/10; sigma of the log-odds gives p back."""
    p = sp.Rational(v.a, 10)
    odds = p / (1 - p)
    logit = sp.log(odds)
    assert sp.simplify(sigmoid(logit) - p) == 0
    return sp.Matrix([odds, logit])


def loss_of_example(v):
    """ml-logistic-regression-3: the log-loss of p = a/10 with label y, from the Bernoulli likelihood."""
    loss = log_loss(sp.Rational(v.a, 10), int(v.y))
    assert loss.is_positive
    return loss


def parameters_giving(p) -> dict:
    """Parameters (w1, w2, b) = (0, 0, logit p): the model gives every example the probability p."""
    return {w1: 0, w2: 0, bb: sp.log(p / (1 - p))}


def gradient_of_example(v) -> sp.Matrix:
    """ml-logistic-regression-5: differentiate the loss of sigma(w1 x1 + w2 x2 + b) in (w1, w2, b), evaluated at
    parameters that give the example the probability p = a/10."""
    p = sp.Rational(v.a, 10)
    loss = log_loss_z(w1 * v.x_1 + w2 * v.x_2 + bb, int(v.y))
    at = parameters_giving(p)
    assert sp.simplify(sigmoid(bb).subs(at) - p) == 0
    return sp.Matrix([sp.nsimplify(sp.simplify(sp.diff(loss, t).subs(at))) for t in (w1, w2, bb)])


def direction_of_update() -> str:
    """ml-logistic-regression-4: y = 1, p = 0.3, x1 = 2; a small numerical gradient step moves w1 which way?"""
    x = 2.0
    w = np.log(0.3 / 0.7) / x  # w1 x1 = logit 0.3 (other features and the bias 0)

    def loss(weight: float) -> float:
        return float(-np.log(expit(weight * x)))

    h, eta = 1e-6, 0.01
    grad = (loss(w + h) - loss(w - h)) / (2 * h)
    assert abs(grad - (0.3 - 1) * 2) < 1e-6
    change = -eta * grad
    return "$w_1$ increases" if change > 0 else "$w_1$ decreases"


def logit_expression():
    """ml-logistic-regression-6: solve p = sigma(z) for z."""
    z = sp.Symbol("z", real=True)
    p = sp.Symbol("p", positive=True)
    (solution,) = sp.solve(sp.Eq(p, 1 / (1 + sp.exp(-z))), z)
    return solution.subs(p, pp)


def loss_derivative_in_z():
    """ml-logistic-regression-7: d/dz of the Bernoulli log-loss of sigma(z), y symbolic."""
    return sp.simplify(sp.diff(log_loss_z(zz, yy), zz))


def one_step(v) -> sp.Matrix:
    """ml-logistic-regression-8: gradient of the loss in (w1, w2, b) by sympy at the drawn parameters, one step
    with eta = k/10; checked against a numpy step with a finite-difference gradient."""
    w = [v.w[0], v.w[1]]
    b = -(w[0] * v.x_1 + w[1] * v.x_2)
    eta = sp.Rational(v.k, 10)
    loss = log_loss_z(w1 * v.x_1 + w2 * v.x_2 + bb, int(v.y))
    at = {w1: w[0], w2: w[1], bb: b}
    grad = [sp.nsimplify(sp.simplify(sp.diff(loss, t).subs(at))) for t in (w1, w2, bb)]
    new = sp.Matrix([w[0], w[1], b]) - eta * sp.Matrix(grad)

    theta = np.array([float(w[0]), float(w[1]), float(b)])
    feats = np.array([float(v.x_1), float(v.x_2), 1.0])
    y = float(v.y)

    def f(t: np.ndarray) -> float:
        p = expit(t @ feats)
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)))

    h = 1e-6
    num_grad = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(3)])
    assert np.allclose(theta - float(eta) * num_grad, np.array(new, dtype=float).ravel(), atol=1e-6)
    return new


def one_feature_boundary(v):
    """ml-logistic-regression-9: the x where sigma(w x + b) = 1/2 (the score equals the logit of 1/2), with the b
    the question shows; sigma at that x is checked to be 1/2."""
    x = sp.Symbol("x")
    b = -v.w * v.T
    (root,) = sp.solve(sp.Eq(v.w * x + b, sp.log(sp.Rational(1, 2) / (1 - sp.Rational(1, 2)))), x)  # logit(1/2)
    assert sigmoid(v.w * root + b) == sp.Rational(1, 2)
    return root


def boundary_line(v):
    """ml-logistic-regression-10: solve sigma(w1 x1 + w2 x2 + b) = 1/2 for x2."""
    (solution,) = sp.solve(sp.Eq(v.w_1 * x1 + v.w_2 * x2 + v.b, 0), x2)
    probe = {x1: sp.Rational(3, 7), x2: solution.subs(x1, sp.Rational(3, 7))}
    assert sp.simplify(sigmoid(v.w_1 * x1 + v.w_2 * x2 + v.b).subs(probe) - sp.Rational(1, 2)) == 0
    return solution


def second_derivative(v):
    """ml-logistic-regression-11: d^2/dw^2 of the log-loss of sigma(k w) with label y; it is positive."""
    d2 = sp.diff(log_loss_z(v.k * ww, int(v.y)), ww, 2)
    assert all(float(d2.subs(ww, t)) > 0 for t in (-3, -0.5, 0, 0.7, 4))
    return d2


def softmax_as_logistic(v) -> sp.Matrix:
    """ml-logistic-regression-12: the log-odds of class A under the two-class softmax, exactly, at the points
    (0, 0), (1, 0), (0, 1); they are linear, so they give b, b + w1 and b + w2."""

    def log_odds_at(point: sp.Matrix):
        za = (v.a.T * point)[0, 0] + v.b_A
        zb = (v.c.T * point)[0, 0] + v.b_B
        pa = sp.exp(za) / (sp.exp(za) + sp.exp(zb))
        return sp.simplify(sp.expand_log(sp.log(sp.simplify(pa / (1 - pa))), force=True))

    b = log_odds_at(sp.Matrix([0, 0]))
    w = [log_odds_at(sp.Matrix([1, 0])) - b, log_odds_at(sp.Matrix([0, 1])) - b]
    probe = sp.Matrix([2, -3])
    za = (v.a.T * probe)[0, 0] + v.b_A
    zb = (v.c.T * probe)[0, 0] + v.b_B
    soft = np.exp(float(za)) / (np.exp(float(za)) + np.exp(float(zb)))
    assert abs(soft - expit(float(w[0] * 2 - w[1] * 3 + b))) < 1e-12
    return sp.Matrix([*w, b])


COMPUTE = {
    f"{UNIT}-1": probability,
    f"{UNIT}-2": odds_and_log_odds,
    f"{UNIT}-3": loss_of_example,
    f"{UNIT}-4": direction_of_update,
    f"{UNIT}-5": gradient_of_example,
    f"{UNIT}-6": logit_expression,
    f"{UNIT}-7": loss_derivative_in_z,
    f"{UNIT}-8": one_step,
    f"{UNIT}-9": one_feature_boundary,
    f"{UNIT}-10": boundary_line,
    f"{UNIT}-11": second_derivative,
    f"{UNIT}-12": softmax_as_logistic,
}

SHOWN = {
    f"{UNIT}-1": lambda v: [*list(v.w), v.z - (v.w.T * v.x)[0, 0], *list(v.x), 1, 1, 1, 3],
    f"{UNIT}-2": lambda v: [sp.Rational(v.a, 10), 1, 1],
    f"{UNIT}-3": lambda v: [sp.Rational(v.a, 10), 1, v.y, 1, 1, 3],
    f"{UNIT}-5": lambda v: [v.x_1, v.x_2, v.y, sp.Rational(v.a, 10)],
    f"{UNIT}-8": lambda v: [*list(v.w), -(v.w[0] * v.x_1 + v.w[1] * v.x_2), v.x_1, v.x_2, v.y,
                            sp.Rational(v.k, 10)],
    f"{UNIT}-9": lambda v: [v.w, -v.w * v.T, 1, 2],
    f"{UNIT}-10": lambda v: [v.w_1, v.w_2, v.b, 1, 2, 1, 2, 2, 1, 1, 1],
    f"{UNIT}-11": lambda v: [v.k, v.y, v.k, 1, 1, v.k, 1, 1, 2, 2],
    f"{UNIT}-12": lambda v: [*list(v.a), v.b_A, *list(v.c), v.b_B],
}


# ---------------------------------------------------------------- prompts the shared checks do not cover


def test_the_update_direction_choice_follows_the_gradient():
    """ml-logistic-regression-4: the option the YAML marks is the one a numerical gradient step gives."""
    (_, p), = instances(UNIT, f"{UNIT}-4")
    assert p["answer"]["value"] == direction_of_update()
    assert p["answer"]["value"] in p["answer"]["options"]


def test_the_second_derivative_does_not_depend_on_the_label():
    """ml-logistic-regression-11: the curvature of the loss is the same for y = 0 and y = 1 (so the solution's
    claim holds), and equals k^2 p (1 - p)."""
    for k in (-3, -2, 2, 3):
        first = sp.diff(log_loss_z(k * ww, 0), ww, 2)
        second = sp.diff(log_loss_z(k * ww, 1), ww, 2)
        assert sp.simplify(first - second) == 0
        p = sigmoid(k * ww)
        assert sp.simplify(first - k**2 * p * (1 - p)) == 0


def test_the_logit_undoes_the_sigmoid():
    """ml-logistic-regression-6: the YAML's logit composed with the sigmoid is the identity on (0, 1)."""
    value = prompts(UNIT)[f"{UNIT}-6"]["answer"]["value"]
    logit = sp.sympify(value.replace("^", "**"), locals={"ln": sp.log, "p": pp})
    for t in (0.05, 0.3, 0.5, 0.81):
        assert abs(float(sigmoid(logit.subs(pp, t))) - t) < 1e-12
