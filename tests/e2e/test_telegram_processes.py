"""Telegram in real ``python -m bot run`` processes: polling with the token set, and webhook mode with two
processes on PostgreSQL behind a (simulated) load balancer, against the fake Bot API over real HTTP."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.support import free_port
from tests.support.fake_telegram import FakeTelegram
from tests.support.pg import fresh_pg_url
from tests.support.telegram import TOKEN, bot_process

SECRET = "s3cret_Token-for-the-webhook"
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


async def test_python_m_bot_run_starts_telegram_when_the_token_is_set(tmp_path):
    fake = FakeTelegram(TOKEN)
    await fake.start()
    proc = await bot_process(fake, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}", LOG_LEVEL="DEBUG")
    try:
        await fake.wait_for(lambda: fake.calls_of("getUpdates") and "default" in fake.commands, within=60)
        zoe = fake.user(61, "Zoe")
        fake.say(fake.private_chat(zoe), zoe, "/start")
        await fake.wait_for(lambda: fake.shown(zoe["id"]), within=30)
        assert "Hi Zoe!" in fake.shown(zoe["id"])[0].text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        await fake.stop()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert TOKEN.split(":")[1] not in (out + err).decode()  # not even at DEBUG


# ---------------------------------------------------------------- two processes behind a load balancer


def test_two_processes_on_postgresql_behind_a_load_balancer(tmp_path):
    asyncio.run(_behind_a_balancer(tmp_path, fresh_pg_url()))


async def _behind_a_balancer(tmp_path, url: str) -> None:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    ports = [free_port(), free_port()]
    public = "https://bot.example.org/telegram"  # the balancer's address, what Telegram is told
    procs = []
    try:
        for port in ports:
            procs.append(await bot_process(fake, tmp_path, url, TELEGRAM_WEBHOOK_URL=public,
                                           TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_WEBHOOK_PORT=str(port),
                                           TELEGRAM_WEBHOOK_LISTEN="127.0.0.1"))
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

        # one learner's same answer, six times, three to each process: it counts once
        ann, chat = people[0], fake.private_chat(people[0])
        fake.say(chat, ann, "/next")
        assert await fake.post_webhook(targets) == [200]
        await fake.wait_for(lambda: len(fake.shown(ann["id"])) == 2, within=30)
        fake.press(chat, ann, fake.shown(ann["id"])[-1], "d:b-one")
        assert await fake.post_webhook(targets) == [200]
        await fake.wait_for(lambda: len(fake.shown(ann["id"])) == 3, within=30)
        assert "Which is 3 + 3?" in fake.shown(ann["id"])[-1].text  # a choice: typing the option answers it
        for _ in range(6):
            fake.say(chat, ann, "6")
        assert await fake.post_webhook(targets) == [200] * 6
        await fake.wait_for(lambda: len(fake.shown(ann["id"])) == 9, within=30)
        verdicts = [m.text for m in fake.shown(ann["id"])[3:]]
        assert sum(t.startswith("✅ Right!") for t in verdicts) == 1, verdicts
        assert sum(t.startswith("✅ You already answered that question — right!") for t in verdicts) == 5, verdicts
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
