"""Parametrises the shared checks of ``checks.py`` with the unit of the module that collects them: a module sets
``UNIT`` (and ``COMPUTE``), and ``pid`` runs over its prompts, ``text`` over its texts."""

from __future__ import annotations

import pytest


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    unit_id = getattr(metafunc.module, "UNIT", None)
    if unit_id is None:
        return
    from tests.unit.content.ml import checks

    if "pid" in metafunc.fixturenames:
        metafunc.parametrize("pid", [p["id"] for p in checks.unit(unit_id)["prompts"]])
    if "text" in metafunc.fixturenames:
        metafunc.parametrize("text", checks.texts(unit_id), ids=lambda t: t[0])
