"""The figures lessons and prompts declare (:mod:`bot.content.figures`), drawn with matplotlib as PNGs.

- ``figure_png(spec)``: the PNG, from the cache shared with formulas (memory, then disk by content hash),
  drawn when it is in neither. Blocking: for check-content, benchmarks and worker threads.
- ``await figure_async(spec)``: the same without blocking the event loop. Cached PNGs come straight from
  memory; a figure to draw (or to read from disk) goes to one worker thread through a bounded queue: when
  ``MAX_QUEUE`` figures already wait, the call returns ``None`` at once (the message goes without it) rather
  than letting learners' replies pile up behind pictures. The same figure asked twice is drawn once.
- ``figure_file(spec)``: the PNG's path on disk (the console prints it).
- ``draw(spec)``: the matplotlib Figure itself (tests find points on it with its axes' transforms).

Every picture is on an opaque white card with dark ink, so it reads the same on light and dark themes.
Functions are evaluated from the tree the safe parser built (:mod:`bot.practice.maths`), never from text.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import logging
import math
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

from bot.content.figures import (
    Bayes,
    CentralLimit,
    Density,
    Eigenvectors,
    GradientDescent,
    Graph,
    LinearMap,
    UnitCircle,
    Vectors,
    eigenpairs,
)
from bot.render.formulas import cached_file, cached_in_memory, cached_png, drawing
from bot.render.unicode import latex_to_unicode

__all__ = ["FigureError", "check", "draw", "figure_async", "figure_file", "figure_png", "figure_key", "png_of"]

log = logging.getLogger(__name__)

RENDER_VERSION = "1"  # bump when the look changes: it is part of the cache key
DPI = 100
SIZE = (9.0, 6.0)  # inches at DPI: 900 x 600 px
WIDE = (11.0, 5.4)  # two panels side by side
MAX_QUEUE = 16

FONT = "DejaVu Sans"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d0d7de"
PAPER = "#ffffff"
BLUE = "#0969da"
ORANGE = "#d4560b"
GREEN = "#1a7f37"
PURPLE = "#8250df"
RED = "#cf222e"
GREY = "#8c959f"
SHADE = "#fb8f44"


class FigureError(ValueError):
    """The parameters pass their checks, but the figure cannot be drawn from them (e.g. the function is
    undefined on the whole range)."""


# ---------------------------------------------------------------------------------------------------------
# Cache, worker and public API


def figure_key(spec: Any) -> str:
    return hashlib.sha256(f"figure\x00{RENDER_VERSION}\x00{spec.model_dump_json()}".encode()).hexdigest()


def figure_png(spec: Any) -> bytes:
    """The figure as a PNG (cached); FigureError when it cannot be drawn."""
    def make() -> bytes:
        with drawing():
            return png_of(_paint(spec))

    return cached_png(figure_key(spec), make)


def figure_file(spec: Any) -> Path | None:
    """The figure's PNG on disk, drawn first when needed (None when the disk cache cannot be written)."""
    figure_png(spec)
    return cached_file(figure_key(spec))


_worker: concurrent.futures.ThreadPoolExecutor | None = None
_pending: dict[str, concurrent.futures.Future[Any]] = {}
_pending_lock = threading.Lock()


def _submit(key: str, fn: Any, spec: Any) -> concurrent.futures.Future[Any] | None:
    global _worker
    with _pending_lock:
        fut = _pending.get(key)
        if fut is not None:
            return fut
        if len(_pending) >= MAX_QUEUE:
            return None
        if _worker is None:
            _worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="figures")
        fut = _worker.submit(fn, spec)
        _pending[key] = fut

    def done(_: concurrent.futures.Future[Any]) -> None:
        with _pending_lock:
            _pending.pop(key, None)

    fut.add_done_callback(done)
    return fut


async def _queued(key: str, fn: Any, spec: Any) -> Any:
    fut = _submit(key, fn, spec)
    if fut is None:
        log.warning("figure queue full (%d waiting); sending without the figure", MAX_QUEUE)
        return None
    try:
        # shielded: a reply given up on (cancelled) must not cancel a drawing others wait for too
        return await asyncio.shield(asyncio.wrap_future(fut))
    except Exception:
        log.exception("figure %s failed; sending without it", getattr(spec, "kind", "?"))
        return None


async def figure_async(spec: Any) -> bytes | None:
    """The figure's PNG, drawn in the worker thread (None when the queue is full or it cannot be drawn)."""
    key = figure_key(spec)
    data = cached_in_memory(key)
    if data is not None:
        return data
    result = await _queued(key, figure_png, spec)
    return result if isinstance(result, bytes) else None


async def figure_file_async(spec: Any) -> Path | None:
    """:func:`figure_file` in the worker thread."""
    result = await _queued("file:" + figure_key(spec), figure_file, spec)
    return result if isinstance(result, Path) else None


def png_of(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor=PAPER, metadata={"Software": None})
    return buf.getvalue()


def draw(spec: Any) -> Any:
    """The matplotlib Figure of ``spec`` (no pyplot; an Agg canvas), drawn under the matplotlib lock. The caller
    holds a web of reference cycles: tests read it; :func:`check` is what keeps nothing."""
    with drawing():
        return _paint(spec)


def check(spec: Any) -> None:
    """Draw ``spec`` and free it at once (check-content): FigureError when it cannot be drawn."""
    with drawing():
        _paint(spec)


def _paint(spec: Any) -> Any:
    painter = PAINTERS.get(type(spec))
    if painter is None:
        raise FigureError(f"no figure kind {getattr(spec, 'kind', spec)!r}")
    if not spec.filled():
        raise FigureError("a template's figure is drawn for an instance, with its placeholders filled in")
    return painter(spec)


# ---------------------------------------------------------------------------------------------------------
# Shared pieces


def _figure(size: tuple[float, float] = SIZE) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI, facecolor=PAPER)
    FigureCanvasAgg(fig)
    return fig


def _axes(fig: Any, rect: tuple[float, float, float, float] = (0.08, 0.1, 0.88, 0.78), *, equal: bool = False,
          grid: bool = True) -> Any:
    ax = fig.add_axes(rect)
    ax.set_facecolor(PAPER)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=MUTED, labelsize=12)
    if grid:
        ax.grid(True, color=GRID, linewidth=0.8, zorder=0)
    if equal:
        ax.set_aspect("equal", adjustable="box")
    ax.set_axisbelow(True)
    return ax


def _title(fig: Any, text: str) -> None:
    """The figure's title, smaller or on two lines when it is long, always inside the picture."""
    import textwrap

    title = fig.text(0.5, 0.955, text, ha="center", va="center", fontsize=17, fontweight="bold", color=INK,
                     family=FONT, parse_math=False)
    renderer = fig.canvas.get_renderer()
    room = fig.bbox.width - 16
    for size in (17, 16, 15, 14, 13):
        title.set_fontsize(size)
        if title.get_window_extent(renderer).width <= room:
            return
    title.set_text("\n".join(textwrap.wrap(text, (len(text) + 1) // 2 + 8)))
    title.set_position((0.5, 0.945))


def _side(fig: Any, lines: list[tuple[str, str]], top: float = 0.8) -> None:
    """Lines of text to the right of a square plane (what the picture shows, as numbers)."""
    renderer = fig.canvas.get_renderer()
    for i, (text, color) in enumerate(lines):
        if text:
            t = fig.text(0.655, top - i * 0.07, text, fontsize=15, color=color, family=FONT, parse_math=False,
                         fontweight="bold" if color != INK else "normal")
            while t.get_window_extent(renderer).x1 > fig.bbox.width - 6 and t.get_fontsize() > 10:
                t.set_fontsize(t.get_fontsize() - 1)


def _caption(spec: Any, default: str) -> str:
    return spec.caption or default


def _plane(ax: Any, lim: float) -> None:
    """A square view [-lim, lim]² with the axes through the origin; in a wide picture it sits on the left,
    which leaves room on the right for the labels of what points right."""
    ax.set_anchor("W")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.axhline(0, color=MUTED, linewidth=1.2, zorder=1)
    ax.axvline(0, color=MUTED, linewidth=1.2, zorder=1)
    step = 1 if lim <= 6 else 2 if lim <= 12 else 5 if lim <= 30 else 10
    ticks = [k * step for k in range(-int(lim // step), int(lim // step) + 1)]
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.apply_aspect()  # the final box now, so that labels measure where they will be


def _arrow(ax: Any, tail: tuple[float, float], tip: tuple[float, float], color: str, *, width: float = 3.0,
           alpha: float = 1.0, style: str = "-", zorder: int = 4) -> None:
    from matplotlib.patches import FancyArrowPatch

    if math.hypot(tip[0] - tail[0], tip[1] - tail[1]) < 1e-9:
        ax.plot([tip[0]], [tip[1]], "o", color=color, markersize=7, alpha=alpha, zorder=zorder)
        return
    ax.add_patch(FancyArrowPatch(tail, tip, arrowstyle="-|>", mutation_scale=22, linewidth=width, color=color,
                                 alpha=alpha, linestyle=style, shrinkA=0, shrinkB=0, zorder=zorder))


def _label(ax: Any, at: tuple[float, float], text: str, color: str, *, dx: float = 8, dy: float = 8,
           ha: str = "auto", size: int = 14) -> None:
    """A bold label next to ``at``; ``ha="auto"``: on the side away from the vertical axis (right of points
    right of it), moved to the other side when it would leave the picture."""
    auto = ha == "auto"
    if auto:
        ha, dx = ("left", abs(dx)) if at[0] >= 0 else ("right", -abs(dx))
    box = {"boxstyle": "round,pad=0.15", "facecolor": PAPER, "edgecolor": "none", "alpha": 0.8}
    note = ax.annotate(text, at, xytext=(dx, dy), textcoords="offset points", color=color, fontsize=size, ha=ha,
                       fontweight="bold", family=FONT, zorder=6, bbox=box)
    if not auto:
        return
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    extent = note.get_window_extent(renderer)
    if extent.x1 > fig.bbox.width - 4 or extent.x0 < 4:
        note.set_horizontalalignment("right" if ha == "left" else "left")
        note.set_position((-dx, dy))
    if extent.y1 > fig.bbox.height * 0.9:
        note.set_position((note.get_position()[0], -abs(dy) - 12))
    # not over a label already placed: step down (then up) until it is clear
    placed = fig.__dict__.setdefault("_placed_labels", [])
    x, y = note.get_position()
    for shift in (0, -22, 22, -44, 44):
        note.set_position((x, y + shift))
        extent = note.get_window_extent(renderer)
        if not any(extent.overlaps(other) for other in placed):
            break
    placed.append(extent)


def num(v: float, digits: int = 4) -> str:
    """A number as a learner reads it: whole numbers bare, others to ``digits`` significant figures, and what
    rounds to 0 at four decimals as 0 (no 1.6e−06 on a picture)."""
    if abs(v - round(v)) < 1e-9 or abs(v) < 5e-5:
        return str(int(round(v))).replace("-", "−")
    return f"{v:.{digits}g}".replace("-", "−")


def _matrix_text(a: float, b: float, c: float, d: float) -> str:
    """A 2×2 matrix row by row, as the content writes it: [[a, b], [c, d]]."""
    return f"[[{num(a)}, {num(b)}], [{num(c)}, {num(d)}]]"


def _pair(v: tuple[float, float]) -> str:
    return f"({num(v[0])}, {num(v[1])})"


def _func(text: str, names: tuple[str, ...]) -> tuple[Any, Any]:
    """The sympy expression of a figure's function (from the safe parser's tree) and a numpy function of it."""
    import sympy  # type: ignore[import-untyped]

    from bot.practice.maths import parse, to_sympy

    expr = to_sympy(parse(text, names).args[0][0])
    symbols = [sympy.Symbol(n) for n in names]
    return expr, sympy.lambdify(symbols, expr, modules="numpy")


def _values(fn: Any, *args: Any) -> Any:
    import numpy as np

    with np.errstate(all="ignore"):
        try:
            out = np.asarray(fn(*args), dtype=complex)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError, NameError) as exc:
            raise FigureError(f"cannot evaluate the function here ({exc})") from exc
    out = np.broadcast_to(out, np.broadcast(*args).shape) if out.ndim == 0 else out
    real = np.where(np.abs(out.imag) < 1e-9, out.real, np.nan)
    return np.where(np.isfinite(real), real, np.nan)


def _pretty(text: str) -> str:
    return latex_to_unicode(text.replace("*", "·"))


# ---------------------------------------------------------------------------------------------------------
# The kinds


def _graph(spec: Graph) -> Any:
    import numpy as np
    import sympy  # type: ignore[import-untyped]

    lo, hi = float(spec.x[0]), float(spec.x[1])
    expr, fn = _func(spec.f, ("x",))
    xs = np.linspace(lo, hi, 801)
    ys = _values(fn, xs)
    finite = ys[np.isfinite(ys)]
    if finite.size < 2:
        raise FigureError(f"f(x) = {spec.f} is undefined on the whole range [{num(lo)}, {num(hi)}]")
    marks: list[tuple[float, float]] = []
    for p in spec.points:
        y = float(_values(fn, np.array([float(p)]))[0])
        if not math.isfinite(y):
            raise FigureError(f"f is undefined at the marked point x = {num(float(p))}")
        marks.append((float(p), y))
    tangent = None
    if spec.tangent is not None:
        t = float(spec.tangent)
        dfn = sympy.lambdify([sympy.Symbol("x")], sympy.diff(expr, sympy.Symbol("x")), modules="numpy")
        y0, slope = (float(_values(g, np.array([t]))[0]) for g in (fn, dfn))
        if not (math.isfinite(y0) and math.isfinite(slope)):
            raise FigureError(f"f has no tangent at x = {num(t)}")
        tangent = (t, y0, slope)
    if spec.y is not None:
        ylo, yhi = float(spec.y[0]), float(spec.y[1])
    else:
        ylo, yhi = (float(v) for v in np.percentile(finite, [1, 99]))
        for _, y in marks + ([(tangent[0], tangent[1])] if tangent else []):
            ylo, yhi = min(ylo, y), max(yhi, y)
        ylo, yhi = min(ylo, 0.0) if ylo > 0 and ylo < 0.5 * (yhi - ylo) else ylo, yhi
        pad = 0.08 * (yhi - ylo or 1.0)
        ylo, yhi = ylo - pad, yhi + pad
    # a jump across the view (1/x at 0) is a break in the curve, not a vertical line
    span = yhi - ylo
    ys = np.where((ys < ylo - 2 * span) | (ys > yhi + 2 * span), np.nan, ys)

    fig = _figure()
    ax = _axes(fig)
    ax.set_xlim(lo, hi)
    ax.set_ylim(ylo, yhi)
    if ylo < 0 < yhi:
        ax.axhline(0, color=MUTED, linewidth=1.2, zorder=1)
    if lo < 0 < hi:
        ax.axvline(0, color=MUTED, linewidth=1.2, zorder=1)
    ax.plot(xs, ys, color=BLUE, linewidth=3, zorder=3, label=spec.label or f"f(x) = {_pretty(spec.f)}")
    if tangent is not None:
        t, y0, slope = tangent
        ax.plot([lo, hi], [y0 + slope * (lo - t), y0 + slope * (hi - t)], color=GREEN, linewidth=2.2, zorder=4,
                label=f"tangent at x = {num(t)}: slope {num(slope)}")
        ax.plot([t], [y0], "o", color=GREEN, markersize=10, zorder=5)
    for x, y in marks:
        ax.plot([x], [y], "o", color=ORANGE, markersize=10, zorder=6)
        _label(ax, (x, y), _pair((x, y)), ORANGE)
    ax.legend(loc="best", fontsize=13, frameon=True, facecolor=PAPER, edgecolor=GRID)
    _title(fig, _caption(spec, f"The graph of f(x) = {_pretty(spec.f)}"))
    return fig


def _vectors(spec: Vectors) -> Any:
    vs = [(float(v[0]), float(v[1])) for v in spec.vectors]
    names = list(spec.names) or ["a", "b", "c", "d"][: len(vs)]
    colors = [BLUE, ORANGE, PURPLE, RED]
    result: tuple[str, tuple[float, float]] | None = None  # what ``show`` adds: its name and its tip
    if spec.show != "none":
        a, b = vs
        k = (a[0] * b[0] + a[1] * b[1]) / (b[0] ** 2 + b[1] ** 2)  # the projection's multiple of b
        result = {"sum": (f"{names[0]} + {names[1]}", (a[0] + b[0], a[1] + b[1])),
                  "difference": (f"{names[0]} − {names[1]}", (a[0] - b[0], a[1] - b[1])),
                  "projection": ("projection", (k * b[0], k * b[1]))}[spec.show]
    points = [(0.0, 0.0), *vs, *([result[1]] if result else [])]
    fig = _figure()
    ax = _axes(fig, (0.06, 0.08, 0.9, 0.8), equal=True)
    lim = max(2.0, max(max(abs(x), abs(y)) for x, y in points) * 1.2 + 0.5)
    _plane(ax, lim)
    for v, name, color in zip(vs, names, colors, strict=False):
        _arrow(ax, (0, 0), v, color)
        _label(ax, v, name, color)
    if spec.show == "sum" and result:
        _arrow(ax, vs[0], result[1], colors[1], width=2.2, alpha=0.55, style="--")
        _arrow(ax, (0, 0), result[1], GREEN, width=3.5)
        _label(ax, result[1], result[0], GREEN)
    elif spec.show == "difference" and result:
        a, b = vs
        _arrow(ax, b, a, GREEN, width=3.5)
        _label(ax, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), result[0], GREEN)
    elif spec.show == "projection" and result:
        a, b = vs
        foot = result[1]
        n = math.hypot(*b)
        ux, uy = b[0] / n, b[1] / n
        reach = 3 * lim
        ax.plot([-reach * ux, reach * ux], [-reach * uy, reach * uy], color=GREY, linewidth=1.5, linestyle="--",
                zorder=2)
        ax.plot([a[0], foot[0]], [a[1], foot[1]], color=MUTED, linewidth=1.8, linestyle=":", zorder=3)
        _arrow(ax, (0, 0), foot, GREEN, width=4, zorder=5)
        ax.plot([foot[0]], [foot[1]], "o", color=GREEN, markersize=9, zorder=6)
        # the right angle at the foot
        r = 0.06 * lim
        px, py = a[0] - foot[0], a[1] - foot[1]
        pn = math.hypot(px, py)
        if pn > 1e-9:
            px, py = px / pn * r, py / pn * r
            toward = -1 if foot[0] * ux + foot[1] * uy > 0 else 1  # back along b's line, towards the origin
            sx, sy = toward * ux * r, toward * uy * r
            ax.plot([foot[0] + sx, foot[0] + sx + px, foot[0] + px], [foot[1] + sy, foot[1] + sy + py, foot[1] + py],
                    color=MUTED, linewidth=1.3, zorder=3)
        _label(ax, foot, result[0], GREEN, dy=-22)
    side = [(f"{name} = {_pair(v)}", color) for v, name, color in zip(vs, names, colors, strict=False)]
    if result:
        side.append((f"{result[0]} = {_pair(result[1])}", GREEN))
    if len(vs) == 2:
        (a1, a2), (b1, b2) = vs
        side += [("", INK), (f"{names[0]} · {names[1]} = {num(a1 * b1 + a2 * b2)}", INK),
                 (f"|{names[0]}| = {num(math.hypot(a1, a2))}", INK), (f"|{names[1]}| = {num(math.hypot(b1, b2))}", INK)]
    _side(fig, side)
    default = {"sum": "Adding vectors: tip to tail", "difference": "The difference of two vectors",
               "projection": f"Projecting {names[0]} onto the line of {names[1]}"}.get(spec.show, "Vectors")
    _title(fig, _caption(spec, default))
    return fig


def _grid_lines(ax: Any, m: tuple[tuple[float, float], tuple[float, float]], reach: int, color: str,
                width: float) -> None:
    (a, b), (c, d) = m
    for k in range(-reach, reach + 1):
        # the vertical line x = k and the horizontal line y = k, mapped
        ax.plot([a * k - b * reach, a * k + b * reach], [c * k - d * reach, c * k + d * reach], color=color,
                linewidth=width, zorder=2)
        ax.plot([a * -reach + b * k, a * reach + b * k], [c * -reach + d * k, c * reach + d * k], color=color,
                linewidth=width, zorder=2)


def _square(ax: Any, m: tuple[tuple[float, float], tuple[float, float]], color: str) -> None:
    from matplotlib.patches import Polygon

    (a, b), (c, d) = m
    ax.add_patch(Polygon([(0, 0), (a, c), (a + b, c + d), (b, d)], closed=True, facecolor=color, alpha=0.22,
                         edgecolor="none", zorder=2))


def _linear_map(spec: LinearMap) -> Any:
    (a, b), (c, d) = ((float(x) for x in row) for row in spec.matrix)
    m = ((a, b), (c, d))
    corners = [(a + b, c + d), (a - b, c - d), (a, c), (b, d)]
    v = (float(spec.vector[0]), float(spec.vector[1])) if spec.vector is not None else None
    mv = (a * v[0] + b * v[1], c * v[0] + d * v[1]) if v else None
    lim = max(2.5, 1.2 * max(max(abs(x), abs(y)) for x, y in corners + ([v, mv] if v and mv else [])) + 0.3)
    det = a * d - b * c
    fig = _figure(WIDE)
    panels = [_axes(fig, (0.04, 0.07, 0.44, 0.78), equal=True, grid=False),
              _axes(fig, (0.53, 0.07, 0.44, 0.78), equal=True, grid=False)]
    for ax, mat, title in ((panels[0], ((1.0, 0.0), (0.0, 1.0)), "before"),
                           (panels[1], m, f"after: det = {num(det)}")):
        _plane(ax, lim)
        _grid_lines(ax, ((1.0, 0.0), (0.0, 1.0)), int(lim) + 1, GRID, 0.8)
        if mat is m:
            inverse = max(abs(x) for x in (a, b, c, d)) / max(abs(det), 1e-9) if det else 0
            reach = int(min(40, lim * max(2.0, 2 * inverse))) + 1 if det else int(lim) + 3
            _grid_lines(ax, m, reach, "#54aeff", 1.1)
        _square(ax, mat, "#fbca04")
        (p, q), (r, s) = mat
        _arrow(ax, (0, 0), (p, r), GREEN)
        _arrow(ax, (0, 0), (q, s), RED)
        _label(ax, (p, r), "î" if mat is not m else f"Aî = {_pair((p, r))}", GREEN)
        _label(ax, (q, s), "ĵ" if mat is not m else f"Aĵ = {_pair((q, s))}", RED)
        ax.set_title(title, fontsize=15, color=INK, family=FONT)
    if v and mv:
        _arrow(panels[0], (0, 0), v, PURPLE)
        _label(panels[0], v, f"v = {_pair(v)}", PURPLE)
        _arrow(panels[1], (0, 0), mv, PURPLE)
        _label(panels[1], mv, f"Av = {_pair(mv)}", PURPLE)
    matrix = _matrix_text(a, b, c, d)
    _title(fig, _caption(spec, f"What A = {matrix} does to the plane"))
    return fig


def _eigenvectors(spec: Eigenvectors) -> Any:
    (a, b), (c, d) = ((float(x) for x in row) for row in spec.matrix)
    pairs = eigenpairs(spec.matrix)
    u = (float(spec.other[0]), float(spec.other[1]))
    au = (a * u[0] + b * u[1], c * u[0] + d * u[1])
    tips: list[tuple[float, float]] = [u, au]
    shown: list[tuple[float, tuple[float, float]]] = []
    for lam, (vx, vy) in pairs:
        if vx < -1e-12 or (abs(vx) < 1e-12 and vy < 0):
            vx, vy = -vx, -vy  # point right (or up): easier to read
        shown.append((lam, (vx, vy)))
        tips += [(vx, vy), (lam * vx, lam * vy)]
    lim = max(2.0, 1.2 * max(max(abs(x), abs(y)) for x, y in tips) + 0.3)
    fig = _figure()
    ax = _axes(fig, (0.06, 0.08, 0.9, 0.8), equal=True)
    _plane(ax, lim)
    for (lam, v), color in zip(shown, (GREEN, ORANGE), strict=False):
        reach = 3 * lim
        ax.plot([-reach * v[0], reach * v[0]], [-reach * v[1], reach * v[1]], color=color, linewidth=1.4,
                linestyle="--", alpha=0.8, zorder=2)
        _arrow(ax, (0, 0), (lam * v[0], lam * v[1]), color, width=7, alpha=0.35, zorder=3)
        _arrow(ax, (0, 0), v, color, width=3, zorder=5)
        times = {1.0: "v", -1.0: "−v", 0.0: "0"}.get(round(lam, 12), f"{num(lam)}v")
        _label(ax, (lam * v[0], lam * v[1]), f"Av = {times}", color)
    _arrow(ax, (0, 0), u, GREY, width=2.5)
    _arrow(ax, (0, 0), au, PURPLE, width=2.5)
    _label(ax, u, "u", GREY, dy=-20)
    _label(ax, au, "Au", PURPLE)
    matrix = _matrix_text(a, b, c, d)
    side = [(f"A = {matrix}", INK), ("", INK)]
    for (lam, v), color in zip(shown, (GREEN, ORANGE), strict=False):
        side += [(f"λ = {num(lam)}", color), (f"  v = {_pair(v)}", color)]
    side += [("", INK), (f"u = {_pair(u)}, Au = {_pair(au)}:", PURPLE), ("  Au leaves u's line", PURPLE)]
    _side(fig, side)
    _title(fig, _caption(spec, f"Eigenvectors of {matrix} stay on their line"))
    return fig


def _angle_text(theta: float) -> str:
    deg = math.degrees(theta)
    turns = Fraction(theta / math.pi).limit_denominator(12)
    if abs(float(turns) * math.pi - theta) < 1e-9 and turns != 0:
        p, q = turns.numerator, turns.denominator
        top = "π" if p == 1 else "−π" if p == -1 else f"{p}π".replace("-", "−")
        rad = top if q == 1 else f"{top}/{q}"
    else:
        rad = num(theta)
    return f"{num(deg)}° = {rad}" if rad != num(deg) else f"{num(deg)}°"


def _unit_circle(spec: UnitCircle) -> Any:
    import numpy as np
    from matplotlib.patches import Arc

    theta = float(spec.angle)
    c, s = math.cos(theta), math.sin(theta)
    fig = _figure()
    ax = _axes(fig, (0.06, 0.08, 0.9, 0.8), equal=True)
    _plane(ax, 1.45)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    t = np.linspace(0, 2 * math.pi, 400)
    ax.plot(np.cos(t), np.sin(t), color=GREY, linewidth=2, zorder=2)
    start, end = sorted((0.0, math.degrees(theta)))
    ax.add_patch(Arc((0, 0), 0.5, 0.5, theta1=start, theta2=end, color=PURPLE, linewidth=2.2, zorder=3))
    ax.plot([0, c], [0, s], color=BLUE, linewidth=3, zorder=4)
    ax.plot([0, c], [0, 0], color=ORANGE, linewidth=6, solid_capstyle="butt", zorder=5)
    ax.plot([c, c], [0, s], color=GREEN, linewidth=6, solid_capstyle="butt", zorder=5)
    ax.plot([c], [s], "o", color=BLUE, markersize=11, zorder=6)
    _label(ax, (c, s), "(cos θ, sin θ)", BLUE, dx=10)
    _label(ax, (c / 2, 0), "cos θ", ORANGE, ha="center", dx=0, dy=-24 if s >= 0 else 12)
    _label(ax, (c, s / 2), "sin θ", GREEN, ha="left" if c >= 0 else "right", dx=10 if c >= 0 else -10,
           dy=0)
    mid = theta / 2
    _label(ax, (0.3 * math.cos(mid), 0.3 * math.sin(mid)), "θ", PURPLE, dx=4, dy=4)
    side = [(f"θ = {_angle_text(theta)}", PURPLE), ("", INK), (f"cos θ = {num(c)}", ORANGE),
            (f"sin θ = {num(s)}", GREEN)]
    if abs(c) > 1e-12:
        side.append((f"tan θ = sin θ / cos θ = {num(s / c)}", INK))
    side += [("", INK), ("cos² θ + sin² θ = 1", INK)]
    _side(fig, side)
    _title(fig, _caption(spec, f"The unit circle at θ = {_angle_text(theta)}"))
    return fig


def descent_path(spec: GradientDescent) -> list[tuple[float, float]]:
    """Gradient descent's points from ``start``: x ← x − rate·∇f(x), until ``steps`` are taken or the path
    leaves the view by far (it diverges) or reaches a point where ∇f is undefined."""
    import numpy as np
    import sympy  # type: ignore[import-untyped]

    expr, _ = _func(spec.f, ("x", "y"))
    x, y = sympy.Symbol("x"), sympy.Symbol("y")
    grad = sympy.lambdify([x, y], [sympy.diff(expr, x), sympy.diff(expr, y)], modules="numpy")
    rate = float(spec.rate)
    span = max(float(spec.x[1]) - float(spec.x[0]), float(spec.y[1]) - float(spec.y[0]))
    p = (float(spec.start[0]), float(spec.start[1]))
    path = [p]
    for _ in range(spec.steps):
        gx, gy = (float(v) for v in _values(grad, np.array(p[0]), np.array(p[1])))
        if not (math.isfinite(gx) and math.isfinite(gy)):
            break
        p = (p[0] - rate * gx, p[1] - rate * gy)
        path.append(p)
        if max(abs(p[0]), abs(p[1])) > 100 * span:
            break
    return path


def _gradient_descent(spec: GradientDescent) -> Any:
    import numpy as np

    _, fn = _func(spec.f, ("x", "y"))
    x0, x1, y0, y1 = float(spec.x[0]), float(spec.x[1]), float(spec.y[0]), float(spec.y[1])
    xs, ys = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
    zs = _values(fn, xs, ys)
    if np.isfinite(zs).sum() < 100:
        raise FigureError(f"f(x, y) = {spec.f} is undefined on most of the view")
    path = descent_path(spec)
    fig = _figure()
    ax = _axes(fig, (0.08, 0.08, 0.86, 0.8), grid=False)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    finite = zs[np.isfinite(zs)]
    levels = np.unique(np.percentile(finite, np.linspace(0, 100, 16)))
    if levels.size >= 2:
        ax.contourf(xs, ys, zs, levels=levels, cmap="Blues_r", alpha=0.55, zorder=1)
        ax.contour(xs, ys, zs, levels=levels, colors=[BLUE], linewidths=0.8, alpha=0.7, zorder=2)
    px, py = [p[0] for p in path], [p[1] for p in path]
    ax.plot(px, py, "-o", color=ORANGE, linewidth=2.5, markersize=6, zorder=5)
    ax.plot([px[0]], [py[0]], "o", color=RED, markersize=12, zorder=6)
    _label(ax, path[0], f"start {_pair(path[0])}", RED)
    last = path[-1]
    inside = x0 <= last[0] <= x1 and y0 <= last[1] <= y1
    if inside:
        ax.plot([last[0]], [last[1]], "*", color=GREEN, markersize=20, markeredgecolor=INK, zorder=7)
        _label(ax, last, f"after {len(path) - 1} steps {_pair(last)}", GREEN, dy=-22)
    else:
        ax.text(0.5, 0.04, "the path leaves the view: this rate is too large", transform=ax.transAxes,
                ha="center", fontsize=14, color=RED, fontweight="bold", family=FONT,
                bbox={"boxstyle": "round", "facecolor": PAPER, "edgecolor": RED})
    _title(fig, _caption(spec, f"Gradient descent on f(x, y) = {_pretty(spec.f)}, rate {num(float(spec.rate))}"))
    return fig


def density_parts(spec: Density) -> tuple[Any, Any, tuple[float, float], float]:
    """The density ``pdf`` and ``cdf`` (numpy functions), the x range to show and the shaded area."""
    import numpy as np

    if spec.distribution == "normal":
        mu, sd = float(spec.mean), float(spec.sd)
        erf = np.vectorize(math.erf)

        def pdf(x: Any) -> Any:
            return np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

        def cdf(x: Any) -> Any:
            return 0.5 * (1 + erf((np.asarray(x, dtype=float) - mu) / (sd * math.sqrt(2))))

        view = (mu - 4 * sd, mu + 4 * sd)
    elif spec.distribution == "uniform":
        lo, hi = float(spec.low), float(spec.high)

        def pdf(x: Any) -> Any:
            return np.where((x >= lo) & (x <= hi), 1 / (hi - lo), 0.0)

        def cdf(x: Any) -> Any:
            return np.clip((np.asarray(x, dtype=float) - lo) / (hi - lo), 0, 1)

        view = (lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo))
    else:
        lam = float(spec.rate)

        def pdf(x: Any) -> Any:
            return np.where(x >= 0, lam * np.exp(-lam * np.maximum(x, 0)), 0.0)

        def cdf(x: Any) -> Any:
            return np.where(np.asarray(x) >= 0, 1 - np.exp(-lam * np.maximum(x, 0)), 0.0)

        view = (-0.5 / lam, 5 / lam)
    a = -math.inf if spec.shade[0] is None else float(spec.shade[0])
    b = math.inf if spec.shade[1] is None else float(spec.shade[1])
    area = float((cdf(b) if math.isfinite(b) else 1.0) - (cdf(a) if math.isfinite(a) else 0.0))
    left = min(view[0], a - 0.5) if math.isfinite(a) else view[0]
    right = max(view[1], b + 0.5) if math.isfinite(b) else view[1]
    return pdf, cdf, (left, right), area


def _density(spec: Density) -> Any:
    import numpy as np

    pdf, _, (lo, hi), area = density_parts(spec)
    xs = np.linspace(lo, hi, 1200)
    ys = pdf(xs)
    a = lo if spec.shade[0] is None else float(spec.shade[0])
    b = hi if spec.shade[1] is None else float(spec.shade[1])
    fig = _figure()
    ax = _axes(fig)
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, float(np.max(ys)) * 1.18)
    if spec.shade != (None, None):
        inside = (xs >= a) & (xs <= b)
        ax.fill_between(xs, 0, ys, where=inside, color=SHADE, alpha=0.6, linewidth=0, zorder=2)
    if spec.shade != (None, None) and spec.area:
        if spec.shade[0] is None:
            event = f"X ≤ {num(b)}"
        elif spec.shade[1] is None:
            event = f"X ≥ {num(a)}"
        else:
            event = f"{num(a)} ≤ X ≤ {num(b)}"
        ax.text(0.02, 0.93, f"P({event}) = {area:.4f}", transform=ax.transAxes, fontsize=16,
                color=ORANGE, fontweight="bold", family=FONT, va="top",
                bbox={"boxstyle": "round", "facecolor": PAPER, "edgecolor": SHADE})
    ax.plot(xs, ys, color=BLUE, linewidth=3, zorder=3)
    default = {"normal": f"Normal density, mean {num(float(spec.mean))}, sd {num(float(spec.sd))}",
               "uniform": f"Uniform density on [{num(float(spec.low))}, {num(float(spec.high))}]",
               "exponential": f"Exponential density, rate {num(float(spec.rate))}"}[spec.distribution]
    _title(fig, _caption(spec, default))
    return fig


def population(spec: CentralLimit) -> tuple[Any, float, float, float | None]:
    """A sampler ``draw(rng, shape)`` of the population, its mean, its sd, and its lattice step (discrete
    populations) or None."""
    import numpy as np

    if spec.population == "uniform":
        return (lambda rng, shape: rng.random(shape)), 0.5, math.sqrt(1 / 12), None
    if spec.population == "exponential":
        return (lambda rng, shape: rng.exponential(1.0, shape)), 1.0, 1.0, None
    if spec.population == "dice":
        return (lambda rng, shape: rng.integers(1, 7, shape)), 3.5, math.sqrt(35 / 12), 1.0
    p = float(spec.p)
    return ((lambda rng, shape: (rng.random(shape) < p).astype(np.float64)), p, math.sqrt(p * (1 - p)), 1.0)


def _clt(spec: CentralLimit) -> Any:
    import numpy as np

    sample, mu, sigma, step = population(spec)
    rng = np.random.default_rng(40)
    k = len(spec.sizes)
    fig = _figure()
    width = 0.9 / k
    lo_hi = {"uniform": (0.0, 1.0), "exponential": (0.0, 5.0), "dice": (0.5, 6.5), "coin": (-0.1, 1.1)}
    lo, hi = lo_hi[spec.population]
    for i, n in enumerate(spec.sizes):
        ax = _axes(fig, (0.05 + i * width + 0.015, 0.1, width - 0.04, 0.72), grid=False)
        means = sample(rng, (spec.samples, n)).mean(axis=1)
        if step is not None and n * (hi - lo) / step <= 60:
            d = step / n
            edges = np.arange(round(lo / d) * d - d / 2, hi + d, d)
        else:
            edges = np.linspace(lo, hi, 41)
        ax.hist(means, bins=edges, density=True, color="#54aeff", edgecolor=PAPER, linewidth=0.5, zorder=2)
        xs = np.linspace(lo, hi, 400)
        s = sigma / math.sqrt(n)
        ax.plot(xs, np.exp(-0.5 * ((xs - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi)), color=ORANGE,
                linewidth=2.5, zorder=3)
        ax.axvline(mu, color=MUTED, linewidth=1, linestyle=":", zorder=1)
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_title(f"n = {n}", fontsize=15, color=INK, family=FONT)
    fig.text(0.5, 0.025, f"means of {spec.samples} samples of size n (bars) and the normal curve they approach",
             ha="center", fontsize=13, color=MUTED, family=FONT)
    what = {"uniform": "a uniform number in [0, 1]", "exponential": "an exponential wait",
            "dice": "a die", "coin": f"a coin (P(1) = {num(float(spec.p))})"}[spec.population]
    _title(fig, _caption(spec, f"Central limit theorem: averaging {what}"))
    return fig


def _bayes(spec: Bayes) -> Any:
    from matplotlib.patches import Rectangle

    prior, sens, fp = float(spec.prior), float(spec.sensitivity), float(spec.false_positive)
    both, other = prior * sens, (1 - prior) * fp
    posterior = both / (both + other)
    fig = _figure()
    ax = _axes(fig, (0.04, 0.1, 0.52, 0.74), grid=False)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal", adjustable="box")
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ticks = [t for t in (0.0, prior, 1.0) if t == prior or abs(t - prior) >= 0.08]  # no overlapping labels
    ax.set_xticks(ticks)
    ax.set_xticklabels([num(t) for t in ticks], family=FONT)
    ax.set_yticks([])
    event, evidence = spec.event, spec.evidence
    parts = ((0, prior, 1.0, "#eaeef2"), (prior, 1 - prior, 1.0, "#f6f8fa"),
             (0, prior, sens, ORANGE), (prior, 1 - prior, fp, PURPLE))
    for x, w, h, color in parts:
        ax.add_patch(Rectangle((x, 0), w, h, facecolor=color, edgecolor=PAPER, linewidth=1.5,
                               alpha=0.85 if color in (ORANGE, PURPLE) else 1, zorder=2))
    ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor=INK, linewidth=1.5, zorder=3))
    ax.text(prior / 2, 1.03, event, ha="center", va="bottom", fontsize=14, color=INK, family=FONT)
    ax.text(prior + (1 - prior) / 2, 1.03, f"not {event}", ha="center", va="bottom", fontsize=14, color=INK,
            family=FONT)
    lines = [
        (f"P({event}) = {num(prior)}", INK),
        (f"P({evidence} | {event}) = {num(sens)}", ORANGE),
        (f"P({evidence} | not {event}) = {num(fp)}", PURPLE),
        ("", INK),
        (f"{event} and {evidence}: {num(both, 4)}", ORANGE),
        (f"not {event} and {evidence}: {num(other, 4)}", PURPLE),
        ("", INK),
        (f"P({event} | {evidence}) =", INK),
        (f"{num(both, 4)} / ({num(both, 4)} + {num(other, 4)})", INK),
        (f"= {num(posterior, 4)}", GREEN),
    ]
    for i, (text, color) in enumerate(lines):
        fig.text(0.585, 0.82 - i * 0.068, text, fontsize=14, color=color, family=FONT,
                 fontweight="bold" if color == GREEN else "normal")
    _title(fig, _caption(spec, f"Bayes' rule as areas: how likely is {event}, given {evidence}?"))
    return fig


PAINTERS: dict[type, Any] = {
    Graph: _graph, Vectors: _vectors, LinearMap: _linear_map, Eigenvectors: _eigenvectors,
    UnitCircle: _unit_circle, GradientDescent: _gradient_descent, Density: _density, CentralLimit: _clt,
    Bayes: _bayes,
}
