"""Figures: drawing time cold (nothing cached), cached (memory, disk), and the event loop while they draw.

    python bench/figures.py [--rounds 3] [--instances 5]

The figures are the curriculum's own: every unit's, and ``--instances`` drawings of every template prompt's
figure. matplotlib is imported and one figure drawn first (``figure_first_ms``, what the first learner after a
start waits), then each round draws every figure into an empty cache (``figure_cold_*``: the PNG made and
written to disk), reads each again from memory (``figure_cached_ms``) and, with the memory cache emptied,
from disk (``figure_disk_ms``). Last, the figures are asked for from a running event loop
(:func:`bot.render.figures.figure_async`, the adapters' path) while a 5 ms ticker runs on the loop:
``loop_max_lag_ms`` is how late its ticks came (the drawing happens in the worker thread, not on the loop).
Target: ``figure_cold_p99_ms`` < 300. Prints figures as it goes; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.content.loader import load_catalog  # noqa: E402
from bot.practice.template import draw, seed_of  # noqa: E402
from bot.render import figures as F  # noqa: E402
from bot.render.formulas import clear_memory_cache, set_cache_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def curriculum_figures(instances: int) -> list:
    catalog = load_catalog(ROOT / "content")
    specs = [f for u in catalog.units for f in u.figures]
    for p in catalog.prompt_by_id.values():
        if p.figure is not None:
            specs += [draw(p, seed_of(p.id, "bench", k)).prompt.figure for k in range(instances)]
    return specs


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t) * 1000


async def loop_lag(specs: list) -> tuple[float, float]:
    """The figures asked for from the loop, a few at a time as learners would; the ticker's worst lateness and
    the time until every figure came back."""
    lag = [0.0]
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            lag[0] = max(lag[0], (time.perf_counter() - t) * 1000 - 5)

    tick = asyncio.ensure_future(ticker())
    start = time.perf_counter()
    for i in range(0, len(specs), 4):
        results = await asyncio.gather(*(F.figure_async(s) for s in specs[i:i + 4]))
        assert all(r is not None for r in results)
    total = (time.perf_counter() - start) * 1000
    done.set()
    await tick
    return lag[0], total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="times every figure is drawn cold")
    ap.add_argument("--instances", type=int, default=5, help="drawings of each template prompt's figure")
    args = ap.parse_args()
    specs = curriculum_figures(args.instances)
    kinds = sorted({s.kind for s in specs})
    print(f"{len(specs)} figures of {len(kinds)} kinds: {', '.join(kinds)}")

    with tempfile.TemporaryDirectory() as tmp:
        set_cache_dir(Path(tmp) / "warm")
        first = timed(F.figure_png, specs[0])
        print(f"first figure after start (imports matplotlib): {first:.0f} ms")
        cold: list[float] = []
        by_kind: dict[str, list[float]] = defaultdict(list)
        cached: list[float] = []
        disk: list[float] = []
        sizes: list[int] = []
        for r in range(args.rounds):
            set_cache_dir(Path(tmp) / f"round-{r}")  # empty: memory and disk
            for s in specs:
                ms = timed(F.figure_png, s)
                cold.append(ms)
                by_kind[s.kind].append(ms)
            cached += [timed(F.figure_png, s) for s in specs]
            clear_memory_cache()
            disk += [timed(F.figure_png, s) for s in specs]
            sizes += [len(F.figure_png(s)) for s in specs]
            print(f"round {r + 1}: cold p50 {percentile(cold[-len(specs):], 50):.1f} ms, "
                  f"p99 {percentile(cold[-len(specs):], 99):.1f} ms")
        for kind in kinds:
            print(f"  {kind}: cold p50 {percentile(by_kind[kind], 50):.1f} ms, max {max(by_kind[kind]):.1f} ms")
        set_cache_dir(Path(tmp) / "loop")
        lag, total = asyncio.run(loop_lag(specs))
        print(f"{len(specs)} figures through the worker from a running loop in {total:.0f} ms; "
              f"the loop's ticks came at most {lag:.1f} ms late")
        set_cache_dir(None)

    result = {
        "figure_cold_p50_ms": round(percentile(cold, 50), 1),
        "figure_cold_p99_ms": round(percentile(cold, 99), 1),
        "figure_cold_max_ms": round(max(cold), 1),
        "figure_cached_ms": round(statistics.median(cached), 3),
        "figure_cached_p99_ms": round(percentile(cached, 99), 3),
        "figure_disk_ms": round(statistics.median(disk), 3),
        "figure_first_ms": round(first, 1),
        "figure_kb_p50": round(percentile(sizes, 50) / 1024, 1),
        "cold_cached_ratio": round(percentile(cold, 50) / max(statistics.median(cached), 1e-6)),
        "cold_p99_by_kind_ms": {k: round(percentile(v, 99), 1) for k, v in sorted(by_kind.items())},
        "loop_max_lag_ms": round(lag, 1),
        "figures": len(specs),
        "rounds": args.rounds,
        "figure_target_met": percentile(cold, 99) < 300,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
