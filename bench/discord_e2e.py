"""Discord end to end: interactions per second through discord.py against the fake REST + gateway server
(tests/support/fake_discord.py), our bot against a bare discord.py responder, same load, same run.

    python bench/discord_e2e.py [--learners 100] [--steps 20] [--rounds 3] [--max-seconds 180]

- Ours: the real ``DiscordAdapter`` (slash commands from the registry, buttons, the answer modal) over a real
  ``Core`` on a SQLite file, with the full curriculum (formulas go as PNG attachments, rendered once and
  cached, as in production).
- Bare: a minimal ``discord.Client`` whose ``on_interaction`` answers every interaction with one fixed text
  (ephemeral in a server, like ours).

Each bot runs in its own process and is connected to its own fake server in this process. Load:
``--learners`` members of a server, each sending the next interaction as soon as the previous one was
answered (a closed loop; many members at once): ``/next``, then what a member does with what it shows —
press Done on a lesson, press a choice, or press Answer (the modal opens) and submit the answer (right and
wrong alternately), grade a self-graded prompt, press Next or run ``/next`` after a verdict. The bare bot
gets the same sequence (the same commands, custom ids and answers, recorded from our bot's warm-up round).
An interaction counts as handled when the fake has its answer: the response message (or the opened modal,
or the follow-up that fills a deferred response). Rounds alternate bare / ours; figures are totals over the
timed rounds. Prints figures as it goes; the last line is one JSON object. Target: ours >= 0.7 x bare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.core import percentile, wrong_answer  # noqa: E402
from bench.telegram_e2e import BotProcess, RoundResult, cpu_seconds  # noqa: E402
from bot.content.loader import Catalog, load_catalog  # noqa: E402
from tests.support.fake_discord import FakeDiscord, Interaction, Msg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SELF = str(Path(__file__).resolve())
TOKEN = "fake-bench-token"
FIXED = "Hello! This is a fixed reply."
WAIT = 60.0


# ---------------------------------------------------------------- the bot process


async def serve(kind: str, rest_url: str, gateway_url: str, db: str, cache: str) -> None:
    """Run one bot until stdin closes; print ``ready`` once its gateway session is ready."""
    import discord
    import yarl

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if kind == "ours":
        from bot.adapters.discord import build_discord
        from bot.app import system_clock
        from bot.config import Settings
        from bot.core.service import Core
        from bot.practice.check import warm_up
        from bot.render.formulas import set_cache_dir
        from bot.storage.db import create_engine, migrate
        from bot.storage.repo import SqlRepository

        set_cache_dir(cache)
        catalog = load_catalog(ROOT / "content")
        warm_up()
        engine = create_engine(db)
        await migrate(engine)
        settings = Settings(_env_file=None, discord_token=TOKEN, discord_api_base_url=rest_url,
                            discord_gateway_url=gateway_url)
        adapter = build_discord(Core(catalog, SqlRepository(engine), system_clock), settings)
        await adapter.start()
        client: discord.Client = adapter.bot
        stop = adapter.stop
    else:
        discord.http.Route.BASE = rest_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        client = BareClient(intents=discord.Intents(guilds=True, dm_messages=True))
        await client.login(TOKEN)
        task = asyncio.create_task(client.connect(reconnect=False))

        async def stop() -> None:
            await client.close()
            await asyncio.wait({task})

    await asyncio.wait_for(client.wait_until_ready(), 60)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await stop()


def _bare_client_class():
    import discord

    class Bare(discord.Client):
        """The bare responder: every interaction gets the same text."""

        async def on_interaction(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(FIXED, ephemeral=interaction.guild_id is not None)

    return Bare


def BareClient(**options: Any):  # noqa: N802 - a class made lazily, so the parent need not import discord.py
    return _bare_client_class()(**options)


# ---------------------------------------------------------------- the fake, with "answered" events


class BenchDiscord(FakeDiscord):
    """The fake Discord, setting an event when an interaction has its answer (the waiters need no polling)."""

    def __init__(self, token: str):
        super().__init__(token)
        self.answered: dict[int, asyncio.Event] = {}

    def event(self, it: Interaction) -> asyncio.Event:
        return self.answered.setdefault(it.id, asyncio.Event())

    def _check(self, request) -> None:
        it = self._interaction(request)
        if it is not None and (it.modal is not None or it.visible):
            self.event(it).set()

    async def _callback(self, request):
        response = await super()._callback(request)
        self._check(request)
        return response

    async def _followup(self, request):
        response = await super()._followup(request)
        self._check(request)
        return response


# ---------------------------------------------------------------- the members


Step = tuple[str, str]  # ("slash", command) | ("press", custom_id) | ("submit", answer)


@dataclass
class Member:
    """What one simulated member does next, from the last message our bot showed them."""

    catalog: Catalog
    right: bool = True
    slash_next: bool = False
    pending_answer: str | None = None

    def decide(self, last: Msg | None) -> Step:
        if self.pending_answer is not None:  # the modal is open: fill it in and submit
            text, self.pending_answer = self.pending_answer, None
            return ("submit", text)
        ids = [b.get("custom_id", "") for b in last.buttons] if last is not None else []
        if not ids:
            return ("slash", "next")
        for prefix in ("b:d:", "b:g:"):
            hit = [i for i in ids if i.startswith(prefix)]
            if hit:
                return ("press", hit[0])
        choices = [i for i in ids if i.startswith("b:c:")]
        if choices:
            prompt = self.catalog.prompt_by_id[choices[0].split(":")[2]]
            # a template's options are drawn per learner: the chat shows them, not which is right; pick the first
            k = 0 if prompt.params else prompt.answer.options.index(prompt.answer.value)
            right, self.right = self.right, not self.right
            return ("press", f"b:c:{prompt.id}:{k if right else (k + 1) % len(prompt.answer.options)}")
        show = [i for i in ids if i.startswith("b:v:")]
        if show:
            prompt = self.catalog.prompt_by_id[show[0][4:]]
            if "answer" not in ids or prompt.params:
                return ("press", show[0])  # self-graded (see the solution, then grade), or a template's own numbers
            right, self.right = self.right, not self.right
            self.pending_answer = prompt.answer.value if right else wrong_answer(prompt)
            return ("press", "answer")
        self.slash_next = not self.slash_next  # after a verdict: /next or the Next button, alternately
        return ("slash", "next") if self.slash_next or "b:n" not in ids else ("press", "b:n")


async def run_round(fake: BenchDiscord, bot: BotProcess, catalog: Catalog, guild: int, learners: int, steps: int,
                    max_seconds: float, scripts: list[list[Step]] | None = None,
                    record: list[list[Step]] | None = None) -> RoundResult:
    result = RoundResult()
    deadline = time.perf_counter() + max_seconds
    users = []
    for n in range(learners):
        user = fake.add_user(f"member{len(fake.users)}", f"Member {n}")
        fake.add_member(guild, user)
        users.append(user)

    async def member(n: int) -> None:
        user, me, mine = users[n], Member(catalog), []
        last: Msg | None = None
        for k in range(steps):
            if time.perf_counter() > deadline:
                return
            step = scripts[n % len(scripts)][k] if scripts is not None else me.decide(last)
            mine.append(step)
            t = time.perf_counter()
            kind, value = step
            if kind == "slash":
                it = await fake.slash(user, value, guild)
            elif kind == "press":
                assert last is not None, "a button press needs a message"
                it = await fake.press_custom_id(user, last, value, guild)
            else:
                it = await fake.submit_modal(user, "answer", guild, fake.channel_of(guild), answer=value)
            try:
                await asyncio.wait_for(fake.event(it).wait(), max(0.1, min(WAIT, deadline - time.perf_counter())))
            except TimeoutError:
                result.failures += 1
                return
            result.latencies.append((time.perf_counter() - t) * 1000)
            result.updates += 1
            if it.visible:
                last = it.visible[-1]
        if record is not None:
            record.append(mine)

    t0, bot0, me0 = time.perf_counter(), cpu_seconds(bot.pid), cpu_seconds()
    await asyncio.gather(*(member(n) for n in range(learners)))
    result.seconds = time.perf_counter() - t0
    result.bot_cpu_s, result.driver_cpu_s = cpu_seconds(bot.pid) - bot0, cpu_seconds() - me0
    return result


def problems(fake: FakeDiscord) -> list[str]:
    """Messages Discord would refuse, and interactions never answered."""
    out = [f"{it.id}: {p}" for it in fake.interactions.values() for m in it.visible for p in m.limit_problems()]
    out += [f"{it.id}: no answer" for it in fake.interactions.values() if not it.callbacks]
    return out


async def main(args: argparse.Namespace) -> None:
    catalog = load_catalog(ROOT / "content")
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        fakes: dict[str, BenchDiscord] = {}
        bots: dict[str, BotProcess] = {}
        for kind in ("ours", "bare"):
            fake = BenchDiscord(TOKEN)
            await fake.start()
            fake.guild = fake.add_guild("Study Group")
            fakes[kind] = fake
            bots[kind] = BotProcess(kind, [
                sys.executable, SELF, "--serve", kind, "--rest-url", fake.rest_url,
                "--gateway-url", fake.gateway_url, "--db", f"sqlite+aiosqlite:///{tmp}/{kind}.sqlite3",
                "--cache", f"{tmp}/cache-{kind}"], tmp)
        totals = {"ours": RoundResult(), "bare": RoundResult()}
        scripts: list[list[Step]] = []
        try:
            await bots["ours"].start()
            fakes["bare"].commands = fakes["ours"].commands  # the bare client syncs nothing: same commands
            await bots["bare"].start()
            t = await run_round(fakes["ours"], bots["ours"], catalog, fakes["ours"].guild, args.learners, args.steps,
                                args.max_seconds, record=scripts)
            print(f"warm-up ours: interactions {t.describe()}", flush=True)
            if not scripts:
                raise SystemExit(f"the warm-up recorded nothing:\n{bots['ours'].errors()}")
            t = await run_round(fakes["bare"], bots["bare"], catalog, fakes["bare"].guild, args.learners, args.steps,
                                args.max_seconds, scripts=scripts)
            print(f"warm-up bare: interactions {t.describe()}", flush=True)
            round_ratios: list[float] = []  # each round's ours / bare: how much the machine moved meanwhile
            for r in range(args.rounds):
                pair: dict[str, float] = {}
                for kind in ("bare", "ours"):
                    res = await run_round(fakes[kind], bots[kind], catalog, fakes[kind].guild, args.learners, args.steps,
                                          args.max_seconds, scripts=scripts if kind == "bare" else None)
                    totals[kind].add(res)
                    pair[kind] = res.per_s
                    print(f"round {r + 1}/{args.rounds} {kind}: interactions {res.describe()}", flush=True)
                round_ratios.append(round(pair["ours"] / pair["bare"], 3) if pair["bare"] else 0.0)
        finally:
            for b in bots.values():
                await b.stop()
            for f in fakes.values():
                await f.close()
        kinds: dict[str, int] = {}
        for s in scripts:
            for kind, _ in s:
                kinds[kind] = kinds.get(kind, 0) + 1
        print(f"interactions per member script: {kinds}")
        refused = problems(fakes["ours"])
        if refused:
            print(f"messages Discord would refuse: {refused[:10]}")
        errors = {k: b.error_count() for k, b in bots.items()}
        if any(errors.values()):
            print(f"errors logged by the bots: {errors}\n{bots['ours'].errors(20)}")
        ours, bare = totals["ours"], totals["bare"]
        figures = {
            "discord_interactions_per_s": round(ours.per_s, 1),
            "discord_bare_per_s": round(bare.per_s, 1),
            "discord_ratio": round(ours.per_s / bare.per_s, 3) if bare.per_s else None,
            "discord_p50_ms": round(statistics.median(ours.latencies), 1),
            "discord_p99_ms": round(percentile(ours.latencies, 99), 1),
            "discord_bare_p50_ms": round(statistics.median(bare.latencies), 1),
            "discord_bare_p99_ms": round(percentile(bare.latencies, 99), 1),
            "discord_bot_cpu_ms_per_interaction": round(ours.cpu_ms("bot"), 2),
            "discord_bare_cpu_ms_per_interaction": round(bare.cpu_ms("bot"), 2),
            "discord_cpu_ratio": round(bare.cpu_ms("bot") / ours.cpu_ms("bot"), 3) if ours.cpu_ms("bot") else None,
            "discord_round_ratios": round_ratios,
            "learners": args.learners, "interactions_per_round": args.learners * args.steps, "rounds": args.rounds,
            "failures": ours.failures + bare.failures, "bot_errors_logged": sum(errors.values()),
            "refused_messages": len(refused),
        }
        figures["discord_target_met"] = bool(figures["discord_ratio"] and figures["discord_ratio"] >= 0.7)
    print(json.dumps(figures))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=100, help="members sending interactions at once")
    ap.add_argument("--steps", type=int, default=20, help="interactions each member sends per round")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per bot (alternating)")
    ap.add_argument("--max-seconds", type=float, default=180, help="time bound of one round")
    ap.add_argument("--serve", choices=("ours", "bare"), help=argparse.SUPPRESS)
    ap.add_argument("--rest-url", help=argparse.SUPPRESS)
    ap.add_argument("--gateway-url", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(a.serve, a.rest_url, a.gateway_url, a.db, a.cache))
    else:
        asyncio.run(main(a))
