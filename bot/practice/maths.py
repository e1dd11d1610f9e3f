"""A small, bounded reader for the maths learners type, and evaluators for what it reads.

Nothing here evaluates text as code. A hand-written tokenizer and recursive-descent parser accept only
numbers, the declared variables, the constants ``pi``/``e``, a whitelist of functions, arithmetic operators,
brackets and list separators; anything else is :class:`Unreadable` with a reason a learner can act on.

Hard limits keep every input cheap: length (checked by the caller), nesting depth, node count, digits per
literal, scientific exponents, exponents of powers, factorial arguments, the magnitude of every constant
(it must fit a float) and an estimate of the digits exact arithmetic would produce. Because every constant
sub-expression is folded to a float while parsing, those limits are checked before anything expensive runs.

Readings follow what a mathematician means:

- implicit multiplication: ``2x``, ``2(x+1)``, ``(x+1)(x-1)``, ``x sin x``; ``xy`` is ``x*y`` when both are
  declared; a number directly after something else (``x2``, ``2 3``) is refused as ambiguous;
- ``^`` and ``**`` are powers (right-associative, ``-x^2`` is ``-(x^2)``), superscripts ``x²`` ``x⁻¹`` too;
- ``e^2x`` and ``1/2x`` are refused as ambiguous (write ``e^(2x)`` or ``e^2*x``);
- functions take a bracketed argument (``sin(x)^2`` is ``(sin x)^2``) or a bare one that runs over a
  product written without spaces (``sin 2x`` is ``sin(2x)``; ``ln x + 1`` is ``ln(x) + 1``; ``cos x e^x``
  is ``cos(x)*e^x``); ``sin^2 x``, ``sin^-1 x``, ``log_2 8``, ``log(8, 2)``, ``√2``, ``|x|``, ``n!`` and
  ``50%`` are understood, and so are degrees: ``30°``, ``30 deg`` (``x*pi/180``);
- unicode ``× · ÷ − π √ ²`` and Greek letters for Greek-named variables are read as their ASCII meaning.

Lists (vectors, matrices, sets) are brackets ``[..]``/``(..)``/``{..}`` or bare, with ``,`` between entries,
``;`` or a new line between rows, and, in list answers, spaces between entries (``1 2; 3 4``, ``[1 -2]``).
"""

from __future__ import annotations

import cmath
import math
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy

MAX_DEPTH = 24  # brackets, function arguments and exponents nested in one another
MAX_NODES = 300
MAX_ITEMS = 100  # entries in one list answer
MAX_LITERAL_DIGITS = 40
MAX_SCI_EXPONENT = 100  # 1e100 is fine, 1e101 is not
MAX_EXPONENT = 1000  # |n| in x^n when n is a constant
MAX_FACTORIAL = 170  # the largest n with n! below 1e308
MAX_DIGITS = 5000  # estimated digits of exact numbers (sympy / Fraction)
MAX_PM = 3  # "±" signs in one set answer

FUNCTIONS = frozenset(
    "sqrt exp ln log sin cos tan asin acos atan sinh cosh tanh abs factorial".split()
)
FUNCTION_ALIASES = {
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "fact": "factorial", "Abs": "abs",
}
# Functions only content authors use, in templates (:mod:`bot.practice.template`): learners' answers never
# read them. They take whole vectors and matrices or several values; the template evaluates them.
AUTHOR_FUNCTIONS = frozenset(
    "det dot transpose inv trace gcd lcm min max binomial sum mean floor ceil".split()
)
CONSTANTS = {"pi": "pi", "π": "pi", "e": "e"}
WORD_SEPARATORS = frozenset({"or", "and"})

GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ρ": "rho",
    "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}

_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9",
    "⁺": "+", "⁻": "-", "⁽": "(", "⁾": ")", "ⁿ": "n", "ˣ": "x", "ʸ": "y", "ᵏ": "k", "ᵗ": "t", "ᵉ": "e",
    "ᵀ": "T",  # xᵉ is x^e and Aᵀ is A^T, not xe and AT (NFKC's reading)
}
_SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9"}
_DEGREE_LOOKALIKES = str.maketrans({"º": "°", "˚": "°", "∘": "°"})  # before NFKC, which makes º an "o"
_CHAR_MAP = str.maketrans({
    "×": "*", "·": "*", "⋅": "*", "∙": "*", "∗": "*", "✕": "*", "✖": "*",
    "÷": "/", "∕": "/", "⁄": "/",
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "﹣": "-", "－": "-",
    "∣": "|", "｜": "|",
    "⟨": "(", "⟩": ")",
    "\t": " ", "\r": "\n", "\u00a0": " ", "\u2028": "\n",
})


class Unreadable(Exception):  # noqa: N818 - a verdict, not a programming error
    """The text cannot be read as maths; ``reason`` is shown to the learner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EvalError(Exception):
    """An expression has no finite value at a point (division by zero, overflow, a pole...)."""


# --------------------------------------------------------------------------------------------- the tree


@dataclass(frozen=True, slots=True)
class Node:
    """One node of a parsed expression.

    ``op`` is one of: num (``val`` a Fraction, ``dec`` the decimals shown or None for an integer literal),
    var (``val`` its name), const (``val`` 'pi' or 'e'), add (``args`` the terms), neg, mul (``args`` the
    factors, ``val`` a tuple of +1/-1: multiply or divide), pow, fn (``val`` the function name; ``args`` the
    argument, and for log an optional base), pct (x/100), deg (x degrees: x*pi/180), list (``val`` the bracket, ``args`` the rows, each
    a tuple of nodes).

    ``fval`` is the float (or complex) value of a constant sub-expression, None when it involves a variable;
    ``digits`` estimates how many digits exact arithmetic on it would produce; ``size`` counts nodes.
    """

    op: str
    args: tuple[Any, ...] = ()
    val: Any = None
    dec: int | None = None
    fval: complex | float | None = None
    digits: int = 0
    size: int = 1

    @property
    def const(self) -> bool:
        return self.fval is not None


def _int_value(v: complex | float | None) -> int | None:
    """The integer a constant's float value is (within rounding), or None."""
    if v is None:
        return None
    if isinstance(v, complex):
        if abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
            return None
        v = v.real
    r = round(v)
    return int(r) if abs(v - r) <= 1e-9 * max(1.0, abs(v)) else None


# ------------------------------------------------------------------------------------ float evaluation


def _finite(v: complex | float) -> complex | float:
    if isinstance(v, complex):
        if not (math.isfinite(v.real) and math.isfinite(v.imag)):
            raise EvalError("not finite")
        if v.imag == 0.0:
            return v.real
    elif not math.isfinite(v):
        raise EvalError("not finite")
    return v


def _fpow(a: complex | float, b: complex | float) -> complex | float:
    if not isinstance(a, complex) and not isinstance(b, complex):
        if a > 0:
            return math.pow(a, b)
        if a == 0:
            if b > 0:
                return 0.0
            raise EvalError("0 to a power <= 0")
        if b == int(b):
            return math.pow(a, b)
    if a == 0:
        if b.real > 0:
            return 0.0
        raise EvalError("0 to a power <= 0")
    return cmath.exp(b * cmath.log(a))


def _real(v: complex | float) -> float | None:
    return v if not isinstance(v, complex) else None


def _fsqrt(a: complex | float) -> complex | float:
    r = _real(a)
    return math.sqrt(r) if r is not None and r >= 0 else cmath.sqrt(a)


def _fln(a: complex | float) -> complex | float:
    if a == 0:
        raise EvalError("log of 0")
    r = _real(a)
    return math.log(r) if r is not None and r > 0 else cmath.log(a)


def _fasin(a: complex | float) -> complex | float:
    r = _real(a)
    return math.asin(r) if r is not None and -1 <= r <= 1 else cmath.asin(a)


def _facos(a: complex | float) -> complex | float:
    r = _real(a)
    return math.acos(r) if r is not None and -1 <= r <= 1 else cmath.acos(a)


def _ffactorial(a: complex | float) -> float:
    r = _real(a)
    if r is None:
        raise EvalError("factorial of a complex number")
    return math.gamma(r + 1)


def _real_or_complex(real_fn: Callable[[float], float], complex_fn: Callable[[complex], complex]):
    def f(a: complex | float) -> complex | float:
        return complex_fn(a) if isinstance(a, complex) else real_fn(a)

    return f


FLOAT_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "sqrt": _fsqrt,
    "exp": _real_or_complex(math.exp, cmath.exp),
    "ln": _fln,
    "log": _fln,
    "sin": _real_or_complex(math.sin, cmath.sin),
    "cos": _real_or_complex(math.cos, cmath.cos),
    "tan": _real_or_complex(math.tan, cmath.tan),
    "asin": _fasin,
    "acos": _facos,
    "atan": _real_or_complex(math.atan, cmath.atan),
    "sinh": _real_or_complex(math.sinh, cmath.sinh),
    "cosh": _real_or_complex(math.cosh, cmath.cosh),
    "tanh": _real_or_complex(math.tanh, cmath.tanh),
    "abs": abs,
    "factorial": _ffactorial,
}
FLOAT_CONSTANTS = {"pi": math.pi, "e": math.e}


def _fapply(op: str, node: Node, vals: Sequence[complex | float]) -> complex | float:
    """Apply one node's operation to its children's float values."""
    try:
        if op == "add":
            if any(isinstance(v, complex) for v in vals):
                return _finite(sum(vals))
            return _finite(math.fsum(vals))  # type: ignore[arg-type]
        if op == "neg":
            return -vals[0]
        if op == "mul":
            acc: complex | float = 1.0
            for v, s in zip(vals, node.val, strict=True):
                if s > 0:
                    acc = acc * v
                elif v == 0:
                    raise EvalError("division by zero")
                else:
                    acc = acc / v
            return _finite(acc)
        if op == "pow":
            return _finite(_fpow(vals[0], vals[1]))
        if op == "pct":
            return vals[0] / 100
        if op == "deg":
            return vals[0] * (math.pi / 180)
        if op == "fn":
            v = FLOAT_FUNCTIONS[node.val](vals[0])
            if len(vals) == 2:
                base = _fln(vals[1])
                if base == 0:
                    raise EvalError("log base 1")
                v = v / base
            return _finite(v)
    except (ArithmeticError, ValueError) as exc:  # OverflowError, ZeroDivisionError, math domain errors
        raise EvalError(str(exc)) from exc
    raise AssertionError(f"unknown node {op}")


def feval(node: Node, env: dict[str, float], mag: list[float] | None = None) -> complex | float:
    """Float/complex value of ``node`` with variables from ``env``; raises EvalError where undefined.

    ``mag`` (a one-element list), when given, accumulates the largest magnitude added or subtracted,
    which tells how many digits a high-precision re-evaluation needs to survive cancellation.
    """
    if node.fval is not None:
        return node.fval
    op = node.op
    if op == "var":
        return env[node.val]
    vals = [feval(a, env, mag) for a in node.args]
    if mag is not None and op == "add":
        mag[0] = max(mag[0], *(abs(v) for v in vals))
    return _fapply(op, node, vals)


# --------------------------------------------------------------------------------- mpmath evaluation

_local = threading.local()


def mp_context(dps: int) -> Any:
    """A per-thread mpmath context (mpmath's global one is shared state) set to ``dps`` digits."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        from mpmath.ctx_mp import MPContext

        ctx = _local.ctx = MPContext()
    ctx.dps = dps
    return ctx


def mpeval(node: Node, env: dict[str, float], ctx: Any) -> Any:
    """High-precision value of ``node`` (mpf or mpc); raises EvalError where undefined.

    Only called on nodes whose float evaluation succeeded at the same point (or on folded constants), so
    magnitudes are bounded by the float range.
    """
    op = node.op
    try:
        if op == "num":
            return ctx.mpf(node.val.numerator) / node.val.denominator
        if op == "const":
            return ctx.pi if node.val == "pi" else ctx.e
        if op == "var":
            return ctx.mpf(env[node.val])
        vals = [mpeval(a, env, ctx) for a in node.args]
        if op == "add":
            return ctx.fsum(vals)
        if op == "neg":
            return -vals[0]
        if op == "mul":
            acc = ctx.mpf(1)
            for v, s in zip(vals, node.val, strict=True):
                if s < 0 and v == 0:
                    raise EvalError("division by zero")
                acc = acc * v if s > 0 else acc / v
            return acc
        if op == "pow":
            if vals[0] == 0 and ctx.re(vals[1]) <= 0:
                raise EvalError("0 to a power <= 0")
            return ctx.power(vals[0], vals[1])
        if op == "pct":
            return vals[0] / 100
        if op == "deg":
            return vals[0] * ctx.pi / 180
        if op == "fn":
            name = node.val
            a = vals[0]
            if name in ("ln", "log"):
                if a == 0:
                    raise EvalError("log of 0")
                v = ctx.ln(a)
                if len(vals) == 2:
                    if vals[1] == 0 or vals[1] == 1:
                        raise EvalError("bad log base")
                    v = v / ctx.ln(vals[1])
                return v
            if name == "abs":
                return abs(a)
            if name == "factorial":
                if ctx.im(a) != 0:
                    raise EvalError("factorial of a complex number")
                return ctx.gamma(a + 1)
            return getattr(ctx, name)(a)
    except (ArithmeticError, ValueError) as exc:
        raise EvalError(str(exc)) from exc
    raise AssertionError(f"unknown node {op}")


# ------------------------------------------------------------------------------------ exact evaluation


def exact(node: Node) -> Fraction | None:
    """The exact rational value of a constant built from rationals by + - * / and integer powers, else None."""
    op = node.op
    if node.fval is None:
        return None
    if op == "num":
        return node.val
    if op in ("neg", "pct"):
        v = exact(node.args[0])
        if v is None:
            return None
        return -v if op == "neg" else v / 100
    if op == "add":
        total = Fraction(0)
        for a in node.args:
            v = exact(a)
            if v is None:
                return None
            total += v
        return total
    if op == "mul":
        acc = Fraction(1)
        for a, s in zip(node.args, node.val, strict=True):
            v = exact(a)
            if v is None or (s < 0 and v == 0):
                return None
            acc = acc * v if s > 0 else acc / v
        return acc
    if op == "pow":
        n = exact(node.args[1])
        if n is None or n.denominator != 1:
            return None
        b = exact(node.args[0])
        if b is None or (b == 0 and n <= 0):
            return None
        return b ** int(n)  # |n| <= MAX_EXPONENT and digits are bounded by the parser
    return None


# ------------------------------------------------------------------------------------------- sympy


SYMPY_FUNCTIONS: dict[str, Any] = {  # every name in FUNCTIONS; all but sqrt are sympy classes
    "sqrt": sympy.sqrt, "exp": sympy.exp, "ln": sympy.log, "log": sympy.log, "sin": sympy.sin,
    "cos": sympy.cos, "tan": sympy.tan, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "abs": sympy.Abs,
    "factorial": sympy.factorial,
}


def to_sympy(node: Node) -> Any:
    """Build the sympy object for ``node`` directly from the tree (never from text)."""
    op = node.op
    if op == "num":
        return sympy.Rational(node.val.numerator, node.val.denominator)
    if op == "var":
        return sympy.Symbol(node.val)
    if op == "const":
        return sympy.pi if node.val == "pi" else sympy.E
    if op == "list":
        raise Unreadable("a list cannot be used inside a formula")
    args = [to_sympy(a) for a in node.args]
    if op == "add":
        return sympy.Add(*args)
    if op == "neg":
        return -args[0]
    if op == "mul":
        return sympy.Mul(*[a if s > 0 else sympy.Pow(a, -1) for a, s in zip(args, node.val, strict=True)])
    if op == "pow":
        return sympy.Pow(args[0], args[1])
    if op == "pct":
        return args[0] / 100
    if op == "deg":
        return args[0] * sympy.pi / 180
    if op == "fn":
        return SYMPY_FUNCTIONS[node.val](*args)
    raise AssertionError(f"unknown node {op}")


@lru_cache(maxsize=4096)
def sympy_of(node: Node) -> Any:
    """:func:`to_sympy`, cached (nodes are immutable): the checker and the form rules convert the same trees."""
    return to_sympy(node)


# ------------------------------------------------------------------------------------------ tokenizer


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # num var const fn name op ( ) [ ] { } , ; | pm end
    val: Any
    text: str
    sp: bool  # whitespace before it


def normalise(text: str) -> str:
    """Unicode to the ASCII forms the tokenizer reads (superscripts become ^(...), subscripts _n)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SUPERSCRIPTS:
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            out.append("^(" + "".join(_SUPERSCRIPTS[ch] for ch in text[i:j]) + ")")
            i = j
            continue
        out.append("_" + _SUBSCRIPTS[c] if c in _SUBSCRIPTS else c)
        i += 1
    s = unicodedata.normalize("NFKC", "".join(out).translate(_DEGREE_LOOKALIKES))
    return s.translate(_CHAR_MAP)


def _names_for(variables: Sequence[str], author: bool = False) -> dict[str, tuple[str, Any]]:
    names: dict[str, tuple[str, Any]] = {}
    for f in FUNCTIONS | (AUTHOR_FUNCTIONS if author else frozenset()):
        names[f] = ("fn", (f, None))
    for alias, f in FUNCTION_ALIASES.items():
        names[alias] = ("fn", (f, None))
    for word in ("deg", "degree", "degrees"):
        names[word] = ("op", "°")  # 30 deg, 30 degrees: the degree sign
    names["log10"] = ("fn", ("log", 10))
    names["log2"] = ("fn", ("log", 2))
    for c, v in CONSTANTS.items():
        names[c] = ("const", v)
    for v in variables:
        names[v] = ("var", v)
        if v in GREEK:
            names[GREEK[v]] = ("var", v)
        for ch, word in GREEK.items():
            if word == v:
                names[ch] = ("var", v)
    return names


def _segment(run: str, names: dict[str, tuple[str, Any]], longest: int) -> list[tuple[str, Any]] | None:
    """Split a run of letters into known names, fewest pieces first (``exp`` not ``e*x*p``)."""
    n = len(run)
    best: list[list[tuple[str, Any]] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + longest) + 1):
            hit = names.get(run[i:j])
            if hit is not None:
                cand = best[i] + [hit]  # type: ignore[operator]
                if best[j] is None or len(cand) < len(best[j]):  # type: ignore[arg-type]
                    best[j] = cand
    return best[n]


_CONTINUES_LIST = frozenset({";", ",", "(", "[", "{"})  # a line break after these is a space


def tokenize(text: str, variables: Sequence[str], list_mode: bool, author: bool = False) -> list[Tok]:
    names = _names_for(variables, author)
    lower: dict[str, list[tuple[str, Any]]] = {}
    for name, hit in names.items():
        lower.setdefault(name.lower(), []).append(hit)
    lower_names = {name: hits[0] for name, hits in lower.items() if len(hits) == 1}
    longest = max(len(name) for name in names)
    toks: list[Tok] = []
    i, n = 0, len(text)
    sp = False

    def add(kind: str, val: Any, txt: str) -> None:
        nonlocal sp
        toks.append(Tok(kind, val, txt, sp))
        sp = False

    while i < n:
        c = text[i]
        if c == "\n":
            if list_mode:
                if toks and toks[-1].kind not in _CONTINUES_LIST:  # "[-1,⏎14]": a line break after a comma
                    add(";", ";", "\\n")
            else:
                sp = True
            i += 1
            continue
        if c.isspace():
            sp = True
            i += 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and text[j].isdigit():
                j += 1
            frac_digits = 0
            if j < n and text[j] == ".":
                j += 1
                k = j
                while j < n and text[j].isdigit():
                    j += 1
                frac_digits = j - k
                has_point = True
            else:
                has_point = False
            mantissa = text[i:j]
            exp10 = 0
            has_exp = False
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k].isdigit():
                    m = k
                    while m < n and text[m].isdigit():
                        m += 1
                    if m - k > 4 or abs(int(text[j + 1:m])) > MAX_SCI_EXPONENT:
                        raise Unreadable(f"the number {text[i:m][:20]} is too large or too small")
                    exp10 = int(text[j + 1:m])
                    has_exp = True
                    j = m
            digits = sum(ch.isdigit() for ch in mantissa)
            if digits > MAX_LITERAL_DIGITS:
                raise Unreadable(f"a number has more than {MAX_LITERAL_DIGITS} digits")
            value = Fraction(mantissa) * (Fraction(10) ** exp10)
            dec = (frac_digits - exp10) if (has_point or has_exp) else None
            add("num", (value, dec), text[i:j])
            if j < n and text[j] == ".":
                raise Unreadable(f"I can't read the number '{text[i:j + 1]}...'")
            i = j
            continue
        if c.isalpha():
            j = i
            while j < n and text[j].isalpha():
                j += 1
            k = j
            if k + 1 < n and text[k] == "_" and text[k + 1].isalnum():
                k += 1
                while k < n and text[k].isalnum():
                    k += 1
            elif k < n and text[k].isdigit():
                while k < n and text[k].isdigit():
                    k += 1
                fn_hit = names.get(text[i:j])
                if fn_hit is not None and fn_hit[0] == "fn" and text[i:k] not in names:
                    k = j  # sin2x: the function, then its argument
            run, full = text[i:j], text[i:k]
            if len(full) > 40:
                raise Unreadable("a word is too long")
            i = k
            if full != run:  # a subscript or digits: x_1, x1, log_2, log2, log10
                sub_hit = names.get(full) or names.get(full.replace("_", "")) or names.get(
                    run + "_" + full[len(run):].lstrip("_"))
                if sub_hit is not None:
                    add(sub_hit[0], sub_hit[1], full)
                    continue
                if run.lower() == "log" and full[len(run):].lstrip("_").isdigit():
                    base = int(full[len(run):].lstrip("_")[:6])
                    if base < 2:
                        raise Unreadable(f"{full} is not a logarithm base I can use")
                    add("fn", ("log", base), full)
                    continue
                add("name", full, full)
                continue
            if run.lower() in WORD_SEPARATORS and run not in names:
                add(",", ",", run)
                continue
            pieces = _segment(run, names, longest)
            if pieces is None:
                pieces = _segment(run.lower(), lower_names, longest)
            if pieces is None:
                add("name", run, run)
                continue
            for kind, val in pieces:
                add(kind, val, run if len(pieces) == 1 else str(val if kind != "fn" else val[0]))
            continue
        if c == "*":
            if i + 1 < n and text[i + 1] == "*":
                add("op", "^", "**")
                i += 2
            else:
                add("op", "*", "*")
                i += 1
            continue
        if c in "+-/^!%=°":
            add("op", c, c)
        elif c == "±":
            add("pm", "±", "±")
        elif c == "√":
            add("fn", ("sqrt", None), "√")
        elif c in "()[]{},;|":
            add(c, c, c)
        elif c == "_":
            raise Unreadable("'_' is only allowed in a name like x_1")
        else:
            shown = c if c.isprintable() else f"U+{ord(c):04X}"
            raise Unreadable(f"the character '{shown}' is not something I can read")
        i += 1
    toks.append(Tok("end", None, "the end", sp))
    return toks


# --------------------------------------------------------------------------------------------- parser

_OPERAND_START = frozenset({"num", "var", "const", "fn", "name", "(", "|", "[", "{"})


class Parser:
    def __init__(self, toks: list[Tok], list_mode: bool, variables: Sequence[str] = ()) -> None:
        self.toks = toks
        self.variables = tuple(variables)
        self.i = 0
        self.depth = 0
        self.nodes = 0
        self.abs_depth = 0
        self.list_mode = list_mode
        self.has_equals = any(t.kind == "op" and t.val == "=" for t in toks)

    # -- helpers
    def peek(self, k: int = 0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Tok:
        t = self.toks[self.i]
        if t.kind != "end":
            self.i += 1
        return t

    def expect(self, kind: str) -> None:
        t = self.peek()
        if t.kind != kind:
            if t.kind == "end":
                raise Unreadable(f"a '{kind}' is missing")
            raise Unreadable(f"I expected '{kind}' but found '{t.text}'")
        self.next()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unreadable("it is nested too deeply")

    def leave(self) -> None:
        self.depth -= 1

    def is_op(self, t: Tok, ops: str) -> bool:
        return t.kind == "op" and t.val in ops

    def starts_implicit(self, t: Tok, ws: bool) -> bool:
        if ws and t.sp:
            return False
        if t.kind == "|":
            return self.abs_depth == 0
        return t.kind in ("num", "var", "const", "fn", "name", "(")

    # -- node construction with the limits
    def mk(self, op: str, args: tuple[Any, ...] = (), val: Any = None, dec: int | None = None) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Unreadable("it is too long or complicated")
        return make_node(op, args, val, dec)

    # -- grammar
    def parse_top(self) -> Node:
        rows = self.parse_seq("end", ws=self.list_mode)
        self.expect("end")
        return self.mk("list", rows, "")

    def parse_seq(self, closer: str, ws: bool) -> tuple[tuple[Node, ...], ...]:
        rows: list[tuple[Node, ...]] = []
        row: list[Node] = []
        items = 0
        while True:
            t = self.peek()
            if t.kind == closer:
                break
            if t.kind in (",", ";"):
                raise Unreadable(f"a value is missing before '{t.text}'")
            row.append(self.parse_item(ws))
            items += 1
            if items > MAX_ITEMS:
                raise Unreadable(f"there are more than {MAX_ITEMS} values")
            t = self.peek()
            if t.kind == ",":
                self.next()
                if self.peek().kind in (closer, ",", ";"):
                    raise Unreadable(f"a value is missing after '{t.text}'")
                continue
            if t.kind == ";":
                self.next()
                rows.append(tuple(row))
                row = []
                continue
            if t.kind == closer:
                break
            if ws and (t.kind in _OPERAND_START or self.is_op(t, "+-")):
                continue
            raise self.unexpected(t)
        if row or rows:
            rows.append(tuple(row))
        return tuple(rows)

    def unexpected(self, t: Tok) -> Unreadable:
        if t.kind == "end":
            return Unreadable("something is missing at the end")
        if t.kind == "pm":
            return Unreadable("'±' gives two values; this question wants one")
        if self.is_op(t, "="):
            return Unreadable("I expected a value, not an equation")
        if t.kind in ")]}":
            return Unreadable(f"there is an unmatched '{t.text}'")
        return Unreadable(f"I didn't expect '{t.text}' there")

    def parse_item(self, ws: bool) -> Node:
        self.skip_assignment()
        return self.parse_expression(ws)

    def skip_assignment(self) -> None:
        """``x = 3``, ``y = 2x + 1`` and ``f(x) = ...``: drop the name and the '='."""
        if not self.has_equals:
            return
        j, depth = self.i, 0
        while True:
            t = self.toks[j]
            if t.kind == "end" or (depth == 0 and t.kind in (",", ";", ")", "]", "}")):
                return
            if t.kind in "([{":
                depth += 1
            elif t.kind in ")]}":
                depth -= 1
            elif depth == 0 and self.is_op(t, "="):
                break
            j += 1
        head = self.toks[self.i:j]
        if head and all(t.kind in ("name", "var", "const", "fn", "(", ")") for t in head):
            self.i = j + 1
            return
        raise Unreadable("I expected a value, not an equation")

    def parse_expression(self, ws: bool) -> Node:
        terms = [self.parse_term(ws)]
        while True:
            t = self.peek()
            if t.kind == "pm":
                raise self.unexpected(t)
            if not self.is_op(t, "+-"):
                break
            if ws and t.sp and not self.peek(1).sp and self.peek(1).kind in _OPERAND_START:
                break  # "[1 -2]": a new entry
            self.next()
            term = self.parse_term(ws)
            terms.append(term if t.val == "+" else self.mk("neg", (term,)))
        return terms[0] if len(terms) == 1 else self.mk("add", tuple(terms))

    def parse_term(self, ws: bool) -> Node:
        factors = [self.parse_unary(ws)]
        signs = [1]
        while True:
            t = self.peek()
            if self.is_op(t, "*/"):
                self.next()
                factors.append(self.parse_unary(ws))
                signs.append(1 if t.val == "*" else -1)
                nxt = self.peek()
                if t.val == "/" and not nxt.sp and self.starts_implicit(nxt, ws):
                    raise Unreadable("a division followed directly by more factors (like 1/2x) is ambiguous: "
                                     "use brackets, like 1/(2x) or x/2")
            elif self.starts_implicit(t, ws):
                if t.kind == "num":
                    raise Unreadable(f"the number {t.text} comes right after another value: "
                                     "write * to multiply or ^ for a power")
                factors.append(self.parse_power(ws))
                signs.append(1)
            else:
                break
        if len(factors) == 1:
            return factors[0]
        return self.mk("mul", tuple(factors), tuple(signs))

    def parse_unary(self, ws: bool) -> Node:
        neg = False
        while True:
            t = self.peek()
            if t.kind == "pm":
                raise self.unexpected(t)
            if not self.is_op(t, "+-"):
                break
            self.next()
            neg ^= t.val == "-"
        node = self.parse_power(ws)
        return self.mk("neg", (node,)) if neg else node

    def parse_power(self, ws: bool) -> Node:
        base = self.parse_postfix(ws)
        if self.is_op(self.peek(), "^"):
            self.next()
            exp, grouped = self.parse_exponent(ws)
            nxt = self.peek()
            if not grouped and not nxt.sp and nxt.kind in ("num", "var", "const", "fn", "name"):
                raise Unreadable("an exponent followed directly by more factors (like e^2x) is ambiguous: "
                                 "use brackets, like e^(2x) or e^2*x")
            return self.mk("pow", (base, exp))
        return base

    def parse_exponent(self, ws: bool) -> tuple[Node, bool]:
        self.enter()
        try:
            t = self.peek()
            if t.kind == "{":  # LaTeX habit: e^{2x}
                self.next()
                exp = self.parse_expression(False)
                self.expect("}")
                return exp, True
            return self.parse_unary(ws), t.kind == "("
        finally:
            self.leave()

    def parse_postfix(self, ws: bool) -> Node:
        node = self.parse_primary(ws)
        while self.is_op(self.peek(), "!%°") and not (self.peek().sp and self.peek().val == "!"):
            t = self.next()
            if t.val == "!":
                node = self.mk("fn", (node,), "factorial")
            elif t.val == "°":
                node = self.mk("deg", (node,))
            else:
                node = self.mk("pct", (node,))
        return node

    def parse_primary(self, ws: bool) -> Node:
        t = self.next()
        k = t.kind
        if k == "num":
            value, dec = t.val
            return self.mk("num", (), value, dec)
        if k == "var":
            return self.mk("var", (), t.val)
        if k == "const":
            return self.mk("const", (), t.val)
        if k == "name":
            raise Unreadable(self.unknown_name(t.val))
        if k in "([{":
            closer = {"(": ")", "[": "]", "{": "}"}[k]
            self.enter()
            rows = self.parse_seq(closer, ws=self.list_mode and k != "(")
            self.expect(closer)
            self.leave()
            if k == "(" and len(rows) == 1 and len(rows[0]) == 1:
                return rows[0][0]
            if k == "(" and not rows:
                raise Unreadable("there are empty brackets ()")
            return self.mk("list", rows, k)
        if k == "|":
            if self.abs_depth:
                raise Unreadable("I can't read nested |...| bars: use abs(...)")
            self.enter()
            self.abs_depth += 1
            inner = self.parse_expression(False)
            self.expect("|")
            self.abs_depth -= 1
            self.leave()
            return self.mk("fn", (inner,), "abs")
        if k == "fn":
            return self.parse_function(t)
        raise self.unexpected(t)

    def unknown_name(self, name: str) -> str:
        head = name.rstrip("0123456789")
        if head != name and head:
            return f"I don't know '{name}' here (for a product or a power write {head}*{name[len(head):]} " \
                   f"or {head}^{name[len(head):]})"
        if self.variables:
            these = "the variable is" if len(self.variables) == 1 else "the variables are"
            return f"I don't know the name '{name}' here ({these} {', '.join(self.variables)})"
        return f"I don't know the name '{name}' here"

    def parse_function(self, t: Tok) -> Node:
        name, base = t.val
        shown = t.text if t.text != "√" else "sqrt"
        outer_power: Node | None = None
        if self.is_op(self.peek(), "^"):  # sin^2 x, sin^-1 x
            self.next()
            exp, _ = self.parse_exponent(False)
            if exp.op == "neg" and exp.args[0].op == "num" and exp.args[0].val == 1 and name in (
                    "sin", "cos", "tan"):
                name = "a" + name
            elif name in ("sqrt", "factorial", "abs") or exp.op == "neg":
                raise Unreadable(f"I can't read a power written right after {shown}: "
                                 f"write ({shown}(x))^2")
            else:
                outer_power = exp
        self.enter()
        if self.peek().kind == "(":
            self.next()
            rows = self.parse_seq(")", ws=False)
            self.expect(")")
            args = rows[0] if len(rows) == 1 else ()
            if name in AUTHOR_FUNCTIONS and args:  # det(A), gcd(a, b): the template evaluates them
                self.leave()
                return self.mk("fn", args, name)
            if name == "log" and base is None and len(args) == 2:
                arg, base_node = args
            elif len(args) != 1:
                raise Unreadable(f"{shown} takes one value, like {shown}(x)")
            else:
                arg, base_node = args[0], None
            if arg.op == "list" or (base_node is not None and base_node.op == "list"):
                raise Unreadable(f"{shown} takes one value, like {shown}(x)")
        else:
            arg = self.parse_bare_argument(shown)
            base_node = None
        self.leave()
        if base is not None:
            base_node = self.mk("num", (), Fraction(base), None)
        node = self.mk("fn", (arg,) if base_node is None else (arg, base_node), name)
        if outer_power is not None:
            node = self.mk("pow", (node, outer_power))
        return node

    def parse_bare_argument(self, shown: str) -> Node:
        t = self.peek()
        if not (t.kind in ("num", "var", "const", "(", "|", "name") or self.is_op(t, "+-")):
            raise Unreadable(f"{shown} needs a value, like {shown}(x)")
        neg = False
        while self.is_op(self.peek(), "+-"):
            neg ^= self.next().val == "-"
        factors = [self.parse_power(False)]
        while True:
            t = self.peek()  # the argument runs over a product written without spaces: sin 2x, ln 2πx
            if t.kind == "fn" or not self.starts_implicit(t, True):
                break
            if t.kind == "num":
                raise Unreadable(f"the number {t.text} comes right after another value: write * to multiply")
            factors.append(self.parse_power(False))
        node = factors[0] if len(factors) == 1 else self.mk("mul", tuple(factors), (1,) * len(factors))
        return self.mk("neg", (node,)) if neg else node


def make_node(op: str, args: tuple[Any, ...], val: Any = None, dec: int | None = None) -> Node:
    """Build a node, folding constants to floats and enforcing the magnitude / exponent / digit limits."""
    if op == "list":
        size = 1 + sum(a.size for row in args for a in row)
        return Node(op, args, val, size=size)
    size = 1 + sum(a.size for a in args)
    if op == "num":
        v = val
        digits = len(str(v.numerator)) + len(str(v.denominator))
        return Node(op, (), v, dec, float(v), digits, size)
    if op == "var":
        return Node(op, (), val, size=1)
    if op == "const":
        return Node(op, (), val, fval=FLOAT_CONSTANTS[val], digits=1, size=1)
    for a in args:
        if a.op == "list":
            raise Unreadable("a list cannot be used inside a formula")
    if op == "pow":
        base, exp = args
        n = _int_value(exp.fval)
        if exp.fval is not None and abs(exp.fval) > MAX_EXPONENT:
            raise Unreadable(f"the exponent is too large (at most {MAX_EXPONENT})")
        digits = base.digits * max(1, abs(n)) if n is not None else base.digits + exp.digits
    elif op == "fn" and val == "factorial":
        arg = args[0]
        if arg.fval is not None:
            n = _int_value(arg.fval)
            if n is None or not 0 <= n <= MAX_FACTORIAL:
                raise Unreadable(f"factorial needs a whole number from 0 to {MAX_FACTORIAL}")
            digits = max(1, int(math.lgamma(n + 1) / math.log(10)) + 1)
        else:
            digits = arg.digits
    else:
        digits = sum(a.digits for a in args)
        if op == "fn" and val == "log" and len(args) == 2 and args[1].fval is not None:
            b = args[1].fval
            if isinstance(b, complex) or b <= 0 or b == 1:
                raise Unreadable("a logarithm's base must be a positive number other than 1")
    if digits > MAX_DIGITS:
        raise Unreadable("the numbers in it get too large")
    fval = None
    if all(a.fval is not None for a in args) and not (op == "fn" and val in AUTHOR_FUNCTIONS):
        probe = Node(op, args, val, dec)
        try:
            fval = _fapply(op, probe, [a.fval for a in args])
        except EvalError as exc:
            msg = str(exc)
            if "division" in msg or "zero" in msg:
                raise Unreadable("it divides by zero") from exc
            if "log" in msg or "0 to a power" in msg or "math domain" in msg:
                raise Unreadable("it is undefined (a log of 0, 0 to a negative power or similar)") from exc
            raise Unreadable("a number in it is too large") from exc
        if abs(fval) > 1e308:
            raise Unreadable("a number in it is too large")
    return Node(op, args, val, dec, fval, digits, size)


def parse(text: str, variables: Sequence[str] = (), *, list_mode: bool = False, author: bool = False) -> Node:
    """Parse ``text`` (already length-checked) into a ``list`` node of rows of items; ``author``: a template's
    maths, which may also call :data:`AUTHOR_FUNCTIONS`. Cached (trees are immutable): the same answers and
    template values are read again and again."""
    return _parse(text, tuple(variables), list_mode, author)


@lru_cache(maxsize=8192)
def _parse(text: str, variables: tuple[str, ...], list_mode: bool, author: bool) -> Node:
    toks = tokenize(normalise(text), variables, list_mode, author)
    return Parser(toks, list_mode, variables).parse_top()


def expand_pm(text: str, variables: Sequence[str]) -> list[Node]:
    """Parse a set answer where '±' may stand for two values: every sign choice, as list nodes."""
    toks = tokenize(normalise(text), variables, True)
    where = [k for k, t in enumerate(toks) if t.kind == "pm"]
    if len(where) > MAX_PM:
        raise Unreadable(f"there are more than {MAX_PM} '±' signs")
    out = []
    for mask in range(1 << len(where)):
        variant = list(toks)
        for bit, k in enumerate(where):
            sign = "-" if mask >> bit & 1 else "+"
            variant[k] = Tok("op", sign, sign, toks[k].sp)
        out.append(Parser(variant, True).parse_top())
    return out
