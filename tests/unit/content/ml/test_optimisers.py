"""Independent recomputation of every answer of ml-optimisers (content/topics/ml.yaml).

The optimisers are written here once, as stateful step functions that follow PyTorch's documented algorithms
(``torch.optim.SGD``: the momentum buffer is the first gradient at t = 1, then mu*b + g; ``torch.optim.Adam``:
running averages with bias corrections, epsilon left out as the unit says), and run in exact arithmetic with
sympy, on numbers or on symbols. Every gradient they are fed is obtained by differentiating the loss the question
describes (built from the drawn data with sympy, never from the YAML's ``let`` values), or is the gradient
sequence the question gives. The largest stable learning rate is solved from the gradient-descent map, and also
checked by running gradient descent just below and just above it in floating point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp

from tests.unit.content.ml.checks import *  # noqa: F403
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-optimisers"
TEACHES = ["stochastic-gradient-descent", "learning-rate", "momentum", "adam"]
NEEDS = ["ml-convexity", "calc-optimisation", "stat-sampling-estimators"]

R = sp.Rational
theta, eta, a, beta, g, w = sp.symbols("theta eta a beta g w")
theta_0 = sp.Symbol("theta_0")


# ---------------------------------------------------------------- the optimisers (PyTorch's algorithms)


class SGD:
    """torch.optim.SGD without weight decay, dampening or Nesterov: b_1 = g_1, b_t = mu*b_{t-1} + g_t,
    theta_t = theta_{t-1} - lr*b_t (plain SGD when mu = 0)."""

    def __init__(self, lr: sp.Expr, momentum: sp.Expr = 0) -> None:
        self.lr, self.mu, self.t, self.buf = lr, momentum, 0, None

    def step(self, params: list, grads: list) -> list:
        self.t += 1
        if self.mu != 0:
            self.buf = list(grads) if self.t == 1 else [self.mu * b + gr for b, gr in zip(self.buf, grads, strict=True)]
            grads = self.buf
        return [sp.expand(p - self.lr * gr) for p, gr in zip(params, grads, strict=True)]


class Adam:
    """torch.optim.Adam without weight decay or amsgrad, epsilon = 0: m_t, v_t, their bias corrections and
    theta_t = theta_{t-1} - lr*m_hat/sqrt(v_hat)."""

    def __init__(self, lr: sp.Expr, betas: tuple[sp.Expr, sp.Expr]) -> None:
        self.lr, (self.b1, self.b2) = lr, betas
        self.t, self.m, self.v = 0, None, None

    def step(self, params: list, grads: list) -> list:
        self.t += 1
        if self.m is None:
            self.m, self.v = [0] * len(params), [0] * len(params)
        self.m = [self.b1 * m + (1 - self.b1) * gr for m, gr in zip(self.m, grads, strict=True)]
        self.v = [self.b2 * v + (1 - self.b2) * gr**2 for v, gr in zip(self.v, grads, strict=True)]
        m_hat, v_hat = self.m_hat(), [v / (1 - self.b2**self.t) for v in self.v]
        return [p - self.lr * m / sp.sqrt(v) for p, m, v in zip(params, m_hat, v_hat, strict=True)]

    def m_hat(self) -> list:
        return [m / (1 - self.b1**self.t) for m in self.m]


def run(optimiser, loss: sp.Expr, variables: Sequence[sp.Symbol], start: list, steps: int) -> list:
    """Minimise ``loss`` from ``start``: each step feeds the optimiser the gradient at the current point."""
    point = list(start)
    for _ in range(steps):
        at = dict(zip(variables, point, strict=True))
        grads = [sp.diff(loss, x).subs(at) for x in variables]
        point = optimiser.step(point, grads)
    return point


def feed(optimiser, start: list, gradients: Sequence[list]) -> list:
    """Run the optimiser on a given sequence of (mini-batch) gradients."""
    point = list(start)
    for grads in gradients:
        point = optimiser.step(point, grads)
    return point


def decimal(k) -> sp.Expr:
    """The learning rate 0.k shown in a question."""
    return R(int(k), 10)


# ---------------------------------------------------------------- the one-parameter linear model


def batch_loss(xs: Sequence, ys: Sequence) -> sp.Expr:
    """The mean over the mini-batch of 1/2 (w x_i - y_i)^2."""
    return sum(R(1, 2) * (w * x - y) ** 2 for x, y in zip(xs, ys, strict=True)) / len(xs)


def linear_data(v, n: int) -> tuple[list, list]:
    """The mini-batch of ml-optimisers-2 and -7: each residual w x_i - y_i is s*r_i."""
    xs = [getattr(v, f"x_{i}") for i in range(1, n + 1)]
    ys = [v.w * x - v.s * getattr(v, f"r_{i}") for i, x in enumerate(xs, start=1)]
    return xs, ys


def minibatch_gradient(v) -> sp.Expr:
    """ml-optimisers-2: the gradient of the mean batch loss at w; checked equal to the mean of the per-example
    gradients, each differentiated on its own."""
    xs, ys = linear_data(v, 2)
    mean = sp.diff(batch_loss(xs, ys), w).subs(w, v.w)
    singles = [sp.diff(batch_loss([x], [y]), w).subs(w, v.w) for x, y in zip(xs, ys, strict=True)]
    assert mean == sum(singles) / 2
    return mean


def sgd_step(v) -> sp.Expr:
    """ml-optimisers-7: one SGD step on the mean batch loss."""
    xs, ys = linear_data(v, 2)
    (new_w,) = run(SGD(decimal(v.k)), batch_loss(xs, ys), [w], [v.w], 1)
    return new_w


def momentum_two_steps(v) -> sp.Expr:
    """ml-optimisers-8: momentum SGD (beta = 0.b, lr = 0.1) fed the two given mini-batch gradients."""
    (new_theta,) = feed(SGD(R(1, 10), decimal(v.b)), [v.t], [[v.g_1], [v.g_2]])
    return new_theta


def largest_stable_rate(v) -> sp.Expr:
    """ml-optimisers-6: one gradient-descent step is the affine map T(theta) = theta - eta f'(theta); it contracts
    exactly when |T'| < 1, and T' = -1 at the bound. Checked by running gradient descent at 0.95 and 1.05 times
    the bound in floating point."""
    f = v.p * theta**2 + v.q * theta
    slope = sp.diff(theta - eta * sp.diff(f, theta), theta)
    (bound,) = [s for s in sp.solve(sp.Eq(slope, -1), eta) if s > 0]
    assert sp.solve(sp.Eq(slope, 1), eta) == [0]
    fprime = sp.lambdify(theta, sp.diff(f, theta))
    for factor, converges in ((0.95, True), (1.05, False)):
        x, lr = float(-R(v.q, 2 * v.p)) + 1, factor * float(bound)
        for _ in range(400):
            x -= lr * fprime(x)
        assert (abs(x - float(-R(v.q, 2 * v.p))) < 1e-6) is converges, (vars(v), factor, x)
    return bound


def adam_first_change(v) -> list:
    """ml-optimisers-10: Adam's first step on a loss whose gradient is the given vector (a linear loss g . theta),
    from a random start: the change of each parameter."""
    grads = [v.s_1 * v.a, v.s_2 * 10 * v.b, v.s_3 * 1000 * v.c]
    ps = sp.symbols("p1:4")
    start = [sp.Integer(x) for x in np.random.default_rng(0).integers(-9, 10, size=3)]
    end = run(Adam(R(1, 1000), (R(9, 10), R(999, 1000))), sum(gr * p for gr, p in zip(grads, ps, strict=True)),
              ps, start, 1)
    return [sp.nsimplify(e - s) for e, s in zip(end, start, strict=True)]


def adam_m_hat(v) -> sp.Expr:
    """ml-optimisers-11: Adam's bias-corrected first average after the two given gradients."""
    adam = Adam(R(1, 1000), (R(9, 10), R(999, 1000)))
    feed(adam, [0], [[v.M + 10 * v.d], [v.M - 9 * v.d]])
    (m_hat,) = adam.m_hat()
    return m_hat


COMPUTE: dict[str, Callable] = {
    "ml-optimisers-1": lambda v: run(SGD(decimal(v.k)), (theta - v.c) ** 2, [theta], [v.c + 5 * v.d], 1)[0],
    "ml-optimisers-2": minibatch_gradient,
    "ml-optimisers-4": lambda v: sp.diff(R(1, 2) * (v.x * w - v.y) ** 2, w),
    "ml-optimisers-5": lambda: run(SGD(eta), a / 2 * theta**2, [theta], [theta], 1)[0],
    "ml-optimisers-6": largest_stable_rate,
    "ml-optimisers-7": sgd_step,
    "ml-optimisers-8": momentum_two_steps,
    "ml-optimisers-9": lambda v: run(SGD(eta), v.p * theta**2, [theta], [theta_0], int(v.k))[0],
    "ml-optimisers-10": adam_first_change,
    "ml-optimisers-11": adam_m_hat,
    # a constant gradient g is the gradient of the linear loss g*theta
    "ml-optimisers-12": lambda: run(SGD(eta, beta), g * theta, [theta], [theta_0], 3)[0],
}


def _bare(n) -> list:
    """A coefficient as the question writes it: left out when it is 1."""
    return [] if abs(n) == 1 else [abs(n)]


SHOWN = {
    "ml-optimisers-1": lambda v: [abs(v.c), 2, decimal(v.k), 0, v.c + 5 * v.d, 1, 1, 0, 0],
    "ml-optimisers-2": lambda v: [1, 2, 2, *sum(([x, y] for x, y in zip(*linear_data(v, 2), strict=True)), []), v.w],
    "ml-optimisers-4": lambda v: [v.x, v.y, 1, 2, v.x, abs(v.y), 2, 4, 7],
    "ml-optimisers-6": lambda v: [0, *_bare(v.p), 2, *_bare(v.q), 0],
    "ml-optimisers-7": lambda v: [1, 2, 2, *sum(([x, y] for x, y in zip(*linear_data(v, 2), strict=True)), []), v.w,
                                  decimal(v.k)],
    "ml-optimisers-8": lambda v: [decimal(v.b), R(1, 10), 0, v.t, v.g_1, v.g_2],
    "ml-optimisers-9": lambda v: [*_bare(v.p), 2, 0, v.k, v.k, 0, 0, 3, 0],
    "ml-optimisers-10": lambda v: [1, R(9, 10), 2, R(999, 1000), R(1, 1000), 1, 0,
                                   v.s_1 * v.a, v.s_2 * 10 * v.b, v.s_3 * 1000 * v.c],
    "ml-optimisers-11": lambda v: [1, R(9, 10), 0, 1, 1, 1, v.M + 10 * v.d, v.M - 9 * v.d, 1, 1, 2],
}


# ---------------------------------------------------------------- what the texts quote


def test_decimals_shown_in_solutions_are_the_computed_values():
    """ml-optimisers-7 and -8 write their results as decimals through their digits: those are the values."""
    for v, prompt in instances(UNIT, "ml-optimisers-7"):
        assert f"= {float(sgd_step(v)):.1f}$" in prompt["solution"], vars(v)
    for v, prompt in instances(UNIT, "ml-optimisers-8"):
        first = feed(SGD(R(1, 10), decimal(v.b)), [v.t], [[v.g_1]])[0]
        velocity = decimal(v.b) * v.g_1 + v.g_2
        text = prompt["solution"]
        assert f"= {float(first):.1f}$" in text and f"= {float(velocity):.1f}$" in text, vars(v)
        assert f"= {float(momentum_two_steps(v)):.2f}$" in text, vars(v)


def test_the_choice_of_the_smallest_rate():
    """ml-optimisers-3: on f = theta^2 / 2 from theta = 1, a tiny rate still has most of the loss after 1000
    steps, a good one has almost none, and one above 2/a blows up: the slow run is the one with the small rate."""

    def loss_after(lr: float, steps: int = 1000) -> float:
        x = 1.0
        for _ in range(steps):
            x -= lr * x
            if abs(x) > 1e6:
                break
        return x * x / 2

    assert loss_after(1e-4) > 0.3 and loss_after(0.5) < 1e-12 and loss_after(2.5) > 1e6
    assert prompts(UNIT)["ml-optimisers-3"]["answer"]["value"].startswith("Run C")


def test_the_first_adam_step_is_the_sign_of_the_gradient():
    """The summary's claim, for random gradients: Adam's first step moves every coordinate by exactly lr."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        grads = [sp.Integer(int(x)) for x in rng.integers(-10**6, 10**6, size=4) if x != 0]
        end = feed(Adam(R(1, 1000), (R(9, 10), R(999, 1000))), [0] * len(grads), [grads])
        assert end == [-R(1, 1000) * sp.sign(x) for x in grads]
