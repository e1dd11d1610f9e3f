"""Exact comparisons for the content tests, fast enough for 200 instances of every template.

``is_zero(d)`` answers what ``sympy.simplify(d) == 0`` answers, but tries the cheap ways first: a rational
difference is compared directly, a difference that is clearly not zero at some exact rational point is not
zero, and one that ``expand`` cancels is zero; only what is left goes to ``simplify``. ``parser(locals)`` is
``sympify`` with a cache: the same answer texts are read by several tests and in many instances.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

# distinct, unremarkable rational points (a difference of two formulas that agrees on all of them by accident is
# still decided by simplify below: these points only ever prove a difference non-zero)
_POINTS = (sp.Rational(3, 7), sp.Rational(5, 11), sp.Rational(-2, 3), sp.Rational(7, 5), sp.Rational(11, 13),
           sp.Rational(-9, 17), sp.Rational(13, 6), sp.Rational(1, 19))


def _fresh(value: Any) -> Any:
    """A cached parse as a new object where it could be changed (lists); sympy values are immutable."""
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def parser(local: Mapping[str, Any]) -> Callable[[str], Any]:
    """``sympify`` of answer syntax (``^`` for powers) with ``local`` names, cached by text."""
    names = dict(local)

    @functools.lru_cache(maxsize=1 << 16)
    def cached(text: str) -> Any:
        return sp.sympify(text.replace("^", "**"), locals=names)

    def parse(text: str) -> Any:
        return _fresh(cached(text))

    return parse


def _clearly_nonzero(d: sp.Expr) -> bool:
    symbols = sorted(d.free_symbols, key=str)
    for k in range(3):
        point = {s: _POINTS[(j + 3 * k) % len(_POINTS)] + j for j, s in enumerate(symbols)}
        try:
            value = complex(sp.N(d.subs(point) if symbols else d, 30))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if value == value and abs(value) != float("inf") and abs(value) > 1e-9:  # finite and not ~0
            return True
        if not symbols:
            return False
    return False


def is_zero(d: Any) -> bool:
    """``d`` (a scalar sympy expression or number) is exactly zero; the same verdict as ``simplify(d) == 0``."""
    d = sp.sympify(d)
    if d == 0:
        return True
    if d.is_Rational or d.is_Float:
        return False
    if not isinstance(d, sp.Expr):
        return sp.simplify(d) == 0
    if _clearly_nonzero(d):
        return False
    if sp.expand(d) == 0:
        return True
    return sp.simplify(d) == 0
