"""Composition root: settings -> storage, catalog, core (and later scheduler, adapters)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings, redact_url
from bot.content.loader import Catalog, load_catalog
from bot.core.ports import Clock
from bot.core.service import Core
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository

log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


def formula_problems(prompt) -> list[str]:
    """Every formula of a prompt (question, hints, solution) must render as an image."""
    from bot.render.formulas import text_formula_errors

    out: list[str] = []
    for where, text in (("question", prompt.question), *(("hint", h) for h in prompt.hints),
                        ("solution", prompt.solution)):
        out += [f"formula in {where} does not render: {e}" for e in text_formula_errors(text)]
    return out


def content_checks() -> list:
    """The per-prompt checks check-content runs: the answer checker and formula rendering."""
    from bot.practice.check import validate_prompt

    return [validate_prompt, formula_problems]


def load_content(settings: Settings, *, full_check: bool = False) -> Catalog:
    return load_catalog(settings.content_dir, content_checks() if full_check else ())


@dataclass
class App:
    settings: Settings
    catalog: Catalog
    repo: SqlRepository
    core: Core

    async def close(self) -> None:
        await self.repo.engine.dispose()


async def build_app(settings: Settings, *, clock: Clock = system_clock, catalog: Catalog | None = None) -> App:
    catalog = catalog or load_content(settings)
    log.info("%s", catalog.summary_line())
    engine = create_engine(settings.database_url)
    log.info("database %s", redact_url(settings.database_url))
    await migrate(engine)
    repo = SqlRepository(engine)
    core = Core(catalog, repo, clock, default_timezone=settings.default_timezone)
    return App(settings, catalog, repo, core)
