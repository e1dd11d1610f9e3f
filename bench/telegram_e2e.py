"""Telegram end to end: updates per second through the real python-telegram-bot Application against the fake
Bot API server (tests/support/fake_telegram.py), our bot against a bare PTB bot, same load, same run.

    python bench/telegram_e2e.py [--learners 100] [--steps 20] [--rounds 3] [--max-seconds 180]

- Ours: the real ``TelegramAdapter`` over a real ``Core`` on a SQLite file, with the full curriculum (formulas
  are sent as photos, rendered once and cached, as in production).
- Bare: a minimal PTB ``Application`` whose handlers send one fixed text (and answer button presses, as any
  bot must); same builder options as ours (HTML default, 64 concurrent updates, long polling that pauses
  before the next getUpdates while the bot is busy: ``bot.adapters.telegram.PacedPolling``).
- Both get PTB's ``AIORateLimiter`` with its flood limits off (the fake has none; with them on both would
  be capped at Telegram's 30 messages a second and the comparison would measure nothing).

Each bot runs in its own process (the bot process is what is measured) and polls its own fake server in this
process. Load: ``--learners`` people in private chats, each sending the next update as soon as the bot has
handled the previous one (a closed loop; many learners at once): ``/next``, then what a learner does with
what it shows — press Done on a lesson, answer (typed or a choice button; right and wrong alternately),
grade a self-graded prompt, press Next or type ``/next`` after a verdict. The bare bot gets the same
sequence of updates (the same texts and button data, recorded from our bot's warm-up round). The bot
process acknowledges each update once its handlers have finished (a last handler that prints the update
id), so "handled" means every reply was sent. Rounds alternate bare / ours; figures are totals over the
timed rounds. Prints figures as it goes; the last line is one JSON object. Target: ours >= 0.7 x bare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.core import percentile, wrong_answer  # noqa: E402
from bot.content.loader import Catalog, load_catalog  # noqa: E402
from tests.support.fake_telegram import FakeTelegram, Shown  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAH-bench-token-0123456789abcdef"
FIXED = "Hello! This is a fixed reply."
ACK_TIMEOUT = 60.0


# ---------------------------------------------------------------- the bot process


def unlimited_rate_limiter(max_retries: int = 3):
    from telegram.ext import AIORateLimiter

    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)


async def serve(kind: str, base_url: str, db: str, cache: str) -> None:
    """Run one bot until stdin closes; print ``ready``, then each handled update's id."""
    from telegram import Update
    from telegram.ext import TypeHandler

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")

    async def ack(update: Update, _context) -> None:
        sys.stdout.write(f"{update.update_id}\n")
        sys.stdout.flush()

    if kind == "ours":
        import bot.adapters.telegram as tg
        from bot.app import system_clock
        from bot.config import Settings
        from bot.core.service import Core
        from bot.practice.check import warm_up
        from bot.render.formulas import set_cache_dir
        from bot.storage.db import create_engine, migrate
        from bot.storage.repo import SqlRepository

        tg.AIORateLimiter = lambda max_retries: unlimited_rate_limiter(max_retries)  # type: ignore[assignment]
        set_cache_dir(cache)
        catalog = load_catalog(ROOT / "content")
        warm_up()
        engine = create_engine(db)
        await migrate(engine)
        core = Core(catalog, SqlRepository(engine), system_clock)
        settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_base_url=base_url)
        adapter = tg.TelegramAdapter(core, settings)
        adapter.application.add_handler(TypeHandler(Update, ack), group=1000)
        await adapter.start()
        stop: Callable[[], Awaitable[None]] = adapter.stop
    else:
        app = bare_application(base_url)
        app.add_handler(TypeHandler(Update, ack), group=1000)
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10,
                                        allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])

        async def stop() -> None:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await stop()


def bare_application(base_url: str):
    """The bare bot: PTB with the same builder options as ours, replying with one fixed text."""
    from telegram import Update
    from telegram.constants import ParseMode
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        Defaults,
        MessageHandler,
        SimpleUpdateProcessor,
        filters,
    )

    from bot.adapters.telegram import paced_polling

    processor = SimpleUpdateProcessor(64)
    app = (ApplicationBuilder().token(TOKEN).base_url(base_url).rate_limiter(unlimited_rate_limiter())
           .defaults(Defaults(parse_mode=ParseMode.HTML)).concurrent_updates(processor)
           .get_updates_request(paced_polling(processor)).job_queue(None).build())

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(update.effective_chat.id, FIXED)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, FIXED)

    app.add_handler(MessageHandler(filters.ALL, on_message))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


def open_log(path: Path):
    """A file for a child process's stderr (closed by its owner)."""
    return open(path, "wb")


class BotProcess:
    """A bot in a child process that prints ``ready`` once it listens, then (optionally) the id of each update
    it has finished handling; stdin closing asks it to stop. Its stderr goes to a file (``errors()``)."""

    def __init__(self, kind: str, argv: list[str], tmp: str, env: dict[str, str] | None = None):
        self.kind, self.argv, self.tmp, self.env = kind, argv, tmp, env
        self.proc: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.acks: dict[int, asyncio.Event] = {}
        self.stderr_path = Path(tmp) / f"{kind}.stderr"
        self._reader: asyncio.Task | None = None

    async def start(self, within: float = 60) -> None:
        self._stderr = open_log(self.stderr_path)
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._stderr,
            env=self.env, cwd=self.tmp,
        )
        self._reader = asyncio.create_task(self._read())
        try:
            await asyncio.wait_for(self.ready.wait(), within)
        except TimeoutError:
            await self.stop()
            raise SystemExit(f"the {self.kind} bot did not start:\n{self.errors(40)}") from None

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            text = line.decode().strip()
            if text == "ready":
                self.ready.set()
            elif text.isdigit():
                self.acks.setdefault(int(text), asyncio.Event()).set()

    async def handled(self, update_id: int, within: float = ACK_TIMEOUT) -> None:
        await asyncio.wait_for(self.acks.setdefault(update_id, asyncio.Event()).wait(), within)

    async def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
        self._stderr.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def errors(self, tail: int = 10) -> str:
        lines = self.stderr_path.read_text(errors="replace").splitlines() if self.stderr_path.exists() else []
        return "\n".join(lines[-tail:])

    def error_count(self) -> int:
        if not self.stderr_path.exists():
            return 0
        return sum(1 for line in self.stderr_path.read_text(errors="replace").splitlines()
                   if line.startswith(("ERROR", "CRITICAL", "Traceback")))


# ---------------------------------------------------------------- the learners


Step = tuple[str, str]  # ("say", text) | ("press", callback data)


@dataclass
class Learner:
    """What one simulated person does next, from what the chat shows (our bot)."""

    catalog: Catalog
    right: bool = True
    typed_next: bool = False

    def decide(self, last: Shown | None) -> Step:
        if last is None or not last.buttons:
            return ("say", "/next")
        datas = [d for row in last.buttons for _, d in row]
        lesson = [d for d in datas if d.startswith("d:")]
        if lesson:
            return ("press", lesson[0])
        choices = [d for d in datas if d.startswith("c:")]
        if choices:
            prompt = self.catalog.prompt_by_id[choices[0].split(":")[1]]
            options = prompt.answer.options
            # a template's options are drawn per learner: the chat shows them, not which is right; pick the first
            i = 0 if prompt.params else options.index(prompt.answer.value)
            right, self.right = self.right, not self.right
            return ("press", f"c:{prompt.id}:{i if right else (i + 1) % len(options)}")
        grade = [d for d in datas if d.startswith("g:")]
        if grade:
            return ("press", grade[0])
        show = [d for d in datas if d.startswith("v:")]
        if show:
            prompt = self.catalog.prompt_by_id[show[0][2:]]
            if prompt.answer.kind == "self" or prompt.params:  # a template: its numbers are the learner's own
                return ("press", show[0])
            right, self.right = self.right, not self.right
            return ("say", prompt.answer.value if right else wrong_answer(prompt))
        self.typed_next = not self.typed_next  # after a verdict: type /next or press Next, alternately
        return ("say", "/next") if self.typed_next or "n" not in datas else ("press", "n")


@dataclass
class RoundResult:
    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    bot_cpu_s: float = 0.0  # CPU time of the bot process during the round
    driver_cpu_s: float = 0.0  # CPU time of this process (the fake server and the simulated people)
    api_calls: int = 0  # Bot API requests the bot made during the round
    polls: int = 0  # getUpdates requests during the round

    @property
    def per_s(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def add(self, other: RoundResult) -> None:
        self.updates += other.updates
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.failures += other.failures
        self.bot_cpu_s += other.bot_cpu_s
        self.driver_cpu_s += other.driver_cpu_s
        self.api_calls += other.api_calls
        self.polls += other.polls

    def describe(self) -> str:
        return (f"{self.updates} in {self.seconds:.2f}s = {self.per_s:.0f}/s (p50 {statistics.median(self.latencies):.1f} "
                f"ms, p99 {percentile(self.latencies, 99):.1f} ms; CPU per update: bot {self.cpu_ms('bot'):.2f} ms, "
                f"fake+driver {self.cpu_ms('driver'):.2f} ms{self.requests()}){f' FAILURES {self.failures}' if self.failures else ''}")

    def requests(self) -> str:
        """What the bot asked of the Bot API (Telegram rounds only; Discord's fake does not count them)."""
        if not self.polls:
            return ""
        return f"; Bot API calls per update {self.calls_per_update:.2f}, updates per getUpdates {self.per_poll:.1f}"

    @property
    def calls_per_update(self) -> float:
        return self.api_calls / self.updates if self.updates else 0.0

    @property
    def per_poll(self) -> float:
        return self.updates / self.polls if self.polls else 0.0

    def cpu_ms(self, which: str) -> float:
        cpu = self.bot_cpu_s if which == "bot" else self.driver_cpu_s
        return 1000 * cpu / self.updates if self.updates else 0.0


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one when ``pid`` is None)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_round(fake: FakeTelegram, bot: BotProcess, catalog: Catalog, first_user: int, learners: int,
                    steps: int, max_seconds: float, scripts: list[list[Step]] | None = None,
                    record: list[list[Step]] | None = None) -> RoundResult:
    """``learners`` people at once, ``steps`` updates each: decided from our bot's replies, or replayed."""
    result = RoundResult()
    deadline = time.perf_counter() + max_seconds

    async def person(n: int) -> None:
        user = fake.user(first_user + n, f"Learner{n}")
        chat = fake.private_chat(user)
        me = Learner(catalog)
        mine: list[Step] = []
        for k in range(steps):
            if time.perf_counter() > deadline:
                return
            shown = fake.shown(chat["id"])
            last = shown[-1] if shown else None
            step = scripts[n % len(scripts)][k] if scripts is not None else me.decide(last)
            mine.append(step)
            t = time.perf_counter()
            if step[0] == "say":
                update_id = fake.say(chat, user, step[1])
            else:
                assert last is not None, "a button press needs a message"
                update_id = fake.press(chat, user, last, step[1])
            try:
                await bot.handled(update_id, max(0.1, min(ACK_TIMEOUT, deadline - time.perf_counter())))
            except TimeoutError:
                result.failures += 1
                return
            result.latencies.append((time.perf_counter() - t) * 1000)
            result.updates += 1
        if record is not None:
            record.append(mine)

    t0, bot0, me0, calls0 = time.perf_counter(), cpu_seconds(bot.pid), cpu_seconds(), len(fake.calls)
    await asyncio.gather(*(person(n) for n in range(learners)))
    result.seconds = time.perf_counter() - t0
    result.api_calls = sum(1 for c in fake.calls[calls0:] if c.method.lower() != "getupdates")
    result.polls = sum(1 for c in fake.calls[calls0:] if c.method.lower() == "getupdates")
    result.bot_cpu_s, result.driver_cpu_s = cpu_seconds(bot.pid) - bot0, cpu_seconds() - me0
    return result


def serve_argv(kind: str, base_url: str, tmp: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--serve", kind, "--base-url", base_url,
            "--db", f"sqlite+aiosqlite:///{tmp}/{kind}.sqlite3", "--cache", f"{tmp}/cache-{kind}"]


async def start_fake() -> FakeTelegram:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    return fake


async def main(args: argparse.Namespace) -> None:
    catalog = load_catalog(ROOT / "content")
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        fakes = {kind: await start_fake() for kind in ("ours", "bare")}
        bots = {kind: BotProcess(kind, serve_argv(kind, fakes[kind].base_url, tmp), tmp) for kind in ("ours", "bare")}
        try:
            for b in bots.values():
                await b.start()
            scripts: list[list[Step]] = []
            users = iter(range(1_000_000, 100_000_000, 100_000))  # fresh people (and learners) every round
            t = await run_round(fakes["ours"], bots["ours"], catalog, next(users), args.learners, args.steps,
                                args.max_seconds, record=scripts)
            print(f"warm-up ours: {t.describe()}", flush=True)
            if not scripts:
                raise SystemExit(f"the warm-up recorded nothing:\n{bots['ours'].errors()}")
            t = await run_round(fakes["bare"], bots["bare"], catalog, next(users), args.learners, args.steps,
                                args.max_seconds, scripts=scripts)
            print(f"warm-up bare: {t.describe()}", flush=True)
            totals = {"ours": RoundResult(), "bare": RoundResult()}
            round_ratios: list[float] = []  # each round's ours / bare: how much the machine moved meanwhile
            for r in range(args.rounds):
                pair: dict[str, float] = {}
                for kind in ("bare", "ours"):
                    res = await run_round(fakes[kind], bots[kind], catalog, next(users), args.learners, args.steps,
                                          args.max_seconds, scripts=scripts if kind == "bare" else None)
                    totals[kind].add(res)
                    pair[kind] = res.per_s
                    print(f"round {r + 1}/{args.rounds} {kind}: updates {res.describe()}", flush=True)
                round_ratios.append(round(pair["ours"] / pair["bare"], 3) if pair["bare"] else 0.0)
        finally:
            for b in bots.values():
                await b.stop()
            for f in fakes.values():
                await f.stop()
        ours, bare = totals["ours"], totals["bare"]
        kinds = {}
        for s in scripts:
            for kind, value in s:
                key = "button" if kind == "press" else "command" if value.startswith("/") else "typed answer"
                kinds[key] = kinds.get(key, 0) + 1
        print(f"updates per learner script: {kinds}")
        errors = {k: b.error_count() for k, b in bots.items()}
        if any(errors.values()):
            print(f"errors logged by the bots: {errors}\n{bots['ours'].errors(20)}")
        figures = {
            "telegram_updates_per_s": round(ours.per_s, 1),
            "telegram_bare_per_s": round(bare.per_s, 1),
            "telegram_ratio": round(ours.per_s / bare.per_s, 3) if bare.per_s else None,
            "telegram_p50_ms": round(statistics.median(ours.latencies), 1),
            "telegram_p99_ms": round(percentile(ours.latencies, 99), 1),
            "telegram_bare_p50_ms": round(statistics.median(bare.latencies), 1),
            "telegram_bare_p99_ms": round(percentile(bare.latencies, 99), 1),
            "telegram_bot_cpu_ms_per_update": round(ours.cpu_ms("bot"), 2),
            "telegram_bare_cpu_ms_per_update": round(bare.cpu_ms("bot"), 2),
            "telegram_cpu_ratio": round(bare.cpu_ms("bot") / ours.cpu_ms("bot"), 3) if ours.cpu_ms("bot") else None,
            "telegram_round_ratios": round_ratios,
            "telegram_api_calls_per_update": round(ours.calls_per_update, 2),
            "telegram_bare_api_calls_per_update": round(bare.calls_per_update, 2),
            "telegram_updates_per_poll": round(ours.per_poll, 1), "telegram_bare_updates_per_poll": round(bare.per_poll, 1),
            "learners": args.learners, "updates_per_round": args.learners * args.steps, "rounds": args.rounds,
            "failures": ours.failures + bare.failures, "bot_errors_logged": sum(errors.values()),
        }
        figures["telegram_target_met"] = bool(figures["telegram_ratio"] and figures["telegram_ratio"] >= 0.7)
    print(json.dumps(figures))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=100, help="people sending updates at once")
    ap.add_argument("--steps", type=int, default=20, help="updates each person sends per round")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per bot (alternating)")
    ap.add_argument("--max-seconds", type=float, default=180, help="time bound of one round")
    ap.add_argument("--serve", choices=("ours", "bare"), help=argparse.SUPPRESS)
    ap.add_argument("--base-url", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(a.serve, a.base_url, a.db, a.cache))
    else:
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
        asyncio.run(main(a))
