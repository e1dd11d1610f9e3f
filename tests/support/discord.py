"""Driving the real discord.py bot against the fake Discord: run a command, press a button, wait until the
bot has answered and gone idle."""

from __future__ import annotations

from bot.adapters.discord import DiscordAdapter
from tests.support.fake_discord import FakeDiscord, Interaction, Msg


async def settle(fake: FakeDiscord, adapter: DiscordAdapter, it: Interaction) -> Interaction:
    """Until the bot has answered ``it`` and finished everything it was doing."""
    await fake.responded(it)
    await adapter.wait_idle()
    return it


async def run(fake, adapter, user, command, /, guild=True, **options) -> Interaction:
    return await settle(fake, adapter, await fake.slash(user, command, fake.guild if guild else None, **options))


async def press(fake, adapter, user, message: Msg, label: str, guild=True) -> Interaction:
    return await settle(fake, adapter, await fake.press(user, message, label, fake.guild if guild else None))


def only(it: Interaction) -> Msg:
    assert len(it.visible) == 1, [m.text for m in it.visible]
    return it.visible[0]
