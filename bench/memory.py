"""Memory: peak RSS of a running bot (``python -m bot run`` on Telegram) with the full curriculum loaded and
100,000 learners in its SQLite database, after 10,000 commands.

    python bench/memory.py [--learners 100000] [--commands 10000] [--people 200] [--db FILE]

The database is seeded like bench/core.py (a realistic mix of progress, as of now). The bot is the real
command line, ``python -m bot run``, with ``TELEGRAM_TOKEN`` and ``TELEGRAM_API_BASE_URL`` pointing at the
fake Bot API server (tests/support/fake_telegram.py) in this process: the Telegram adapter, the reminder scheduler,
formula images and progress charts (matplotlib) are all live. ``--people`` of the seeded learners study at
once until ``--commands`` updates were handled: ``/next``, Done, answers (typed and buttons, right and
wrong), and every few steps another command (``/progress`` with its chart, ``/topics``, ``/help``,
``/settings``, ``/review``, ``/resources``, ``/daily``). Peak RSS is the kernel's high-water mark of the
bot process (``VmHWM``), read before it is stopped. The last line printed is one JSON object.
Target: under 250 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.core import seed  # noqa: E402
from bench.telegram_e2e import TOKEN, Learner, open_log  # noqa: E402
from bot.content.loader import load_catalog  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OTHER_COMMANDS = ("/progress", "/topics", "/help", "/settings", "/review", "/resources", "/daily")
QUIET = 0.15  # after a message without buttons, this long without another one ends a reply


class WatchedTelegram(FakeTelegram):
    """The fake, with an event per chat set whenever the bot posts a message there."""

    def __init__(self, token: str):
        super().__init__(token)
        self.arrived: dict[int, asyncio.Event] = {}

    def _post(self, params, shown, extra):
        msg = super()._post(params, shown, extra)
        self.arrived.setdefault(shown.chat_id, asyncio.Event()).set()
        return msg


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def drive(fake: WatchedTelegram, catalog, people: list[int], commands: int, max_seconds: float) -> dict:
    """Seeded learners study at once until ``commands`` updates got their replies (or time runs out)."""
    done = {"commands": 0, "timeouts": 0, "by_kind": {}}
    deadline = time.perf_counter() + max_seconds
    rng = random.Random(5)

    async def person(user_id: int) -> None:
        user = fake.user(user_id, f"learner {user_id}")
        chat = fake.private_chat(user)
        me = Learner(catalog)
        arrived = fake.arrived.setdefault(chat["id"], asyncio.Event())
        k = 0
        while done["commands"] < commands and time.perf_counter() < deadline:
            shown = fake.shown(chat["id"])
            last = shown[-1] if shown else None
            k += 1
            step = ("say", rng.choice(OTHER_COMMANDS)) if k % 6 == 0 else me.decide(last)
            kind = step[1] if step[1] in OTHER_COMMANDS or step[1] == "/next" else step[0]
            done["by_kind"][kind] = done["by_kind"].get(kind, 0) + 1
            arrived.clear()
            if step[0] == "say":
                fake.say(chat, user, step[1])
            else:
                fake.press(chat, user, last, step[1])
            try:
                await asyncio.wait_for(arrived.wait(), 60)
                while not fake.shown(chat["id"])[-1].buttons:  # more of the reply may follow
                    arrived.clear()
                    await asyncio.wait_for(arrived.wait(), QUIET)
            except TimeoutError:
                if len(fake.shown(chat["id"])) == len(shown):
                    done["timeouts"] += 1
            done["commands"] += 1

    await asyncio.gather(*(person(u) for u in people))
    return done


async def main(args: argparse.Namespace) -> None:
    catalog = load_catalog(ROOT / "content")
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "memory.sqlite3"
        url = f"sqlite+aiosqlite:///{db}"
        if not args.db or not db.exists():
            t = time.perf_counter()
            counts = await seed(url, args.learners, catalog, now=datetime.now(UTC))
            print(f"seeded {args.learners:,} learners in {time.perf_counter() - t:.0f}s: {counts}", flush=True)
        fake = WatchedTelegram(TOKEN)
        await fake.start()
        env = {**os.environ, "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "DISCORD_TOKEN": "",
               "DATABASE_URL": url, "CONTENT_DIR": str(ROOT / "content"), "DATA_DIR": str(Path(tmp) / "data"),
               "LOG_LEVEL": "WARNING"}
        stderr_path = Path(tmp) / "bot.stderr"
        with open_log(stderr_path) as stderr:
            t0 = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp, env=env,
                                                        stdout=asyncio.subprocess.DEVNULL, stderr=stderr)
            try:
                await fake.wait_for(lambda: fake.calls_of("getUpdates") and "default" in fake.commands, within=120)
                ready_s = time.perf_counter() - t0
                rss_ready = status_mb(proc.pid, "VmRSS")
                print(f"bot ready in {ready_s:.1f}s, RSS {rss_ready:.0f} MB", flush=True)
                people = random.Random(3).sample(range(1, args.learners + 1), min(args.people, args.learners))
                t = time.perf_counter()
                done = await drive(fake, catalog, people, args.commands, args.max_seconds)
                elapsed = time.perf_counter() - t
                rss_end, peak = status_mb(proc.pid, "VmRSS"), status_mb(proc.pid, "VmHWM")
                print(f"{done['commands']} commands from {len(people)} learners in {elapsed:.0f}s "
                      f"({done['commands'] / elapsed:.0f}/s; {done['timeouts']} without a reply): {done['by_kind']}")
                print(f"RSS now {rss_end:.0f} MB, peak {peak:.0f} MB")
            finally:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(proc.wait(), 30)
                    except TimeoutError:
                        proc.kill()
                        await proc.wait()
                await fake.stop()
        errors = [line for line in stderr_path.read_text(errors="replace").splitlines()
                  if line.startswith(("ERROR", "CRITICAL", "Traceback")) or " ERROR " in line]
        if errors:
            print(f"errors logged by the bot ({len(errors)}):\n" + "\n".join(errors[:10]))
        charts = sum(1 for c in fake.calls_of("sendPhoto") if c.files.get("photo", ("",))[0] == "progress.png")
        figures = {
            "rss_mb_100k": round(peak, 1), "rss_mb_end": round(rss_end, 1), "rss_mb_ready": round(rss_ready, 1),
            "learners": args.learners, "commands": done["commands"], "commands_without_reply": done["timeouts"],
            "progress_charts_sent": charts, "bot_errors_logged": len(errors), "bot_exit_code": proc.returncode,
            "rss_target_met": peak < 250,
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=100_000, help="learners in the database")
    ap.add_argument("--commands", type=int, default=10_000, help="updates to send")
    ap.add_argument("--people", type=int, default=200, help="learners studying at once")
    ap.add_argument("--max-seconds", type=float, default=900, help="time bound of the commands")
    ap.add_argument("--db", help="reuse (or create) this seeded SQLite file")
    asyncio.run(main(ap.parse_args()))
