"""Telegram webhook mode: the real python-telegram-bot webhook server, the fake Bot API server posting
updates over real HTTP like Telegram does, the secret token checked on every request (two real processes
behind a load balancer: ``tests/e2e/test_telegram_processes.py``)."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.config import Settings, SettingsError, load_settings
from bot.core.service import Core
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository
from tests.support import free_port
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram import TOKEN

SECRET = "s3cret_Token-for-the-webhook"
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


@contextlib.asynccontextmanager
async def webhook_bot(tmp_path, catalog, clock):
    fake = FakeTelegram(TOKEN)
    await fake.start()
    port = free_port()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wh.sqlite3'}")
    await migrate(engine)
    settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_base_url=fake.base_url,
                        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
                        telegram_webhook_listen="127.0.0.1", telegram_webhook_port=port,
                        telegram_webhook_secret=SECRET)
    adapter = TelegramAdapter(Core(catalog, SqlRepository(engine), clock), settings,
                              network_retry_delays=(0.01,))
    await adapter.start()
    try:
        yield fake, adapter, f"http://127.0.0.1:{port}/telegram/hook"
    finally:
        await adapter.stop()
        await fake.stop()
        await engine.dispose()


async def test_webhook_mode_sets_the_webhook_and_answers_posted_updates(tmp_path, catalog, clock):
    async with webhook_bot(tmp_path, catalog, clock) as (fake, adapter, url):
        assert fake.webhook["url"] == url and fake.webhook["secret_token"] == SECRET
        assert fake.webhook["allowed_updates"] == ["message", "callback_query"]
        assert fake.calls_of("getUpdates") == []  # no polling
        ann = fake.user(11, "Ann")
        chat = fake.private_chat(ann)
        fake.say(chat, ann, "/start")
        assert await fake.post_webhook() == [200]
        await fake.wait_for(lambda: fake.shown(11))
        [welcome] = fake.shown(11)
        assert "Hi Ann!" in welcome.text
        fake.press(chat, ann, welcome, welcome.data("Next"))  # a button press comes the same way
        assert await fake.post_webhook() == [200]
        await fake.wait_for(lambda: len(fake.shown(11)) == 2)
        assert "Unit One" in fake.shown(11)[1].text


async def test_a_wrong_or_missing_secret_is_rejected_and_nothing_happens(tmp_path, catalog, clock):
    async with webhook_bot(tmp_path, catalog, clock) as (fake, adapter, url):
        bob = fake.user(12, "Bob")
        chat = fake.private_chat(bob)
        fake.say(chat, bob, "/start")
        assert await fake.post_webhook(secret="not-the-secret") == [403]
        assert await fake.post_webhook(secret="") == [403]  # no header at all
        async with aiohttp.ClientSession() as http:  # a forged update with a near-miss secret
            forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat, "from": bob,
                                                  "text": "/forget"}}
            async with http.post(url, json=forged,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]}) as resp:
                assert resp.status == 403
            async with http.get(url) as resp:  # only POSTs carry updates
                assert resp.status == 405
        assert await fake.post_webhook() == [200]  # the real one, still pending, with the right secret
        await fake.wait_for(lambda: fake.shown(12))
        await asyncio.sleep(0.2)  # anything the rejected requests had started would show by now
        assert len(fake.shown(12)) == 1 and "Hi Bob!" in fake.shown(12)[0].text


async def test_oversized_or_malformed_requests_with_the_secret_are_refused_and_change_nothing(tmp_path, catalog,
                                                                                              clock):
    async with webhook_bot(tmp_path, catalog, clock) as (fake, adapter, url):
        head = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as http:
            big = b'{"update_id": 5, "pad": "' + b"x" * (2 << 20) + b'"}'
            async with http.post(url, data=big, headers={**head, "Content-Type": "application/json"},
                                 expect100=True) as resp:  # the answer to the head, the body never sent
                assert resp.status == 413  # Telegram's updates are small; 1 MB is the most read
            async with http.post(url, data=b"{not json", headers={**head, "Content-Type": "application/json"}) \
                    as resp:
                assert resp.status == 400
            async with http.post(url, data=b"{}", headers={**head, "Content-Type": "text/plain"}) as resp:
                assert resp.status == 415
        cid = fake.user(13, "Cid")
        fake.say(fake.private_chat(cid), cid, "/start")
        assert await fake.post_webhook() == [200]  # the server goes on as before
        await fake.wait_for(lambda: fake.shown(13))
        assert [m.text for m in fake.shown(13)] and "Hi Cid!" in fake.shown(13)[0].text


async def test_requests_being_read_at_once_are_bounded(tmp_path, catalog, clock):
    """Bodies that trickle in hold a place each; past MAX_ACTIVE the next is told to come back (503), and once
    they finish the server takes requests again."""
    from bot.adapters.webhook import MAX_ACTIVE

    async with webhook_bot(tmp_path, catalog, clock) as (fake, adapter, url):
        port, path = int(url.split(":")[2].split("/")[0]), "/telegram/hook"
        body = b'{"update_id": 99}'
        head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        slow = []
        for _ in range(MAX_ACTIVE):  # heads sent, bodies held back
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head)
            await writer.drain()
            slow.append((reader, writer))
        await asyncio.sleep(0.3)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head + body)
        assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 503")
        writer.close()
        for _, writer in slow:  # the bodies arrive: each is read and answered
            writer.write(body)
        for reader, writer in slow:
            assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 200")
            writer.close()
        dan = fake.user(14, "Dan")
        fake.say(fake.private_chat(dan), dan, "/start")
        assert await fake.post_webhook() == [200]
        await fake.wait_for(lambda: fake.shown(14))


async def test_stopping_leaves_the_webhook_for_the_other_processes(tmp_path, catalog, clock):
    async with webhook_bot(tmp_path, catalog, clock) as (fake, adapter, url):
        await adapter.stop_intake()
        with pytest.raises(aiohttp.ClientConnectionError):  # the server is closed: the balancer moves on
            async with aiohttp.ClientSession() as http, http.post(url, json={}) as resp:
                await resp.read()
        assert fake.webhook is not None and fake.calls_of("deleteWebhook") == []


def test_webhook_settings_are_validated():
    base = {"_env_file": None, "telegram_token": TOKEN}
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL"):
        load_settings(**base, telegram_webhook_url="https://bot.example.org/tg")
    url = "https://bot.example.org/tg"
    for bad in ("a b!c-and-more-than-16", "Zq_9k", "x" * 15, "y" * 257):  # a short one could be guessed
        with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET: expected 16-256 characters") as exc:
            load_settings(**base, telegram_webhook_url=url, telegram_webhook_secret=bad)
        assert bad not in str(exc.value)  # the value of a secret is never shown
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_URL: expected the public URL"):
        load_settings(**base, telegram_webhook_url="bot.example.org/tg", telegram_webhook_secret="x" * 16)
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_PORT"):
        load_settings(**base, telegram_webhook_port=70000)
    s = load_settings(**base, telegram_webhook_url="https://bot.example.org", telegram_webhook_secret="abc_DEF-1" * 2)
    assert s.webhook_path == "/" and s.telegram_webhook_port == 8443
    assert s.telegram_webhook_listen == s.ops_listen == "127.0.0.1"  # this machine only, unless told otherwise
    assert "abc_DEF-1" * 2 in s.secrets  # redacted from the logs like the tokens
    assert load_settings(**base, telegram_webhook_url="").telegram_webhook_url is None  # empty: polling
