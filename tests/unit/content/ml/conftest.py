"""Parametrises the shared checks of ``checks.py`` with the unit of the module that collects them: a module sets
``UNIT`` (and ``COMPUTE``, ``SHOWN``): ``pid`` runs over its prompts, ``computed_pid`` over those it recomputes,
``shown_pid`` over the templates whose shown numbers it lists, ``text`` over its texts."""

from __future__ import annotations

import pytest


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    unit_id = getattr(metafunc.module, "UNIT", None)
    if unit_id is None:
        return
    from tests.unit.content.ml import checks

    if "pid" in metafunc.fixturenames:
        metafunc.parametrize("pid", [p["id"] for p in checks.unit(unit_id)["prompts"]])
    if "computed_pid" in metafunc.fixturenames:  # the prompts the module recomputes
        metafunc.parametrize("computed_pid", sorted(metafunc.module.COMPUTE))
    if "shown_pid" in metafunc.fixturenames:  # the templates whose shown numbers the module lists
        metafunc.parametrize("shown_pid", sorted(getattr(metafunc.module, "SHOWN", {})))
    if "text" in metafunc.fixturenames:
        metafunc.parametrize("text", checks.texts(unit_id), ids=lambda t: t[0])
