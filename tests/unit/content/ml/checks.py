"""The checks every unit of the ``ml`` topic passes, recomputed independently of the YAML and of the engine.

A unit's test module (``test_<unit>.py`` here) sets ``UNIT``, ``TEACHES``, ``NEEDS``, ``COMPUTE`` (prompt id →
a function that recomputes the answer with sympy or numpy from the problem's data; a template's takes the drawn
parameters ``v``, ``v.a``, a vector as a sympy Matrix) and optionally ``SHOWN`` (template id → the numbers its
question shows, in order), and imports the tests below with ``from tests.unit.content.ml.checks import *``.
A template is recomputed over ``INSTANCES`` drawn instances (issue #38 asks for at least 200).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sympy as sp

from bot.content.loader import prerequisites
from tests.support import load_yaml
from tests.support.exact import is_zero, parser
from tests.support.mathtext import render_formula
from tests.support.templates import instances as draw_instances
from tests.support.templates import is_template

__all__ = [
    "test_unit_shape", "test_every_checkable_prompt_has_a_computation", "test_answer_matches_independent_computation",
    "test_template_questions_show_the_computed_data", "test_mistakes_differ_from_answer",
    "test_listed_mistakes_differ_from_each_other", "test_formulas_render",
    "test_concepts_and_needs", "test_prompt_stands_alone",
]

ROOT = Path(__file__).resolve().parents[4]
TOPIC_FILE = ROOT / "content" / "topics" / "ml.yaml"
INSTANCES = 200
CHECKABLE = {"number", "expression", "vector", "matrix", "set"}
LOCALS = {"e": sp.E, "pi": sp.pi, "ln": sp.log, "sqrt": sp.sqrt, "exp": sp.exp, "log": sp.log, "beta": sp.Symbol("beta")}


@functools.cache
def topics() -> dict[str, dict]:
    return {f.stem: load_yaml(f.read_text(encoding="utf-8")) for f in sorted(TOPIC_FILE.parent.glob("*.yaml"))}


def unit(unit_id: str) -> dict:
    return next(u for u in topics()["ml"]["units"] if u["id"] == unit_id)


def prompts(unit_id: str) -> dict[str, dict]:
    return {p["id"]: p for p in unit(unit_id)["prompts"]}


def instances(unit_id: str, pid: str) -> list[tuple[SimpleNamespace, dict]]:
    """The drawn instances of a template (INSTANCES of them), or the fixed prompt itself (drawn once per process
    by tests.support.templates)."""
    return draw_instances(prompts(unit_id)[pid], INSTANCES)


# ---------------------------------------------------------------- comparing values


parse = parser(LOCALS)  # sympify of answer syntax, cached by text


def parse_set(text: str) -> list:
    inner = text.strip()
    assert inner.startswith("{") and inner.endswith("}"), text
    return [parse(part) for part in inner[1:-1].split(",") if part.strip()]


def same_number(a: Any, b: Any, tol: float = 0.0) -> bool:
    diff = sp.sympify(a) - sp.sympify(b)
    if tol:
        return abs(float(sp.N(diff, 30))) <= tol
    return abs(float(sp.N(diff, 30))) < 1e-12 and is_zero(diff)


def same_set(a: list, b: list) -> bool:
    rest = list(b)
    for item in a:
        j = next((j for j, other in enumerate(rest) if same_number(item, other)), None)
        if j is None:
            return False
        rest.pop(j)
    return not rest


def matches(kind: str, yaml_value: str, computed: Any, tol: float = 0.0) -> bool:
    if kind == "number":
        return same_number(parse(yaml_value), computed, tol)
    if kind == "expression":
        return is_zero(parse(yaml_value) - sp.sympify(computed))
    if kind in ("vector", "matrix"):
        got, want = sp.Matrix(parse(yaml_value)), sp.Matrix(computed)
        if kind == "vector":
            got, want = got.reshape(len(got), 1), want.reshape(len(want), 1)
        return got.shape == want.shape and all(same_number(g, c, tol) for g, c in zip(got, want, strict=True))
    if kind == "set":
        return same_set(parse_set(yaml_value), list(computed))
    if kind == "choice":
        return yaml_value == computed
    raise AssertionError(f"unknown kind {kind}")


def differs(kind: str, value: str, wrong: str, tol: float) -> bool:
    """A listed mistake is really wrong: for numbers further from the answer than a correctly rounded answer."""
    if kind == "number":
        return abs(float(sp.N(parse(value) - parse(wrong)))) > max(tol, 0.005)
    if kind == "expression":
        return not is_zero(parse(value) - parse(wrong))
    if kind in ("vector", "matrix"):
        try:
            return not matches(kind, value, parse(wrong), tol)
        except (ValueError, sp.ShapeError):
            return True
    if kind == "set":
        return not same_set(parse_set(value), parse_set(wrong))
    raise AssertionError(kind)


def same_value(kind: str, a: str, b: str) -> bool:
    """Two answers of ``kind`` written in YAML are exactly equal."""
    if kind == "set":
        return same_set(parse_set(a), parse_set(b))
    try:
        return matches(kind, a, parse(b))
    except (ValueError, TypeError, sp.ShapeError):
        return False


# ---------------------------------------------------------------- the texts


def texts(unit_id: str) -> list[tuple[str, str]]:
    u = unit(unit_id)
    out = [(unit_id + ".summary", u["summary"]), (unit_id + ".why_ml", u["why_ml"])]
    for template in u["prompts"]:
        for k, (_, p) in enumerate(draw_instances(template, 3)):  # 3 at collection; the 200 when a test needs them
            where = f"{p['id']}#{k}"
            out += [(where + ".question", p["question"]), (where + ".solution", p["solution"])]
            out += [(f"{where}.hint{i}", h) for i, h in enumerate(p["hints"])]
            out += [(f"{where}.mistake{i}", m.get("hint", "")) for i, m in enumerate(p.get("mistakes") or [])]
            if p["answer"]["kind"] == "choice":
                out += [(f"{where}.option{i}", o) for i, o in enumerate(p["answer"]["options"])]
    return out


# ---------------------------------------------------------------- the tests (collected by each unit's module)


def test_unit_shape(request):
    m = request.module
    u = unit(m.UNIT)
    ps = u["prompts"]
    assert len(ps) >= 10, "issue #38: at least 10 prompts a unit"
    assert [p["id"] for p in ps] == [f"{m.UNIT}-{i}" for i in range(1, len(ps) + 1)]
    assert 2 * sum(is_template(p) for p in ps) >= len(ps), "at least half of the prompts are templates"
    assert sum(p["answer"]["kind"] == "self" for p in ps) <= 1
    assert 2 <= sum(bool(p.get("daily")) for p in ps) <= 4
    diffs = [p["difficulty"] for p in ps]
    assert diffs == sorted(diffs) and diffs[0] == 1 and diffs[-1] == 3
    for p in ps:
        assert p["hints"] and p["solution"], p["id"]
        if is_template(p):
            assert p["answer"]["kind"] != "self", p["id"]
    urls = [r["url"] for r in u["resources"]]
    assert any(re.fullmatch(r"https://mml-book\.github\.io/book/mml-book\.pdf#page=\d+", url) for url in urls)
    assert len(urls) >= 2


def test_every_checkable_prompt_has_a_computation(request):
    m = request.module
    ps = prompts(m.UNIT)
    assert {pid for pid, p in ps.items() if p["answer"]["kind"] in CHECKABLE or is_template(p)} <= m.COMPUTE.keys()
    assert m.COMPUTE.keys() <= ps.keys()
    assert getattr(m, "SHOWN", {}).keys() <= {pid for pid, p in ps.items() if is_template(p)}


def test_answer_matches_independent_computation(request, computed_pid):
    m, pid = request.module, computed_pid
    template = is_template(prompts(m.UNIT)[pid])
    for v, prompt in instances(m.UNIT, pid):
        answer = prompt["answer"]
        computed = m.COMPUTE[pid](v) if template else m.COMPUTE[pid]()
        assert matches(answer["kind"], answer["value"], computed, answer.get("tolerance") or 0.0), (
            f"{pid} {vars(v)}: YAML says {answer['value']!r}, computed {computed!r}"
        )


def test_template_questions_show_the_computed_data(request, shown_pid):
    pid = shown_pid
    shown = request.module.SHOWN[pid]
    for v, prompt in instances(request.module.UNIT, pid):
        numbers = [sp.Rational(n) for n in re.findall(r"-?\d+(?:\.\d+)?", prompt["question"])]
        assert numbers == [sp.Rational(x) for x in shown(v)], f"{pid} {vars(v)}: {prompt['question']!r}"


def test_mistakes_differ_from_answer(request, pid):
    for _, prompt in instances(request.module.UNIT, pid):
        answer = prompt["answer"]
        mistakes = prompt.get("mistakes") or []
        if answer["kind"] in CHECKABLE:
            assert 2 <= len(mistakes) <= 4, pid
        if answer["kind"] == "choice":
            assert answer["value"] in answer["options"] and len(set(answer["options"])) == len(answer["options"])
            assert all(len(o) < 40 for o in answer["options"]), pid
            continue
        tol = answer.get("tolerance") or 0.0
        for mistake in mistakes:
            assert differs(answer["kind"], answer["value"], mistake["answer"], tol), (
                f"{pid}: mistake {mistake['answer']!r} equals the answer {answer['value']!r}"
            )
        if answer["kind"] == "expression":
            declared = {sp.Symbol(x) for x in answer["vars"]}
            assert parse(answer["value"]).free_symbols <= declared, pid
            assert all(parse(mk["answer"]).free_symbols <= declared for mk in mistakes), pid


def test_listed_mistakes_differ_from_each_other(request, pid):
    """Two listed mistakes equal in an instance would give the learner one diagnosis for two different errors."""
    for v, prompt in instances(request.module.UNIT, pid):
        answer, mistakes = prompt["answer"], prompt.get("mistakes") or []
        if answer["kind"] not in CHECKABLE:
            continue
        for i, first in enumerate(mistakes):
            for second in mistakes[i + 1 :]:
                assert not same_value(answer["kind"], first["answer"], second["answer"]), (
                    f"{pid} {vars(v)}: the mistakes {first['answer']!r} and {second['answer']!r} coincide"
                )


def test_formulas_render(text):
    where, body = text
    assert body.count("$") % 2 == 0, f"{where}: unbalanced $"
    for formula in re.findall(r"\$([^$]+)\$", body):
        render_formula(formula)


def test_concepts_and_needs(request):
    """The unit's needs and concepts are the ones pinned in its module, and every concept it uses is taught by one
    of its prerequisites (directly or through theirs), read from every topic file."""
    m = request.module
    u = unit(m.UNIT)
    keys = list(u)
    assert keys[keys.index("needs") + 1 : keys.index("needs") + 3] == ["teaches", "uses"]
    assert list(u["needs"]) == m.NEEDS
    assert list(u["teaches"]) == m.TEACHES
    units = [x for t in topics().values() for x in t["units"]]
    teacher: dict[str, str] = {}
    for x in units:
        for c in x.get("teaches") or []:
            assert c not in teacher, f"{c!r} is taught by {teacher[c]!r} and {x['id']!r}"
            teacher[c] = x["id"]
    before = prerequisites({x["id"]: list(x.get("needs") or []) for x in units})[m.UNIT]
    assert len(set(u["uses"])) == len(u["uses"])
    for c in u["uses"]:
        assert c in teacher, f"{m.UNIT} uses {c!r}, which no unit teaches"
        assert teacher[c] in before, f"{m.UNIT} uses {c!r} but {teacher[c]!r} is not among its prerequisites"


def test_prompt_stands_alone(request, pid):
    text = prompts(request.module.UNIT)[pid]["question"].lower()
    assert not re.search(r"as before|previous (question|prompt)|^again\b", text), pid
