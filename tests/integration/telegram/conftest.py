"""The Telegram tests' fixture: a running bot (the real Application, the fake Bot API, a SQLite Core)."""

from __future__ import annotations

import pytest

from tests.support.telegram import running


@pytest.fixture
async def bot(tmp_path, catalog, clock):
    async with running(tmp_path, catalog, clock) as b:
        yield b
