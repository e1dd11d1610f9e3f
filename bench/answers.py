"""Answer checking latency per kind, and formula rendering cold and cached, measured in one run.

    python bench/answers.py [--runs 400]

Answers are realistic: for every prompt of the curriculum, its canonical value written the ways learners
write it (other equivalent forms, rounded decimals, unicode, spaces), its listed mistakes, its question's own
expressions typed back, and typos. Each check is timed on its own (learner text is never cached; the
prompt's parsed value is, as in the bot). Every text is checked twice in the same run, interleaved: with
the answer forms the content declares (``form``: expanded, simplified...), and with every form ``any`` (the
value only), so the cost of the form checks is a ratio from one run.
Templates: every template of the curriculum drawn and filled in, a new seed each time
(``template_instance_p99_ms``). Targets: expression p99 < 50 ms with forms on; a template instance p99 < 5 ms. Prints figures as it goes; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import keyword
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.content.loader import check_directory  # noqa: E402
from bot.content.model import Answer, Prompt  # noqa: E402
from bot.practice.check import check_prompt, question_expressions, warm_up  # noqa: E402
from bot.practice.template import draw, seed_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("number", "expression", "matrix", "vector", "set")
UNICODE = str.maketrans({"*": "×", "-": "−"})


def _sympy_forms(answer: Answer) -> list[str]:
    """Equivalent rewritings of an expression value (the bench's own content, so sympify is fine here)."""
    import sympy

    # a variable named as a Python keyword (lambda) is read under another name, and prints as itself
    safe = {v: f"{v}_" if keyword.iskeyword(v) else v for v in answer.vars}
    names = {safe[v]: sympy.Symbol(v) for v in answer.vars}
    names["e"] = sympy.E
    text = answer.value.replace("^", "**")
    for v, name in safe.items():
        text = re.sub(rf"\b{v}\b", name, text)
    e = sympy.sympify(text, locals=names)
    forms = []
    for f in (sympy.expand, sympy.factor, sympy.simplify):
        try:
            forms.append(str(f(e)).replace("**", "^"))
        except Exception:  # noqa: BLE001 - a form sympy cannot make is just skipped
            pass
    return forms


def _number_forms(value: str) -> list[str]:
    import sympy

    v = float(sympy.sympify(value.replace("^", "**"), locals={"e": sympy.E}))
    return [f"{v:.2f}", f"{v:.3f}", f"{v:.4f}", f"{v:.1f}", f"{v * 1.1:.2f}"]


def texts_for(prompt: Prompt, rng: random.Random) -> list[str]:
    a = prompt.answer
    value = a.value
    out = [value, value.replace(" ", ""), value.replace("*", " ").replace("  ", " "), value.translate(UNICODE)]
    out += [m.answer for m in prompt.mistakes]
    out += question_expressions(prompt.question)
    if a.kind == "expression":
        out += _sympy_forms(a)
        v = a.vars[0]  # big and equal, for the form checks: a degree-400 polynomial that cancels
        out.append(f"{value} + ({v}+1)^200*({v}-1)^200 - ({v}^2-1)^200")
        out.append(value.replace("^2", "²").replace("*", ""))
    elif a.kind == "number":
        out += _number_forms(value)
    elif a.kind in ("vector", "matrix"):
        out.append(value.replace(",", "").replace("] [", "; ").replace("[[", "[").replace("]]", "]"))
        out.append(value.replace("[", "(").replace("]", ")"))
    elif a.kind == "set":
        items = value.strip("{}").split(",")
        rng.shuffle(items)
        out.append(", ".join(i.strip() for i in items))
    # typos: a dropped character, a doubled operator
    if len(value) > 2:
        k = rng.randrange(len(value))
        out.append(value[:k] + value[k + 1:])
    out.append(value + "+")
    return [t for t in out if t]


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def bench_checks(runs: int) -> dict[str, dict[str, float]]:
    catalog, problems = check_directory(ROOT / "content")
    if catalog is None:
        raise SystemExit(f"content does not load: {problems[:3]}")
    rng = random.Random(7)
    cases: dict[str, list[tuple[Prompt, str]]] = {k: [] for k in KINDS}
    for p in catalog.prompt_by_id.values():
        p = draw(p, 7).prompt  # a template: one of its instances, as a learner is asked it
        if p.answer.kind in cases:
            cases[p.answer.kind] += [(p, t) for t in texts_for(p, rng)]
    t0 = time.perf_counter()
    warm_up()
    print(f"warm_up: {(time.perf_counter() - t0) * 1000:.0f} ms")
    out: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        pool = cases[kind]
        rng.shuffle(pool)
        if not pool:
            continue
        # The same prompts with every form "any": the value-only check, for the before/after ratio.
        value_only = {p.id: p.model_copy(update={"answer": p.answer.model_copy(update={"form": "any"})})
                      for p, _ in pool}
        # Each prompt's parsed value is cached by the bot after its first check; prime it like the bot would.
        for p, _ in pool:
            check_prompt(p, p.answer.value)
            check_prompt(value_only[p.id], p.answer.value)
        times: list[float] = []
        times_off: list[float] = []
        statuses = {"right": 0, "wrong": 0, "unreadable": 0, "nudge": 0}
        gc.collect()
        for i in range(runs):
            p, text = pool[i % len(pool)]
            for prompt, into in ((p, times), (value_only[p.id], times_off)) if i % 2 else (
                    (value_only[p.id], times_off), (p, times)):
                t = time.perf_counter()
                v = check_prompt(prompt, text)
                into.append((time.perf_counter() - t) * 1000)
                if prompt is p:
                    statuses[v.status] += 1
        out[kind] = {
            "p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(percentile(times, 99), 3),
            "max_ms": round(max(times), 3),
            "p99_value_only_ms": round(percentile(times_off, 99), 3),
            "p99_ratio_forms_on_off": round(percentile(times, 99) / percentile(times_off, 99), 2),
            "distinct_texts": len(pool),
            "with_a_form": sum(p.answer.form != "any" for p, _ in pool),
            **statuses,
        }
        print(f"{kind:10} runs={runs} distinct={len(pool):4} (form set on {out[kind]['with_a_form']}) "
              f"p50={out[kind]['p50_ms']:.3f} ms p99={out[kind]['p99_ms']:.3f} ms max={out[kind]['max_ms']:.3f} ms "
              f"| value only p99={out[kind]['p99_value_only_ms']:.3f} ms | {statuses}")
    return out


def bench_render(n: int) -> dict[str, float | str | None]:
    try:
        from bot.render import formulas
    except ImportError as exc:  # another engineer's module; not there yet
        print(f"render: bot.render.formulas is not available ({exc}); figures are null")
        return {"render_first_ms": None, "render_cold_ms": None, "render_cached_ms": None,
                "render_note": "bot.render.formulas not available"}
    catalog, _ = check_directory(ROOT / "content")
    texts = [p.solution for p in catalog.prompt_by_id.values() if "$" in p.solution]
    texts = sorted(set(texts))[: n + 1]
    with tempfile.TemporaryDirectory() as tmp:
        formulas.set_cache_dir(tmp)
        t = time.perf_counter()
        formulas.render_text_png(texts[0])  # includes importing matplotlib and loading fonts
        first = (time.perf_counter() - t) * 1000
        cold = []
        for text in texts[1:]:
            t = time.perf_counter()
            png = formulas.render_text_png(text)
            cold.append((time.perf_counter() - t) * 1000)
            assert png is None or png.startswith(b"\x89PNG")
        cached = []
        for _ in range(5):
            for text in texts[1:]:
                t = time.perf_counter()
                formulas.render_text_png(text)
                cached.append((time.perf_counter() - t) * 1000)
        formulas.set_cache_dir(None)
    res = {
        "render_first_ms": round(first, 1),
        "render_cold_ms": round(statistics.median(cold), 2),
        "render_cold_p99_ms": round(percentile(cold, 99), 2),
        "render_cached_ms": round(statistics.median(cached), 4),
        "render_texts": len(cold),
    }
    print(f"render: first {first:.0f} ms (imports matplotlib), cold p50 {res['render_cold_ms']} ms "
          f"p99 {res['render_cold_p99_ms']} ms over {len(cold)} solutions, cached p50 {res['render_cached_ms']} ms")
    return res


def bench_templates(runs: int) -> dict[str, float | int]:
    """Drawing and filling in one instance of a template prompt (what opening a question costs), for every
    template of the curriculum in turn, each draw a new seed (nothing cached but the parsed template)."""
    catalog, problems = check_directory(ROOT / "content")
    if catalog is None:
        raise SystemExit(f"content does not load: {problems[:3]}")
    templates = [p for p in catalog.prompt_by_id.values() if p.params]
    if not templates:
        print("templates: none in the curriculum")
        return {"templates": 0}
    for p in templates:  # parse each template once, as loading the catalog does in the bot
        draw(p, 0)
    times: list[float] = []
    gc.collect()
    for i in range(runs):
        p = templates[i % len(templates)]
        t = time.perf_counter()
        draw(p, seed_of(p.id, "bench", i))
        times.append((time.perf_counter() - t) * 1000)
    res = {"templates": len(templates), "template_instance_p50_ms": round(percentile(times, 50), 3),
           "template_instance_p99_ms": round(percentile(times, 99), 3),
           "template_instance_max_ms": round(max(times), 3)}
    print(f"templates: {len(templates)}, {runs} instances drawn: p50 {res['template_instance_p50_ms']} ms, "
          f"p99 {res['template_instance_p99_ms']} ms, max {res['template_instance_max_ms']} ms")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=400, help="checks timed per kind")
    ap.add_argument("--render-texts", type=int, default=40, help="distinct texts rendered cold")
    args = ap.parse_args()
    checks = bench_checks(args.runs)
    render = bench_render(args.render_texts)
    drawn = bench_templates(args.runs * 5)
    result: dict[str, object] = {f"{k}_p99_ms": v["p99_ms"] for k, v in checks.items()}
    result |= {f"{k}_p50_ms": v["p50_ms"] for k, v in checks.items()}
    result |= {f"{k}_p99_value_only_ms": v["p99_value_only_ms"] for k, v in checks.items()}
    result |= {f"{k}_p99_ratio_forms_on_off": v["p99_ratio_forms_on_off"] for k, v in checks.items()}
    result |= render
    result["runs_per_kind"] = args.runs
    result |= drawn
    result["expression_target_met"] = checks["expression"]["p99_ms"] < 50
    result["template_target_met"] = drawn.get("template_instance_p99_ms", 0) < 5
    print(json.dumps(result))


if __name__ == "__main__":
    main()
