"""Figures a unit or a prompt declares: a small vocabulary of kinds with parameters, no code.

Each kind is a frozen pydantic model, so check-content reports a bad parameter with the file and line it is
on. Numbers may be written as maths (``pi/3``, ``1/2``, ``sqrt(2)``, ``60°``): they are read by the same
bounded parser as learners' answers (:mod:`bot.practice.maths`), never evaluated as code. Functions
(``graph``, ``gradient-descent``) are expressions in ``x`` (and ``y``) read by that parser too.

In a template prompt, any number or function may hold ``{@...@}`` placeholders: they are filled in when an
instance is drawn (:func:`bot.practice.template.render`), and the figure is checked again then.

The pictures themselves are drawn by :mod:`bot.render.figures`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

MAX_VECTORS = 4
MAX_STEPS = 60
MAX_SAMPLES = 20000
MAX_RANGE = 1e6


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    caption: str = Field(default="", max_length=120)  # the figure's title; each kind has a default

    def filled(self) -> bool:
        """No ``{@...@}`` placeholder is left (a template's figure before it is drawn has some)."""
        return "{@" not in self.model_dump_json()

    @model_validator(mode="after")
    def _semantics(self) -> Any:
        if self.filled():
            self.check()
        return self

    def check(self) -> None:
        """Raise ValueError when the parameters, all filled in, cannot make this figure."""


def _number(v: object) -> object:
    """A number, or maths that reads as one (``pi/3``, ``1/2``); text with a placeholder is kept for later."""
    if isinstance(v, bool):
        raise ValueError("expected a number, not true/false")
    if isinstance(v, int | float):
        value = float(v)
    elif isinstance(v, str):
        if "{@" in v:
            return v
        from bot.practice.maths import EvalError, Unreadable, feval, parse

        if len(v) > 200:
            raise ValueError("a number of at most 200 characters")
        try:
            top = parse(v)
            rows = top.args
            if len(rows) != 1 or len(rows[0]) != 1:
                raise Unreadable("one number")
            read = feval(rows[0][0], {})
        except (Unreadable, EvalError) as exc:
            raise ValueError(f"{v!r} is not a number ({exc})") from exc
        if isinstance(read, complex):
            raise ValueError(f"{v!r} is not a real number")
        value = read
    else:
        raise ValueError(f"expected a number, got {v!r}")
    if not math.isfinite(value) or abs(value) > MAX_RANGE:
        raise ValueError(f"{v!r} is out of range (at most {MAX_RANGE:g} in size)")
    return value


Num = Annotated[float | str, BeforeValidator(_number)]
Span = tuple[Num, Num]


def _point(v: object) -> object:
    """A point or vector: ``[2, -1]``, or one text that reads as one (a template's ``"{@v@}"``, filled in as
    ``[2, -1]``)."""
    if isinstance(v, str) and "{@" not in v:
        from bot.practice.maths import Unreadable, parse

        try:
            top = parse(v, list_mode=True)
        except Unreadable as exc:
            raise ValueError(f"{v!r} is not a point [x, y] ({exc})") from exc
        items = top.args[0]
        inner = items[0] if len(items) == 1 and items[0].op == "list" else None
        row = inner.args[0] if inner is not None and len(inner.args) == 1 else items
        if len(row) != 2:
            raise ValueError(f"{v!r} is not a point [x, y]")
        from bot.practice.maths import feval

        return tuple(_number(feval(x, {})) for x in row)
    return v


Point = Annotated[tuple[Num, Num] | str, BeforeValidator(_point)]


def _function_of(names: tuple[str, ...]) -> Any:
    def read(v: object) -> object:
        if not isinstance(v, str):
            v = str(v)
        if "{@" in v:
            return v
        from bot.practice.maths import Unreadable, parse

        if len(v) > 200:
            raise ValueError("a function of at most 200 characters")
        try:
            top = parse(v, names)
        except Unreadable as exc:
            raise ValueError(f"{v!r} is not a function of {', '.join(names)} ({exc})") from exc
        if len(top.args) != 1 or len(top.args[0]) != 1:
            raise ValueError(f"{v!r}: one expression, not a list")
        return v

    return BeforeValidator(read)


FunctionX = Annotated[str, _function_of(("x",))]
FunctionXY = Annotated[str, _function_of(("x", "y"))]


def _f(v: float | str) -> float:
    """A filled-in number (the model validators run :meth:`_Spec.check` only when every one is)."""
    assert isinstance(v, float), v
    return v


def _increasing(span: Span, what: str) -> None:
    lo, hi = _f(span[0]), _f(span[1])
    if not lo < hi:
        raise ValueError(f"{what} must run from a smaller number to a larger one, got [{lo:g}, {hi:g}]")


def _probability(v: float | str, what: str, open_ends: bool = False) -> None:
    p = _f(v)
    if not (0 < p < 1 if open_ends else 0 <= p <= 1):
        raise ValueError(f"{what} must be a probability {'strictly ' if open_ends else ''}between 0 and 1, got {p:g}")


class Graph(_Spec):
    """A function's graph, with marked points and a tangent line."""

    kind: Literal["graph"]
    f: FunctionX
    x: Span = (-5.0, 5.0)
    y: Span | None = None  # the visible y range (default: what the graph needs)
    points: tuple[Num, ...] = Field(default=(), max_length=6)  # x values marked on the graph
    tangent: Num | None = None  # x where the tangent line touches
    label: str = Field(default="", max_length=60)  # the curve's name in the legend (default f(x) = ...)

    def check(self) -> None:
        _increasing(self.x, "x")
        if self.y is not None:
            _increasing(self.y, "y")
        lo, hi = _f(self.x[0]), _f(self.x[1])
        for p in (*self.points, *(() if self.tangent is None else (self.tangent,))):
            if not lo <= _f(p) <= hi:
                raise ValueError(f"x = {_f(p):g} is outside the graph's x range [{lo:g}, {hi:g}]")


class Vectors(_Spec):
    """Arrows from the origin; their sum (tip to tail), their difference, or the first's projection onto the
    second."""

    kind: Literal["vectors"]
    vectors: tuple[Point, ...] = Field(min_length=1, max_length=MAX_VECTORS)
    names: tuple[str, ...] = Field(default=(), max_length=MAX_VECTORS)  # default a, b, c, d
    show: Literal["none", "sum", "difference", "projection"] = "none"

    def check(self) -> None:
        if self.names and len(self.names) != len(self.vectors):
            raise ValueError(f"{len(self.names)} names for {len(self.vectors)} vectors")
        if self.show in ("sum", "difference", "projection") and len(self.vectors) != 2:
            raise ValueError(f"show: {self.show} needs exactly two vectors")
        if self.show == "projection" and not any(_f(c) for c in self.vectors[1]):
            raise ValueError("cannot project onto the zero vector")
        if all(_f(c) == 0 for v in self.vectors for c in v):
            raise ValueError("every vector is zero: nothing to draw")


def _matrix(m: tuple[tuple[float | str, ...], ...]) -> None:
    if len(m) != 2 or any(len(r) != 2 for r in m):
        raise ValueError("a 2×2 matrix, like [[1, 2], [3, 4]]")


Matrix2 = tuple[tuple[Num, Num], tuple[Num, Num]]


class LinearMap(_Spec):
    """A 2×2 matrix as what it does to the plane: the grid and î, ĵ before, and after."""

    kind: Literal["linear-map"]
    matrix: Matrix2
    vector: Point | None = None  # one more vector to follow through the map

    def check(self) -> None:
        (a, b), (c, d) = ((_f(x) for x in row) for row in self.matrix)
        if max(abs(a), abs(b), abs(c), abs(d)) > 20:
            raise ValueError("entries up to 20 in size, so the picture stays readable")


def eigenpairs(matrix: Matrix2) -> list[tuple[float, tuple[float, float]]]:
    """The real eigenvalues of a 2×2 matrix with a unit eigenvector each (one pair for a repeated eigenvalue
    with a single direction, two for distinct ones); [] when they are complex."""
    (a, b), (c, d) = ((_f(x) for x in row) for row in matrix)
    tr, det = a + d, a * d - b * c
    disc = tr * tr / 4 - det
    if disc < -1e-12:
        return []
    root = math.sqrt(max(disc, 0.0))
    out: list[tuple[float, tuple[float, float]]] = []
    for lam in sorted({tr / 2 + root, tr / 2 - root}, reverse=True):
        # (A - λI)v = 0: v is perpendicular to a row of A - λI that is not zero
        rows = ((a - lam, b), (c, d - lam))
        r = max(rows, key=lambda r: abs(r[0]) + abs(r[1]))
        if abs(r[0]) + abs(r[1]) < 1e-12:  # A = λI: every direction; show the axes
            return [(lam, (1.0, 0.0)), (lam, (0.0, 1.0))]
        vx, vy = -r[1], r[0]
        n = math.hypot(vx, vy)
        out.append((lam, (vx / n, vy / n)))
    return out


class Eigenvectors(_Spec):
    """A 2×2 matrix's eigenvectors staying on their span (stretched by λ) while another vector is turned off
    its own."""

    kind: Literal["eigenvectors"]
    matrix: Matrix2
    other: Point = (1.0, 0.0)  # a vector that is not an eigenvector, to show the contrast

    def check(self) -> None:
        LinearMap(kind="linear-map", matrix=self.matrix)
        if not eigenpairs(self.matrix):
            raise ValueError("this matrix has complex eigenvalues: no real eigenvector to draw")


class UnitCircle(_Spec):
    """The unit circle with an angle, the point it reaches, and its cosine and sine."""

    kind: Literal["unit-circle"]
    angle: Num  # radians (pi/3) or degrees (60°)


class GradientDescent(_Spec):
    """A function of x and y as a contour plot, and gradient descent's path on it."""

    kind: Literal["gradient-descent"]
    f: FunctionXY
    start: Point
    rate: Num
    steps: int = Field(default=12, ge=1, le=MAX_STEPS)
    x: Span = (-3.0, 3.0)
    y: Span = (-3.0, 3.0)

    def check(self) -> None:
        _increasing(self.x, "x")
        _increasing(self.y, "y")
        if not 0 < _f(self.rate) <= 10:
            raise ValueError(f"rate must be between 0 and 10, got {_f(self.rate):g}")


class Density(_Spec):
    """A probability density with the area between two values shaded (and its size)."""

    kind: Literal["density"]
    distribution: Literal["normal", "uniform", "exponential"] = "normal"
    mean: Num = 0.0  # normal
    sd: Num = 1.0  # normal
    low: Num = 0.0  # uniform
    high: Num = 1.0  # uniform
    rate: Num = 1.0  # exponential
    shade: tuple[Num | None, Num | None] = (None, None)  # from, to (null: that side has no end)
    area: bool = True  # print the shaded area's size (false where a question asks for it)

    def check(self) -> None:
        if self.distribution == "normal" and not _f(self.sd) > 0:
            raise ValueError(f"sd must be positive, got {_f(self.sd):g}")
        if self.distribution == "uniform":
            _increasing((self.low, self.high), "low..high")
        if self.distribution == "exponential" and not _f(self.rate) > 0:
            raise ValueError(f"rate must be positive, got {_f(self.rate):g}")
        a, b = self.shade
        if a is not None and b is not None and not _f(a) < _f(b):
            raise ValueError(f"shade must run from a smaller value to a larger one, got [{_f(a):g}, {_f(b):g}]")


class CentralLimit(_Spec):
    """Histograms of sample means for growing sample sizes, approaching the normal curve (the CLT)."""

    kind: Literal["clt"]
    population: Literal["uniform", "exponential", "dice", "coin"] = "exponential"
    p: Num = 0.5  # coin: the chance of heads (1)
    sizes: tuple[int, ...] = Field(default=(1, 2, 5, 30), min_length=1, max_length=4)
    samples: int = Field(default=4000, ge=100, le=MAX_SAMPLES)

    def check(self) -> None:
        if any(not 1 <= n <= 1000 for n in self.sizes):
            raise ValueError("sample sizes from 1 to 1000")
        if list(self.sizes) != sorted(set(self.sizes)):
            raise ValueError("sample sizes must grow, each once")
        if self.population == "coin":
            _probability(self.p, "p", open_ends=True)


class Bayes(_Spec):
    """Bayes' rule as areas: a unit square split by the prior, each part by the test's rates."""

    kind: Literal["bayes"]
    prior: Num  # P(A)
    sensitivity: Num  # P(+ | A)
    false_positive: Num  # P(+ | not A)
    event: str = Field(default="A", max_length=24)  # what A is ("sick", "spam")
    evidence: str = Field(default="+", max_length=24)  # what the evidence is ("positive test")

    def check(self) -> None:
        _probability(self.prior, "prior", open_ends=True)
        _probability(self.sensitivity, "sensitivity")
        _probability(self.false_positive, "false_positive")
        if _f(self.sensitivity) == 0 and _f(self.false_positive) == 0:
            raise ValueError("sensitivity and false_positive are both 0: the evidence never happens")


FigureSpec = Annotated[
    Graph | Vectors | LinearMap | Eigenvectors | UnitCircle | GradientDescent | Density | CentralLimit | Bayes,
    Field(discriminator="kind"),
]
KINDS = ("graph", "vectors", "linear-map", "eigenvectors", "unit-circle", "gradient-descent", "density", "clt",
         "bayes")


def _walk(v: object, text: Any) -> object:
    """``v`` (a figure's dumped parameters) with ``text`` applied to every string in it."""
    if isinstance(v, str):
        return text(v)
    if isinstance(v, dict):
        return {k: _walk(x, text) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_walk(x, text) for x in v]
    return v


def strings(spec: BaseModel) -> list[str]:
    """Every text in a figure's parameters (for a template's placeholder search)."""
    out: list[str] = []
    _walk(spec.model_dump(), out.append)
    return out


def filled(spec: BaseModel, fill: Any) -> Any:
    """The figure with ``fill(text)`` applied to every text that has a placeholder (then checked again)."""
    return type(spec).model_validate(_walk(spec.model_dump(), lambda t: fill(t) if "{@" in t else t))
