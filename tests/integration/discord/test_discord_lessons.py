"""Lessons and resources on Discord, on the real curriculum, through the real discord.py client against the
fake Discord: a lesson is one embed whose description does not repeat its title; a topic's resources are
pages with buttons, one message each (not one message per 2,000 characters)."""

from __future__ import annotations

import re

import pytest

from bot.content.loader import load_catalog
from tests.support import ROOT
from tests.support.discord import only, press, run


@pytest.fixture
def catalog():
    """The real curriculum: its lessons and its topics' resources."""
    return load_catalog(ROOT / "content")


async def test_a_lesson_is_one_embed_that_does_not_repeat_its_title(fake, bot, catalog):
    lesson = only(await run(fake, bot, fake.ada, "next"))
    [embed] = lesson.embeds
    unit = catalog.topics[0].units[0]
    assert embed["title"] == f"📘 {unit.title}"
    first = lesson.text.split("\n")[1]  # the embed's title, then its description
    assert first == f"*{catalog.topics[0].title} · about {unit.minutes} min*"  # italic
    assert f"**{unit.title}**" not in lesson.text


async def test_a_topics_resources_are_pages_of_one_embed_each_with_buttons(fake, bot, catalog):
    topic = next(t for t in catalog.topics if t.id == "linear-algebra")
    it = await run(fake, bot, fake.ada, "resources", topic="linear-algebra")
    page = only(it)  # one message, not one per 2,000 characters
    [embed] = page.embeds
    assert embed["title"] == "📚 Linear Algebra: what to study" and page.labels == ["Next page ▶"]
    pages = int(re.search(r"page 1 of (\d+)", embed["description"])[1])
    seen = [page.text]
    for n in range(2, pages + 1):
        page = only(await press(fake, bot, fake.ada, page, "Next page"))
        [embed] = page.embeds
        assert f"page {n} of {pages}" in embed["description"] and len(embed["description"]) <= 4096
        seen.append(page.text)
    assert page.labels == ["◀ Previous"]
    back = only(await press(fake, bot, fake.ada, page, "◀ Previous"))
    assert f"page {pages - 1} of {pages}" in back.embeds[0]["description"]
    everything = "\n".join(seen)
    for unit in topic.units:  # every unit's every link, once
        assert everything.count(f"**{unit.title}**") == 1, unit.title
        for r in unit.resources:
            assert r.url in everything, r.url
