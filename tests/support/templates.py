"""Template prompts in the content tests: draw instances of a prompt written in YAML, with the parameters as
sympy values for the test's own computation (the engine's derived values and texts are not used)."""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace
from typing import Any

import sympy as sp

INSTANCES = 200  # instances of each template a content test recomputes (issue #39: at least 200)


def is_template(prompt: dict) -> bool:
    return bool(prompt.get("params"))


@functools.lru_cache(maxsize=16384)
def _parsed(text: str) -> Any:
    return sp.sympify(text.replace("^", "**"), locals={"e": sp.E, "pi": sp.pi})


def _value(text: str) -> Any:
    v = _parsed(text)  # the same small values come back in most drawings
    if isinstance(v, list | tuple):
        return sp.Matrix(v)  # [1, 2] a column vector, [[1, 2], [3, 4]] a matrix
    return v


_DRAWN: dict[tuple[str, int], list[tuple[SimpleNamespace, dict]]] = {}


def instances(prompt: dict, n: int = INSTANCES) -> list[tuple[SimpleNamespace, dict]]:
    """``n`` instances of a template prompt (its YAML data): the drawn parameters (``v.a``, a vector or matrix as
    a sympy Matrix) and the prompt as the learner sees it, as YAML-like data. A fixed prompt is its own instance.
    Drawn once per test process for each prompt (several tests read the same instances; do not change them)."""
    key = (json.dumps(prompt, sort_keys=True, default=str), n)
    if key not in _DRAWN:
        _DRAWN[key] = _draw(prompt, n)
    return _DRAWN[key]


def _draw(prompt: dict, n: int) -> list[tuple[SimpleNamespace, dict]]:
    from bot.content.model import Prompt
    from bot.practice.template import draw, seed_of

    model = Prompt.model_validate(prompt)
    if not model.params:
        return [(SimpleNamespace(), prompt)]
    out = []
    for k in range(n):
        inst = draw(model, seed_of(model.id, "content-test", k))
        params = {name: _value(text) for name, text in json.loads(inst.stored).items()}
        out.append((SimpleNamespace(**params), inst.prompt.model_dump(exclude_defaults=True)))
    return out
