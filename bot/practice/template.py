"""Template prompts: fresh numbers for every attempt.

A prompt may declare ``params`` (what to draw), ``let`` (values derived from them) and ``where`` (constraints
the draw must meet), all in the maths language the checker reads (:mod:`bot.practice.maths`), never Python.
Its texts are templates: ``{@ expr @}`` is replaced by the value of ``expr`` for the drawn parameters.

Parameters (one line each, in order; a bound may use the parameters before it)::

    a: 2..9                 # a whole number from 2 to 9
    b: -9..9 except 0       # ... leaving some out
    p: 1/10..9/10 by 1/10   # a range with a step (rationals)
    k: one of 2, 3, 5, 1/2  # one of a list
    v: vector(3, -5..5)     # 3 whole-number entries (v_1, v_2, v_3 are the entries)
    A: matrix(2, 2, -4..4 except 0)   # entries A_11, A_12, A_21, A_22

``let`` values are computed exactly (sympy) and may use whole vectors and matrices and the author functions
(``det dot transpose inv trace gcd lcm min max binomial sum mean floor ceil``). ``where`` lines are
relations (``a != c``, ``b^2 - 4*a*c > 0``, ``det(A) != 0``) or ``integer(expr)``.

A placeholder keeps the shape it is written in and folds what is constant: ``{@a(x + b) - c(x - d)@}`` shows
``3(x + 2) - 2(x - 1)`` and ``{@(a - c)*x + b@}`` shows ``x + 8``. Written forms are tidied as a teacher would
write them: ``x - 4`` not ``x + -4``, ``x`` not ``1x``, no ``+ 0`` terms; and so is the text around a
placeholder: ``{@a@}x + {@b@}`` with a = 1, b = -4 reads ``x - 4``. Inside ``$...$`` a value is LaTeX, outside
(and in the answer, the mistakes and the options) it is what a learner would type.

An instance is drawn from a seed (:func:`draw`): the same seed gives the same instance on every platform and
after a restart. Its parameters, as text, rebuild it (:func:`rebuild`), so a stored attempt can be shown again
exactly as it was asked.
"""

from __future__ import annotations

import hashlib
import json
import operator
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, reduce
from typing import Any

import sympy  # type: ignore[import-untyped]
from pydantic import ValidationError
from sympy.matrices.exceptions import NonInvertibleMatrixError, ShapeError  # type: ignore[import-untyped]

from bot.content.figures import filled
from bot.content.model import Mistake, Prompt
from bot.practice.display import ATOM, POWER, PRODUCT, latex, level, number_text
from bot.practice.maths import SYMPY_FUNCTIONS, Node, Unreadable, make_node, parse
from bot.render.unicode import iter_math_spans

MAX_TRIES = 200  # draws tried before giving up on the constraints (check-content keeps rejection rare)
MAX_RANGE = 100_000  # values in one range
MAX_ENTRIES = 25  # entries in one vector or matrix
PLACEHOLDER = re.compile(r"\{@(.*?)@\}", re.DOTALL)
NAME = re.compile(r"^[A-Za-z]+(_[A-Za-z0-9]+)?$")
RESERVED = frozenset({"e", "pi", "i"})


class TemplateError(ValueError):
    """A template that cannot be drawn or rendered (a content error: check-content reports it)."""


# ---------------------------------------------------------------- reading the template


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # range | choice | vector | matrix
    lo: Node | None = None
    hi: Node | None = None
    step: Node | None = None
    leave_out: tuple[Node, ...] = ()
    items: tuple[Node, ...] = ()
    shape: tuple[int, int] = (1, 1)  # rows, columns of a vector (n, 1) or matrix

    def entry_names(self) -> list[str]:
        if self.kind == "vector":
            return [f"{self.name}_{i + 1}" for i in range(self.shape[0])]
        if self.kind == "matrix":
            return [f"{self.name}_{i + 1}{j + 1}" for i in range(self.shape[0]) for j in range(self.shape[1])]
        return []


@dataclass(frozen=True)
class Constraint:
    text: str
    left: Node
    relation: str  # = != < <= > >= integer
    right: Node | None


@dataclass(frozen=True)
class Compiled:
    params: tuple[Param, ...]
    lets: tuple[tuple[str, Node], ...]
    where: tuple[Constraint, ...]
    names: tuple[str, ...]  # every name an expression may use: parameters, entries, lets, symbols
    symbols: tuple[str, ...]  # free variables (x in an expression answer)
    integers: bool  # every value shown is promised to be a whole number


def _expr(text: str, names: Sequence[str], what: str) -> Node:
    try:
        top = parse(str(text), names, author=True)
    except Unreadable as exc:
        raise TemplateError(f"{what}: cannot read {text!r}: {exc.reason}") from exc
    if len(top.args) != 1 or len(top.args[0]) != 1:
        raise TemplateError(f"{what}: {text!r} is not one value")
    return top.args[0][0]


_RANGE = re.compile(r"^(?P<lo>.+?)\.\.(?P<hi>.+?)(?:\s+by\s+(?P<step>.+?))?(?:\s+except\s+(?P<out>.+))?$")
_SHAPED = re.compile(r"^(?P<kind>vector|matrix)\((?P<dims>\s*\d+\s*(?:,\s*\d+\s*)?),(?P<range>.+)\)$")


def _split_list(text: str) -> list[str]:
    """Items separated by commas outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [s.strip() for s in out if s.strip()]


def _range(name: str, text: str, names: Sequence[str]) -> Param:
    m = _RANGE.match(text.strip())
    if m is None:
        raise TemplateError(f"parameter {name}: {text!r} is not a range like 1..9 (or 'one of 2, 3, 5')")
    what = f"parameter {name}"
    step = _expr(m["step"], names, what) if m["step"] else None
    out = tuple(_expr(t, names, what) for t in _split_list(m["out"])) if m["out"] else ()
    return Param(name, "range", _expr(m["lo"], names, what), _expr(m["hi"], names, what), step, out)


def _param(name: str, spec: Any, names: Sequence[str]) -> Param:
    text = str(spec).strip()
    if text.startswith("one of "):
        items = tuple(_expr(t, names, f"parameter {name}") for t in _split_list(text[7:]))
        if len(items) < 2:
            raise TemplateError(f"parameter {name}: 'one of' needs at least two values")
        return Param(name, "choice", items=items)
    m = _SHAPED.match(text)
    if m is not None:
        dims = [int(d) for d in m["dims"].split(",")]
        if m["kind"] == "vector" and len(dims) != 1 or m["kind"] == "matrix" and len(dims) != 2:
            raise TemplateError(f"parameter {name}: write vector(n, lo..hi) or matrix(rows, columns, lo..hi)")
        shape = (dims[0], 1) if m["kind"] == "vector" else (dims[0], dims[1])
        if not (1 <= shape[0] * shape[1] <= MAX_ENTRIES and shape[0] <= 9 and shape[1] <= 9):
            raise TemplateError(f"parameter {name}: at most {MAX_ENTRIES} entries, 9 a side")
        r = _range(name, m["range"], names)
        return Param(name, m["kind"], r.lo, r.hi, r.step, r.leave_out, shape=shape)
    if ".." in text:
        return _range(name, text, names)
    raise TemplateError(f"parameter {name}: {text!r} is not a range like 1..9, 'one of 2, 3, 5', "
                        "vector(3, -5..5) or matrix(2, 2, -5..5)")


_RELATION = re.compile(r"!=|≠|<=|≤|>=|≥|==|=|<|>")
_RELATIONS = {"≠": "!=", "≤": "<=", "≥": ">=", "==": "="}
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _constraint(text: str, names: Sequence[str]) -> Constraint:
    s = str(text).strip()
    m = re.fullmatch(r"integer\((.+)\)", s)
    if m is not None:
        return Constraint(s, _expr(m[1], names, f"where {s!r}"), "integer", None)
    parts = _RELATION.split(s)
    ops = _RELATION.findall(s)
    if len(ops) != 1:
        raise TemplateError(f"where {s!r}: write one relation (a != b, b^2 - 4*a*c > 0) or integer(expr)")
    rel = _RELATIONS.get(ops[0], ops[0])
    return Constraint(s, _expr(parts[0], names, f"where {s!r}"), rel, _expr(parts[1], names, f"where {s!r}"))


def _check_name(name: str, taken: set[str]) -> None:
    if not NAME.match(name) or name in RESERVED:
        raise TemplateError(f"{name!r} cannot be a name: use letters, optionally _ and a subscript (a, b_1, mu)")
    if name in taken:
        raise TemplateError(f"{name!r} is declared twice")
    taken.add(name)


@lru_cache(maxsize=2048)
def compile_prompt(prompt: Prompt) -> Compiled:
    """Read a template prompt's parameters, derived values and constraints (cached per prompt)."""
    symbols = tuple(prompt.symbols or prompt.answer.vars)
    taken: set[str] = set(symbols)
    names: list[str] = list(symbols)
    params = []
    for name, spec in prompt.params:
        _check_name(name, taken)
        p = _param(name, spec, names)
        params.append(p)
        names.append(name)
        for entry in p.entry_names():
            _check_name(entry, taken)
            names.append(entry)
    lets = []
    for name, text in prompt.let:
        _check_name(name, taken)
        lets.append((name, _expr(text, names, f"let {name}")))
        names.append(name)
    where = tuple(_constraint(w, names) for w in prompt.where)
    integers = prompt.integers
    if integers is None:
        integers = all(all(_whole(n) for n in (p.items if p.kind == "choice" else (p.lo, p.hi))) and p.step is None
                       for p in params)
    return Compiled(tuple(params), tuple(lets), where, tuple(names), symbols, integers)


def _whole(n: Node | None) -> bool:
    """A bound or item that is a whole number (one that depends on another parameter counts as whole)."""
    return n is not None and (n.fval is None or (isinstance(n.fval, float) and n.fval.is_integer()))


# ---------------------------------------------------------------- evaluating


Value = Any  # a sympy number or expression, or a sympy Matrix (vectors are n x 1)


def _mean(v: Value) -> Value:
    items = list(v) if isinstance(v, sympy.MatrixBase) else [v]
    return sympy.Add(*items) / len(items)


def _many(fn: Callable[..., Value]) -> Callable[..., Value]:
    """min(a, b), gcd(a, b) or min(v) of a vector's entries."""
    def apply(*args: Value) -> Value:
        items = [x for a in args for x in (list(a) if isinstance(a, sympy.MatrixBase) else [a])]
        return fn(*items) if len(items) > 1 else items[0]
    return apply


AUTHOR: dict[str, Callable[..., Value]] = {
    "det": lambda m: m.det(),
    "dot": lambda u, v: u.dot(v),
    "transpose": lambda m: m.T,
    "inv": lambda m: m.inv(),
    "trace": lambda m: m.trace(),
    "gcd": _many(lambda *xs: reduce(sympy.gcd, xs)),
    "lcm": _many(lambda *xs: reduce(sympy.lcm, xs)),
    "min": _many(sympy.Min),
    "max": _many(sympy.Max),
    "binomial": sympy.binomial,
    "sum": lambda v: sympy.Add(*list(v)) if isinstance(v, sympy.MatrixBase) else v,
    "mean": _mean,
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
}


def evaluate(node: Node, env: Mapping[str, Value]) -> Value:
    """The exact value of ``node`` with ``env``'s values for its names (a name not in ``env`` stays a symbol)."""
    op = node.op
    if op == "num":
        return sympy.Rational(node.val.numerator, node.val.denominator)
    if op == "var":
        return env[node.val] if node.val in env else sympy.Symbol(node.val)
    if op == "const":
        return sympy.pi if node.val == "pi" else sympy.E
    args = [evaluate(a, env) for a in node.args]
    try:
        if op == "add":
            return reduce(lambda p, q: p + q, args)
        if op == "neg":
            return -args[0]
        if op == "mul":
            acc = args[0] if node.val[0] > 0 else 1 / args[0]
            for a, s in zip(args[1:], node.val[1:], strict=True):
                acc = acc * a if s > 0 else acc / a
            return acc
        if op == "pow":
            return args[0] ** args[1]
        if op == "pct":
            return args[0] / 100
        if op == "deg":
            return args[0] * sympy.pi / 180
        if op == "fn":
            fn = AUTHOR.get(node.val) or SYMPY_FUNCTIONS[node.val]
            return fn(*args)
    except (ArithmeticError, TypeError, ValueError, AttributeError, ShapeError, NonInvertibleMatrixError) as exc:
        raise TemplateError(f"cannot compute it: {exc}") from exc
    raise TemplateError(f"cannot compute {op}")


def _finite(v: Value, what: str) -> Value:
    items = list(v) if isinstance(v, sympy.MatrixBase) else [v]
    for x in items:
        if isinstance(x, sympy.Rational):
            continue
        if x.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan) or x.has(sympy.I):
            raise TemplateError(f"{what} has no finite real value")
    return v


def _number(node: Node | None, env: Mapping[str, Value], what: str) -> Value:
    assert node is not None
    v = evaluate(node, env)
    if isinstance(v, sympy.MatrixBase) or not v.is_number or not v.is_real:
        raise TemplateError(f"{what} is not a number")
    return v


def _values(p: Param, env: Mapping[str, Value]) -> list[Value]:
    """A range's values (without the left-out ones)."""
    lo, hi = _number(p.lo, env, f"{p.name}'s lower bound"), _number(p.hi, env, f"{p.name}'s upper bound")
    step = _number(p.step, env, f"{p.name}'s step") if p.step is not None else sympy.Integer(1)
    if step <= 0:
        raise TemplateError(f"parameter {p.name}: the step must be positive")
    count = int(sympy.floor((hi - lo) / step)) + 1
    if count > MAX_RANGE:
        raise TemplateError(f"parameter {p.name}: more than {MAX_RANGE} values")
    out = {_number(n, env, f"{p.name}'s left-out value") for n in p.leave_out}
    values = [lo + k * step for k in range(max(count, 0))]
    return [v for v in values if v not in out]


def _draw_param(p: Param, env: Mapping[str, Value], rng: random.Random) -> Value:
    if p.kind == "choice":
        return evaluate(p.items[rng.randrange(len(p.items))], env)
    values = _values(p, env)
    if not values:
        raise TemplateError(f"parameter {p.name}: its range is empty")
    if p.kind == "range":
        return values[rng.randrange(len(values))]
    return sympy.Matrix(p.shape[0], p.shape[1], [values[rng.randrange(len(values))] for _ in range(p.shape[0] * p.shape[1])])


def _bind(p: Param, value: Value, env: dict[str, Value]) -> None:
    env[p.name] = value
    if isinstance(value, sympy.MatrixBase):
        for name, x in zip(p.entry_names(), list(value), strict=True):
            env[name] = x


def _holds(c: Constraint, env: Mapping[str, Value]) -> bool:
    left = evaluate(c.left, env)
    if c.relation == "integer":
        items = list(left) if isinstance(left, sympy.MatrixBase) else [left]
        return all(x.is_number and x.is_integer for x in items)
    assert c.right is not None
    right = evaluate(c.right, env)
    if c.relation in ("=", "!="):
        if isinstance(left, sympy.MatrixBase) or isinstance(right, sympy.MatrixBase):
            same = left == right
        else:
            diff = left - right
            same = diff == 0 if diff.is_number else sympy.simplify(diff) == 0
        return same if c.relation == "=" else not same
    if not (left.is_number and right.is_number):
        raise TemplateError(f"where {c.text!r}: both sides must be numbers")
    return bool(_ORDER[c.relation](left, right))


def derive(compiled: Compiled, params: Mapping[str, Value]) -> dict[str, Value]:
    """The parameters' values with their entries and the ``let`` values."""
    env: dict[str, Value] = {}
    for p in compiled.params:
        _bind(p, params[p.name], env)
    for name, node in compiled.lets:
        env[name] = _finite(evaluate(node, env), f"let {name}")
    return env


def seed_of(*key: object) -> int:
    """A seed from a key (learner, prompt, when it was opened; challenge and day), the same everywhere."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, key)).encode()).digest()[:8], "big")


def draw_values(compiled: Compiled, seed: int, rejected: dict[str, int] | None = None) -> dict[str, Value]:
    """Draw parameters until the constraints hold (``rejected`` counts the constraint each failed draw broke)."""
    rng = random.Random(seed)
    for _ in range(MAX_TRIES):
        params: dict[str, Value] = {}
        env: dict[str, Value] = {}
        for p in compiled.params:
            value = _draw_param(p, env, rng)
            params[p.name] = value
            _bind(p, value, env)
        try:
            env = derive(compiled, params)
        except TemplateError:
            broken: str | None = "(a let value with no finite value)"
        else:
            broken = next((c.text for c in compiled.where if not _holds(c, env)), None)
        if broken is None:
            return params
        if rejected is not None:
            rejected[broken] = rejected.get(broken, 0) + 1
    raise TemplateError(f"no draw met the constraints in {MAX_TRIES} tries")


# ---------------------------------------------------------------- showing values


class _Printer(sympy.printing.str.StrPrinter):
    """sympy values as a learner types them: ``2*sqrt(2)``, ``e^(2*x)``, ``x^2``."""

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_exp(self, expr: Any) -> str:
        return f"e^({self._print(expr.args[0])})"

    def _print_log(self, expr: Any) -> str:
        return f"ln({self._print(expr.args[0])})"


_PRINTER = _Printer({"order": "none"})


def _one(text: str, names: Sequence[str]) -> Node:
    top = parse(text, names)  # cached in maths.parse: the same values come back in every drawing
    return top.args[0][0]


def node_of(value: Value) -> Node:
    """A scalar sympy value as a checker tree (numbers exact, negatives as ``neg``)."""
    if isinstance(value, sympy.Rational):
        return _rational(int(value.p), int(value.q))
    text = _PRINTER.doprint(value).replace("**", "^")
    try:
        return _one(text, sorted(str(s) for s in value.free_symbols))
    except Unreadable as exc:
        raise TemplateError(f"cannot show the value {text!r}: {exc.reason}") from exc


@lru_cache(maxsize=4096)
def _rational(p: int, q: int) -> Node:
    n = make_node("num", (), Fraction(abs(p)))
    if q != 1:  # 3/4 as a fraction (a number node would show 0.75)
        n = make_node("mul", (n, make_node("num", (), Fraction(q))), (1, -1))
    return make_node("neg", (n,)) if p < 0 else n


def _num(n: Node) -> Fraction | None:
    """A plain number node's value (``neg`` of a number too)."""
    if n.op == "num":
        return n.val
    if n.op == "neg" and n.args[0].op == "num":
        return -n.args[0].val
    return None


def tidy(node: Node) -> Node:
    """A written form tidied as a teacher writes it: ``x - 4`` (not ``x + -4``), ``x`` (not ``1x``), no ``+ 0``
    terms or ``0x`` terms, ``x`` (not ``x^1``), ``--x`` is ``x``."""
    op = node.op
    if op in ("num", "var", "const", "list"):
        return node
    args = tuple(tidy(a) for a in node.args)
    if op == "neg":
        inner = args[0]
        if inner.op == "neg":
            return inner.args[0]
        if _num(inner) == 0:
            return inner
        return make_node("neg", (inner,))
    if op == "add":
        terms: list[Node] = []
        for t in args:
            if _num(t) == 0:
                continue
            terms.extend(t.args if t.op == "add" else (t,))
        if not terms:
            return make_node("num", (), Fraction(0))
        return terms[0] if len(terms) == 1 else make_node("add", tuple(terms))
    if op == "mul":
        pairs: list[tuple[Node, int]] = []
        for a, s in zip(args, node.val, strict=True):
            if a.op == "mul" and s > 0:  # a fraction folded in: 2/3 x is one product
                pairs.extend(zip(a.args, a.val, strict=True))
            elif a.op == "neg" and a.args[0].op == "mul" and s > 0:
                inner = a.args[0]
                pairs.extend([(make_node("neg", (inner.args[0],)), inner.val[0]), *zip(inner.args[1:], inner.val[1:], strict=True)])
            else:
                pairs.append((a, s))
        if any(s > 0 and _num(a) == 0 for a, s in pairs):
            return make_node("num", (), Fraction(0))
        sign = 1
        kept: list[tuple[Node, int]] = []
        for a, s in pairs:
            v = _num(a)
            if v is not None and abs(v) == 1:
                sign *= -1 if v < 0 else 1
                continue
            if a.op == "neg" and s > 0:
                sign, a = -sign, a.args[0]
            kept.append((a, s))
        if not kept:
            out = make_node("num", (), Fraction(1))
        elif all(s < 0 for _, s in kept):
            out = make_node("mul", (make_node("num", (), Fraction(1)), *(a for a, _ in kept)), (1, *(s for _, s in kept)))
        elif len(kept) == 1:
            out = kept[0][0]
        else:
            out = make_node("mul", tuple(a for a, _ in kept), tuple(s for _, s in kept))
        return make_node("neg", (out,)) if sign < 0 else out
    if op == "pow":
        base, exp = args
        e = _num(exp)
        if e == 1:
            return base
        if e == 0 or _num(base) == 1:
            return make_node("num", (), Fraction(1))
        return make_node("pow", (base, exp))
    return make_node(op, args, node.val, node.dec)


@lru_cache(maxsize=8192)
def _names_in(node: Node) -> frozenset[str]:
    if node.op == "var":
        return frozenset((node.val,))
    return frozenset(n for a in node.args for n in (_names_in(a) if isinstance(a, Node) else ()))


def fold(node: Node, env: Mapping[str, Value]) -> Node:
    """``node`` as written, with every part that the values in ``env`` make constant replaced by its value."""
    names = _names_in(node)
    if names <= env.keys() and node.op != "num":
        value = evaluate(node, env)
        if not isinstance(value, sympy.MatrixBase):
            return node_of(_finite(value, "a value"))
    if node.op in ("num", "var", "const"):
        return node
    if node.op == "mul":  # 2*p*q*x is one coefficient times x
        fixed = [(a, s) for a, s in zip(node.args, node.val, strict=True) if _scalar(a, env)]
        rest = [(a, s) for a, s in zip(node.args, node.val, strict=True) if not _scalar(a, env)]
        if len(fixed) > 1 and rest:
            coefficient = reduce(lambda acc, f: acc * f[0] if f[1] > 0 else acc / f[0],
                                 [(evaluate(a, env), s) for a, s in fixed], sympy.Integer(1))
            args = ((node_of(_finite(coefficient, "a value")), 1), *((fold(a, env), s) for a, s in rest))
            return make_node("mul", tuple(a for a, _ in args), tuple(s for _, s in args))
    return make_node(node.op, tuple(fold(a, env) for a in node.args), node.val, node.dec)


def _scalar(node: Node, env: Mapping[str, Value]) -> bool:
    names = _names_in(node)
    return names <= env.keys() and not any(isinstance(env[n], sympy.MatrixBase) for n in names)


def plain(node: Node) -> str:
    """A tree as a learner types it (``4*x^2 - 12*x + 9``, ``-3/4``): what the checker reads back."""
    def wrap(n: Node, at_least: int) -> str:
        s = plain(n)
        return f"({s})" if level(n) < at_least else s

    op, a = node.op, node.args
    if op == "num":  # whole, or a decimal as written (a fraction is a product: 3/4)
        return number_text(node)
    if op == "var":
        return node.val
    if op == "const":
        return node.val
    if op == "add":
        out = plain(a[0])
        for t in a[1:]:
            out += f" - {wrap(t.args[0], PRODUCT)}" if t.op == "neg" else f" + {plain(t)}"
        return out
    if op == "neg":
        return "-" + wrap(a[0], PRODUCT)
    if op == "mul":
        out = wrap(a[0], PRODUCT + 1) if node.val[0] > 0 else "1/" + wrap(a[0], POWER)
        for f, s in zip(a[1:], node.val[1:], strict=True):
            out += ("*" if s > 0 else "/") + wrap(f, PRODUCT + 1 if s > 0 else POWER)
        return out
    if op == "pow":
        return f"{wrap(a[0], ATOM)}^{wrap(a[1], ATOM)}"
    if op == "pct":
        return wrap(a[0], ATOM) + "%"
    if op == "deg":
        return wrap(a[0], ATOM) + "°"
    if op == "fn":
        if node.val == "factorial":
            return wrap(a[0], ATOM) + "!"
        return f"{node.val}({', '.join(plain(x) for x in a)})"
    raise TemplateError(f"cannot show {op}")


def _matrix(value: Value, math: bool) -> str:
    show = (lambda x: latex(tidy(node_of(x)))) if math else (lambda x: plain(tidy(node_of(x))))
    rows = [[show(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
    if value.cols == 1:
        return "[" + ", ".join(r[0] for r in rows) + "]"
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"


# ---------------------------------------------------------------- filling in the texts


@lru_cache(maxsize=4096)
def _placeholder(expr: str, names: tuple[str, ...]) -> Node:
    return _expr(expr.strip(), names, f"placeholder {{@{expr.strip()}@}}")


_COEFFICIENT_NEXT = re.compile(r"[A-Za-z(]|\\(?!cdot|times|,|;|quad|qquad|\s)")
_OPERAND_END = re.compile(r"[\w)}\]|!]$")


def fill(text: str, compiled: Compiled, env: Mapping[str, Value], *, math: bool | None = None,
         fractions: list[str] | None = None) -> str:
    """``text`` with each ``{@expr@}`` replaced by its value; ``math`` None: LaTeX inside ``$...$``, plain
    outside; True / False: always one of them. ``fractions`` collects the placeholders whose value is a number
    but not a whole one (for check-content)."""
    if "{@" not in text:
        return text
    spans = [(start, end) for start, end, _ in iter_math_spans(text)] if math is None else []
    out = ""
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        before = text[pos:m.start()]
        out += before
        pos = m.end()
        in_math = math if math is not None else any(start < m.start() < end for start, end in spans)
        node = _placeholder(m[1], compiled.names)
        try:
            value = evaluate(node, env)
            if isinstance(value, sympy.MatrixBase):
                shown, single = _matrix(value, in_math), True
            else:
                if fractions is not None and value.is_number and not value.is_integer:
                    fractions.append(m[0])
                folded = tidy(fold(node, env))
                shown, single = (latex(folded) if in_math else plain(folded)), folded.op != "add"
        except (TemplateError, Unreadable) as exc:
            raise TemplateError(f"{m[0]}: {exc}") from exc
        after = text[pos:pos + 12]
        if (shown in ("1", "-1") and (in_math or math is False) and _COEFFICIENT_NEXT.match(after)
                and not _OPERAND_END.search(out[-1:] or " ")):
            shown = shown[:-1]  # 1x is x, -1x is -x (in maths and answers; prose keeps "1st")
        head = out.rstrip()
        if shown.startswith("-") and head.endswith("+") and single:
            out, shown = head[:-1] + "-" + out[len(head):], shown[1:].lstrip()
        elif shown.startswith("-") and head.endswith("-"):
            if not single:
                shown = f"({shown})"
            elif _OPERAND_END.search(head[:-1].rstrip() or " "):
                out, shown = head[:-1] + "+" + out[len(head):], shown[1:].lstrip()
            else:
                out, shown = head[:-1] + out[len(head):], shown[1:].lstrip()
        elif shown.startswith("-") and re.search(r"(\\cdot|\\times|\*)$", head):
            shown = f"({shown})"  # 3 · (-2)
        out += shown
    return out + text[pos:]


@dataclass(frozen=True)
class Instance:
    """One drawing of a prompt: the prompt as the learner sees it and the parameters that made it (as text)."""

    prompt: Prompt
    params: Mapping[str, str]

    @property
    def stored(self) -> str:
        """The parameters as stored with an attempt (``""`` for a fixed prompt)."""
        return json.dumps(dict(self.params), separators=(",", ":")) if self.params else ""


def _as_text(value: Value) -> str:
    return _matrix(value, False) if isinstance(value, sympy.MatrixBase) else plain(tidy(node_of(value)))


def render(prompt: Prompt, params: Mapping[str, Value], fractions: list[str] | None = None) -> Instance:
    """The prompt with every text filled in for ``params``."""
    compiled = compile_prompt(prompt)
    env = derive(compiled, params)

    def f(text: str, math: bool | None = None) -> str:
        return fill(text, compiled, env, math=math, fractions=fractions)

    a = prompt.answer
    answer = a.model_copy(update={
        "value": f(a.value, None if a.kind == "choice" else False),
        "options": tuple(f(o) for o in a.options),
    })
    concrete = prompt.model_copy(update={
        "question": f(prompt.question),
        "hints": tuple(f(h) for h in prompt.hints),
        "solution": f(prompt.solution),
        "mistakes": tuple(Mistake(answer=fill(m.answer, compiled, env, math=False), hint=f(m.hint))
                          for m in prompt.mistakes),  # a wrong answer may be a fraction: not under the promise
        "answer": answer, "params": (), "let": (), "where": (), "symbols": (), "integers": None,
        "figure": None if prompt.figure is None else _figure(prompt.figure, lambda t: f(t, False)),
    })
    return Instance(concrete, {p.name: _as_text(params[p.name]) for p in compiled.params})


def _figure(spec: Any, fill_text: Callable[[str], str]) -> Any:
    """A template's figure for one instance: its placeholders filled in, its parameters checked again."""
    try:
        return filled(spec, fill_text)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise TemplateError(f"figure {where}: {err['msg'].removeprefix('Value error, ')}") from exc


def draw(prompt: Prompt, seed: int) -> Instance:
    """A fresh instance of a template prompt for ``seed`` (a fixed prompt is its own instance)."""
    if not prompt.params:
        return Instance(prompt, {})
    return render(prompt, draw_values(compile_prompt(prompt), seed))


def _value_from_text(p: Param, text: str) -> Value:
    if p.kind in ("vector", "matrix"):
        top = parse(text, list_mode=True)
        inner = top.args[0][0]  # [[1, 2], [3, 4]] or [1, 2]
        items = inner.args[0] if inner.op == "list" and len(inner.args) == 1 else ()
        if items and all(x.op == "list" for x in items):
            rows = [x.args[0] for x in items]
        else:
            rows = [items]
        flat = [evaluate(x, {}) for row in rows for x in row]
        shape = (len(flat), 1) if p.kind == "vector" else (len(rows), len(rows[0]))
        if shape != p.shape:
            raise TemplateError(f"{p.name} has the wrong shape")
        return sympy.Matrix(shape[0], shape[1], flat)
    return evaluate(_one(text, ()), {})


def rebuild(prompt: Prompt, stored: str) -> Instance:
    """The instance whose parameters were stored (``Instance.stored``); TemplateError if they no longer fit."""
    compiled = compile_prompt(prompt)
    try:
        raw = json.loads(stored)
        params = {p.name: _value_from_text(p, str(raw[p.name])) for p in compiled.params}
    except (ValueError, KeyError, TypeError, IndexError, Unreadable) as exc:
        raise TemplateError(f"stored parameters {stored[:80]!r} do not fit {prompt.id}") from exc
    return render(prompt, params)


def instance(prompt: Prompt, stored: str | None, *seed_key: object) -> Instance:
    """The instance stored with an attempt, or (none stored, or it no longer fits the template) the one drawn
    for ``seed_key``."""
    if not prompt.params:
        return Instance(prompt, {})
    if stored:
        try:
            return rebuild(prompt, stored)
        except TemplateError:
            pass
    return draw(prompt, seed_of(prompt.id, *seed_key))


def check_template(prompt: Prompt) -> str:
    """What is wrong with a template's declarations or placeholders ("" if nothing); one draw is tried."""
    try:
        compiled = compile_prompt(prompt)
        for m in PLACEHOLDER.finditer(prompt.text()):
            _placeholder(m[1], compiled.names)
        draw(prompt, 0)
    except TemplateError as exc:
        return str(exc)
    return ""


# ---------------------------------------------------------------- check-content: sampling a template

SAMPLES = 200  # instances check-content draws of each template
MAX_REJECTED = 0.01  # a constraint may reject at most this share of draws (work backwards from a nice answer)
FEW = 10  # instances the slow checks (drawing every formula) see
STATES_ANSWER = 0.5  # a hint showing the answer in more than this share of instances states it
_UGLY = (
    (re.compile(r"\+\s*-(?!\s*>)"), "'+ -'"),
    (re.compile(r"(?<![\w)}\]])-\s*-|[\w)}\]]\s*-\s+-"), "'- -'"),
    (re.compile(r"(?<![\w.\\{^_])1(?=[a-zA-Z(]|\\(?!cdot|times|,|;|quad|%))"), "a coefficient 1"),
    (re.compile(r"(?<![\w.\\{^_])0(?=[a-zA-Z(])"), "a coefficient 0"),
    (re.compile(r"[+-]\s*0\s*(?=$|[)=+\-,\]}])"), "a '+ 0' term"),
    (re.compile(r"\^(?:\{\s*1\s*\}|1(?![\d./]))"), "a power of 1"),
    (re.compile(r"\^(?:-?\d{2,}|-\d)"), "a power without braces (write x^{@n@} inside {...})"),
)


def _space(compiled: Compiled, env: Mapping[str, Value]) -> int:
    """How many different parameter draws there are (bounds that depend on others taken at ``env``)."""
    size = 1
    for p in compiled.params:
        if p.kind == "choice":
            size *= len(p.items)
            continue
        n = len(_values(p, env))
        size *= n ** (p.shape[0] * p.shape[1])
    return size


def _token_in(needle: str, text: str) -> bool:
    return bool(needle) and re.search(rf"(?<![\w.]){re.escape(needle)}(?!\w|\.\d)", text) is not None


def sample_problems(prompt: Prompt, checks: Sequence[Callable[[Prompt], list[str]]] = (),
                    few: Sequence[Callable[[Prompt], list[str]]] = (), n: int = SAMPLES) -> list[str]:
    """What check-content reports about a template after drawing ``n`` instances (each problem once, with
    the parameters of an instance that shows it): constraints that reject more than 1 % of draws, instances
    the ``checks`` (``few``: on the first ten instances only) fault (the checker rejects the canonical answer, accepts a listed mistake...), numbers that
    are not whole where the template promises whole numbers, untidy signs and coefficients, a hint that
    states the answer, and far fewer different instances than the parameters allow."""
    from bot.practice.check import answer_latex

    if not prompt.params:
        return []
    try:
        compiled = compile_prompt(prompt)
    except TemplateError as exc:
        return [str(exc)]
    found: dict[str, str] = {}

    def report(key: str, message: str) -> None:
        found.setdefault(key, message)

    rejected: dict[str, int] = {}
    questions: set[str] = set()
    states = [0] * len(prompt.hints)
    space = 0
    for k in range(n):
        try:
            params = draw_values(compiled, seed_of(prompt.id, "check-content", k), rejected)
            fractions: list[str] = []
            inst = render(prompt, params, fractions)
        except TemplateError as exc:
            report(f"error {exc}", str(exc))
            continue
        shown = ", ".join(f"{k2} = {v}" for k2, v in inst.params.items())
        if not space:
            space = _space(compiled, derive(compiled, params))
        concrete = inst.prompt
        questions.add(concrete.question)
        if compiled.integers and fractions:
            report("fractions", f"{fractions[0]} is not a whole number when {shown}, but the template promises "
                                "whole numbers (fix the parameters, or set integers: false if fractions are meant)")
        for text in (concrete.question, concrete.solution, *concrete.hints, *(m.hint for m in concrete.mistakes)):
            for _, _, span in iter_math_spans(text):
                for pattern, what in _UGLY:
                    if pattern.search(span):
                        report(f"ugly {what}", f"untidy maths when {shown}: {what} in ${span}$")
        try:
            Prompt.model_validate(concrete.model_dump())
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "the prompt"
            report("invalid", f"an instance is not a valid prompt when {shown}: {where}: "
                              f"{err['msg'].removeprefix('Value error, ')}")
        for check in (*checks, *(few if k < FEW else ())):
            for problem in check(concrete):
                report(f"check {problem.split(':')[0][:40]}", f"{problem} (when {shown})")
        if concrete.answer.kind not in ("choice", "self"):
            said = (concrete.answer.value, answer_latex(concrete.answer) or "")
            for i, h in enumerate(concrete.hints):
                states[i] += any(_token_in(a, h) for a in said)
    total = n + sum(rejected.values())
    for text, count in rejected.items():
        if count / total > MAX_REJECTED:
            report(f"where {text}", f"where {text!r} rejects {count / total:.0%} of draws (more than "
                                    f"{MAX_REJECTED:.0%}): narrow the parameters or work backwards from the answer")
    for i, count in enumerate(states):
        if count > STATES_ANSWER * n:
            report(f"hint {i}", f"hint {i + 1} states the answer in {count} of {n} instances")
    if space:
        expected = space * (1 - (1 - 1 / space) ** n)
        repeats, expected_repeats = n - len(questions), n - expected
        if repeats > 3 * expected_repeats + 0.5:
            report("repeats", f"only {len(questions)} different questions in {n} draws, where its {space:,} "
                              f"parameter draws should give about {expected:.0f}: a parameter the question "
                              "does not show?")
    return list(found.values())
