"""Figures reach Discord: a lesson's figure is an attachment shown inside its embed, a question's figure an
attachment of its message (the real discord.py client against the fake Discord)."""

from __future__ import annotations

import pytest

from bot.content.loader import load_catalog
from bot.render.figures import figure_png
from tests.support.discord import only, press, run
from tests.support.figures import content_with_figures


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(content_with_figures(tmp_path_factory.mktemp("figures")))


async def test_lesson_and_question_figures_are_attachments(fake, bot, catalog):
    lesson = only(await run(fake, bot, fake.ada, "next"))
    assert lesson.ephemeral and lesson.labels == ["Done ✓", "Practice ▶", "Skip"]
    [(name, data)] = lesson.files
    assert name == "figure-1.png" and data == figure_png(catalog.unit_by_id["b-one"].figures[0])
    [embed] = lesson.embeds
    assert embed["title"] == "📘 Unit One" and embed["image"]["url"] == "attachment://figure-1.png"

    question = only(await press(fake, bot, fake.ada, lesson, "Done"))
    assert "Which is 3 + 3?" in question.text
    names = [n for n, _ in question.files]
    assert "figure-1.png" in names
    assert dict(question.files)["figure-1.png"] == figure_png(catalog.prompt_by_id["b-one-3"].figure)
    verdict = only(await press(fake, bot, fake.ada, question, "6"))
    assert "Right!" in verdict.text and not any(n.startswith("figure") for n, _ in verdict.files)
