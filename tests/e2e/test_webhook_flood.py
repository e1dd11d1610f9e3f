"""The Telegram webhook under attack, in a real ``python -m bot run`` process: requests without the secret are
refused on their head, before their body is read, so ten 50 MB bodies at once cost the bot next to no memory,
and Telegram's real updates are answered meanwhile. Raw sockets, as an attacker would use."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.support import free_port
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram import TOKEN, bot_process

SECRET = "flood-test_secret-0123456789"
BODY = 50 * 1024 * 1024
pytestmark = [pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning"),
              pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc (Linux)")]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def raw_post(port: int, path: str, body_size: int, headers: dict[str, str]) -> tuple[str, int]:
    """POST a body of ``body_size`` bytes, streamed in 256 KB pieces; returns the status line the server
    answered and how many body bytes it let us send before it closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" \
           f"Content-Length: {body_size}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    writer.write(head.encode())
    answer = asyncio.create_task(reader.readline())  # read while sending, as the answer comes before the end
    piece = b"x" * (256 * 1024)
    sent = 0
    try:
        while sent < body_size:
            writer.write(piece[: body_size - sent])
            await writer.drain()
            sent += min(len(piece), body_size - sent)
    except (ConnectionError, OSError):
        pass
    try:
        status = (await asyncio.wait_for(answer, 10)).decode().strip()
    except (ConnectionError, OSError, TimeoutError):
        status = ""
    writer.close()
    return status, sent


async def test_ten_50mb_bodies_without_the_secret_cost_no_memory_and_updates_go_on(tmp_path):
    fake = FakeTelegram(TOKEN)
    await fake.start()
    port = free_port()
    proc = await bot_process(fake, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'flood.sqlite3'}",
                             TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", TELEGRAM_WEBHOOK_SECRET=SECRET,
                             TELEGRAM_WEBHOOK_PORT=str(port), TELEGRAM_WEBHOOK_LISTEN="127.0.0.1", OPS_PORT="",
                             LOG_LEVEL="DEBUG")
    try:
        await fake.wait_for(lambda: fake.calls_of("setWebhook"), within=60)
        people = [fake.user(300 + i, f"U{i}") for i in range(3)]
        for who in people[:2]:  # warm up: the first updates load what a reply needs
            fake.say(fake.private_chat(who), who, "/start")
            assert await fake.post_webhook() == [200]
            await fake.wait_for(lambda w=who: fake.shown(w["id"]), within=30)
        await asyncio.sleep(0.5)
        before = max(rss_mb(proc.pid) for _ in range(3))
        peak = before
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_mb(proc.pid))
                await asyncio.sleep(0.01)

        async def real_update() -> list[int]:
            await asyncio.sleep(0.3)  # while the flood is on
            fake.say(fake.private_chat(people[2]), people[2], "/start")
            return await fake.post_webhook()

        sampler = asyncio.create_task(sample())
        floods = [raw_post(port, "/hook", BODY, {}) for _ in range(5)]
        floods += [raw_post(port, "/hook", BODY, {"X-Telegram-Bot-Api-Secret-Token": "guess" + str(i)})
                   for i in range(5)]
        *answers, statuses = await asyncio.gather(*floods, real_update())
        await fake.wait_for(lambda: fake.shown(people[2]["id"]), within=30)
        await asyncio.sleep(0.3)
        done.set()
        await sampler
        assert statuses == [200]
        assert "Hi U2!" in fake.shown(people[2]["id"])[0].text
        # each was answered 403 on its head and cut off: the answer is lost to the reset when the closing
        # connection still had body bytes in flight, which is what a flooding client earns
        assert all(status in ("HTTP/1.1 403 Forbidden", "") for status, _ in answers), answers
        assert any(status for status, _ in answers), answers
        assert all(sent < BODY for _, sent in answers), "a refused body was read to its end"
        assert peak - before <= 20, f"RSS {before:.0f} MB -> {peak:.0f} MB under the flood"
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        await fake.stop()
    log = (out + err).decode()
    assert proc.returncode == 0, log[-2000:]
    assert SECRET not in log and "guess" not in log  # no secret header value, right or wrong, even at DEBUG
