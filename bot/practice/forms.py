"""The form of an answer, as well as its value: expanded, factored, simplified, numeric.

A prompt that asks to expand, factor, simplify or evaluate is answered by its own question if only values
are compared ("Simplify 3(x + 2) − 2(x − 1)": typing it back is equal). So an answer may declare the form it
asks for, and a right value in another form gets a nudge that names what is left to do (and is not counted
as a try), the way STACK and Numbas test an answer's form.

The tests read the learner's own tree (:class:`~bot.practice.maths.Node`, as typed: nothing is evaluated
away) and use sympy only on small pieces of it:

- **numeric**: a number with no operation left: ``4``, ``-0.25``, ``3/4`` (a fraction in lowest terms).
- **expanded**: no product with a sum in it and no power of a sum left (a sum over a denominator with
  variables stays), and no like terms left to collect.
- **factored**: a product whose factors are irreducible over the rationals, with no common number left
  inside a bracket (``(x − 1)(x + 1)``, ``2(x + 1)``; not ``x² − 1``, not ``(2x + 2)``).
- **simplified**: no arithmetic left on numbers (``2 + 3``, ``8^(2/3)``, ``cos(π/3)``, ``√12``, ``150°``,
  ``6/8``), no like terms (``x + x``, ``3(x + 2) − 2(x − 1)``), no powers of one base to combine
  (``x⁵x³/x²``, ``(x³)²``), and not much longer than the model answer (``sin²x + cos²x`` is 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import sympy  # type: ignore[import-untyped]

from bot.practice.display import latex
from bot.practice.maths import SYMPY_FUNCTIONS, Node, exact, sympy_of

LONGER_THAN_MODEL = 2  # simplified: at most this many more nodes than the model answer
MAX_FACTOR_DEGREE = 24  # factored: a bracket of higher degree is not factored by sympy (seconds); it passes

def _shown(node: Node) -> str:
    return f"${latex(node)}$"


def _strip_neg(n: Node) -> Node:
    while n.op == "neg":
        n = n.args[0]
    return n


def nodes(n: Node) -> Iterator[Node]:
    """Every node, parents before children."""
    yield n
    if n.op == "list":
        for row in n.args:
            for x in row:
                yield from nodes(x)
        return
    for a in n.args:
        yield from nodes(a)


def _integer(n: Node) -> int | None:
    """The integer an integer literal (or its negative) stands for."""
    sign = 1
    while n.op == "neg":
        sign, n = -sign, n.args[0]
    if n.op == "num" and n.val.denominator == 1 and (n.dec is None or n.dec <= 0):
        return sign * n.val.numerator
    return None


def plain_number(n: Node) -> bool:
    """A number with nothing left to work out: 4, -0.25, 3/4 (in lowest terms), 12%."""
    n = _strip_neg(n)
    if n.op == "num" or (n.op == "pct" and n.args[0].op == "num"):
        return True
    if n.op == "mul" and len(n.args) == 2 and n.val == (1, -1):
        p, q = (_integer(a) for a in n.args)
        return p is not None and q is not None and q > 1 and math.gcd(p, q) == 1
    return False


# ----------------------------------------------------------------------------------------- the rules


def _rational_factors(n: Node) -> tuple[list[Any], list[Any]]:
    top = [exact(f) for f, s in zip(n.args, n.val, strict=True) if s > 0]
    bottom = [exact(f) for f, s in zip(n.args, n.val, strict=True) if s < 0]
    return [v for v in top if v is not None], [v for v in bottom if v is not None]


def _unevaluated(n: Node) -> Node | None:
    """The first piece (largest first) with arithmetic left that sympy would do: 2 + 3, 2·3x, 6/8, 8^(2/3),
    cos(π/3), √12, 150°, (x³)², x¹."""
    for m in nodes(n):
        op = m.op
        if op in ("num", "var", "const", "list", "neg"):
            continue
        if op == "deg":
            return m
        if op == "mul":
            top, bottom = _rational_factors(m)
            ones = 1 in top and m.val.count(1) > 1 and not bottom  # 1·x; but 1/x and 1/2·√3 are fine
            if len(top) > 1 or len(bottom) > 1 or ones or 1 in bottom:
                return m
            if top and bottom and top[0].denominator == bottom[0].denominator == 1 and math.gcd(
                    top[0].numerator, bottom[0].numerator) != 1:
                return m
        if op == "pow" and m.args[1].const:
            e = exact(m.args[1])
            if e in (0, 1) or (_strip_neg(m.args[0]).op == "pow" and _strip_neg(m.args[0]).args[1].const):
                return m
        if m.const and not plain_number(m):
            s = sympy_of(m)
            if s.is_Rational:
                return m
            if op == "fn" and m.val != "sqrt" and not isinstance(s, SYMPY_FUNCTIONS[m.val]):
                return m  # cos(π/3), ln(1), e^0: sympy found the value
            if op == "fn" and m.val == "sqrt" and not (s.is_Pow and s.exp == sympy.Rational(1, 2)
                                                       and s.base == sympy_of(m.args[0])):
                return m
    return None


def _terms(n: Node) -> list[Node]:
    """The terms of a sum, through nested sums and minus signs."""
    n = _strip_neg(n)
    if n.op != "add":
        return [n]
    out: list[Node] = []
    for t in n.args:
        out += _terms(t)
    return out


def _like_terms(n: Node) -> Node | None:
    """A sum with like terms to collect once numbers are multiplied in (x + x, 2 + 3, 3(x + 2) − 2(x − 1))."""
    for m in nodes(n):
        if m.op != "add":
            continue
        seen: set[Any] = set()
        for t in _terms(m):
            s = sympy_of(t)
            for part in s.args if s.is_Add else (s,):
                key = part.as_coeff_Mul()[1]
                if key in seen:
                    return m
                seen.add(key)
    return None


def _same_base(n: Node) -> Node | None:
    """A base that appears twice in one product (x·x, x⁵x³/x², eˣe²ˣ): the powers can be combined."""
    for m in nodes(n):
        if m.op != "mul":
            continue
        seen: dict[Any, Node] = {}
        for f in m.args:
            f = _strip_neg(f)
            if f.const:
                continue
            base = f.args[0] if f.op == "pow" else f
            key = sympy.E if f.op == "fn" and f.val == "exp" else sympy_of(base)
            if key in seen:
                return seen[key]
            seen[key] = base
    return None


def _is_sum(n: Node) -> bool:
    return _strip_neg(n).op == "add"


def _product_of_sums(n: Node) -> Node | None:
    """A bracket left to multiply out: a sum times something, a power of a sum, −(a sum)."""
    for m in nodes(n):
        if m.op == "mul":
            sums = [f for f, s in zip(m.args, m.val, strict=True) if s > 0 and _is_sum(f)]
            others = [f for f, s in zip(m.args, m.val, strict=True) if s > 0 or f.const]
            if sums and len(others) > 1:
                return m
        elif m.op == "pow":
            e = exact(m.args[1])
            if _is_sum(m.args[0]) and e is not None and e.denominator == 1 and e >= 2:
                return m
        elif m.op == "neg" and m.args[0].op == "add":
            return m
    return None


def _degree(n: Node) -> float:
    """An upper bound on the degree of ``n`` as a polynomial (inf when it is not one or the bound is huge)."""
    op = n.op
    if n.const:
        return 0
    if op == "var":
        return 1
    if op in ("neg", "pct"):
        return _degree(n.args[0])
    if op == "add":
        return max(_degree(a) for a in n.args)
    if op == "mul":
        return sum(_degree(a) if s > 0 else math.inf for a, s in zip(n.args, n.val, strict=True) if not a.const)
    if op == "pow":
        e = exact(n.args[1])
        return _degree(n.args[0]) * e if e is not None and e.denominator == 1 and e >= 0 else math.inf
    return math.inf


def _factor_problem(n: Node) -> str | None:
    top = _strip_neg(n)
    factors = [f for f, s in zip(top.args, top.val, strict=True) if s > 0] if top.op == "mul" else [top]
    if top.op == "add":
        factors = [top]
    for f in factors:
        base = _strip_neg(f.args[0] if f.op == "pow" else f)
        if base.op != "add":
            continue
        if _degree(base) > MAX_FACTOR_DEGREE:  # too big to factor here: a sum is not a product; a factor passes
            if f is top:
                return "not factored yet: write it as a product of factors"
            continue
        s = sympy_of(base)
        symbols = sorted(s.free_symbols, key=str)
        if not symbols:
            continue
        try:
            if not s.is_polynomial(*symbols) or sympy.Poly(s, *symbols).total_degree() < 1:
                continue
            content, parts = sympy.factor_list(s, *symbols)
        except (sympy.PolynomialError, ValueError, TypeError):
            continue
        if len(parts) > 1 or parts[0][1] > 1:
            if f is top:
                return "not factored yet: write it as a product of factors"
            return f"not fully factored yet: {_shown(base)} can be factored further"
        if content.is_Integer and abs(content) != 1:
            return f"not fully factored yet: take the common factor {abs(int(content))} out of {_shown(base)}"
    return None


# ------------------------------------------------------------------------------------------- the API


def form_problem(form: str, given: Node, want: Node | None = None) -> str | None:
    """What is left to do for ``given`` (already known to equal the answer) to be in ``form``, or None.

    ``want`` is the model answer (the simplified rule compares lengths with it; None skips that rule).
    The text is reply markup ("not expanded yet: multiply out $(2x - 3)^{2}$").
    """
    if form == "any":
        return None
    if form == "numeric":
        if plain_number(given):
            return None
        core = _strip_neg(given)
        if core.op == "mul" and len(core.args) == 2 and core.val == (1, -1) and all(
                _integer(a) is not None for a in core.args):
            return f"not in lowest terms yet: reduce the fraction {_shown(given)}"
        return "not worked out yet: give it as a single number"
    if form in ("expanded", "simplified"):
        part = _unevaluated(given)
        if part is not None:
            return f"not worked out yet: {_shown(part)} can be written more simply"
    if form == "expanded":
        part = _product_of_sums(given)
        if part is not None:
            return f"not expanded yet: multiply out {_shown(part)}"
        if _like_terms(given) is not None:
            return "not finished yet: collect the like terms"
        return None
    if form == "factored":
        part = _unevaluated(given)
        if part is not None:
            return f"not worked out yet: {_shown(part)} can be written more simply"
        return _factor_problem(given)
    # simplified
    if _like_terms(given) is not None:
        return "not simplified yet: collect the like terms"
    base = _same_base(given)
    if base is not None:
        return f"not simplified yet: combine the powers of {_shown(base)} into one"
    if want is not None and given.size > want.size + LONGER_THAN_MODEL:
        return "not simplified yet: it can be written more simply"
    return None
