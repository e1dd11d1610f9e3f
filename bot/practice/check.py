"""Checking a learner's answer against a prompt's :class:`~bot.content.model.Answer`.

Public API (the core calls it): :class:`Verdict`, :func:`check_prompt`, :func:`check_answer`,
:func:`validate_prompt`, :func:`example_for`, :func:`answer_latex`, ``MAX_ANSWER_CHARS``.

Text is read by the bounded parser in :mod:`bot.practice.maths` (never ``eval``/``sympify``), then compared:

- number: the exact value, or (without ``tolerance``) a decimal with at least 2 decimals that is the value
  correctly rounded to the decimals shown (1/3: 0.33, 0.333, 2/6 are right; 0.3 and 0.34 are not); with
  ``tolerance``, |given - value| <= tolerance. Vectors, matrices and sets apply the rule per entry.
- expression: equivalent over the declared variables: sympy when it is cheap and structural, otherwise the
  values at random points (floats, re-checked in high precision with mpmath), within a time budget.
- choice: the option's text (case, spaces and unicode-insensitive), or its number or letter.
- self: not checked here; the learner grades themselves with buttons.

A right value must also be in the answer's declared ``form`` (:mod:`bot.practice.forms`): in another form
it is a ``nudge`` saying what is left to do. In a question in degrees a bare ``cos(60)`` is a nudge too
("did you mean 60°?"), and ``135°`` answers "135 degrees". A thousands separator (``5,050``) is read as one.

A malformed answer is ``unreadable``; neither it nor a nudge is ever counted as an attempt
(:attr:`Verdict.counts`). A wrong answer that matches one of the prompt's listed mistakes carries that
mistake's hint.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

import sympy

from bot.content.model import Answer, Mistake, Prompt
from bot.practice.display import latex, value_latex
from bot.practice.forms import form_problem, nodes, plain_number
from bot.practice.maths import (
    EvalError,
    Node,
    Unreadable,
    exact,
    expand_pm,
    feval,
    make_node,
    mp_context,
    mpeval,
    normalise,
    parse,
    sympy_of,
)
from bot.render.unicode import iter_math_spans, latex_to_unicode, text_to_unicode

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 500
TIME_BUDGET_S = 0.08  # numeric comparison stops sampling after this (per check)
MAX_SET_ITEMS = 30
SYMPY_STRUCTURAL_MAX_NODES = 30
SYMPY_EXPAND_MAX_NODES = 24
SYMPY_EXPAND_MAX_TERMS = 400


@dataclass(frozen=True)
class Verdict:
    """``nudge``: the value is right but not in the form asked for, or a bare angle in a question in degrees;
    like ``unreadable`` it is sent back with ``feedback`` and never counted as a try."""

    status: Literal["right", "wrong", "unreadable", "nudge"]
    feedback: str = ""  # unreadable / nudge: why, and what to do; wrong: the matched mistake's hint, if any
    mistake: str | None = None  # the listed mistake this answer matched
    # how the answer was read, as LaTeX, when it was not typed the way it reads (``2*(x+1)^2`` is
    # ``2(x + 1)^{2}``): shown before the verdict, as STACK and Numbas do; "" when typed as shown
    read_as: str = ""

    @property
    def right(self) -> bool:
        return self.status == "right"

    @property
    def counts(self) -> bool:
        """Whether this answer is an attempt (right or wrong) rather than something to send again."""
        return self.status in ("right", "wrong")


NOT_A_TRY = "This doesn't count as a try: send it again."
_AS_TYPED = str.maketrans({"−": "-", "*": None, "·": None, " ": None, "\t": None, "\n": None})


def read_as(text: str, given: Value, kind: str) -> str:
    """The answer as read (LaTeX), when what was typed differs from how it reads beyond spaces, the minus
    sign and multiplication signs (``x^2`` reads ``x²``, ``1, 2`` reads ``[1, 2]``, ``sin x`` reads
    ``sin(x)``); "" when it was typed as it reads (``2(x + 1)``, ``3/4``, ``0.5``)."""
    try:
        shown = value_latex(given, kind)
        same = text.translate(_AS_TYPED) == latex_to_unicode(shown).translate(_AS_TYPED)
    except Exception:  # noqa: BLE001 - showing the reading is a courtesy: it never costs the verdict
        log.exception("cannot show how %r was read", text[:80])
        return ""
    return "" if same else shown


class _BrokenCanonical(Exception):
    """The prompt's own value cannot be read (a content error: check-content reports it)."""


SELF_GRADED_FEEDBACK = (
    "This one is self-graded: open the worked solution, compare it with your own answer, then press "
    "“I had it” or “I missed it”."
)


def example_for(answer: Answer) -> str:
    if answer.kind == "expression":
        v = answer.vars[0] if answer.vars else "x"
        names = ", ".join(answer.vars) if answer.vars else "x"
        return f"write an expression in {names} like 2*{v} + 1, {v}^2 or sqrt({v})"
    if answer.kind == "choice":
        n = len(answer.options)
        keys = [_choice_key(o) for o in answer.options]
        ways = []  # a number or letter names an option only where no option is itself one (see chosen_option)
        if not any((m := _INDEX.fullmatch(k)) and m.group(1).isdigit() for k in keys):
            ways.append(f"its number (1-{n})")
        if not any(len(k) == 1 and k in "abcdef" for k in keys):
            ways.append(f"its letter (a-{'abcdef'[n - 1]})")
        return "press one of the buttons, or type the option" + (f", {' or '.join(ways)}" if ways else "")
    return {
        "number": "write a number like 3, -0.25, 3/4 or sqrt(2)/2",
        "vector": "write a vector like [1, 2, 3]",
        "matrix": "write a matrix like [[1, 2], [3, 4]] or 1 2; 3 4",
        "set": "write the values like {1, -2}",
        "self": "compare with the solution and grade yourself",
    }[answer.kind]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _unreadable(answer: Answer, reason: str) -> Verdict:
    return Verdict("unreadable", f"I couldn't read that as maths: {reason}. {_cap(example_for(answer))}.")


# ------------------------------------------------------------------------------------------- reading

Value = Any  # a Node (one number or expression) or a list of Values


def _to_value(n: Node) -> Value:
    if n.op != "list":
        return n
    rows = n.args
    if not rows:
        return []
    if len(rows) == 1:
        return [_to_value(x) for x in rows[0]]
    return [_to_value(r[0]) if len(r) == 1 and r[0].op == "list" else [_to_value(x) for x in r] for r in rows]


def _top_value(top: Node) -> Value:
    rows = top.args
    if len(rows) == 1 and len(rows[0]) == 1:
        return _to_value(rows[0][0])
    return _to_value(top)


def _is_flat(v: Value) -> bool:
    return isinstance(v, list) and all(isinstance(x, Node) for x in v)


def _read_scalar(kind: str, variables: tuple[str, ...], text: str) -> Node:
    top = parse(text, variables if kind == "expression" else (), list_mode=False)
    rows = top.args
    if not rows:
        raise Unreadable("the answer is empty")
    if len(rows) == 1 and len(rows[0]) == 1 and rows[0][0].op != "list":
        return rows[0][0]
    what = "number" if kind == "number" else "expression"
    if kind == "number" and re.fullmatch(r"\s*-?\d+,\d+\s*", text):
        raise Unreadable("use a point for decimals, like 0.5")
    raise Unreadable(f"I expected one {what}, not a list")


def _as_vector(v: Value) -> list[Node]:
    if isinstance(v, Node):
        raise Unreadable("I expected a vector (a list of numbers), not a single value")
    if _is_flat(v):
        return v
    if v and all(isinstance(r, list) and len(r) == 1 and isinstance(r[0], Node) for r in v):
        return [r[0] for r in v]  # a column [1; 2; 3]
    if len(v) == 1 and _is_flat(v[0]):
        return v[0]
    raise Unreadable("I expected a vector like [1, 2, 3], not a table")


def _as_matrix(v: Value, want_shape: tuple[int, int] | None) -> list[list[Node]]:
    if isinstance(v, Node):
        raise Unreadable("I expected a matrix, not a single value")
    if v and all(_is_flat(r) for r in v):
        if len({len(r) for r in v}) != 1:
            raise Unreadable("the rows have different lengths")
        return v
    if _is_flat(v) and want_shape is not None:
        if want_shape[0] == 1 and len(v) == want_shape[1]:
            return [v]
        if want_shape[1] == 1 and len(v) == want_shape[0]:
            return [[x] for x in v]
    raise Unreadable("I expected a matrix written row by row")


def _as_set(tops: list[Node]) -> list[Value]:
    items: list[Value] = []
    for top in tops:
        v = _top_value(top)
        if isinstance(v, Node):
            items.append(v)
            continue
        for x in v:
            if not (isinstance(x, Node) or _is_flat(x)):
                raise Unreadable("I expected a set of numbers like {1, -2}")
            items.append(x)
    if len(items) > MAX_SET_ITEMS:
        raise Unreadable(f"there are more than {MAX_SET_ITEMS} values")
    return items


def _read(answer: Answer, text: str, want: Value | None = None) -> Value:
    """Read ``text`` as this answer's kind (``want`` is the canonical value, for matrix shapes)."""
    kind = answer.kind
    if kind in ("number", "expression"):
        return _read_scalar(kind, answer.vars, text)
    if kind == "set":
        return _as_set(expand_pm(text, ()))
    top = parse(text, (), list_mode=True)
    if not top.args:
        raise Unreadable("the answer is empty")
    v = _top_value(top)
    if kind == "vector":
        return _as_vector(v)
    shape = (len(want), len(want[0])) if want else None
    return _as_matrix(v, shape)


@lru_cache(maxsize=4096)
def _canonical(answer: Answer) -> Value:
    try:
        return _read(answer, answer.value)
    except Unreadable as exc:
        raise _BrokenCanonical(exc.reason) from exc


@lru_cache(maxsize=4096)
def _mistake_value(answer: Answer, text: str) -> Value | None:
    try:
        return _read(answer, text, _canonical(answer))
    except Unreadable:
        return None


@lru_cache(maxsize=1024)
def _tolerance(tol: float | None) -> Fraction | None:
    return None if tol is None else Fraction(repr(tol))


# ------------------------------------------------------------------------------------------ numbers


@lru_cache(maxsize=8192)
def _mp_value(node: Node) -> Any:
    return mpeval(node, {}, mp_context(60))


def _decimals_shown(node: Node) -> int | None:
    while node.op == "neg":
        node = node.args[0]
    if node.op == "pct" and node.args[0].op == "num":
        return (node.args[0].dec or 0) + 2
    if node.op == "num":
        return node.dec
    return None


def same_number(g: Node, w: Node, tol: Fraction | None) -> bool:
    """The number rule: exact value, a correctly rounded decimal (>= 2 decimals), or within ``tol``."""
    ge, we = exact(g), exact(w)
    both_exact = ge is not None and we is not None
    if ge is not None and we is not None:
        diff: Any = abs(ge - we)
    else:
        try:
            gm, wm = _mp_value(g), _mp_value(w)
        except EvalError:
            return False
        ctx = mp_context(60)
        diff = abs(gm - wm)
    if tol is not None:
        return diff <= tol if both_exact else diff <= ctx.mpf(tol.numerator) / tol.denominator + ctx.mpf("1e-40")
    if both_exact:
        if diff == 0:
            return True
    elif diff <= ctx.mpf("1e-40") * max(1, abs(wm)):
        return True
    d = _decimals_shown(g)
    if d is None or d < 2:
        return False
    zero_given = ge == 0 if ge is not None else False
    if both_exact:
        return diff <= Fraction(1, 2 * 10**d) and not (zero_given and we != 0)
    if ctx.im(wm) != 0 or zero_given:
        return False
    return diff <= ctx.mpf(1) / (2 * ctx.mpf(10) ** d)


def _same_entries(g: Value, w: Value, tol: Fraction | None) -> bool:
    if isinstance(g, Node) and isinstance(w, Node):
        return same_number(g, w, tol)
    if isinstance(g, list) and isinstance(w, list) and len(g) == len(w):
        return all(_same_entries(a, b, tol) for a, b in zip(g, w, strict=True))
    return False


def _same_set(given: list[Value], want: list[Value], tol: Fraction | None) -> bool:
    # Drop exact repeats ({1, 1, -2}), then look for a perfect matching given <-> want.
    distinct: list[Value] = []
    for g in given:
        if not any(_same_entries(g, d, None) and _same_entries(d, g, None) for d in distinct):
            distinct.append(g)
    if len(distinct) != len(want):
        return False
    ok = [[_same_entries(g, w, tol) for w in want] for g in distinct]
    match: list[int | None] = [None] * len(want)

    def augment(i: int, seen: set[int]) -> bool:
        for j in range(len(want)):
            if ok[i][j] and j not in seen:
                seen.add(j)
                if match[j] is None or augment(match[j], seen):  # type: ignore[arg-type]
                    match[j] = i
                    return True
        return False

    return all(augment(i, set()) for i in range(len(distinct)))


# -------------------------------------------------------------------------------------- expressions


@lru_cache(maxsize=64)
def _points(variables: tuple[str, ...]) -> tuple[dict[str, float], ...]:
    """Deterministic sample points: some in (0, 1), some above 1, some negative."""
    import random

    if not variables:
        return ({},)
    rng = random.Random(0x5EED)
    ranges = [(0.1, 0.9)] * 4 + [(1.1, 2.9)] * 4 + [(-2.9, -0.1)] * 4
    return tuple({v: rng.uniform(lo, hi) for v in variables} for lo, hi in ranges)


Sample = tuple[complex | float, float] | None  # value and the magnitude of its largest sum term


def _sample(node: Node, env: dict[str, float]) -> Sample:
    mag = [0.0]
    try:
        return feval(node, env, mag), mag[0]
    except EvalError:
        return None


@lru_cache(maxsize=4096)
def _canonical_samples(node: Node, variables: tuple[str, ...]) -> tuple[Sample, ...]:
    return tuple(_sample(node, env) for env in _points(variables))


def _is_real(v: complex | float) -> bool:
    return not isinstance(v, complex) or abs(v.imag) <= 1e-12 * max(1.0, abs(v.real))


def _mp_close(g: Node, w: Node, env: dict[str, float], mag: float) -> bool:
    dps = min(400, 30 + int(math.log10(max(1.0, mag))))
    ctx = mp_context(dps)
    try:
        a, b = mpeval(g, env, ctx), mpeval(w, env, ctx)
    except EvalError:
        return False
    return abs(a - b) <= ctx.mpf("1e-22") * max(1, abs(a), abs(b))


def _numeric_equal(g: Node, w: Node, variables: tuple[str, ...], deadline: float) -> bool | None:
    """Equal at random points? None when too few points are defined for both (or time ran out)."""
    points = _points(variables)
    want = _canonical_samples(w, variables)
    pairs = []
    for env, ws in zip(points, want, strict=True):
        if time.perf_counter() > deadline:
            break
        if ws is None:
            continue
        gs = _sample(g, env)
        if gs is not None:
            pairs.append((env, gs[0], ws[0], max(gs[1], ws[1], abs(gs[0]), abs(ws[0]))))
    need = 3 if variables else 1
    real = [p for p in pairs if _is_real(p[1]) and _is_real(p[2])]
    use = real if len(real) >= need else pairs
    if len(use) < need:
        return None
    for env, a, b, mag in use:
        if abs(a - b) > 1e-9 * max(abs(a), abs(b)) + 1e-12 * max(1.0, mag):
            if not _mp_close(g, w, env, mag):  # a float mismatch may be cancellation: decide in high precision
                return False
    env, _, _, mag = max(use, key=lambda p: abs(p[2]))
    return _mp_close(g, w, env, mag)


def _expansion_terms(node: Node, cap: int = 10**6) -> int:
    """An upper bound on the number of terms ``sympy.expand`` could produce (capped), for rational trees;
    ``cap`` when the tree has functions or non-integer powers (sympy can be slow on those)."""
    op = node.op
    if op in ("num", "const", "var"):
        return 1
    if op in ("neg", "pct", "deg"):
        return _expansion_terms(node.args[0], cap)
    if op == "add":
        return min(cap, sum(_expansion_terms(a, cap) for a in node.args))
    if op == "mul":
        total = 1
        for a in node.args:
            total = min(cap, total * _expansion_terms(a, cap))
        return total
    if op == "pow":
        n = node.args[1].fval
        if n is None or isinstance(n, complex) or n != int(n):
            return cap
        base = _expansion_terms(node.args[0], cap)
        return cap if base > 1 and abs(n) > 40 else min(cap, base ** int(abs(n)))
    return cap


def same_expression(g: Node, w: Node, variables: tuple[str, ...], deadline: float) -> bool:
    # 1. Exact and cheap: sympy's automatic canonical form of small rational trees (2x + 1 vs 1 + 2*x).
    if (g.size <= SYMPY_STRUCTURAL_MAX_NODES and w.size <= SYMPY_STRUCTURAL_MAX_NODES
            and _expansion_terms(g) < 10**6 and _expansion_terms(w) < 10**6):
        try:
            if sympy_of(g) == sympy_of(w):
                return True
        except Exception:  # noqa: BLE001 - sympy is only a shortcut here
            log.debug("sympy structural comparison failed", exc_info=True)
    # 2. Values at random points.
    verdict = _numeric_equal(g, w, variables, deadline)
    if verdict is not None:
        return verdict
    # 3. Too few points where both are defined: expand symbolically, only when that is provably small.
    if (time.perf_counter() < deadline and g.size <= SYMPY_EXPAND_MAX_NODES and w.size <= SYMPY_EXPAND_MAX_NODES
            and _expansion_terms(g) + _expansion_terms(w) <= SYMPY_EXPAND_MAX_TERMS):
        try:
            sg, sw = sympy_of(g), sympy_of(w)
            if sg.has(sympy.zoo, sympy.nan) or sw.has(sympy.zoo, sympy.nan):
                return False
            return bool(sympy.expand(sg - sw) == 0)
        except Exception:  # noqa: BLE001
            log.debug("sympy expand failed", exc_info=True)
    return False


# -------------------------------------------------------------------------------------------- choice


def _choice_key(s: str) -> str:
    """An option or a typed choice, as compared: its formulas read as unicode (``$A^T B^T$`` as ``Aᵀ Bᵀ``, the way
    its button shows it), then spaces, case, ``**`` and subscripts (H_0, H₀, H0) made alike."""
    key = "".join(normalise(text_to_unicode(s)).split()).casefold().rstrip(".").replace("**", "^")
    key = re.sub(r"_\{?(\w+)\}?", r"\1", key)  # H_0, H₀ and H0 alike
    return re.sub(r"\^\((\w+)\)", r"^\1", key)  # x² and x^2 alike


_INDEX = re.compile(r"\(?([1-6]|[a-f])[).:]?")


def chosen_option(answer: Answer, text: str) -> str | None:
    """The option of a choice answer that ``text`` names (its text, number or letter), or None."""
    key = _choice_key(text)
    keys = [_choice_key(o) for o in answer.options]
    for opt, k in zip(answer.options, keys, strict=True):
        if k == key:
            return opt
    m = _INDEX.fullmatch(key)
    if not m:
        return None
    c = m.group(1)
    if c.isdigit():
        if any(_INDEX.fullmatch(k) and _INDEX.fullmatch(k).group(1).isdigit() for k in keys):  # type: ignore[union-attr]
            return None  # the options are numbers themselves: "2" would be ambiguous
        i = int(c) - 1
    else:
        if any(len(k) == 1 and k in "abcdef" for k in keys):
            return None
        i = "abcdef".index(c)
    return answer.options[i] if i < len(answer.options) else None


def _check_choice(answer: Answer, text: str, mistakes: Sequence[Mistake]) -> Verdict:
    opt = chosen_option(answer, text)
    if opt is None:
        return Verdict("unreadable", f"That is not one of the options: {example_for(answer)}.")
    if opt == answer.value:
        return Verdict("right")
    for m in mistakes:
        if _choice_key(m.answer) == _choice_key(opt):
            return Verdict("wrong", m.hint, m.answer)
    return Verdict("wrong", "", None)


# -------------------------------------------------------------------------------------------- the API


def _same(answer: Answer, given: Value, want: Value, deadline: float) -> bool:
    kind = answer.kind
    tol = _tolerance(answer.tolerance)
    if kind == "expression":
        return same_expression(given, want, answer.vars, deadline)
    if kind == "set":
        return _same_set(given, want, tol)
    return _same_entries(given, want, tol)


def _shape_feedback(answer: Answer, given: Value, want: Value) -> str:
    if answer.kind == "vector" and len(given) != len(want):
        return f"Your vector has {len(given)} entries; this one has {len(want)}."
    if answer.kind == "matrix" and (len(given), len(given[0])) != (len(want), len(want[0])):
        return f"Your matrix is {len(given)}×{len(given[0])}; this one is {len(want)}×{len(want[0])}."
    return ""


_THOUSANDS = re.compile(r"\s*[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*")  # 5,050 and 1,000,000.5
# 30°, 60^\circ, \degree, "90 degrees", "in degrees"; not "degree-2 polynomial", "degrees of freedom", f \circ g
_IN_DEGREES = re.compile(r"°|\^\s*\{?\s*\\circ\b|\\degree\b|\bdegrees\b(?!\s+of\s+freedom)", re.IGNORECASE)
_TRIG = frozenset({"sin", "cos", "tan"})


@lru_cache(maxsize=1024)
def in_degrees(question: str) -> bool:
    """Whether a question measures angles in degrees (30°, 60^\\circ, "in degrees")."""
    return bool(_IN_DEGREES.search(question))


def _entries(v: Value) -> list[Node]:
    if isinstance(v, Node):
        return [v]
    return [n for x in v for n in _entries(x)]


def _bare_angle(given: Value) -> Node | None:
    """sin, cos or tan of a number other than 0 with neither ° nor π in it (cos(60) in a question in degrees)."""
    for entry in _entries(given):
        for m in nodes(entry):
            if m.op == "fn" and m.val in _TRIG and m.args[0].const and m.args[0].fval != 0 and not any(
                    k.op == "deg" or (k.op == "const" and k.val == "pi") for k in nodes(m.args[0])):
                return m
    return None


def _degree_label(answer: Answer, given: Value, want: Value) -> Value:
    """In a question in degrees whose answer is a plain number of degrees, "135°" is 135: the sign is a label."""
    if answer.kind != "number" or exact(want) is None:
        return given
    if given.op == "deg":
        return given.args[0]
    if given.op == "neg" and given.args[0].op == "deg":
        return make_node("neg", (given.args[0].args[0],))
    return given


def _form_problem(answer: Answer, given: Value, want: Value) -> str | None:
    if answer.form == "any":
        return None
    if isinstance(given, Node):
        return form_problem(answer.form, given, want if isinstance(want, Node) else None)
    for entry in _entries(given):
        problem = form_problem(answer.form, entry)
        if problem:
            return problem
    return None


def _check_thousands(answer: Answer, text: str, mistakes: Sequence[Mistake], degrees: bool) -> Verdict:
    """5,050 is five thousand and fifty; when only 5.050 would be right, ask instead of marking it wrong."""
    plain = text.strip().replace(",", "")
    verdict = check_answer(answer, plain, mistakes=mistakes, degrees=degrees)
    if verdict.right or text.count(",") != 1 or "." in text:
        return verdict
    decimal = text.strip().replace(",", ".")
    if check_answer(answer, decimal).right:
        return Verdict("nudge", f"Did you mean {decimal}? Write decimals with a point, like {decimal}: "
                                f"{text.strip()} reads as {plain}. {NOT_A_TRY}")
    return verdict


def check_answer(answer: Answer, text: str, *, mistakes: Sequence[Mistake] = (), degrees: bool = False) -> Verdict:
    """Check ``text`` against ``answer``; a wrong answer matching one of ``mistakes`` gets its hint.

    ``degrees``: the question is in degrees, so a bare ``cos(60)`` is sent back ("did you mean 60°?") and a
    degree sign on a plain number of degrees is a label."""
    if answer.kind == "self":
        return Verdict("unreadable", SELF_GRADED_FEEDBACK)
    if not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_ANSWER_CHARS:
        return _unreadable(answer, f"it is too long (more than {MAX_ANSWER_CHARS} characters)")
    if not text.strip():
        return _unreadable(answer, "the answer is empty")
    if answer.kind == "choice":
        return _check_choice(answer, text, mistakes)
    if answer.kind == "number" and _THOUSANDS.fullmatch(text):
        return _check_thousands(answer, text, mistakes, degrees)
    deadline = time.perf_counter() + TIME_BUDGET_S
    try:
        want = _canonical(answer)
        given = _read(answer, text, want)
        seen = read_as(text, given, answer.kind)
        if degrees:
            bare = _bare_angle(given)
            if bare is not None:
                meant = make_node("fn", (make_node("deg", (bare.args[0],)),), bare.val)
                return Verdict("nudge", f"This question is in degrees: did you mean ${latex(meant)}$? Write the "
                                        f"degree sign, like 60° or 60 deg (a bare number there means radians). "
                                        f"{NOT_A_TRY}")
            given = _degree_label(answer, given, want)
        if _same(answer, given, want, deadline):
            problem = _form_problem(answer, given, want)
            if problem:
                return Verdict("nudge", f"That is equal, but {problem}. {NOT_A_TRY}", read_as=seen)
            return Verdict("right", read_as=seen)
        for m in mistakes:
            if time.perf_counter() > deadline:
                break
            mv = _mistake_value(answer, m.answer)
            if mv is not None and _same(answer, given, mv, deadline):
                return Verdict("wrong", m.hint, m.answer, read_as=seen)
        return Verdict("wrong", _shape_feedback(answer, given, want), read_as=seen)
    except Unreadable as exc:
        return _unreadable(answer, exc.reason)
    except _BrokenCanonical as exc:
        log.error("cannot read the canonical answer %r: %s", answer.value, exc)
        return Verdict("unreadable", "Sorry, I can't check this question right now (its answer is broken). "
                                     "Ask for a hint or the solution instead.")
    except Exception:  # noqa: BLE001 - a checker bug must not crash the conversation
        log.exception("checking %r against %r failed", text[:80], answer.value)
        return _unreadable(answer, "something in it confused me")


def check_prompt(prompt: Prompt, text: str) -> Verdict:
    """Check ``text`` against ``prompt``'s answer, matching its listed mistakes for specific hints."""
    return check_answer(prompt.answer, text, mistakes=prompt.mistakes, degrees=in_degrees(prompt.question))


def answer_latex(answer: Answer) -> str | None:
    """The answer's value as LaTeX (``[3\\sqrt{3}, 3]`` for ``[3*sqrt(3), 3]``), or None for a choice, a
    self-graded answer or a value the checker cannot read."""
    if answer.kind in ("choice", "self"):
        return None
    try:
        return value_latex(_canonical(answer), answer.kind)
    except _BrokenCanonical:
        return None


_ARITHMETIC = re.compile(r"[\d(][\d\s+\-*/^().]*[+\-*/^][\d\s+\-*/^().]*[\d)]")  # 2^10, 3 * (4 + 5)


def question_expressions(question: str) -> list[str]:
    """The maths a question shows, as text the checker reads: each formula (as unicode, ``(2x − 3)²``),
    both sides of an ``=`` in one, and arithmetic written in its prose (``2^10``)."""
    out: list[str] = []
    prose: list[str] = []
    pos = 0
    for start, end, tex in iter_math_spans(question):
        prose.append(question[pos:start])
        pos = end
        shown = latex_to_unicode(tex)
        out.append(shown)
        if "=" in shown:
            out += shown.split("=")
    prose.append(question[pos:])
    for chunk in prose:
        out += _ARITHMETIC.findall(chunk)
    return [s.strip() for s in out if s.strip()]


def _question_problems(prompt: Prompt) -> list[str]:
    """The question's own expression must not be its right answer ("Simplify 3(x + 2) − 2(x − 1)")."""
    a = prompt.answer
    degrees = in_degrees(prompt.question)
    for shown in question_expressions(prompt.question):
        try:
            value = _read(a, shown, _canonical(a))
        except Unreadable:
            continue
        if all(plain_number(e) for e in _entries(value)):
            continue  # a number the question gives, not something to work out
        if check_answer(a, shown, degrees=degrees).right:
            return [f"the question's own expression {shown!r} is accepted as the answer: set the answer's form "
                    "(expanded, factored, simplified or numeric) so that the working has to be done"]
    return []


_RELATION = re.compile(r"=|≈|≃|≅")


def _hint_problems(prompt: Prompt) -> list[str]:
    """A hint nudges and then shows a method; it never states the answer. A hint gives the answer away when one
    of its formulas ends in the answer: ``x = 3``, ``≈ 0.693``, ``f'(x) = 2x`` (the right side of its last
    ``=`` or ``≈``, read and checked like a learner's answer), unless the question shows it too (its data)."""
    any_form = prompt.answer.model_copy(update={"form": "any"})  # the answer in any form gives it away
    degrees = in_degrees(prompt.question)
    given = set(question_expressions(prompt.question))
    out = []
    for i, hint in enumerate(prompt.hints, 1):
        for _, _, tex in iter_math_spans(hint):
            sides = _RELATION.split(latex_to_unicode(tex))
            if len(sides) < 2 or not sides[-1].strip() or sides[-1].strip() in given:
                continue
            if check_answer(any_form, sides[-1].strip(), degrees=degrees).right:
                out.append(f"hint {i} gives the answer away (${tex}$): a hint nudges or shows a method, and the "
                           "learner works out the answer")
                break
    return out


def validate_prompt(prompt: Prompt) -> list[str]:
    """Content check: the canonical answer is accepted (in its form), every listed mistake is read and
    rejected, the question's own expression is not accepted as its answer, and no hint states the answer. A template: a few of its
    instances (check-content samples many: :func:`bot.practice.template.sample_problems`)."""
    if prompt.params:
        from bot.practice.template import TemplateError, draw

        try:
            return next((ps for ps in (validate_prompt(draw(prompt, k).prompt) for k in range(5)) if ps), [])
        except TemplateError as exc:
            return [str(exc)]
    a = prompt.answer
    if a.kind == "self":
        return []
    problems = []
    if a.kind != "choice":
        try:
            _canonical(a)
        except _BrokenCanonical as exc:
            return [f"the checker cannot read the answer {a.value!r}: {exc}"]
    if check_answer(a, a.value).status != "right":
        problems.append(f"the checker does not accept the canonical answer {a.value!r}")
    if a.kind != "choice":
        problems += _question_problems(prompt) + _hint_problems(prompt)
    for m in prompt.mistakes:
        v = check_answer(a, m.answer)
        if v.status == "right":
            problems.append(f"the checker accepts the listed wrong answer {m.answer!r}")
        elif v.status == "unreadable":
            reason = v.feedback.removeprefix("I couldn't read that as maths: ").split(". ")[0]
            problems.append(f"the checker cannot read the listed wrong answer {m.answer!r}: {reason}")
    return problems


def warm_up() -> None:
    """Pay sympy's and mpmath's one-time lazy imports and caches now (call at start-up), not on a learner."""
    s = sympy.Symbol("x")
    sympy.expand((s * s + s / 2 + 1) ** 3 - sympy.sqrt(s) * sympy.exp(s) * sympy.Abs(s))  # lazy imports
    x = Answer(kind="expression", value="(x + 1)^2*sin(x)", vars=("x",))
    for text in ("sin(x)(x^2 + 2x + 1)", "(x+1)^1000", "x*x*sin(x)", "e^x", "sqrt(x^2)", "ln(x)/x"):
        check_answer(x, text)
    check_answer(Answer(kind="number", value="sqrt(2)/2"), "0.71")
    check_answer(Answer(kind="matrix", value="[[1, 2], [3, 4]]"), "1 2; 3 4")
    check_answer(Answer(kind="set", value="{1, -2}"), "1 ± 2")
