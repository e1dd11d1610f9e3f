"""The unit tier runs the core's rules on SQLite files in a temp dir; ``tests/integration`` runs the same
rules again on PostgreSQL (``test_*_on_postgresql.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def db_url(sqlite_url) -> str:
    return sqlite_url


@pytest.fixture(scope="session")
def curriculum():
    """The real curriculum in content/ (tests that need real questions; most use the small fixture)."""
    from bot.content.loader import load_catalog
    from tests.support import ROOT

    return load_catalog(ROOT / "content")


@pytest.fixture
def real_core(repo, curriculum, clock):
    """The core on the real curriculum."""
    from bot.core.service import Core

    return Core(curriculum, repo, clock)
