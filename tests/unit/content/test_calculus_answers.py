"""Independent recomputation of every checkable answer in content/topics/calculus.yaml.

Each computation below works from the data in the question (differentiating, integrating, solving, ...)
with sympy and never reads the YAML answer. The tests then compare it with the stored value, check that
every listed mistake is really wrong, that every formula renders with matplotlib mathtext, and that the
file loads cleanly with the project's loader.

A template prompt (fresh numbers for every attempt) has a computation ``lambda v: ...`` of the instance's
parameters ``v`` (``v.a``; vectors and matrices as sympy Matrix); the tests run over drawn instances of it.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sympy as sp
import yaml

from bot.content.loader import prerequisites
from tests.support import load_yaml
from tests.support.exact import is_zero
from tests.support.mathtext import render_formula
from tests.support.templates import instances, is_template

ROOT = Path(__file__).resolve().parents[3]
TOPIC_FILE = ROOT / "content" / "topics" / "calculus.yaml"
RAW = TOPIC_FILE.read_text(encoding="utf-8")
DATA = load_yaml(RAW)
UNITS = DATA["units"]
PROMPTS = {p["id"]: p for u in UNITS for p in u["prompts"]}

CHECKABLE = {"number", "expression", "vector", "matrix", "set"}

x, y, z, h, t, w, b, a, c, u = sp.symbols("x y z h t w b a c u")

_LOCALS = {
    "e": sp.E,
    "pi": sp.pi,
    "ln": sp.log,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "exp": sp.exp,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "abs": sp.Abs,
    "factorial": sp.factorial,
}


def parse(text: str, names: tuple[str, ...] | list[str] = ()):
    """Parse a value written in the answer syntax (fine for tests: the YAML is ours); cached by text."""
    value = _parse(text, tuple(names))
    return list(value) if isinstance(value, list) else value


@functools.lru_cache(maxsize=1 << 16)
def _parse(text: str, names: tuple[str, ...]):
    local = dict(_LOCALS)
    for n in names:
        local[n] = sp.Symbol(n)
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = "[" + text[1:-1] + "]"
    return sp.sympify(text.replace("^", "**"), locals=local)


def sigmoid(v):
    return 1 / (1 + sp.exp(-v))


# ---------------------------------------------------------------- the computations


def _chain_rule_5(v):
    # Build concrete g, f that satisfy the given data, then differentiate the composition.
    g = v.q + v.s * (x - v.p)  # g(p) = q, g'(p) = s
    fprime = v.r + (v.m - v.r) * (u - v.p) / (v.q - v.p)  # f'(p) = r, f'(q) = m (linear f')
    f = sp.integrate(fprime, u)
    return sp.diff(f.subs(u, g), x).subs(x, v.p)


def _steepest_direction_choice():
    # Scan unit directions numerically for f = x^2 y + y^3 at (1, 2); compare the best one with the gradient.
    f = sp.lambdify((x, y), x**2 * y + y**3)
    grad = [float(sp.diff(x**2 * y + y**3, v).subs({x: 1, y: 2})) for v in (x, y)]
    best, best_rate, eps = (1.0, 0.0), -math.inf, 1e-6
    for k in range(3600):
        th = 2 * math.pi * k / 3600
        d = (math.cos(th), math.sin(th))
        rate = (f(1 + eps * d[0], 2 + eps * d[1]) - f(1 - eps * d[0], 2 - eps * d[1])) / (2 * eps)
        if rate > best_rate:
            best, best_rate = d, rate
    cosang = (best[0] * grad[0] + best[1] * grad[1]) / math.hypot(*grad)
    if cosang > 0.999:
        return "Along the gradient"
    if cosang < -0.999:
        return "Opposite to the gradient"
    if abs(cosang) < 0.001:
        return "Perpendicular to the gradient"
    return "Always along the $x$-axis"


def _jacobian_shape_choice():
    F = sp.Matrix([x * y + z, sp.sin(x) + y * z**2])  # some map R^3 -> R^2
    rows, cols = F.jacobian([x, y, z]).shape
    return f"{rows} rows, {cols} columns"


def _large_step_choice():
    xs = [sp.Integer(1)]
    eta = sp.Rational(3, 2)
    for _ in range(6):
        xs.append(xs[-1] - eta * sp.diff(x**2, x).subs(x, xs[-1]))
    flips = all(xs[i] * xs[i + 1] < 0 for i in range(len(xs) - 1))
    grows = all(abs(xs[i + 1]) > abs(xs[i]) for i in range(len(xs) - 1))
    if flips and grows:
        return "It flips sign and grows"
    if abs(xs[-1]) < sp.Rational(1, 100):
        return "It converges to 0"
    return "It stays at 1"


def _hessian_classify_choice():
    f = x**2 + 4 * x * y + y**2
    assert [sp.diff(f, v).subs({x: 0, y: 0}) for v in (x, y)] == [0, 0]
    eig = list(sp.hessian(f, (x, y)).eigenvals())
    if all(e > 0 for e in eig):
        return "Local minimum"
    if all(e < 0 for e in eig):
        return "Local maximum"
    return "Saddle point"


def _concavity_choice():
    second = sp.diff(x**3, x, 2).subs(x, -1)
    if second < 0:
        return "Curving down (concave down)"
    if second > 0:
        return "Curving up (concave up)"
    return "Straight, no bending"


def _option_function(option: str):
    # The options are LaTeX formulas ($e^x$, $\ln x$): read them as functions of x.
    body = option.strip("$").replace("\\ln x", "ln(x)")
    return parse(body, ["x"])


def _own_derivative_choice():
    options = PROMPTS["calc-diff-rules-2"]["answer"]["options"]
    hits = [o for o in options if sp.simplify(sp.diff(_option_function(o), x) - _option_function(o)) == 0]
    assert len(hits) == 1, hits
    return hits[0]


def _sigmoid_bias_grad_in_a():
    # dC/db for C = (sigma(w x + b) - y)^2, then rewrite in terms of a = sigma(z) via z = logit(a).
    zz = w * x + b
    dcdb = sp.diff((sigmoid(zz) - y) ** 2, b)
    in_z = dcdb.subs(zz, z)  # dC/db depends on w, x, b only through z
    in_z = sp.simplify(in_z.subs(b, z - w * x))
    return sp.simplify(in_z.subs(z, sp.log(a / (1 - a))))


def _relu_net():
    w1, w2 = sp.symbols("w1 w2")
    xv, yv = sp.Rational(3, 2), 1
    hid = sp.Max(0, w1 * xv)
    cost = (w2 * hid - yv) ** 2
    return sp.diff(cost, w1).subs({w1: 2, w2: -1})


def _linear_layer_grad():
    Wsym = sp.Matrix(2, 2, sp.symbols("W11 W12 W21 W22"))
    xv, bv, tv = sp.Matrix([1, 2]), sp.Matrix([0, 1]), sp.Matrix([0, 2])
    r = Wsym * xv + bv - tv
    cost = sp.Rational(1, 2) * (r.T * r)[0]
    grad = sp.Matrix(2, 2, lambda i, j: sp.diff(cost, Wsym[i, j]))
    return grad.subs(dict(zip(Wsym, [1, 0, 2, 1], strict=True)))


def _grad_at(f, point):
    return [sp.diff(f, v).subs(point) for v in (x, y)]


def _difference_quotient_at(step):
    # The fraction (2^h - 1)/h of calc-limits-derivatives-6 at the step the question fixes, as a float.
    return float(sp.N(((2**h - 1) / h).subs(h, step), 30))


def _minimum_of_quadratic():
    # Set the gradient of f to zero, solve the linear system, and check the Hessian makes it a minimum.
    f = x**2 + x * y + y**2 - 4 * x + y
    (point,) = sp.solve([sp.diff(f, x), sp.diff(f, y)], [x, y], dict=True)
    eig = sp.hessian(f, (x, y)).eigenvals()
    assert all(e > 0 for e in eig), eig
    return [point[x], point[y]]


def _steepest_rate(v):
    # The point is the Pythagorean pair (m^2 - n^2, 2mn), in the order s picks.
    legs = (v.m**2 - v.n**2, 2 * v.m * v.n)
    px, py = legs if v.s == 1 else legs[::-1]
    return sp.sqrt(sum(g**2 for g in _grad_at(x**2 + y**2, {x: px, y: py})))


def _neuron_weight_grad(v):
    target = v.w * v.x + v.b - v.d  # the target shown in the question
    return sp.diff((w * x + b - y) ** 2, w).subs({w: v.w, b: v.b, x: v.x, y: target})


def _limits_forward_difference(f, point, step):
    # The forward difference quotient (f(point + step) - f(point)) / step, evaluated exactly.
    return (f.subs(x, point + step) - f.subs(x, point)) / step


def _integrals_antiderivative_through(v):
    # Integrate f, then fix the constant from F(1) = k; k is the value the question shows.
    f = 3 * v.a * x**2 + 2 * v.b * x + v.c
    k = v.a + v.b + v.c + v.m
    const = sp.Symbol("C")
    F = sp.integrate(f, x) + const
    return F.subs(const, sp.solve(F.subs(x, 1) - k, const)[0])


def _taylor_gd_estimate(v):
    # A loss with the given value and slope at p (any curvature: the tangent line ignores it), one gradient
    # step, and the tangent line at p evaluated at the new weight.
    loss = v.m + v.g * (w - v.p) + 7 * (w - v.p) ** 2
    w1 = v.p - v.r * sp.diff(loss, w).subs(w, v.p)
    tangent = sp.series(loss, w, v.p, 2).removeO()
    return tangent.subs(w, w1)


def _taylor_newton_point(v):
    # Build the degree-2 Taylor polynomial from L'(p) = g, L''(p) = c and minimise it.
    quad = v.g * (w - v.p) + v.c / 2 * (w - v.p) ** 2
    (crit,) = sp.solve(sp.diff(quad, w), w)
    assert sp.diff(quad, w, 2) > 0
    return crit


def _partials_normal_fit_mu(v):
    # L(mu, sigma) = ln sigma + (k - mu)^2 / (2 sigma^2), differentiated in mu at the drawn point
    mu, sg = sp.symbols("mu sigma", positive=True)
    loss = sp.log(sg) + (v.k - mu) ** 2 / (2 * sg**2)
    return sp.diff(loss, mu).subs({mu: v.m, sg: v.s})


def _gradients_directional_rate(v):
    # the rate of change along [m, n] measured numerically-free: d/ds f(point + s * direction / |direction|) at s = 0
    s = sp.Symbol("s")
    d = sp.Matrix([v.m, v.n])
    along = sp.Matrix([v.p, v.q]) + s * d / d.norm()
    return sp.diff((x**2 + v.k * y**2).subs({x: along[0], y: along[1]}), s).subs(s, 0)


def _gradients_directional_formula(v):
    # D_u f(x, y) = d/ds f(x + s u1, y + s u2) at s = 0
    s = sp.Symbol("s")
    f = v.a * x**2 * y + v.b * y
    return sp.expand(
        sp.diff(f.subs({x: x + s * v.m / 5, y: y + s * v.n / 5}, simultaneous=True), s).subs(s, 0)
    )


def _jh_composed_jacobian(v):
    # linear g and f with the given Jacobians; the composition's Jacobian is computed directly
    g = sp.Matrix([[v.a, 0], [v.b, v.c]]) * sp.Matrix([x, y])
    return (sp.Matrix([[v.d, v.k], [0, v.m]]) * g).jacobian([x, y])


def _opt_local_minimum(v):
    # solve f'(x) = 0 and keep the critical point where f'' > 0
    f = 2 * x**3 - 3 * (v.r + v.s) * x**2 + 6 * v.r * v.s * x
    (best,) = [p for p in sp.solve(sp.diff(f, x), x) if sp.diff(f, x, 2).subs(x, p) > 0]
    return best


def _backprop_two_input_grad(v):
    # the cost of the neuron with symbolic weights, differentiated in each parameter at the drawn values
    w1, w2, bias = sp.symbols("w1 w2 bias")
    target = v.m * v.p + v.n * v.q + v.c - v.d  # the target shown in the question
    cost = (w1 * v.p + w2 * v.q + bias - target) ** 2
    return [sp.diff(cost, s).subs({w1: v.m, w2: v.n, bias: v.c}) for s in (w1, w2, bias)]


def _backprop_cross_entropy_in_a(v):
    # dC/dw for the cross-entropy of sigma(k w + b), rewritten in a = sigma(z) through z = logit(a)
    zz = v.k * w + b
    cost = -y * sp.log(sigmoid(zz)) - (1 - y) * sp.log(1 - sigmoid(zz))
    in_z = sp.simplify(sp.diff(cost, w).subs(b, z - v.k * w))
    return sp.simplify(in_z.subs(z, sp.log(a / (1 - a))))


def _backprop_two_paths(v):
    # differentiate the whole network in its input at the drawn x (the target as the question shows it)
    target = (v.m * v.a + v.n * v.c) * v.g - v.d
    cost = (v.m * (v.a * x) + v.n * (v.c * x) - target) ** 2
    return sp.diff(cost, x).subs(x, v.g)


L2 = (w + b - 1) ** 2 + (2 * w + b - 3) ** 2

# A fixed prompt's computation takes no argument; a template's takes the instance's parameters v.
COMPUTE: dict[str, Callable[..., object]] = {
    # limits and derivatives
    "calc-limits-derivatives-1": lambda v: ((x**2).subs(x, v.q) - (x**2).subs(x, v.p)) / (v.q - v.p),
    "calc-limits-derivatives-2": lambda v: sp.limit((x**2 - v.a**2) / (x - v.a), x, v.a),
    "calc-limits-derivatives-4": lambda: sp.simplify(((x + h) ** 2 + 3 * (x + h) - (x**2 + 3 * x)) / h),
    "calc-limits-derivatives-5": lambda: (x**2).subs(x, 3) + sp.limit(((3 + h) ** 2 - 9) / h, h, 0) * (x - 3),
    "calc-limits-derivatives-6": lambda: _difference_quotient_at(sp.Rational(1, 1000)),
    "calc-limits-derivatives-8": lambda v: sp.cancel(
        ((v.a * x**2 + v.b * x).subs(x, x + h) - (v.a * x**2 + v.b * x)) / h
    ),
    "calc-limits-derivatives-9": lambda v: sp.limit(((v.p + h) ** 3 - v.p**3) / h, h, 0),
    "calc-limits-derivatives-10": lambda v: _limits_forward_difference(x**2, v.p, 1 / v.k),
    # differentiation rules
    "calc-diff-rules-1": lambda v: sp.diff(x**v.n, x),
    "calc-diff-rules-2": _own_derivative_choice,
    "calc-diff-rules-3": lambda: sp.diff(3 * x**4 - 2 * x**2 + 7 * x - 1, x),
    "calc-diff-rules-4": lambda: sp.diff(1 / x**3, x),
    "calc-diff-rules-5": lambda: sp.diff(x**2 * sp.exp(x), x),
    "calc-diff-rules-6": lambda v: sp.diff(sp.sqrt(x), x).subs(x, v.k**2),
    "calc-diff-rules-7": lambda: sp.diff(x**2 * sp.sin(x), x),
    "calc-diff-rules-8": lambda v: sp.diff((x + v.b) / (x + v.a), x),
    "calc-diff-rules-9": lambda v: sp.diff((v.a * x + v.b) * sp.exp(x), x).subs(x, 0),
    "calc-diff-rules-10": lambda v: [
        sp.diff(v.a * sp.sin(x) + v.b * sp.cos(x), x).subs(x, pt) for pt in (0, sp.pi / 2)
    ],
    # chain rule
    "calc-chain-rule-1": lambda v: sp.diff((v.a * x + v.b) ** v.n, x),
    "calc-chain-rule-2": lambda: sp.diff(sp.sin(x**2), x),
    "calc-chain-rule-3": lambda: sp.diff(sp.exp(-(x**2) / 2), x),
    "calc-chain-rule-4": lambda: sp.diff(sp.log(1 + sp.exp(x)), x),
    "calc-chain-rule-5": _chain_rule_5,
    "calc-chain-rule-6": lambda: sp.diff(sigmoid(x), x),
    "calc-chain-rule-7": lambda: sp.idiff(x**2 + y**2 - 25, y, x).subs({x: 3, y: 4}),
    "calc-chain-rule-8": lambda v: sp.diff(sp.log(v.a * x**2 + v.c), x),
    "calc-chain-rule-9": lambda v: sp.diff((v.a * w - (v.a * v.c - v.d)) ** 2, w).subs(w, v.c),
    "calc-chain-rule-10": lambda v: sp.idiff(
        v.a * x**2 + v.b * y**2 - (v.a * v.p**2 + v.b * v.q**2), y, x
    ).subs({x: v.p, y: v.q}),
    # integrals
    "calc-integrals-1": lambda v: sp.integrate(3 * x**2, (x, v.a, v.b)),
    "calc-integrals-2": lambda: (lambda F: F - F.subs(x, 0))(sp.integrate(4 * x**3 + 2 * x, x)),
    "calc-integrals-3": lambda: sum(sp.Rational(1, 2) * (sp.Rational(k, 2)) ** 2 for k in range(4)),
    "calc-integrals-4": lambda: sp.integrate(sp.exp(x), (x, 0, 1)),
    "calc-integrals-5": lambda: sp.integrate(1 / x, (x, 1, sp.E)),
    "calc-integrals-6": lambda: sp.diff(sp.Integral(sp.cos(t**2), (t, 0, x)), x).doit(),
    "calc-integrals-7": lambda: sp.solve(sp.integrate(c * x, (x, 0, 2)) - 1, c)[0],
    "calc-integrals-8": _integrals_antiderivative_through,
    "calc-integrals-9": lambda v: sp.integrate(x * (v.n + 1) * x**v.n / v.L ** (v.n + 1), (x, 0, v.L)),
    "calc-integrals-10": lambda v: sp.integrate(v.a / x, (x, 1, v.k)),
    # Taylor
    "calc-taylor-1": lambda: sp.diff(x**4, x, 2),
    "calc-taylor-2": _concavity_choice,
    "calc-taylor-3": lambda: sp.series(sp.exp(x), x, 0, 3).removeO(),
    "calc-taylor-4": lambda: sp.series(sp.cos(x), x, 0, 3).removeO(),
    "calc-taylor-5": lambda: (lambda f: f.subs(x, 4) + sp.diff(f, x).subs(x, 4) * (sp.Rational(42, 10) - 4))(
        sp.sqrt(x)
    ),
    "calc-taylor-6": lambda: sp.series(sp.log(1 + x), x, 0, 4).removeO(),
    "calc-taylor-7": lambda: sp.series(sp.sin(x), x, 0, 6).removeO().coeff(x, 3),
    "calc-taylor-8": lambda v: sp.series(sp.exp(v.a * x), x, 0, 3).removeO(),
    "calc-taylor-9": _taylor_gd_estimate,
    "calc-taylor-10": _taylor_newton_point,
    # partial derivatives
    "calc-partials-1": lambda: sp.diff(x**2 * y + 3 * y, x),
    "calc-partials-2": lambda: sp.diff(x**2 * y + 3 * y, y),
    "calc-partials-3": lambda v: sp.diff(x**3 + 2 * x * y**2 - y, y).subs({x: v.p, y: v.q}),
    "calc-partials-4": lambda: sp.diff(sp.exp(x * y), x),
    "calc-partials-5": lambda: sp.diff(x**2 * y**3, y, x),
    "calc-partials-6": lambda: sp.diff(((w * 2 + b) - 5) ** 2, w),
    "calc-partials-7": lambda: sp.diff(sp.log(x**2 + y**2), x).subs({x: 1, y: 2}),
    "calc-partials-8": lambda v: sp.diff(v.a * x**2 * y**3 + v.b * x * y + v.c * x, y),
    "calc-partials-9": lambda v: sp.diff(v.a * x**3 * y**2 + v.b * y**2, x, y).subs({x: v.p, y: v.q}),
    "calc-partials-10": _partials_normal_fit_mu,
    # gradients
    "calc-gradients-1": lambda: _grad_at(x**2 * y + y**3, {x: 1, y: 2}),
    "calc-gradients-2": _steepest_direction_choice,
    "calc-gradients-3": _steepest_rate,
    "calc-gradients-4": lambda: sp.Matrix(_grad_at(x**2 + y**2, {x: 1, y: 2})).dot(
        sp.Matrix([sp.Rational(3, 5), sp.Rational(4, 5)])
    ),
    "calc-gradients-5": lambda: list(-sp.Matrix(_grad_at(x**2 + y**2, {x: 3, y: 4})).normalized()),
    "calc-gradients-6": lambda: [sp.diff(L2, v).subs({w: 0, b: 0}) for v in (w, b)],
    "calc-gradients-8": lambda v: _grad_at(v.a * x**2 + v.b * x * y + v.c * y**2, {x: v.p, y: v.q}),
    "calc-gradients-9": _gradients_directional_rate,
    "calc-gradients-10": _gradients_directional_formula,
    # Jacobians and Hessians
    "calc-jacobian-hessian-1": lambda v: sp.Matrix([v.a * x + v.b * y, v.c * x + v.d * y]).jacobian([x, y]),
    "calc-jacobian-hessian-2": _jacobian_shape_choice,
    "calc-jacobian-hessian-3": lambda: sp.Matrix([x**2 * y, x + y**2]).jacobian([x, y]).subs({x: 1, y: 2}),
    "calc-jacobian-hessian-4": lambda: sp.hessian(x**2 + 3 * x * y + 4 * y**2, (x, y)),
    "calc-jacobian-hessian-5": lambda: _grad_at(
        (sp.Matrix([[x, y]]) * sp.Matrix([[2, 1], [1, 3]]) * sp.Matrix([x, y]))[0], {x: 1, y: 1}
    ),
    "calc-jacobian-hessian-6": lambda: sp.hessian(x**2 * y + y**3, (x, y)).subs({x: 1, y: 1}),
    "calc-jacobian-hessian-7": lambda: (
        # linear f and g with the given Jacobians; the composition's Jacobian is computed directly
        (lambda g: (sp.Matrix([[1, 2], [0, 1]]) * g).jacobian([x, y]))(
            sp.Matrix([[3, 0], [1, 1]]) * sp.Matrix([x, y])
        )
    ),
    "calc-jacobian-hessian-8": lambda v: sp.hessian(v.a * x**3 + v.b * x**2 * y + v.c * y**2, (x, y)).subs(
        {x: v.p, y: v.q}
    ),
    "calc-jacobian-hessian-9": _jh_composed_jacobian,
    "calc-jacobian-hessian-10": lambda v: sp.diff((x**2 * y).subs({x: v.a * t + v.b, y: t**2}), t),
    # optimisation
    "calc-optimisation-1": lambda v: sp.solve(sp.diff(x**2 - 2 * v.h * x + v.h**2 + v.k, x), x)[0],
    "calc-optimisation-2": lambda: 3 - sp.Rational(1, 10) * sp.diff(x**2, x).subs(x, 3),
    "calc-optimisation-3": lambda: set(sp.solve(sp.diff(x**3 - 3 * x, x), x)),
    "calc-optimisation-4": lambda: list(
        sp.Matrix([2, 1]) - sp.Rational(1, 4) * sp.Matrix(_grad_at(x**2 + 2 * y**2, {x: 2, y: 1}))
    ),
    "calc-optimisation-5": _large_step_choice,
    "calc-optimisation-6": _hessian_classify_choice,
    "calc-optimisation-7": _minimum_of_quadratic,
    "calc-optimisation-8": lambda v: list(
        sp.Matrix([v.p, v.q]) - sp.Matrix(_grad_at(v.a * x**2 + v.c * y**2, {x: v.p, y: v.q})) / v.k
    ),
    "calc-optimisation-9": _opt_local_minimum,
    "calc-optimisation-10": lambda v: w - sp.diff(v.a * (w - v.c) ** 2, w) / v.k,
    # backpropagation
    "calc-backprop-1": lambda: [sp.diff((x + y) * z, v).subs({x: 1, y: 2, z: -3}) for v in (x, y, z)],
    "calc-backprop-2": lambda: (lambda s: s * (1 - s))(sp.Rational(4, 5)),
    "calc-backprop-3": _neuron_weight_grad,
    "calc-backprop-4": _sigmoid_bias_grad_in_a,
    "calc-backprop-5": _relu_net,
    "calc-backprop-6": _linear_layer_grad,
    "calc-backprop-8": _backprop_two_input_grad,
    "calc-backprop-9": _backprop_cross_entropy_in_a,
    "calc-backprop-10": _backprop_two_paths,
}

# Conceptual multiple-choice prompts whose correct option cannot be computed.
CONCEPTUAL_CHOICES = {"calc-limits-derivatives-3"}


# ---------------------------------------------------------------- comparison helpers


def _sample_points(names):
    return [dict.fromkeys(names, v) | {n: v + 0.37 * i for i, n in enumerate(names)} for v in (0.3, 0.7, 1.9)]


def _same_expression(p1, p2, names) -> bool:
    syms = [sp.Symbol(n) for n in names]
    if is_zero(p1 - p2):
        return True
    for pt in _sample_points(names):
        sub = {s: pt[s.name] for s in syms}
        if abs(complex(sp.N((p1 - p2).subs(sub)))) > 1e-9:
            return False
    return True


def _as_matrix(v) -> sp.Matrix:
    return v if isinstance(v, sp.MatrixBase) else sp.Matrix(v)


def same(answer: dict, value: str, expected) -> bool:
    kind = answer["kind"]
    if kind == "number":
        got = parse(value)
        tol = answer.get("tolerance")
        if tol is not None:
            return abs(float(got) - float(expected)) <= tol
        return is_zero(got - expected)
    if kind == "expression":
        names = tuple(answer["vars"])
        got = parse(value, names)
        extra = {s.name for s in got.free_symbols} - set(names)
        assert not extra, f"undeclared variables {extra} in {value!r}"
        return _same_expression(got, sp.sympify(expected), names)
    if kind == "vector":
        got = list(parse(value))
        exp_list = list(expected)
        return len(got) == len(exp_list) and all(
            is_zero(g - e) for g, e in zip(got, exp_list, strict=True)
        )
    if kind == "matrix":
        got, exp_m = _as_matrix(parse(value)), _as_matrix(expected)
        return got.shape == exp_m.shape and all(is_zero(v) for v in (got - exp_m))
    if kind == "set":
        return sp.FiniteSet(*parse(value)) == sp.FiniteSet(*expected)
    raise AssertionError(f"unexpected kind {kind}")


# ---------------------------------------------------------------- tests: answers


def test_every_checkable_prompt_has_a_computation():
    need = {pid for pid, p in PROMPTS.items() if p["answer"]["kind"] in CHECKABLE}
    choices = {pid for pid, p in PROMPTS.items() if p["answer"]["kind"] == "choice"}
    assert need - COMPUTE.keys() == set()
    assert COMPUTE.keys() - need - choices == set(), "computations for unknown or non-checkable prompts"
    assert choices == (choices & COMPUTE.keys()) | CONCEPTUAL_CHOICES
    assert CONCEPTUAL_CHOICES <= choices


def _computed(pid: str, v):
    """The independent computation for a prompt: of the instance's parameters v for a template."""
    return COMPUTE[pid](v) if is_template(PROMPTS[pid]) else COMPUTE[pid]()


def test_template_computations_take_the_parameters():
    for pid, prompt in PROMPTS.items():
        if pid in COMPUTE:
            takes = COMPUTE[pid].__code__.co_argcount == 1
            assert takes == is_template(prompt), f"{pid}: a template's computation is a function of v, a fixed one's of nothing"


@pytest.mark.parametrize("pid", sorted(COMPUTE))
def test_answer_matches_independent_computation(pid):
    for v, prompt in instances(PROMPTS[pid]):  # a template: each instance, from its own parameters
        answer = prompt["answer"]
        expected = _computed(pid, v)
        if answer["kind"] == "choice":
            assert expected in answer["options"], f"{pid} {vars(v)}: computed option {expected!r} is not offered"
            assert answer["value"] == expected, f"{pid} {vars(v)}: stored {answer['value']!r}, computed {expected!r}"
        else:
            assert same(answer, answer["value"], expected), (
                f"{pid} {vars(v)}: stored {answer['value']!r}, computed {expected}"
            )


@pytest.mark.parametrize("pid", sorted(pid for pid, p in PROMPTS.items() if p["answer"]["kind"] in CHECKABLE))
def test_mistakes_are_wrong_and_readable(pid):
    for v, prompt in instances(PROMPTS[pid]):  # a template: in every instance
        _mistakes_are_wrong_and_readable(pid, prompt, _computed(pid, v))


def _mistakes_are_wrong_and_readable(pid, p, correct):
    answer = p["answer"]
    mistakes = p.get("mistakes") or []
    assert 2 <= len(mistakes) <= 4, f"{pid}: {len(mistakes)} mistakes"
    seen = set()
    for m in mistakes:
        text = m["answer"] if isinstance(m, dict) else str(m)
        assert text not in seen
        seen.add(text)
        assert not same(answer, text, correct), f"{pid}: mistake {text!r} equals the answer"
        if isinstance(m, dict):
            assert m.get("hint"), f"{pid}: mistake {text!r} has no hint"


def test_estimate_at_the_fixed_step_is_judged_by_its_rounding():
    # calc-limits-derivatives-6 fixes h = 0.001 and 2 decimal places: the checker accepts that rounding (and more
    # digits of the same fraction) and rejects the rounding at h = 0.01, which once passed for the answer.
    from bot.content.model import Answer
    from bot.practice.check import check_answer

    prompt = PROMPTS["calc-limits-derivatives-6"]
    assert "$h = 0.001$" in prompt["question"] and "2 decimal places" in prompt["question"]
    answer = Answer.model_validate(prompt["answer"])
    at_fixed = _difference_quotient_at(sp.Rational(1, 1000))
    assert sp.Rational(answer.value) == sp.Rational(f"{at_fixed:.2f}")
    for given in (f"{at_fixed:.2f}", f"{at_fixed:.3f}", f"{at_fixed:.4f}", f"{at_fixed:.6f}"):
        assert check_answer(answer, given).right, given
    coarse = f"{_difference_quotient_at(sp.Rational(1, 100)):.2f}"
    assert coarse != f"{at_fixed:.2f}"
    assert not check_answer(answer, coarse).right
    assert coarse in {m["answer"] for m in prompt["mistakes"]}


def test_choice_and_self_prompts_have_no_mistakes():
    for pid, p in PROMPTS.items():
        if p["answer"]["kind"] in ("choice", "self"):
            assert not p.get("mistakes"), pid
        if p["answer"]["kind"] == "choice":
            assert all(len(o) < 40 for o in p["answer"]["options"]), pid


# ---------------------------------------------------------------- tests: structure

UNIT_IDS = [
    "calc-limits-derivatives",
    "calc-diff-rules",
    "calc-chain-rule",
    "calc-integrals",
    "calc-taylor",
    "calc-partials",
    "calc-gradients",
    "calc-jacobian-hessian",
    "calc-optimisation",
    "calc-backprop",
]

GUIDE_LINKS = [
    "https://www.youtube.com/watch?v=WUvTyaaNkzM&list=PL0-GT3co4r2wlh6UHTUeQsrf3mlS2lk6x",
    "https://youtu.be/aircAruvnKk",
    "https://mml-book.github.io",
]


# The concepts each unit teaches (the curriculum's shared vocabulary, issue #37).
TEACHES = {
    "calc-limits-derivatives": ["limits", "derivative"],
    "calc-diff-rules": [
        "power-rule",
        "product-rule",
        "quotient-rule",
        "exp-log-derivatives",
        "trig-derivatives",
    ],
    "calc-chain-rule": ["chain-rule", "implicit-differentiation"],
    "calc-integrals": ["integrals", "fundamental-theorem"],
    "calc-taylor": ["second-derivative", "taylor-series", "linear-approximation"],
    "calc-partials": ["partial-derivatives"],
    "calc-gradients": ["gradient", "directional-derivative"],
    "calc-jacobian-hessian": ["jacobian", "hessian", "multivariable-chain-rule"],
    "calc-optimisation": ["critical-points", "second-derivative-test", "gradient-descent"],
    "calc-backprop": ["neural-networks", "activation-functions", "backpropagation"],
}
TAUGHT_HERE = {c for cs in TEACHES.values() for c in cs}


def test_topic_shape():
    assert DATA["id"] == "calculus"
    assert DATA["title"] == "Calculus"
    assert DATA["why"] == "to train and optimise your model"
    assert [u["id"] for u in UNITS] == UNIT_IDS
    needs = {u["id"]: set(u.get("needs", [])) for u in UNITS}
    assert {"alg-functions", "alg-exponents-logs"} <= needs["calc-limits-derivatives"]
    assert needs["calc-diff-rules"] == {"calc-limits-derivatives", "alg-unit-circle"}  # sin and cos need trig
    # second partials use the second derivative (calc-taylor)
    assert needs["calc-partials"] == {"calc-taylor", "la-vectors"}
    assert "la-matmul" in needs["calc-jacobian-hessian"]
    # the Hessian's eigenvalues and determinant classify a critical point
    assert needs["calc-optimisation"] == {"calc-taylor", "calc-jacobian-hessian", "la-eigen"}


def test_units_teach_their_concepts():
    assert {u["id"]: list(u.get("teaches", [])) for u in UNITS} == TEACHES
    for u in UNITS:
        keys = list(u)
        assert keys[keys.index("needs") + 1 : keys.index("needs") + 3] == ["teaches", "uses"], u["id"]
        assert u["uses"], u["id"]
        assert not set(u["uses"]) & set(u["teaches"]), u["id"]
        assert len(set(u["uses"])) == len(u["uses"]), u["id"]


def _calculus_prerequisites(uid: str) -> set[str]:
    return set(prerequisites({u["id"]: [n for n in u.get("needs", []) if n in TEACHES] for u in UNITS})[uid])


def test_calculus_concepts_are_used_after_they_are_taught():
    # Within this topic (the loader checks the whole curriculum): a calculus concept a unit uses is taught by
    # one of its calculus prerequisites, directly or through theirs.
    for u in UNITS:
        before = {c for p in _calculus_prerequisites(u["id"]) for c in TEACHES[p]}
        for c in u["uses"]:
            if c in TAUGHT_HERE:
                assert c in before, f"{u['id']} uses {c!r} before it is taught"


def test_trigonometry_reaches_the_units_that_use_sine_and_cosine():
    # Every unit whose prompts or summary use sin or cos has calc-diff-rules (which needs alg-unit-circle)
    # among its prerequisites, or is that unit.
    for u in UNITS:
        text = u["summary"] + "".join(str(p) for p in u["prompts"])
        if re.search(r"\\(sin|cos)\b|\b(sin|cos)\(", text):
            reached = u["id"] == "calc-diff-rules" or "calc-diff-rules" in _calculus_prerequisites(u["id"])
            assert reached, u["id"]


def test_guide_links_appear_exactly():
    urls = {r["url"] for u in UNITS for r in u["resources"]}
    for link in GUIDE_LINKS:
        assert link in urls, link


def test_units_have_graded_prompts():
    total = daily = selfs = 0
    for u in UNITS:
        ps = u["prompts"]
        assert len(ps) >= 6, u["id"]
        assert [p["id"] for p in ps] == [f"{u['id']}-{i}" for i in range(1, len(ps) + 1)]
        diffs = [p["difficulty"] for p in ps]
        # the first seven climb 1 → 3; prompts added later come last (ids are permanent) at any level
        assert diffs[:7] == sorted(diffs[:7]) and diffs[0] == 1 and diffs[6] == 3 and set(diffs) <= {1, 2, 3}, (u["id"], diffs)
        unit_self = sum(p["answer"]["kind"] == "self" for p in ps)
        assert unit_self <= 1, u["id"]
        assert 2 <= sum(bool(p.get("daily")) for p in ps) <= 3, u["id"]
        total += len(ps)
        daily += sum(bool(p.get("daily")) for p in ps)
        selfs += unit_self
    assert 0.2 <= daily / total <= 0.40
    assert selfs / total <= 0.15


# ---------------------------------------------------------------- tests: formulas

_FORBIDDEN = (r"\begin", r"\text{", r"\dfrac", r"\tfrac", r"\binom", r"\operatorname")


def _texts():
    yield "description", DATA.get("description", "")
    for u in UNITS:
        yield f"{u['id']}.summary", u["summary"]
        yield f"{u['id']}.why_ml", u["why_ml"]
        for r in u["resources"]:
            yield f"{u['id']}.resource", r["title"] + " " + r.get("note", "")
        for p in (drawn for t in u["prompts"] for _, drawn in instances(t, 3)):  # a template: 3 instances
            yield f"{p['id']}.question", p["question"]
            yield f"{p['id']}.solution", p["solution"]
            for i, hint in enumerate(p["hints"]):
                yield f"{p['id']}.hint{i}", hint
            for m in p.get("mistakes") or []:
                if isinstance(m, dict):
                    yield f"{p['id']}.mistake", m.get("hint", "")
            for o in p["answer"].get("options", []):
                yield f"{p['id']}.option", o


def _formulas():
    for where, text in _texts():
        assert text.count("$") % 2 == 0, f"{where}: unbalanced $"
        for f in re.findall(r"\$([^$]+)\$", text):
            yield where, f


@pytest.mark.parametrize(("where", "latex"), list(_formulas()))
def test_formula_renders(where, latex):
    for bad in _FORBIDDEN:
        assert bad not in latex, f"{where}: {bad} is not supported by mathtext"
    render_formula(latex)


# ---------------------------------------------------------------- tests: the project's loader


CROSS_TOPIC = {
    "alg-functions",
    "alg-exponents-logs",
    "alg-unit-circle",
    "la-vectors",
    "la-matmul",
    "la-dot-projections",
    "la-eigen",
}


def _check(tmp_path, text):
    from bot.content.loader import check_directory

    (tmp_path / "topics").mkdir()
    (tmp_path / "track.yaml").write_text(
        "title: Calculus only\ntopics:\n  - calculus\nmin_prompts_per_unit: 6\n", encoding="utf-8"
    )
    (tmp_path / "topics" / "calculus.yaml").write_text(text, encoding="utf-8")
    return check_directory(tmp_path)


def test_loads_with_project_loader(tmp_path):
    # In isolation the only problems are the cross-topic prerequisites (and the units they make unreachable),
    # and the concepts those other topics teach.
    _, problems = _check(tmp_path, RAW)
    unexpected = []
    for pr in problems:
        m = re.search(r"needs unknown unit '([a-z0-9-]+)'", pr.message)
        c = re.search(r"uses concept '([a-z0-9-]+)', which no unit teaches", pr.message)
        if (
            (m and m.group(1) in CROSS_TOPIC)
            or "unreachable" in pr.message
            or (c and c.group(1) not in TAUGHT_HERE)
        ):
            continue
        unexpected.append(str(pr))
    assert unexpected == []


def test_loads_cleanly_without_cross_topic_needs(tmp_path):
    data = load_yaml(RAW)
    for unit in data["units"]:
        unit["needs"] = [n for n in unit.get("needs", []) if n not in CROSS_TOPIC]
        unit["uses"] = [c for c in unit["uses"] if c in TAUGHT_HERE]  # the concepts other topics teach
    catalog, problems = _check(tmp_path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert [str(p) for p in problems] == []
    assert catalog is not None
    assert [u.id for u in catalog.units] == UNIT_IDS
    assert catalog.prompt_count == len(PROMPTS)


def test_loader_rejects_a_misordered_copy(tmp_path):
    # Partial derivatives use the second derivative: without calc-taylor among its prerequisites the copy fails.
    data = load_yaml(RAW)
    for unit in data["units"]:
        unit["needs"] = [n for n in unit.get("needs", []) if n not in CROSS_TOPIC]
        unit["uses"] = [c for c in unit["uses"] if c in TAUGHT_HERE]
        if unit["id"] == "calc-partials":
            unit["needs"] = ["calc-chain-rule"]
    _, problems = _check(tmp_path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    messages = [p.message for p in problems]
    assert "unit 'calc-partials' uses concept 'second-derivative', taught by 'calc-taylor'" in "\n".join(messages)
    # and the units after it, which reached calc-taylor only through calc-partials
    assert all("taught by 'calc-taylor', which is not among its prerequisites" in m for m in messages), messages
