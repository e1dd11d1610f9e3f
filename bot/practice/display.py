"""Answers shown as maths: a parsed answer (:class:`~bot.practice.maths.Node`) written as LaTeX.

The rest of a reply's maths is LaTeX in ``$...$`` that each platform shows its own way (unicode text, or a
typeset image), so an answer written the same way reads like the question did: ``[3√3, 3]``, ``2x + 3``,
``x²`` instead of ``[3*sqrt(3), 3]``, ``2*x + 3``, ``x^2``. Terms and factors stay in the order written.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bot.practice.maths import GREEK, Node

_GREEK_WORDS = frozenset(GREEK.values())
_FUNCTIONS = {
    "ln": r"\ln", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "asin": r"\arcsin",
    "acos": r"\arccos", "atan": r"\arctan", "sinh": r"\sinh", "cosh": r"\cosh", "tanh": r"\tanh",
}

# precedence of what a node's text is: a sum < a product < a power < an atom
SUM, PRODUCT, POWER, ATOM = 1, 2, 3, 4


def number_text(node: Node) -> str:
    """A number as written: whole, or its decimals (the parser keeps how many were typed)."""
    v = node.val
    if v.denominator == 1 and (node.dec is None or node.dec <= 0):
        return str(v.numerator)
    d = Decimal(v.numerator) / Decimal(v.denominator)
    if node.dec is not None and node.dec > 0:
        return f"{d:.{node.dec}f}"
    return format(d.normalize(), "f")


def _var(name: str) -> str:
    head, _, sub = name.partition("_")
    head = "\\" + head if head in _GREEK_WORDS else head
    return f"{head}_{{{sub}}}" if sub else head


def level(node: Node) -> int:
    """How tightly a node's text binds (SUM < PRODUCT < POWER < ATOM): what needs brackets around it."""
    op = node.op
    if op == "add":
        return SUM
    if op == "neg":
        return SUM  # -x inside a product or under a power is bracketed
    if op == "mul":
        return PRODUCT
    if op in ("pow", "pct", "deg") or (op == "fn" and node.val == "factorial"):
        return POWER
    return ATOM  # numbers are never negative: the parser makes -3 a neg node


def _wrap(node: Node, at_least: int) -> str:
    s = latex(node)
    return f"({s})" if level(node) < at_least else s


def _product(factors: list[Node]) -> str:
    if len(factors) == 1:
        return latex(factors[0])
    out = ""
    for f in factors:
        s = _wrap(f, PRODUCT + 1)
        if out and (s[0].isdigit() or s[0] == "."):
            out += r" \cdot " + s  # 2·3, x·2: a number after something else needs a visible sign
        elif out and s[0].isalpha() and re.search(r"\\[a-zA-Z]+$", out):
            out += " " + s  # \pi x, not \pix
        else:
            out += s
    return out


def latex(node: Node) -> str:
    """``node`` as LaTeX (without the dollars)."""
    op = node.op
    if op == "num":
        return number_text(node)
    if op == "var":
        return _var(node.val)
    if op == "const":
        return r"\pi" if node.val == "pi" else "e"
    if op == "list":
        return _list(node)
    a = node.args
    if op == "add":
        out = latex(a[0])
        for term in a[1:]:
            if term.op == "neg":
                out += " - " + _wrap(term.args[0], PRODUCT)
            else:
                out += " + " + latex(term)
        return out
    if op == "neg":
        return "-" + _wrap(a[0], PRODUCT)
    if op == "mul":
        top = [f for f, s in zip(a, node.val, strict=True) if s > 0]
        bottom = [f for f, s in zip(a, node.val, strict=True) if s < 0]
        sign = ""
        if top and top[0].op == "neg":  # -3/4 and -x e^x are read as (-3)/4 and (-x) e^x: the sign goes first
            sign, top[0] = "-", top[0].args[0]
        num = _product(top) if top else "1"
        if not bottom:
            return sign + num
        return sign + rf"\frac{{{num}}}{{{_product(bottom)}}}"
    if op == "pow":
        base, exp = a
        if base.op == "const" and base.val == "e":
            return f"e^{{{latex(exp)}}}"
        return f"{_wrap(base, ATOM)}^{{{latex(exp)}}}"
    if op == "pct":
        return _wrap(a[0], ATOM) + r"\%"
    if op == "deg":
        return _wrap(a[0], ATOM) + r"^{\circ}"
    if op == "fn":
        name = node.val
        arg = latex(a[0])
        if name == "sqrt":
            return rf"\sqrt{{{arg}}}"
        if name == "exp":
            return f"e^{{{arg}}}"
        if name == "abs":
            return f"|{arg}|"
        if name == "factorial":
            return _wrap(a[0], ATOM) + "!"
        if name == "log" and len(a) == 2:
            return rf"\log_{{{latex(a[1])}}}({arg})"
        return f"{_FUNCTIONS[name]}({arg})"
    raise AssertionError(f"unknown node {op}")


def _list(node: Node) -> str:
    opening, closing = {"[": ("[", "]"), "(": ("(", ")"), "{": (r"\{", r"\}"), "": ("", "")}[node.val]
    rows = [", ".join(latex(x) for x in row) for row in node.args]
    if len(rows) == 1:
        return f"{opening}{rows[0]}{closing}"
    return opening + ", ".join(f"[{r}]" for r in rows) + closing


def value_latex(value: Any, kind: str) -> str:
    """A checker value (a node, or lists of nodes for vectors, matrices and sets) as LaTeX."""
    if isinstance(value, Node):
        return latex(value)
    if kind == "set":
        return r"\{" + ", ".join(value_latex(v, "") for v in value) + r"\}"
    return "[" + ", ".join(value_latex(v, "") for v in value) + "]"


def option_label(option: str) -> str:
    """A choice option as a button shows it: its formulas as plain unicode (``$A^T B^T$`` → ``Aᵀ Bᵀ``), as a
    button cannot show an image; at most 80 characters, the longest label every platform takes."""
    from bot.render.unicode import text_to_unicode

    return text_to_unicode(option)[:80]
