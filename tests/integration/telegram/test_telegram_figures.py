"""Figures reach Telegram: a lesson's figure and a question's figure arrive as photos (the real PTB Application
against the fake Bot API), the PNGs the renderer draws for them."""

from __future__ import annotations

import pytest

from bot.content.loader import load_catalog
from bot.render.figures import figure_png
from tests.support.figures import content_with_figures, pixels

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(content_with_figures(tmp_path_factory.mktemp("figures")))


async def test_a_lesson_and_its_question_arrive_with_their_figures_as_photos(bot, catalog):
    ann = bot.person(21, "Ann")
    shown = await ann.say("/next")
    photos = [m for m in shown if m.kind == "photo"]
    assert len(photos) == 1, [m.kind for m in shown]
    lesson_figure = catalog.unit_by_id["b-one"].figures[0]
    assert photos[0].photo == figure_png(lesson_figure), "the lesson's figure, as drawn"
    assert pixels(photos[0].photo).shape[:2] == (600, 900)
    lesson = shown[-1]
    assert "Unit One" in lesson.text and lesson.labels == ["Done ✓", "Practice ▶", "Skip"]

    shown = await ann.press(lesson, "Done")
    assert "Which is 3 + 3?" in "\n".join(m.text for m in shown)
    [photo] = [m for m in shown if m.kind == "photo"]
    assert photo.photo == figure_png(catalog.prompt_by_id["b-one-3"].figure)
    assert shown[-1].labels[:3] == ["6", "7", "3"]  # the question's buttons still come last
    [verdict] = await ann.press(shown[-1], "6")
    assert "Right!" in verdict.text and verdict.kind == "text"  # a verdict has no figure


async def test_a_lesson_without_a_figure_is_one_text_message(bot):
    ann = bot.person(22, "Ann")
    shown = await ann.say("/next")
    await ann.press(shown[-1], "Skip")  # Unit One skipped: Unit Two has no figure
    shown = await ann.say("/next")
    assert "Unit Two" in shown[-1].text and all(m.kind == "text" for m in shown)
