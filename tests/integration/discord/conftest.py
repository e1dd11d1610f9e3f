"""The Discord tests' fixtures: a fake Discord with a server (Ada a member, Olga an organiser), the shared
``repo`` on a SQLite file, and the real discord.py bot started against them."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.adapters.discord import DiscordAdapter, build_discord
from bot.config import Settings
from bot.core.registry import Registry
from bot.core.service import Core
from tests.support.fake_discord import MANAGE_GUILD, FakeDiscord


@pytest.fixture
async def fake(monkeypatch):
    """The fake Discord, with a server: Ada is a member, Olga an organiser (Manage Server by role)."""
    # The adapter sets these process-wide class attributes at start; restore them after the test.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    f = await FakeDiscord().start()
    f.guild = f.add_guild("Study Group")
    organisers = f.add_role(f.guild, "Organisers", MANAGE_GUILD)
    f.ada = f.add_user("ada", "Ada")
    f.olga = f.add_user("olga", "Olga")
    f.add_member(f.guild, f.ada)
    f.add_member(f.guild, f.olga, organisers)
    yield f
    await f.close()
    assert not f.unknown_routes, f"the bot called routes the fake does not know: {f.unknown_routes}"


@pytest.fixture
def db_url(sqlite_url) -> str:
    """The bot's repository (the shared ``repo`` fixture) on a SQLite file."""
    return sqlite_url


@pytest.fixture
async def start_bot(fake, repo, catalog, clock):
    """Start a DiscordAdapter against the fake; every adapter started is stopped after the test."""
    started: list[DiscordAdapter] = []

    async def start(registry: Registry | None = None, shards: int = 1, **settings: Any) -> DiscordAdapter:
        s = Settings(_env_file=None, **{
            "discord_token": "fake-bot-token", "discord_api_base_url": fake.rest_url,
            "discord_gateway_url": fake.gateway_url, "discord_dev_guild_id": None, "discord_shard_count": None,
            **settings})
        adapter = build_discord(Core(catalog, repo, clock, registry=registry), s)

        async def no_identify_pause(shard_id, *, initial=False):  # discord.py waits 5 s between shards
            return None

        adapter.bot.before_identify_hook = no_identify_pause
        started.append(adapter)
        await adapter.start()
        await fake.wait_connected(shards)
        return adapter

    yield start
    for adapter in started:
        await adapter.stop()


@pytest.fixture
async def bot(start_bot):
    return await start_bot()
