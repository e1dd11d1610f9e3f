"""Each content module's tests run on one xdist worker (``--dist loadgroup``): a template's 200 instances are then
drawn by one process, not by every worker that runs one of its tests."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.startswith("tests.unit.content.") \
                and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(module.__name__.rsplit(".", 1)[-1]))
