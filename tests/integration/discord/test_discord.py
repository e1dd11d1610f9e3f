"""The Discord adapter end to end: the real discord.py bot against the fake Discord in tests/support/fake_discord.py,
a real Core on a SQLite file. Assertions are on what the member sees (ephemeral or not, text, buttons,
files) and on what the fake received (the synced command tree, identify payloads)."""

from __future__ import annotations

import json
import logging
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.adapters.discord import pack_rows, render, rest_base
from bot.core.commands import build_registry
from bot.core.model import Button, Reply
from bot.core.ports import Destination, RateLimited, Unreachable
from bot.core.registry import Arg, Registry
from tests.support.conversation import asked
from tests.support.discord import only, press, run, settle
from tests.support.fake_discord import MANAGE_GUILD

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT
OPTION_TYPE = {"int": 4}  # everything else is a string option (3)


def with_admin_command() -> Registry:
    """The real registry plus one organiser command with typed options (challenges come later)."""
    r = build_registry()

    @r.command("post_challenge", "Post a challenge in this channel",
               Arg("level", "how hard, 1 to 3", "int", required=True, min=1, max=3, example="2"),
               Arg("kind", "what kind of challenge", "choice", choices=("quiz", "proof")),
               admin=True)
    async def post_challenge(ctx, a: dict[str, Any]) -> Reply:
        return Reply(f"Posted a level {a['level']} {a.get('kind', 'quiz')} challenge.", private=False)

    return r


# ---------------------------------------------------------------- the command tree


def test_parity_of_the_synced_tree_with_the_registry(fake, bot):
    [(guild, payload)] = fake.command_puts
    assert guild is None  # global sync
    registry = bot.core.registry
    assert [c["name"] for c in payload] == registry.names()
    for sent in payload:
        cmd = registry.get(sent["name"])
        assert sent["description"] == cmd.help
        assert sent["default_member_permissions"] is None
        options = {o["name"]: o for o in sent.get("options", [])}
        assert set(options) == {a.name for a in cmd.args}
        for arg in cmd.args:
            o = options[arg.name]
            assert o["description"] == arg.help
            assert o["type"] == OPTION_TYPE.get(arg.kind, 3)
            assert o["required"] == arg.required
            assert o.get("autocomplete", False) == arg.autocomplete
        required = [o["required"] for o in sent.get("options", [])]
        assert required == sorted(required, reverse=True)  # Discord wants required options first


async def test_admin_commands_need_manage_server_by_default_and_at_run_time(fake, start_bot):
    adapter = await start_bot(registry=with_admin_command())
    [(_, payload)] = fake.command_puts
    sent = next(c for c in payload if c["name"] == "post_challenge")
    assert int(sent["default_member_permissions"]) == MANAGE_GUILD
    assert sent["contexts"] == [0] and sent["dm_permission"] is False  # servers only
    level, kind = sent["options"]
    assert (level["type"], level["min_value"], level["max_value"], level["required"]) == (4, 1, 3, True)
    assert kind["choices"] == [{"name": "quiz", "value": "quiz"}, {"name": "proof", "value": "proof"}]
    assert all(c["default_member_permissions"] is None for c in payload if c["name"] != "post_challenge")

    # Ada has no Manage Server (say a server admin opened the command to everyone): a clear refusal.
    msg = only(await run(fake, adapter, fake.ada, "post_challenge", level=2))
    assert msg.ephemeral and "/post_challenge is for this server's organisers (members with **Manage Server**)" in msg.text
    # Olga has it through her role: the command runs, and its public reply is not ephemeral.
    msg = only(await run(fake, adapter, fake.olga, "post_challenge", level=2, kind="proof"))
    assert not msg.ephemeral and msg.text == "Posted a level 2 proof challenge."
    # Discord enforces the range in its client; what else arrives still gets the core's usage reply.
    msg = only(await run(fake, adapter, fake.olga, "post_challenge", level=9))
    assert "level must be a whole number from 1 to 3; 9 is not." in msg.text and "Usage" in msg.text


async def test_dev_guild_gets_the_commands_instantly(fake, start_bot):
    adapter = await start_bot(discord_dev_guild_id=fake.guild)
    assert [g for g, _ in fake.command_puts] == [fake.guild]  # one server, not global
    msg = only(await run(fake, adapter, fake.ada, "topics"))
    assert "Basics" in msg.text


async def test_connects_to_the_configured_endpoints_with_plain_intents(fake, bot):
    assert discord.http.Route.BASE == fake.rest_url
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    [identify] = fake.identifies
    assert identify["token"] == "fake-bot-token"
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    assert identify["shard"] == [0, 1]  # auto: the count GET /gateway/bot recommends
    assert ("GET", "/api/v10/gateway/bot") in fake.requests


async def test_auto_sharding_keeps_the_configured_gateway(fake, start_bot):
    fake.recommended_shards = 2
    fake.gateway_bot_url = "ws://127.0.0.1:9/not-this-one"  # what Discord would answer: its own gateway
    second = fake.add_guild("Second Server", shard=1, shards=2)
    fake.add_member(second, fake.ada)
    adapter = await start_bot(shards=2)
    assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
    msg = only(await settle(fake, adapter, await fake.slash(fake.ada, "next", second)))
    assert msg.ephemeral and "Unit One" in msg.text


def test_rest_base_from_a_bare_host():
    assert rest_base("http://proxy:8080/") == "http://proxy:8080/api/v10"
    assert rest_base("http://proxy:8080/api/v10") == "http://proxy:8080/api/v10"


# ---------------------------------------------------------------- learning in a server


async def test_next_is_ephemeral_with_buttons_and_done_moves_on(fake, bot):
    it = await run(fake, bot, fake.ada, "next")
    lesson = only(it)
    assert it.callback_types == [4]  # answered at once, no defer
    assert lesson.ephemeral
    [embed] = lesson.embeds
    assert embed["title"] == "📘 Unit One" and embed["url"] == "https://www.khanacademy.org/math"
    assert "[Khan Academy math](https://www.khanacademy.org/math)" in embed["description"]
    assert lesson.labels == ["Done ✓", "Practice ▶", "Skip"]
    assert lesson.button("Done")["custom_id"].startswith("b:d:b-one~")  # Ada's: ~ and her id

    msg = only(await press(fake, bot, fake.ada, lesson, "Done"))
    assert msg.ephemeral
    assert "Lesson “Unit One” done" in msg.text and "Which is 3 + 3?" in msg.text
    assert msg.labels == ["6", "7", "3", "Hint 💡", "Show solution", "Skip"]
    msg = only(await press(fake, bot, fake.ada, msg, "6"))
    assert "✅ Right!" in msg.text and msg.labels == ["Next ▶"]


async def open_answer(bot, catalog, user) -> str:
    learner = await bot.core.repo.find_learner("discord", user["id"])
    return asked(catalog, learner).answer.value


async def test_the_answer_modal_checks_an_answer(fake, bot, catalog):
    msg = only(await run(fake, bot, fake.ada, "next"))
    msg = only(await press(fake, bot, fake.ada, msg, "Done"))
    for _ in range(2):  # skip the two easy choice questions: a number question comes next
        msg = only(await press(fake, bot, fake.ada, msg, "Skip"))
    assert "What is 1/4 as a fraction?" in msg.text
    assert msg.labels[0] == "Answer ✍️" and msg.button("Answer")["custom_id"] == "answer"

    opened = await press(fake, bot, fake.ada, msg, "Answer")
    assert opened.callback_types == [9] and opened.modal["title"] == "Your answer"
    it = await settle(fake, bot, await fake.submit(fake.ada, opened, fake.guild, answer="4/1"))
    msg = only(it)
    assert msg.ephemeral and "❌ Not quite yet." in msg.text and "1/4" not in msg.text
    assert "Press **Answer ✍️** to try again." in msg.text  # the question stays open: answer again
    assert msg.labels == ["Answer ✍️", "Hint 💡", "Show solution"]

    opened = await press(fake, bot, fake.ada, msg, "Answer")
    right = await open_answer(bot, catalog, fake.ada)
    msg = only(await settle(fake, bot, await fake.submit(fake.ada, opened, fake.guild, answer=right)))
    assert "✅ Right, on your second try!" in msg.text
    # /answer still works, and says the question was answered already
    msg = only(await run(fake, bot, fake.ada, "answer", answer="3"))
    assert "You already answered that question — right! Nothing more is counted." in msg.text


async def test_autocomplete_offers_topics_time_zones_and_commands(fake, bot):
    it = await settle(fake, bot, await fake.autocomplete(fake.ada, "topic", "name", fake.guild, name="ba"))
    assert it.callback_types == [8] and it.choices == [{"name": "Basics", "value": "basics"}]
    it = await settle(fake, bot, await fake.autocomplete(fake.ada, "topic", "name", fake.guild, name=""))
    assert [c["value"] for c in it.choices] == ["basics", "more"]
    it = await settle(fake, bot, await fake.autocomplete(fake.ada, "settings", "timezone", fake.guild,
                                                         timezone="europe/ber"))
    assert it.choices[0] == {"name": "Europe/Berlin", "value": "Europe/Berlin"}
    it = await settle(fake, bot, await fake.autocomplete(fake.ada, "help", "command", fake.guild, command="ne"))
    assert it.choices[0]["value"] == "next" and it.choices[0]["name"].startswith("/next — ")

    msg = only(await run(fake, bot, fake.ada, "topic", name="basics"))  # what autocomplete filled in
    assert "📚 **Basics**" in msg.text


async def test_garbage_options_get_usage_replies(fake, bot):
    msg = only(await run(fake, bot, fake.ada, "settings", timezone="Mars/Olympus_Mons"))
    assert msg.ephemeral and "I don't know the time zone" in msg.text
    msg = only(await run(fake, bot, fake.ada, "topic", name="quantum chromodynamics"))
    assert "I don't know a topic called" in msg.text and "`basics`" in msg.text
    msg = only(await run(fake, bot, fake.ada, "help", command="nxt"))
    assert "There is no command /nxt. Did you mean /next?" in msg.text
    msg = only(await run(fake, bot, fake.ada, "answer", answer=" "))
    assert "/answer needs answer" in msg.text


async def test_export_is_a_file(fake, bot):
    await run(fake, bot, fake.ada, "next")
    msg = only(await run(fake, bot, fake.ada, "export"))
    [(name, data)] = msg.files
    assert name.startswith("mlmath-export-") and name.endswith(".json")
    assert isinstance(json.loads(data), dict)
    assert msg.ephemeral and "Here is everything I store about you" in msg.text


async def test_slow_work_is_deferred_then_followed_up(fake, bot):
    bot.defer_after = 0  # as if the core or the rendering took longer than Discord's 3 seconds
    it = await run(fake, bot, fake.ada, "progress")
    assert it.callback_types == [5]
    assert it.callbacks[0]["data"]["flags"] & 64  # deferred ephemerally: personal
    msg = only(it)
    assert msg.ephemeral and "Progress of Ada" in msg.text


async def test_buttons_on_old_messages_work_after_a_restart(fake, start_bot):
    first = await start_bot()
    lesson = only(await run(fake, first, fake.ada, "next"))
    await first.stop()

    second = await start_bot()
    msg = only(await press(fake, second, fake.ada, lesson, "Done"))
    assert "Lesson “Unit One” done" in msg.text


# ---------------------------------------------------------------- DMs and the Messenger port


async def test_in_dms_replies_are_plain_messages_and_free_text_answers(fake, bot):
    msg = only(await run(fake, bot, fake.ada, "next", guild=False))
    assert not msg.ephemeral and msg.embeds[0]["title"] == "📘 Unit One"
    msg = only(await press(fake, bot, fake.ada, msg, "Done", guild=False))
    for _ in range(2):
        msg = only(await press(fake, bot, fake.ada, msg, "Skip", guild=False))
    assert "Answer ✍️" in msg.labels

    await fake.dm_text(fake.ada, "1/4")  # typed in the DM, no command
    await fake.wait_for(lambda: fake.dms(fake.ada))
    await bot.wait_idle()
    [reply] = fake.dms(fake.ada)
    assert "✅ Right!" in reply.text and reply.labels == ["Next ▶"]


async def test_a_reminder_is_delivered_by_dm(fake, bot):
    ada = Destination("discord", chat_id=fake.ada["id"], user_id=fake.ada["id"])
    reminder = Reply("☀️ Hi Ada, time to study", buttons=((Button("Snooze 1h", "z"), Button("Next ▶", "n")),),
                     image=b"\x89PNG fake chart")
    await bot.messenger.send(ada, reminder)
    await bot.messenger.send(ada, Reply("second"))
    first, second = fake.dms(fake.ada)
    assert first.text == "☀️ Hi Ada, time to study" and first.labels == ["Snooze 1h", "Next ▶"]
    assert first.files == [("image.png", b"\x89PNG fake chart")]  # images are attachments
    assert second.text == "second"
    assert fake.requests.count(("POST", "/api/v10/users/@me/channels")) == 1  # the DM channel is reused

    msg = only(await press(fake, bot, fake.ada, first, "Next", guild=False))  # pressed in the DM
    assert not msg.ephemeral and "Unit One" in msg.text


async def test_a_member_with_closed_dms_is_unreachable(fake, bot):
    fake.closed_dms.add(int(fake.olga["id"]))
    with pytest.raises(Unreachable):
        await bot.messenger.send(Destination("discord", fake.olga["id"], fake.olga["id"]), Reply("⏰ Study time"))
    assert fake.dms(fake.olga) == []


async def test_rate_limits_are_left_to_discord_py(fake, bot):
    ada = Destination("discord", fake.ada["id"], fake.ada["id"])
    fake.rate_limit("POST", r"/channels/\d+/messages$", retry_after=0.01)
    await bot.messenger.send(ada, Reply("after a short wait"))  # discord.py waited and retried
    assert [m.text for m in fake.dms(fake.ada)] == ["after a short wait"]
    assert fake.requests.count(("POST", f"/api/v10/channels/{fake.dm_of_user[int(fake.ada['id'])]}/messages")) == 2

    fake.rate_limit("POST", r"/channels/\d+/messages$", retry_after=600)
    with pytest.raises(RateLimited) as caught:  # too long to wait inside a send: the caller backs off
        await bot.messenger.send(ada, Reply("later"))
    assert caught.value.retry_after == 600


async def test_other_http_errors_are_logged_and_raised_once(fake, bot, caplog):
    fake.fail("POST", r"/channels/\d+/messages$", 400, 50035, "Invalid Form Body")
    with caplog.at_level(logging.WARNING, logger="bot.adapters.discord"), pytest.raises(discord.HTTPException):
        await bot.messenger.send(Destination("discord", fake.ada["id"], fake.ada["id"]), Reply("x"))
    [record] = [r for r in caplog.records if r.name == "bot.adapters.discord"]
    assert "HTTP 400 (code 50035)" in record.getMessage()
    assert "fake-bot-token" not in caplog.text


async def test_a_channel_destination_posts_in_the_channel(fake, bot):
    channel = fake.channel_of(fake.guild)
    await bot.messenger.send(Destination("discord", str(channel)), Reply("📣 A new challenge", private=False))
    [msg] = fake.channel_messages(channel)
    assert msg.text == "📣 A new challenge"


# ---------------------------------------------------------------- rendering limits


async def test_long_replies_are_split_and_buttons_go_last():
    text = "\n\n".join(f"Paragraph {i} " + "x" * 300 for i in range(20))
    messages = await render(Reply(text, buttons=((Button("Next ▶", "n"),),)))
    assert len(messages) > 1 and all(len(m.content) <= 2000 for m in messages)
    assert all(m.view is None for m in messages[:-1]) and messages[-1].view is not None


def test_too_many_rows_are_merged_into_discords_grid():
    rows = [[object()] for _ in range(7)]
    packed = pack_rows(rows)  # type: ignore[arg-type]
    assert len(packed) == 5 and sum(map(len, packed)) == 7
    assert len(pack_rows([[object()] * 7])) == 2  # type: ignore[list-item]
