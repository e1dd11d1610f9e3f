"""Independent recomputation of every answer of ml-neural-network (content/topics/ml.yaml).

The network of each question is rebuilt from the numbers it shows (the drawn parameters) and run, never through
the backpropagation formulas the unit teaches: parameter counts are the sizes of numpy arrays of the layers'
shapes; forward passes are numpy matrix products; every gradient is sympy's derivative of the loss written out
as one expression in all the parameters (ReLU as ``Max(0, z)``), checked against central finite differences in
numpy, which are exact up to rounding for a loss that is quadratic in each parameter; the gradient step is taken
with those derivatives and the loss evaluated again; the piecewise-linear output of the one-input network is read
off the network itself at three points of the interval; and the symbolic derivations come from ``sympy.diff``.
"""

from __future__ import annotations

import functools
import itertools
import re

import numpy as np
import sympy as sp

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-neural-network"
TEACHES = ["forward-pass", "two-layer-network", "parameter-count"]
NEEDS = ["ml-logistic-regression", "ml-matrix-calculus", "ml-softmax-cross-entropy"]

R = sp.Rational
M = sp.Matrix


# ---------------------------------------------------------------- the problems' data from the parameters


def pre_activations(v) -> list:
    """The hidden pre-activations a template builds: q < 0 in place k (the dead unit), p then t in the others."""
    rest = iter([v.p, v.t])
    return [v.q if j == v.k else next(rest) for j in (1, 2, 3)]


def output_weights(v) -> list:
    return [v.w_1, v.w_2, v.w_3]


def first_layer(v) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """W_1, b_1 and x as the question shows them: the biases are what makes W_1 x + b_1 the built pre-activations."""
    w1, x = M(v.A), M(v.x)
    b1 = M(pre_activations(v)) - w1 * x
    return w1, b1, x


def target(v, w1, b1, x) -> sp.Expr:
    """y = y-hat - d, with y-hat from a numpy forward pass of the shown network."""
    return forward(w1, b1, M([output_weights(v)]), v.b, x) - v.d


# ---------------------------------------------------------------- the network, run and differentiated


def forward(w1, b1, w2, b2, x) -> sp.Expr:
    """y-hat by a numpy forward pass (floats), returned exactly: all the data are whole numbers."""
    z = np.array(w1.tolist(), dtype=float) @ np.array(x.tolist(), dtype=float) + np.array(b1.tolist(), dtype=float)
    h = np.maximum(z, 0.0)
    out = (np.array(w2.tolist(), dtype=float) @ h).item() + float(b2)
    assert out == round(out)
    return sp.Integer(round(out))


def symbolic_loss(n_in: int, n_hidden: int):
    """L = 1/2 (W_2 ReLU(W_1 x + b_1) + b_2 - y)^2 as one sympy expression in the parameter symbols."""
    w1 = M(n_hidden, n_in, lambda i, j: sp.Symbol(f"W1_{i}{j}"))
    b1 = M(n_hidden, 1, lambda i, _: sp.Symbol(f"b1_{i}"))
    w2 = M(1, n_hidden, lambda _, j: sp.Symbol(f"W2_{j}"))
    b2, y = sp.symbols("b2 y")
    x = M(n_in, 1, lambda i, _: sp.Symbol(f"x_{i}"))
    z = w1 * x + b1
    h = z.applyfunc(lambda u: sp.Max(0, u))
    loss = (w2 * h)[0, 0] + b2 - y
    return loss**2 / 2, {"W1": w1, "b1": b1, "W2": w2, "b2": b2, "y": y, "x": x}


LOSS, SYMBOLS = symbolic_loss(2, 3)


def values(w1, b1, w2, b2, x, y) -> dict:
    s = SYMBOLS
    pairs = [*zip(s["W1"], w1, strict=True), *zip(s["b1"], b1, strict=True), *zip(s["W2"], w2, strict=True),
             (s["b2"], b2), *zip(s["x"], x, strict=True), (s["y"], y)]
    return dict(pairs)


def loss_value(at: dict) -> sp.Expr:
    return LOSS.subs(at)


ORDER = [*SYMBOLS["W1"], *SYMBOLS["b1"], *SYMBOLS["W2"], SYMBOLS["b2"], *SYMBOLS["x"], SYMBOLS["y"]]
LOSS_NUMPY = sp.lambdify(ORDER, LOSS, modules=[{"Max": np.maximum}, "numpy"])


NUMPY = [{"Max": np.maximum, "Heaviside": lambda u, h0=0.5: np.heaviside(u, h0)}, "numpy"]


@functools.cache
def partial(symbol: sp.Symbol):
    """sympy's dL/d(symbol) (ReLU' appears as a Heaviside step), compiled to numpy."""
    return sp.lambdify(ORDER, sp.diff(LOSS, symbol), modules=NUMPY)


def derivative(symbol: sp.Symbol, at: dict) -> sp.Expr:
    """dL/d(symbol) from sympy's derivative, checked against a central finite difference of the loss in numpy.
    Every pre-activation is a nonzero whole number, so the derivative is a whole number."""
    point = [float(at[s]) for s in ORDER]
    value = float(partial(symbol)(*point))
    exact = sp.Integer(round(value))
    assert abs(value - float(exact)) < 1e-9, (symbol, value)
    i, eps = ORDER.index(symbol), 1e-3

    def shifted(delta: float) -> float:
        moved = list(point)
        moved[i] += delta
        return float(LOSS_NUMPY(*moved))

    numeric = (shifted(eps) - shifted(-eps)) / (2 * eps)
    assert abs(numeric - value) < 1e-6, (symbol, numeric, value)
    return exact


def full_network(v):
    """The data of ml-neural-network-6 and -10: the network, the input and the target, as the question shows."""
    w1, b1, x = first_layer(v)
    w2 = M([output_weights(v)])
    y = target(v, w1, b1, x)
    return values(w1, b1, w2, v.b, x, y)


def grad_w2(v) -> list:
    at = full_network(v)
    return [derivative(s, at) for s in SYMBOLS["W2"]]


def grad_w1(v) -> sp.Matrix:
    at = full_network(v)
    return SYMBOLS["W1"].applyfunc(lambda s: derivative(s, at))


# ---------------------------------------------------------------- networks given by their pre-activations


def hidden_activations(v) -> list:
    """ml-neural-network-3: h = ReLU(W_1 x + b_1) by numpy."""
    w1, b1, x = (np.array(m.tolist(), dtype=float) for m in first_layer(v))
    h = np.maximum(w1 @ x + b1, 0.0).ravel()
    return [sp.Integer(round(e)) for e in h]


def loss_from_pre_activations(z: list, w2: list, b2, y) -> sp.Expr:
    h = np.maximum(np.array(z, dtype=float), 0.0)
    out = float(np.dot(np.array(w2, dtype=float), h)) + float(b2)
    return R(1, 2) * (sp.nsimplify(out) - y) ** 2


def loss_of_shown(v) -> sp.Expr:
    """ml-neural-network-4: y = y-hat - d with y-hat from the shown pre-activations."""
    z, w2 = pre_activations(v), output_weights(v)
    y_hat = sp.nsimplify(float(np.dot(w2, np.maximum(z, 0))) + v.b)
    return loss_from_pre_activations(z, w2, v.b, y_hat - v.d)


def hidden_error(v) -> list:
    """ml-neural-network-8: dL/dz_1 by sympy, with the loss written in z_1 and the output bias fixed so that the
    output is the shown y-hat."""
    zs = sp.symbols("z1:4")
    w2 = output_weights(v)
    z_at = pre_activations(v)
    b2 = v.s - sum(w * max(z, 0) for w, z in zip(w2, z_at, strict=True))
    y = v.s - v.d
    loss = (sum(w * sp.Max(0, z) for w, z in zip(w2, zs, strict=True)) + b2 - y) ** 2 / 2
    at = dict(zip(zs, z_at, strict=True))
    assert sum(w * max(z, 0) for w, z in zip(w2, z_at, strict=True)) + b2 == v.s
    return [sp.diff(loss, z).subs(at) for z in zs]


def losses_around_a_step(v, eta=R(1, 10)) -> list:
    """ml-neural-network-11: one gradient step on W_2 and b_2 (sympy derivatives), then the loss again."""
    zs = pre_activations(v)
    w2 = output_weights(v)
    h = [max(z, 0) for z in zs]
    y = sum(w * hj for w, hj in zip(w2, h, strict=True)) + v.b - v.d
    ws = sp.symbols("v1:4")
    b2 = sp.Symbol("c")
    loss = (sum(w * hj for w, hj in zip(ws, h, strict=True)) + b2 - y) ** 2 / 2
    at = {**dict(zip(ws, w2, strict=True)), b2: v.b}
    before = loss.subs(at)
    new = {s: val - eta * sp.diff(loss, s).subs(at) for s, val in at.items()}
    after = loss.subs(new)
    assert after < before
    return [before, after]


def step_numbers(v, eta=R(1, 10)) -> dict:
    """The new output weights, bias and output of ml-neural-network-11, for the solution's quoted values."""
    h = [max(z, 0) for z in pre_activations(v)]
    y_hat = sum(w * hj for w, hj in zip(output_weights(v), h, strict=True)) + v.b
    new_w = [w - eta * v.d * hj for w, hj in zip(output_weights(v), h, strict=True)]
    new_b = v.b - eta * v.d
    return {"W2": new_w, "b2": new_b, "y_hat": sum(w * hj for w, hj in zip(new_w, h, strict=True)) + new_b,
            "old": y_hat}


# ---------------------------------------------------------------- counts, lines and derivations


def parameter_count(sizes: list[int]) -> int:
    rng = np.random.default_rng(0)
    layers = [(rng.normal(size=(m, n)), rng.normal(size=m)) for n, m in itertools.pairwise(sizes)]
    return sum(w.size + b.size for w, b in layers)


def piece_on_unit_interval(v) -> sp.Expr:
    """ml-neural-network-5: the network's output on [0, 1], read off three points and checked to be one line."""
    x = sp.Symbol("x")

    def net(t):
        return v.v_1 * sp.Max(0, v.a_1 * t + v.c_1) + v.v_2 * sp.Max(0, v.a_2 * t + v.c_2) + v.b

    y0, ymid, y1 = net(0), net(R(1, 2)), net(1)
    assert 2 * ymid == y0 + y1
    assert all(net(R(j, 7)) == y0 + (y1 - y0) * R(j, 7) for j in range(8))
    return (y1 - y0) * x + y0


def one_unit_derivative() -> sp.Expr:
    """ml-neural-network-9: sympy's dL/dw_1 with h = Max(0, z), evaluated on the active side (Heaviside -> 1)."""
    w_1, b_1, w_2, b_2, x, y = sp.symbols("w_1 b_1 w_2 b_2 x y")
    loss = (w_2 * sp.Max(0, w_1 * x + b_1) + b_2 - y) ** 2 / 2
    d = sp.diff(loss, w_1)
    assert d.has(sp.Heaviside)
    active = d.replace(sp.Heaviside, lambda *_: 1).replace(
        lambda e: isinstance(e, sp.Max), lambda e: next(a for a in e.args if a != 0))
    return sp.expand(active)


def log_loss_derivative() -> sp.Expr:
    """ml-neural-network-12: dL/dz_2 of the log-loss of a sigmoid, rewritten in p via z_2 = ln(p / (1 - p)), times
    dz_2/dw_1 on the active side of the ReLU."""
    p, y, w_1, b_1, w_2, b_2, x, z = sp.symbols("p y w_1 b_1 w_2 b_2 x z")
    sig = 1 / (1 + sp.exp(-z))
    loss = -(y * sp.log(sig) + (1 - y) * sp.log(1 - sig))
    dz = sp.simplify(sp.diff(loss, z).subs(z, sp.log(p / (1 - p))))
    z2 = w_2 * sp.Max(0, w_1 * x + b_1) + b_2
    dz2_dw1 = sp.diff(z2, w_1).replace(sp.Heaviside, lambda *_: 1)
    return sp.factor(dz * dz2_dw1)


COMPUTE = {
    f"{UNIT}-1": lambda: parameter_count([784, 16, 16, 10]),
    f"{UNIT}-2": lambda v: parameter_count([v.n, v.m, v.p, v.k]),
    f"{UNIT}-3": hidden_activations,
    f"{UNIT}-4": loss_of_shown,
    f"{UNIT}-5": piece_on_unit_interval,
    f"{UNIT}-6": grad_w2,
    f"{UNIT}-8": hidden_error,
    f"{UNIT}-9": one_unit_derivative,
    f"{UNIT}-10": grad_w1,
    f"{UNIT}-11": losses_around_a_step,
    f"{UNIT}-12": log_loss_derivative,
}


def shown_network(v) -> list:
    """ml-neural-network-6 and -10: W_1, b_1, W_2, b_2 and the formulas, then x and y, in the question's order."""
    w1, b1, x = first_layer(v)
    y = target(v, w1, b1, x)
    return [1, *list(w1), 1, *list(b1), 2, *output_weights(v), 2, v.b, 1, 1, 2, 2, 1, 2, 2, *list(x), y]


def linear_digits(a, c) -> list:
    """The numbers a question shows for the line a x + c: the coefficient unless it is 1 or -1, then |c|."""
    out = [] if abs(a) == 1 else [a]
    return out + ([abs(c)] if c else [])


def shown_lines(v) -> list:
    coeffs = [] if abs(v.v_1) == 1 else [v.v_1]
    coeffs += [1] + ([] if abs(v.v_2) == 1 else [abs(v.v_2)]) + [2, abs(v.b)]
    return [1, *linear_digits(v.a_1, v.c_1), 2, *linear_digits(v.a_2, v.c_2), 0, *coeffs, 0, 1, 3, 2]


def shown_output_layer(v) -> list:
    """z_1, then h = ReLU(z_1), y-hat = W_2 h + b_2, W_2 and b_2."""
    return [1, *pre_activations(v), 1, 2, 2, 2, *output_weights(v), 2, v.b]


def y_of(v) -> sp.Expr:
    h = [max(z, 0) for z in pre_activations(v)]
    return sum(w * hj for w, hj in zip(output_weights(v), h, strict=True)) + v.b - v.d


SHOWN = {
    f"{UNIT}-2": lambda v: [v.n, v.m, v.p, v.k],
    f"{UNIT}-3": lambda v: [1, *list(v.A), 1, *list(first_layer(v)[1]), *list(v.x), 1, 1, 0],
    f"{UNIT}-4": lambda v: [*shown_output_layer(v), y_of(v), 1, 2, 2],
    f"{UNIT}-5": shown_lines,
    f"{UNIT}-6": lambda v: [*shown_network(v), 2, 2],
    f"{UNIT}-8": lambda v: [1, *pre_activations(v), 1, 2, 2, 2, *output_weights(v), 1, 2, 2, v.s, v.s - v.d, 1, 1],
    f"{UNIT}-10": lambda v: [*shown_network(v), 1, 1],
    f"{UNIT}-11": lambda v: [*shown_output_layer(v), y_of(v), 1, 2, 2, R(1, 10), 2, 2],
}


# ---------------------------------------------------------------- beyond the answers


def test_the_dead_unit_choice_by_differentiating_the_network():
    """ml-neural-network-7: with z_2 = -3, row 2 of dL/dW_1 is 0 for every draw of the other numbers, while each of
    the other three options is nonzero for some draw."""
    rng = np.random.default_rng(7)
    zero = {"row": True, "column": True, "b2": True, "delta2": True}
    for _ in range(40):
        w1 = M(3, 2, lambda *_: int(rng.integers(-3, 4)))
        x = M(2, 1, lambda *_: int(rng.integers(1, 4)))
        b1 = M([int(rng.integers(1, 5)), -3, int(rng.integers(1, 5))]) - w1 * x  # z = W_1 x + b_1, z_2 = -3
        w2 = M(1, 3, lambda *_: int(rng.integers(1, 4)))
        b2, y = int(rng.integers(-3, 4)), int(rng.integers(-9, 10))
        at = values(w1, b1, w2, b2, x, y)
        g1 = SYMBOLS["W1"].applyfunc(lambda s, at=at: derivative(s, at))
        y_hat = forward(w1, b1, w2, b2, x)
        zero["row"] &= all(g == 0 for g in g1.row(1))
        zero["column"] &= all(g == 0 for g in g1.col(1))
        zero["b2"] &= derivative(SYMBOLS["b2"], at) == 0
        zero["delta2"] &= y_hat - y == 0
    assert zero == {"row": True, "column": False, "b2": False, "delta2": False}
    answer = prompts(UNIT)[f"{UNIT}-7"]["answer"]
    assert answer["value"] == answer["options"][0] == "row 2 of $\\partial L / \\partial W_1$"


def test_the_summary_parameter_count_and_the_first_prompt_agree():
    """The 13,002 of the summary and of 3Blue1Brown's network is the count of the 784-16-16-10 layers."""
    count = parameter_count([784, 16, 16, 10])
    assert count == 13002
    unit_text = " ".join(prompts(UNIT)[f"{UNIT}-1"]["solution"].split())
    assert "12544 + 256 + 160 = 12960" in unit_text and "16 + 16 + 10 = 42" in unit_text


def _latex_numbers(text: str) -> list:
    """The numbers of a LaTeX list like [-\\frac{13}{5}, 2], exactly."""
    out = []
    for sign, num, den, whole in re.findall(r"(-?)\s*(?:\\frac\{(\d+)\}\{(\d+)\}|(\d+))", text):
        value = R(int(num), int(den)) if num else sp.Integer(int(whole))
        out.append(-value if sign else value)
    return out


def test_the_step_solution_quotes_the_updated_parameters():
    """ml-neural-network-11: the new W_2, b_2 and output that the solution quotes are those of the step."""
    for v, prompt in instances(UNIT, f"{UNIT}-11"):
        text = prompt["solution"]
        want = step_numbers(v)
        new_w2 = re.search(r"the step gives \$W_2 = \[([^\]]*)\]\$", text).group(1)
        new_b2 = re.search(r"and \$b_2 = ([^$]*)\$", text).group(1)
        new_out = re.search(r"the new output is \$\\hat\{y\} = ([^$]*)\$", text).group(1)
        assert _latex_numbers(new_w2) == want["W2"], (vars(v), new_w2)
        assert _latex_numbers(new_b2) == [want["b2"]], (vars(v), new_b2)
        assert _latex_numbers(new_out) == [want["y_hat"]], (vars(v), new_out)
        assert f"\\hat{{y}} = {want['old']}$" in text


def test_every_template_has_a_dead_unit_and_no_pre_activation_at_zero():
    """Where a template shows pre-activations, one is negative (the ReLU matters) and none is 0 (where ReLU has no
    derivative)."""
    for pid in (f"{UNIT}-{i}" for i in (3, 4, 6, 8, 10, 11)):
        for v, _ in instances(UNIT, pid):
            z = pre_activations(v)
            assert min(z) < 0 < max(z) and 0 not in z, (pid, vars(v))
