"""Independent recomputation of every answer of ml-matrix-calculus (content/topics/ml.yaml).

Each computation rebuilds the problem's data from the drawn parameters and differentiates the loss itself, never
using the rules the unit teaches (delta x^T, W^T delta, (A + A^T) x, 2 A^T r): the weights, inputs or points become
sympy symbols, the loss is written out entry by entry, and sympy takes every partial derivative. Each matrix or
vector gradient is then checked a second time by central finite differences in numpy. The choice of
ml-matrix-calculus-6 is decided by probing: only the option whose value has the shape of W and predicts the change
of the loss along random directions is the gradient.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import numpy as np
import sympy as sp

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances, prompts

UNIT = "ml-matrix-calculus"
TEACHES = ["matrix-calculus", "layer-gradients", "outer-product"]
NEEDS = ["calc-backprop", "calc-jacobian-hessian", "la-matmul"]

M = sp.Matrix
RNG = np.random.default_rng(39)


# ---------------------------------------------------------------- differentiating, twice


def symbols_like(name: str, rows: int, cols: int) -> sp.Matrix:
    return M(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}"))


def gradient(loss: sp.Expr, variables: sp.Matrix) -> sp.Matrix:
    """The matrix of partial derivatives of a scalar, with the shape of ``variables``."""
    return variables.applyfunc(lambda s: sp.diff(loss, s))


def numeric_gradient(f: Callable[[np.ndarray], float], at: np.ndarray, h: float = 1e-5) -> np.ndarray:
    grad = np.zeros_like(at, dtype=float)
    for idx in np.ndindex(at.shape):
        step = np.zeros_like(at, dtype=float)
        step[idx] = h
        grad[idx] = (f(at + step) - f(at - step)) / (2 * h)
    return grad


def scalar(a: np.ndarray) -> float:
    """The one entry of a 1 by 1 numpy result."""
    return float(np.asarray(a).item())


def floats(a: sp.Matrix) -> np.ndarray:
    return np.array(a.tolist(), dtype=float)


def agree(exact: sp.Matrix, f: Callable[[np.ndarray], float], at: sp.Matrix) -> sp.Matrix:
    """``exact`` (the sympy gradient at ``at``) after checking it against finite differences of ``f``."""
    approx = numeric_gradient(f, floats(at))
    assert np.allclose(floats(exact), approx, atol=1e-5), (exact, approx)
    return exact


# ---------------------------------------------------------------- the problems, one by one


def weight_count(v) -> int:
    """ml-matrix-calculus-1: one partial derivative per weight, i.e. per (output, input) pair."""
    return len(list(itertools.product(range(int(v.m)), range(int(v.n)))))


def layer_weight_gradient(v) -> sp.Matrix:
    """ml-matrix-calculus-2: a loss whose gradient at the output is delta is L = delta . y (plus a constant)."""
    w = symbols_like("w", 2, 3)
    b = M(sp.symbols("b_1 b_2"))
    loss = (v.d.T * (w * v.x + b))[0, 0]
    exact = gradient(loss, w).subs(dict(zip(w, v.W, strict=True)))
    return agree(exact, lambda a: scalar(floats(v.d).T @ (a @ floats(v.x))), v.W)


def bias_derivative() -> sp.Expr:
    w, x, b, t = sp.symbols("w x b t")
    return sp.diff((w * x + b - t) ** 2 / 2, b)


def layer_input_gradient(v) -> sp.Matrix:
    """ml-matrix-calculus-4: differentiate L = delta . (W x + b) with respect to the input."""
    weights = M([[v.W_11, v.W_12], [v.W_21, v.W_22]])
    d = M([v.d_1, v.d_2])
    xs = M(sp.symbols("x_1 x_2"))
    loss = (d.T * (weights * xs))[0, 0]
    exact = gradient(loss, xs).subs(dict(zip(xs, v.x, strict=True)))
    return agree(exact, lambda a: scalar(floats(d).T @ (floats(weights) @ a)), v.x)


def first_weight_derivative() -> sp.Expr:
    w_1, w_2, x_1, x_2, t = sp.symbols("w_1 w_2 x_1 x_2 t")
    return sp.diff((w_1 * x_1 + w_2 * x_2 - t) ** 2, w_1)


def squared_error_data(v) -> tuple[sp.Matrix, sp.Matrix]:
    """ml-matrix-calculus-7: the output y = W x + b and the target t the question shows (t = y - delta)."""
    y = v.W * v.x + v.b
    return y, y - M([v.d_1, v.d_2])


def squared_error_weight_gradient(v) -> sp.Matrix:
    _, t = squared_error_data(v)
    w = symbols_like("w", 2, 3)
    residual = w * v.x + v.b - t
    loss = sum(r**2 for r in residual) / 2
    exact = gradient(loss, w).subs(dict(zip(w, v.W, strict=True)))

    def f(a: np.ndarray) -> float:
        r = a @ floats(v.x) + floats(v.b) - floats(t)
        return scalar(r.T @ r) / 2

    return agree(exact, f, v.W)


def form_matrix(v) -> sp.Matrix:
    """ml-matrix-calculus-8: A = [[a, b], [s - b, k]]."""
    return M([[v.a, v.b], [v.s - v.b, v.k]])


def quadratic_form_gradient(v) -> sp.Matrix:
    a = form_matrix(v)
    assert a != a.T
    xs = M(sp.symbols("x_1 x_2"))
    f = sp.expand((xs.T * a * xs)[0, 0])
    exact = gradient(f, xs).subs(dict(zip(xs, v.p, strict=True)))
    return agree(exact, lambda u: scalar(u.T @ floats(a) @ u), v.p)


def quadratic_form_partial(v) -> sp.Expr:
    x_1, x_2 = sp.symbols("x_1 x_2")
    xs = M([x_1, x_2])
    a = M([[v.a, v.b], [v.c, v.d]])
    return sp.diff(sp.expand((xs.T * a * xs)[0, 0]), x_1)


def two_layer_matrices(v) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """ml-matrix-calculus-10: W_1, W_2 and delta as the question shows them."""
    w1 = M([[v.a_1, v.a_2, v.a_3], [v.b_1, v.b_2, v.b_3]])
    w2 = M([[v.V_11, v.V_12], [v.V_21, v.V_22]])
    return w1, w2, M([v.d_1, v.d_2])


def two_layer_input_gradient(v) -> sp.Matrix:
    w1, w2, d = two_layer_matrices(v)
    xs = M(sp.symbols("x_1 x_2 x_3"))
    loss = sp.expand((d.T * (w2 * (w1 * xs)))[0, 0])  # linear in x: the gradient is the same at every x
    exact = gradient(loss, xs)
    assert all(g.is_number for g in exact)
    return agree(exact, lambda u: scalar(floats(d).T @ floats(w2) @ floats(w1) @ u), M([1, -2, 3]))


def hidden_gradient(v) -> sp.Matrix:
    """ml-matrix-calculus-10's intermediate d L / d h, differentiated with h as the variable."""
    _, w2, d = two_layer_matrices(v)
    hs = M(sp.symbols("h_1 h_2"))
    return gradient(sp.expand((d.T * (w2 * hs))[0, 0]), hs)


def least_squares_data(v) -> sp.Matrix:
    """ml-matrix-calculus-11: b = A z - r, so that the residual at z is the drawn r."""
    return v.A * v.z - M([v.r_1, v.r_2, v.r_3])


def least_squares_gradient(v) -> sp.Matrix:
    b = least_squares_data(v)
    xs = M(sp.symbols("x_1 x_2"))
    residual = v.A * xs - b
    f = sp.expand(sum(r**2 for r in residual))
    exact = gradient(f, xs).subs(dict(zip(xs, v.z, strict=True)))
    assert exact != sp.zeros(2, 1)

    def g(u: np.ndarray) -> float:
        r = floats(v.A) @ u - floats(b)
        return scalar(r.T @ r)

    return agree(exact, g, v.z)


def batch_data(v) -> tuple[list[sp.Matrix], list[sp.Matrix]]:
    """ml-matrix-calculus-12: the examples (rows of X) and their output gradients (rows of Delta)."""
    xs = [v.u, M([v.v_1, v.v_2, v.v_3])]
    ds = [M([v.p_1, v.p_2]), M([v.q_1, v.q_2])]
    return xs, ds


def batch_weight_gradient(v) -> sp.Matrix:
    xs, ds = batch_data(v)
    w = symbols_like("w", 2, 3)
    b = M(sp.symbols("b_1 b_2"))
    loss = sum((d.T * (w * x + b))[0, 0] for x, d in zip(xs, ds, strict=True))  # summed over the batch
    exact = gradient(loss, w)
    assert all(g.is_number for g in exact)

    def f(a: np.ndarray) -> float:
        return sum(scalar(floats(d).T @ (a @ floats(x))) for x, d in zip(xs, ds, strict=True))

    return agree(exact, f, M(RNG.integers(-3, 4, size=(2, 3)).tolist()))


# ---------------------------------------------------------------- the choice, decided by probing the loss


PRODUCTS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    r"$\boldsymbol{\delta}\mathbf{x}^T$": lambda d, x, w: np.outer(d, x),
    r"$\mathbf{x}\boldsymbol{\delta}^T$": lambda d, x, w: np.outer(x, d),
    r"$\boldsymbol{\delta}^T\mathbf{x}$": lambda d, x, w: np.asarray(d @ x),
    r"$W^T\boldsymbol{\delta}$": lambda d, x, w: w.T @ d,
}


def weight_gradient_option(v) -> str:
    """ml-matrix-calculus-6: for a loss L(W) = delta . (W x + b), the option that predicts the change of L along
    random directions E as <G, E> (and has the shape of W) is the gradient; undefined products drop out."""
    m, n = int(v.m), int(v.n)
    d, x, w, b = RNG.normal(size=m), RNG.normal(size=n), RNG.normal(size=(m, n)), RNG.normal(size=m)

    def loss(a: np.ndarray) -> float:
        return float(d @ (a @ x + b))

    found = []
    for option, product in PRODUCTS.items():
        try:
            g = product(d, x, w)
        except ValueError:  # not defined for these shapes
            continue
        if g.shape != w.shape:
            continue
        probes = [RNG.normal(size=w.shape) for _ in range(3)]
        if all(abs((loss(w + e) - loss(w)) - np.sum(g * e)) < 1e-8 for e in probes):
            found.append(option)
    assert len(found) == 1, found
    return found[0]


COMPUTE = {
    f"{UNIT}-1": weight_count,
    f"{UNIT}-2": layer_weight_gradient,
    f"{UNIT}-3": bias_derivative,
    f"{UNIT}-4": layer_input_gradient,
    f"{UNIT}-5": first_weight_derivative,
    f"{UNIT}-6": weight_gradient_option,
    f"{UNIT}-7": squared_error_weight_gradient,
    f"{UNIT}-8": quadratic_form_gradient,
    f"{UNIT}-9": quadratic_form_partial,
    f"{UNIT}-10": two_layer_input_gradient,
    f"{UNIT}-11": least_squares_gradient,
    f"{UNIT}-12": batch_weight_gradient,
}

SHOWN = {
    f"{UNIT}-1": lambda v: [v.n, v.m],
    f"{UNIT}-2": lambda v: [*list(v.W), *list(v.x), *list(v.d)],
    f"{UNIT}-4": lambda v: [v.W_11, v.W_12, v.W_21, v.W_22, *list(v.x), v.d_1, v.d_2],
    f"{UNIT}-6": lambda v: [v.n, v.m],
    f"{UNIT}-7": lambda v: [*list(v.W), *list(v.b), 1, 2, 2, *list(v.x), *list(squared_error_data(v)[1])],
    f"{UNIT}-8": lambda v: [*list(form_matrix(v)), *list(v.p)],
    f"{UNIT}-9": lambda v: [v.a, v.b, v.c, v.d, 1, 2, 1, 1, 2, 1, 1],
    f"{UNIT}-10": lambda v: [1, 2, 1, *list(two_layer_matrices(v)[0]), 2, *list(two_layer_matrices(v)[1]),
                             v.d_1, v.d_2],
    f"{UNIT}-11": lambda v: [2, *list(v.A), *list(least_squares_data(v)), *list(v.z)],
    f"{UNIT}-12": lambda v: [3, 2, *list(v.u), v.v_1, v.v_2, v.v_3, v.p_1, v.p_2, v.q_1, v.q_2],
}


# ---------------------------------------------------------------- the intermediate numbers the solutions quote


def _vector_after(text: str, label: str) -> list[sp.Expr]:
    """The first bracketed vector [..] that follows ``label`` in a solution."""
    rest = text[text.index(label) + len(label):]
    inner = re.search(r"\[([^\[\]]+)\]", rest)
    assert inner, (label, rest[:80])
    return [sp.sympify(x) for x in inner[1].split(",")]


def test_solutions_quote_the_right_intermediate_values():
    """The forward output of -7, the hidden-layer gradient of -10 and the residual and A^T r of -11, recomputed."""
    for v, p in instances(UNIT, f"{UNIT}-7"):
        y, t = squared_error_data(v)
        text = p["solution"]
        assert _vector_after(text, r"\mathbf{y} = W\mathbf{x} + \mathbf{b} = ") == list(y)
        assert _vector_after(text, r"\boldsymbol{\delta} = \mathbf{y} - \mathbf{t} = ") == list(y - t)
    for v, p in instances(UNIT, f"{UNIT}-10"):
        quoted = _vector_after(p["solution"], "] = ")
        assert quoted == list(hidden_gradient(v)), (vars(v), quoted)
    for v, p in instances(UNIT, f"{UNIT}-11"):
        text = p["solution"]
        b = least_squares_data(v)
        assert _vector_after(text, r"A\mathbf{x} - \mathbf{b} = ") == list(v.A * v.z - b)
        assert _vector_after(text, r"A^T\mathbf{r} = ") == list(least_squares_gradient(v) / 2)


def test_the_shape_choice_names_the_sizes():
    """ml-matrix-calculus-6: the options are the four products, once each, and the solution gives W's shape."""
    for v, p in instances(UNIT, f"{UNIT}-6"):
        assert set(p["answer"]["options"]) == set(PRODUCTS)
        assert f"$W$ is {v.m} by {v.n}" in " ".join(p["solution"].split())
        assert int(v.m) < int(v.n)


def test_fixed_expression_prompts_are_what_the_questions_show():
    """ml-matrix-calculus-3 and -5: the losses in the questions are the ones differentiated above."""
    ps = prompts(UNIT)
    assert r"L = \frac{1}{2}(wx + b - t)^2" in ps[f"{UNIT}-3"]["question"]
    assert "L = (w_1 x_1 + w_2 x_2 - t)^2" in ps[f"{UNIT}-5"]["question"]
