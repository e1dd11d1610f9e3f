"""The /progress chart: topic completion bars, answer accuracy ring and a streak calendar, as a PNG.

matplotlib is imported on first use; the figure is a plain ``Figure`` with an Agg canvas (no pyplot, no
global state), drawn under the package's matplotlib lock, so ``asyncio.to_thread(progress_chart, s)``
is safe.

A figure is a web of reference cycles (~9,000 objects): only the cyclic garbage collector frees it. Left to
itself, the collector moves most of them to the oldest generation while the chart is drawn, and that one is
only examined by full collections, which are rare in the bot (~150,000 long-lived objects): dead figures
(~0.4 MB each) piled up, ~40 MB after a hundred charts. So automatic collection is paused while a chart is
drawn (process-wide, for those ~0.1 s) and the youngest generation, which then holds the whole figure, is
collected right after: ~5 ms, where a full collection took 0.1-0.5 s in the running bot.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from bot.core.mastery import LEVELS as LEVEL_NAMES
from bot.core.model import ProgressSnapshot, TopicProgress
from bot.render.formulas import _clean_plain, drawing
from bot.render.unicode import text_to_unicode

__all__ = ["progress_chart", "CHART_SIZE_PX"]

CHART_SIZE_PX = (1000, 700)
DPI = 100
WEEKS = 8
MAX_TOPICS = 7

FONT = "DejaVu Sans"
INK = "#1f2328"
MUTED = "#656d76"
TRACK = "#eaeef2"
DONE = "#2da44e"
COMPLETE = "#1a7f37"
ACCURACY = "#0969da"
STREAK = "#e16f24"
STUDIED = "#2da44e"
FROZEN = "#54aeff"
EMPTY = "#ebedf0"
BACKGROUND = "#ffffff"
# the mastery levels' colours, not started (the track) to mastered
LEVEL_COLORS = (TRACK, "#c6e9d0", "#7fce94", DONE, COMPLETE)


def progress_chart(snapshot: ProgressSnapshot) -> bytes:
    """A ~1000x700 PNG of the learner's progress."""
    with drawing():
        return _draw(snapshot)


def _draw(s: ProgressSnapshot) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, h = CHART_SIZE_PX
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)

    _header(fig, s)
    _topics(fig, fig.add_axes((0.035, 0.03, 0.53, 0.67)), s.topics)
    _accuracy(fig, fig.add_axes((0.645, 0.43, 0.29, 0.28)), s)
    _calendar(fig, fig.add_axes((0.625, 0.015, 0.35, 0.33)), s)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor=BACKGROUND, metadata={"Software": None})
    return buf.getvalue()


def _text(s: str, limit: int, *, math: bool = True) -> str:
    """User or content text made safe to draw: formulas as unicode, glyphs the font lacks dropped."""
    s = " ".join(_clean_plain(text_to_unicode(s) if math else s).split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _header(fig: Any, s: ProgressSnapshot) -> None:
    from matplotlib.lines import Line2D

    streak = f"{s.streak}-day streak" if s.streak else "no streak yet"
    streak_text = fig.text(
        0.965,
        0.925,
        streak,
        fontsize=22,
        fontweight="bold",
        color=STREAK if s.streak else MUTED,
        family=FONT,
        ha="right",
        parse_math=False,
    )
    name = _text(s.display_name, 40, math=False)
    title = fig.text(
        0.035, 0.925, "", fontsize=25, fontweight="bold", color=INK, family=FONT, parse_math=False
    )
    # the longest "name · progress" (or the name alone, cut) that ends before the streak
    renderer = fig.canvas.get_renderer()
    limit = streak_text.get_window_extent(renderer).x0 - 0.03 * fig.bbox.width
    candidates = [f"{name} · progress"] if name else ["Your progress"]
    candidates += [name[:n].rstrip() + "…" for n in range(len(name) - 1, 0, -2)]
    for candidate in candidates:
        title.set_text(candidate)
        if title.get_window_extent(renderer).x1 <= limit:
            break
    if s.best_streak:
        fig.text(0.965, 0.855, f"best {s.best_streak}", fontsize=16, color=MUTED, family=FONT, ha="right")
    parts = [f"{_plural(s.freezes_left, 'streak freeze')} left"]
    if s.reviews_due:
        parts.append(f"{_plural(s.reviews_due, 'review')} due")
    fig.text(0.035, 0.855, "  ·  ".join(parts), fontsize=16, color=MUTED, family=FONT, parse_math=False)
    fig.add_artist(
        Line2D([0.035, 0.965], [0.815, 0.815], color=TRACK, linewidth=1.5, transform=fig.transFigure)
    )


def _heading(fig: Any, x: float, y: float, text: str) -> None:
    fig.text(
        x, y, text, fontsize=17, fontweight="bold", color=INK, family=FONT, va="center", parse_math=False
    )


def _pill(ax: Any, x0: float, x1: float, y: float, width_pt: float, color: str) -> None:
    """A bar with round ends from x0 to x1 (data units) at y; the round caps stay inside [x0, x1]."""
    from matplotlib.lines import Line2D

    # the caps stick out by half the line width: pull the ends in by that much, in data units
    fig = ax.figure
    ax_width_pt = ax.get_position().width * fig.get_figwidth() * 72
    x_span = ax.get_xlim()[1] - ax.get_xlim()[0]
    inset = width_pt / 2 / ax_width_pt * x_span
    a, b = x0 + inset, max(x1 - inset, x0 + inset)
    ax.add_line(Line2D([a, b], [y, y], color=color, linewidth=width_pt, solid_capstyle="round"))


def _topic_window(topics: tuple[TopicProgress, ...]) -> tuple[int, int]:
    """Which topics to show when there are too many: a window around the first unfinished one."""
    if len(topics) <= MAX_TOPICS:
        return 0, len(topics)
    first_open = next((i for i, t in enumerate(topics) if t.done < t.total), len(topics) - 1)
    start = max(0, min(first_open - 2, len(topics) - MAX_TOPICS))
    return start, start + MAX_TOPICS


def _topics(fig: Any, ax: Any, topics: tuple[TopicProgress, ...]) -> None:
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(MAX_TOPICS, 0)
    done_all = sum(min(t.done, t.total) for t in topics)
    total_all = sum(t.total for t in topics)
    _heading(fig, 0.035, 0.745, "Topics")
    if total_all:
        fig.text(
            0.145,
            0.745,
            f"{done_all}/{total_all} units done",
            fontsize=14,
            color=MUTED,
            family=FONT,
            va="center",
            parse_math=False,
        )
    if not topics:
        ax.text(0, 0.5, "No topics started yet", fontsize=15, color=MUTED, family=FONT, va="center")
        return
    start, end = _topic_window(topics)
    if (start, end) != (0, len(topics)):
        fig.text(
            0.565,
            0.745,
            f"{start + 1}–{end} of {len(topics)}",
            fontsize=13,
            color=MUTED,
            family=FONT,
            va="center",
            ha="right",
        )
    for row, t in enumerate(topics[start:end]):
        y = row + 0.62
        frac = min(t.done / t.total, 1.0) if t.total > 0 else 0.0
        complete = t.total > 0 and t.done >= t.total
        ax.text(
            0,
            y - 0.32,
            _text(t.title, 34),
            fontsize=15,
            color=INK,
            family=FONT,
            va="center",
            parse_math=False,
        )
        label = "✓ done" if complete else f"{min(t.done, t.total)}/{t.total}"
        ax.text(
            1,
            y - 0.32,
            label,
            fontsize=14,
            color=COMPLETE if complete else MUTED,
            family=FONT,
            va="center",
            ha="right",
            fontweight="bold" if complete else "normal",
            parse_math=False,
        )
        _pill(ax, 0, 1, y, 9, TRACK)
        if t.levels and t.total > 0:  # a bar of mastery levels: the units at each level or above, darkest last
            for level in range(1, len(t.levels)):
                above = sum(t.levels[level:]) / t.total
                if above > 0:
                    _pill(ax, 0, min(above, 1.0), y, 9, LEVEL_COLORS[level])
        elif frac > 0:
            _pill(ax, 0, frac, y, 9, COMPLETE if complete else DONE)
    if any(t.levels for t in topics) and end - start < MAX_TOPICS:  # the key, in the row left free
        x = 0.0
        for level in range(len(LEVEL_COLORS) - 1, 0, -1):
            ax.text(x, MAX_TOPICS - 0.45, "●", fontsize=14, color=LEVEL_COLORS[level], family=FONT, va="center",
                    parse_math=False)
            ax.text(x + 0.04, MAX_TOPICS - 0.45, LEVEL_NAMES[level], fontsize=12, color=MUTED, family=FONT,
                    va="center", parse_math=False)
            x += 0.06 + 0.021 * len(LEVEL_NAMES[level])


def _accuracy(fig: Any, ax: Any, s: ProgressSnapshot) -> None:
    ax.set_aspect("equal")
    ax.set_axis_off()
    _heading(fig, 0.625, 0.745, "Accuracy")
    acc = s.accuracy
    ring = {"width": 0.2, "edgecolor": "none"}
    if acc is None:
        ax.pie([1], colors=[TRACK], startangle=90, wedgeprops=ring)
        ax.text(
            0, 0.08, "–", fontsize=32, fontweight="bold", color=MUTED, ha="center", va="center", family=FONT
        )
        ax.text(0, -0.32, "no answers yet", fontsize=12, color=MUTED, ha="center", va="center", family=FONT)
    else:
        acc = min(max(acc, 0.0), 1.0)
        ax.pie([acc, 1 - acc], colors=[ACCURACY, TRACK], startangle=90, counterclock=False, wedgeprops=ring)
        ax.text(
            0,
            0.1,
            f"{round(acc * 100)}%",
            fontsize=32,
            fontweight="bold",
            color=INK,
            ha="center",
            va="center",
            family=FONT,
        )
        ax.text(
            0,
            -0.32,
            f"{s.correct}/{s.attempts} correct",
            fontsize=12,
            color=MUTED,
            ha="center",
            va="center",
            family=FONT,
        )
    ax.set_xlim(-1.02, 1.02)
    ax.set_ylim(-1.02, 1.02)


def _calendar(fig: Any, ax: Any, s: ProgressSnapshot) -> None:
    """GitHub-style: a column per week (Monday on top), the last WEEKS weeks up to today."""
    from matplotlib.patches import FancyBboxPatch

    ax.set_axis_off()
    ax.set_aspect("equal")
    today = s.today
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    studied = set(s.study_dates)
    frozen = set(s.frozen_dates) - studied
    cell, gap = 1.0, 0.22
    step = cell + gap
    for col in range(WEEKS):
        for row in range(7):
            day = first + timedelta(days=col * 7 + row)
            if day > today:
                continue
            x, y = col * step, row * step
            color = STUDIED if day in studied else FROZEN if day in frozen else EMPTY
            ax.add_patch(
                FancyBboxPatch(
                    (x + 0.12, y + 0.12),
                    cell - 0.24,
                    cell - 0.24,
                    boxstyle="round,pad=0.12",
                    facecolor=color,
                    edgecolor=INK if day == today else "none",
                    linewidth=2.4 if day == today else 0,
                    clip_on=False,
                )
            )
    # weekday labels on the left, month names above the week where a month starts
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")):
        ax.text(
            -0.25, row * step + cell / 2, name, fontsize=11, color=MUTED, ha="right", va="center", family=FONT
        )
    # month names above the week holding the 1st; the first week is labelled when there is room
    starts = [
        (col, day)
        for col in range(WEEKS)
        for day in (first + timedelta(weeks=col, days=d) for d in range(7))
        if day.day == 1 and day <= today
    ]
    if not starts or starts[0][0] >= 3:
        starts.insert(0, (0, first))
    for col, day in starts:
        ax.text(
            col * step,
            -0.35,
            day.strftime("%b"),
            fontsize=11,
            color=MUTED,
            ha="left",
            va="bottom",
            family=FONT,
        )
    _heading(fig, 0.625, 0.39, f"Last {WEEKS} weeks")
    # legend under the grid
    ly = 7 * step + 0.3
    lx = 0.0
    for color, label, edge in ((STUDIED, "studied", None), (FROZEN, "freeze", None), (EMPTY, "today", INK)):
        ax.add_patch(
            FancyBboxPatch(
                (lx + 0.12, ly + 0.12),
                0.56,
                0.56,
                boxstyle="round,pad=0.1",
                facecolor=color,
                edgecolor=edge or "none",
                linewidth=2 if edge else 0,
                clip_on=False,
            )
        )
        ax.text(lx + 0.95, ly + 0.42, label, fontsize=11, color=MUTED, va="center", family=FONT)
        lx += 0.95 + len(label) * 0.42 + 0.9
    ax.set_xlim(-1.9, WEEKS * step + 0.1)
    ax.set_ylim(ly + 0.9, -1.0)
