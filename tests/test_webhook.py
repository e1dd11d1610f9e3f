"""Telegram webhook mode: the real python-telegram-bot webhook server, the fake Bot API server posting
updates over real HTTP like Telegram does, the secret token checked on every request; and two real
``python -m bot run`` processes on PostgreSQL behind a (simulated) load balancer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys

import aiohttp
import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.config import Settings, SettingsError, load_settings
from bot.core.service import Core
from bot.storage.db import create_engine, migrate
from bot.storage.repo import SqlRepository
from tests.conftest import FIXTURE_CONTENT, _reset_pg, pg_available, pg_url
from tests.fake_telegram import FakeTelegram

TOKEN = "123456789:AAH-fake-token-for-tests-0123456789abcdef"
SECRET = "s3cret_Token-for-the-webhook"
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters") as exc:
        load_settings(**base, telegram_webhook_url="https://bot.example.org/tg", telegram_webhook_secret="a b!c")
    assert "a b!c" not in str(exc.value)  # the value of a secret is never shown
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_URL: expected the public URL"):
        load_settings(**base, telegram_webhook_url="bot.example.org/tg", telegram_webhook_secret="x")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_PORT"):
        load_settings(**base, telegram_webhook_port=70000)
    s = load_settings(**base, telegram_webhook_url="https://bot.example.org", telegram_webhook_secret="abc_DEF-1")
    assert s.webhook_path == "/" and s.telegram_webhook_port == 8443 and s.telegram_webhook_listen == "0.0.0.0"
    assert "abc_DEF-1" in s.secrets  # redacted from the logs like the tokens
    assert load_settings(**base, telegram_webhook_url="").telegram_webhook_url is None  # empty: polling


# ---------------------------------------------------------------- two processes behind a load balancer


def test_two_processes_on_postgresql_behind_a_load_balancer(tmp_path):
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    url = pg_url()
    asyncio.run(_reset_pg(url))
    asyncio.run(_behind_a_balancer(tmp_path, url))


async def _behind_a_balancer(tmp_path, url: str) -> None:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    ports = [free_port(), free_port()]
    public = "https://bot.example.org/telegram"  # the balancer's address, what Telegram is told
    procs = []
    try:
        for port in ports:
            env = {**os.environ, "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "DISCORD_TOKEN": "",
                   "DATABASE_URL": url, "CONTENT_DIR": str(FIXTURE_CONTENT), "TELEGRAM_WEBHOOK_URL": public,
                   "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_WEBHOOK_PORT": str(port),
                   "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1"}
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
        await fake.wait_for(lambda: len(fake.calls_of("setWebhook")) == 2, within=60)
        await _until_listening(ports)
        assert fake.webhook["url"] == public and fake.calls_of("getUpdates") == []
        people = [fake.user(100 + i, f"P{i}") for i in range(6)]
        for p in people:
            fake.say(fake.private_chat(p), p, "/start")
        targets = [f"http://127.0.0.1:{port}/telegram" for port in ports]
        assert await fake.post_webhook(targets) == [200] * 6  # three to each process, in turn
        await fake.wait_for(lambda: all(fake.shown(p["id"]) for p in people), within=30)
        assert all("Hi P" in fake.shown(p["id"])[0].text for p in people)
        assert {u for u, _ in fake.webhook_posts} == set(targets)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        results = [await asyncio.wait_for(proc.communicate(), 30) for proc in procs]
        await fake.stop()
    assert [proc.returncode for proc in procs] == [0, 0], [err.decode()[-2000:] for _, err in results]
    assert not any(SECRET in (out + err).decode() for out, err in results)


async def _until_listening(ports: list[int]) -> None:
    for port in ports:
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"nothing listens on {port}")
