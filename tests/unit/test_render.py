"""bot.render: LaTeX to unicode, texts with formulas to PNG (cached), the progress chart."""

from __future__ import annotations

import gc
import io
import threading
from datetime import date, timedelta

import pytest

from bot.core.model import ProgressSnapshot, TopicProgress
from bot.render import formulas
from bot.render.charts import CHART_SIZE_PX, progress_chart
from bot.render.formulas import (
    cache_stats,
    formula_error,
    get_cache_dir,
    has_math,
    prepare_latex,
    render_text_png,
    set_cache_dir,
    text_formula_errors,
)
from bot.render.unicode import iter_math_spans, latex_to_unicode, text_to_unicode

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return im.size


@pytest.fixture
def cache_dir(tmp_path):
    previous = get_cache_dir()  # the session's temporary cache (tests/conftest.py), not ./data
    set_cache_dir(tmp_path / "formulas")
    yield tmp_path / "formulas"
    set_cache_dir(previous)


# ---------------------------------------------------------------------------------------------------------
# unicode


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"\frac{a}{b}", "a/b"),
        (r"\frac{x+1}{2}", "(x+1)/2"),
        (r"\frac{1}{n}", "1/n"),
        (r"\frac{a}{2\sigma^2}", "a/(2σ²)"),
        (r"\frac{\partial L}{\partial w}", "∂L/∂w"),
        (r"\frac{\frac{a}{b}}{c}", "(a/b)/c"),
        (r"\sigma(z) = \frac{1}{1+e^{-z}}", "σ(z) = 1/(1+e^(−z))"),
        (r"f(x) = \frac{1}{2}x^2", "f(x) = (1/2)x²"),
        (r"\sqrt{x}", "√x"),
        (r"\sqrt{x+1}", "√(x+1)"),
        (r"\sqrt{2\pi}", "√(2π)"),
        (r"\sqrt[3]{8}", "∛8"),
        (r"x^2", "x²"),
        (r"x^{10}", "x¹⁰"),
        (r"x^{n-1}", "x^(n−1)"),
        (r"x^n", "xⁿ"),
        (r"A^{-1}", "A⁻¹"),
        (r"A^T", "Aᵀ"),
        (r"\mathbf{w}^\top \mathbf{x}", "wᵀx"),
        (r"x^*", "x*"),
        (r"90^\circ", "90°"),
        (r"e^{i\pi}", "e^(iπ)"),
        (r"x_i", "xᵢ"),
        (r"x_{ij}", "x_ij"),
        (r"\theta_{t+1}", "θ_(t+1)"),
        (r"\log_2 8", "log₂ 8"),
        (r"\alpha + \Sigma", "α + Σ"),
        (r"\mu, \sigma, \lambda, \theta, \pi", "μ, σ, λ, θ, π"),
        (r"\lambda x", "λx"),
        (r"a \cdot b", "a · b"),
        (r"a\times b", "a × b"),
        (r"x \le y \ge z \ne w \approx v", "x ≤ y ≥ z ≠ w ≈ v"),
        (r"x \to \infty", "x → ∞"),
        (r"\partial f", "∂f"),
        (r"\nabla f", "∇f"),
        (r"\sum_{i=1}^{n} x_i", "∑_(i=1)ⁿ xᵢ"),
        (r"\prod_i p_i", "∏ᵢ pᵢ"),
        (r"\int_0^1 f(x)\,dx", "∫₀¹ f(x) dx"),
        (r"x \in \mathbb{R}^n", "x ∈ ℝⁿ"),
        (r"P(A \mid B)", "P(A | B)"),
        (r"\mathbf{v}", "v"),
        (r"\hat{y}", "ŷ"),
        (r"\bar{x}", "x̄"),
        (r"\left( x + 1 \right)^2", "(x + 1)²"),
        (r"\sin x + \cos\theta", "sin x + cos θ"),
        (r"\max(0, x)", "max(0, x)"),
        (r"a\,b\;c", "a b c"),
        (r"\mathrm{d}x", "dx"),
        (r"\text{if } x > 0", "if x > 0"),
        (r"\operatorname{Var}(X) = E[X^2] - E[X]^2", "Var(X) = E[X²] − E[X]²"),
        (r"\|w\|_2^2", "‖w‖₂²"),
        (r"\frac{-b \pm \sqrt{b^2-4ac}}{2a}", "(−b ± √(b²−4ac))/(2a)"),
        (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", "(a, b; c, d)"),
        (r"\binom{n}{k}", "C(n, k)"),
        (r"\foo{x} + \bar", "foo(x) +"),
        (r"\unknowncommand", "unknowncommand"),
        (r"\frac{1}{", "1/?"),
    ],
)
def test_latex_to_unicode(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex) == expected


@pytest.mark.parametrize(
    "latex", ["{" * 3000 + "x" + "}" * 3000, r"\frac" * 2000, "^" * 1000, "}}}{{{", "\\"]
)
def test_latex_to_unicode_survives_hostile_input(latex: str) -> None:
    assert isinstance(latex_to_unicode(latex), str)


def test_text_to_unicode() -> None:
    assert text_to_unicode(r"So $x^2 \ge 0$ for every $x$.") == "So x² ≥ 0 for every x."
    assert text_to_unicode("no math here") == "no math here"
    # escaped dollars, prices and a lone dollar are left alone
    assert text_to_unicode(r"it costs \$5, not $x$") == r"it costs \$5, not x"
    assert text_to_unicode("between $5 and $10") == "between $5 and $10"
    assert text_to_unicode("a $ alone") == "a $ alone"
    assert text_to_unicode(r"$$\frac{1}{2}$$") == "1/2"


def test_iter_math_spans() -> None:
    text = r"a $x$ b $y^2$"
    assert [(text[s:e], latex) for s, e, latex in iter_math_spans(text)] == [("$x$", "x"), ("$y^2$", "y^2")]


# ---------------------------------------------------------------------------------------------------------
# formulas


def test_render_text_png_with_math(cache_dir) -> None:
    data = render_text_png("The mean is $\\mu = \\frac{1}{n}\\sum_{i=1}^n x_i$.\n\n- and $\\sigma^2$ too")
    assert data is not None and data.startswith(PNG)
    width, height = png_size(data)
    assert 100 < width <= 800 * formulas.MAX_OVERFLOW + 100 and height > 50


def test_render_text_png_without_math_is_none(cache_dir) -> None:
    assert render_text_png("Just words, and a price of \\$5.") is None
    assert render_text_png("") is None
    assert not has_math("between $5 and $10")


def test_render_text_png_width(cache_dir) -> None:
    long = "A long line of words that needs wrapping " * 6 + "$x$"
    narrow, wide = render_text_png(long, width_px=400), render_text_png(long, width_px=1200)
    assert narrow and wide
    (nw, nh), (ww, wh) = png_size(narrow), png_size(wide)
    assert nw <= 400 < ww <= 1200
    # the font scales with the width: the same layout at another resolution
    assert abs(nh / nw - wh / ww) < 0.1


def test_cache_hits(cache_dir, monkeypatch) -> None:
    text = r"Cache me: $e^{i\pi} + 1 = 0$"
    before = cache_stats()
    first = render_text_png(text)
    assert first is not None
    assert cache_stats()["renders"] == before["renders"] + 1
    assert list(cache_dir.rglob("*.png")), "the render is written to the cache dir"

    # memory hit: no render
    calls = []
    monkeypatch.setattr(formulas, "_render", lambda *a: calls.append(a) or b"")
    assert render_text_png(text) == first
    assert cache_stats()["memory_hits"] == before["memory_hits"] + 1

    # disk hit after the memory cache is emptied
    formulas.clear_memory_cache()
    assert render_text_png(text) == first
    assert cache_stats()["disk_hits"] == before["disk_hits"] + 1
    assert calls == []

    # another width is another picture
    monkeypatch.undo()
    set_cache_dir(cache_dir)
    other = render_text_png(text, width_px=500)
    assert other is not None and other != first


def test_unwritable_cache_dir_still_renders(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    previous = get_cache_dir()
    set_cache_dir(blocker / "cache")
    try:
        assert (render_text_png("still $x^2$") or b"").startswith(PNG)
    finally:
        set_cache_dir(previous)


def test_concurrent_renders(cache_dir) -> None:
    results: dict[int, bytes | None] = {}

    def work(i: int) -> None:
        results[i] = render_text_png(f"thread {i}: $x_{{{i}}}^2 + \\frac{{{i}}}{{2}}$")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(v is not None and v.startswith(PNG) for v in results.values()) and len(results) == 6


@pytest.mark.parametrize(
    "text",
    [
        "$x$ " * 1500,
        "$" + r"\frac{" * 300 + "$",
        "$" + "+".join(f"x_{{{i}}}" for i in range(150)) + "$",
        "see " + "a" * 3000 + " $x$",
        r"broken $\frac{1}{$ and $\begin{pmatrix} 1 \end{pmatrix}$ and fine $x^2$",
        "emoji 🙂 and **bold $x$** and `code` and _italic_ and [a link](https://example.com) $y$",
        "$$\\int_0^1 x\\,dx$$",
    ],
)
def test_render_survives_odd_text(cache_dir, text: str) -> None:
    data = render_text_png(text)
    assert data is not None and data.startswith(PNG)
    width, height = png_size(data)
    assert width <= 800 * formulas.MAX_OVERFLOW + 100
    assert height <= formulas.MAX_HEIGHT_PX + 200


def test_markup_in_rendered_text() -> None:
    segs = [
        (seg.style, seg.text)
        for seg, _ in formulas._segments(r"**bold $x$** \*\*no\*\* _it_ `c` [l](https://e.x) \$5")
    ]
    assert segs == [
        ("bold", "bold "),
        ("math", "x"),
        ("text", " **no** "),
        ("italic", "it"),
        ("text", " "),
        ("code", "c"),
        ("text", " l $5"),
    ]


def test_formula_error() -> None:
    assert formula_error(r"\frac{a}{b} + \sqrt{x} - \hat{y}_i") is None
    assert formula_error(r"x \le y \implies \lVert x \rVert") is None  # aliases mathtext lacks
    broken = formula_error(r"\frac{1}{")
    assert broken and isinstance(broken, str)
    matrix = formula_error(r"\begin{pmatrix} a & b \end{pmatrix}")
    assert matrix and "environment" in matrix
    assert "unknown command \\foo" in (formula_error(r"\foo") or "")
    assert formula_error("") == "empty formula"
    assert "too long" in (formula_error("x" * 5000) or "")


def test_text_formula_errors() -> None:
    errors = text_formula_errors(r"ok $x$, bad $\frac{1}{$, env $\begin{cases} 1 \end{cases}$, price $5")
    assert len(errors) == 3
    assert errors[0].startswith("$\\frac{1}{$: ")
    assert "unmatched $" in errors[2]
    assert text_formula_errors(r"all fine: $x^2$ and \$5") == []


def test_prepare_latex_sets_outer_fractions_full_size() -> None:
    assert prepare_latex(r"\frac{1}{2}") == r"\dfrac{1}{2}"
    assert prepare_latex(r"e^{-\frac{x}{2}}") == r"e^{-\frac{x}{2}}"
    assert prepare_latex(r"\frac{\frac{a}{b}}{c}") == r"\dfrac{\frac{a}{b}}{c}"
    assert prepare_latex(r"\frac12 + \sqrt{\frac{a}{b}}") == r"\dfrac12 + \sqrt{\dfrac{a}{b}}"
    assert prepare_latex(r"a \le b") == r"a \leq b"


# ---------------------------------------------------------------------------------------------------------
# charts


def snapshot(**kw) -> ProgressSnapshot:
    today = date(2026, 3, 10)
    values = dict(
        display_name="Ada",
        topics=(),
        attempts=0,
        correct=0,
        streak=0,
        best_streak=0,
        freezes_left=0,
        study_dates=(),
        today=today,
        reviews_due=0,
    )
    values.update(kw)
    return ProgressSnapshot(**values)


def test_progress_chart_empty() -> None:
    data = progress_chart(snapshot())
    assert data.startswith(PNG)
    assert png_size(data) == CHART_SIZE_PX


def test_progress_chart_full() -> None:
    today = date(2026, 3, 10)
    topics = tuple(
        TopicProgress(f"t{i}", title, done, total)
        for i, (title, done, total) in enumerate(
            [
                ("Algebra", 12, 12),
                ("Vectors in $\\mathbb{R}^n$", 7, 9),
                ("A very long topic title that will not fit on one line of the chart", 3, 11),
                ("Derivatives", 0, 8),
                ("Empty topic", 0, 0),
                ("Probability", 0, 7),
                ("Statistics", 0, 9),
                ("Optimisation", 0, 6),
                ("Over-done", 15, 10),
            ]
        )
    )
    data = progress_chart(
        snapshot(
            display_name="Ada Lovelace 🙂 $x$ with a rather long display name",
            topics=topics,
            attempts=57,
            correct=46,
            streak=6,
            best_streak=14,
            freezes_left=2,
            study_dates=tuple(today - timedelta(days=d) for d in range(0, 80, 2)),
            frozen_dates=(today - timedelta(days=1), today - timedelta(days=3)),
            reviews_due=4,
        )
    )
    assert data.startswith(PNG)
    assert png_size(data) == CHART_SIZE_PX


def test_progress_chart_frees_its_figure() -> None:
    """A figure is reference cycles: the chart collects them, not a rare full collection later."""
    from matplotlib.figure import Figure

    progress_chart(snapshot())
    assert gc.isenabled()
    gc.disable()  # no automatic collection: only the chart's own can free the figure
    try:
        progress_chart(
            snapshot(topics=(TopicProgress("t", "Algebra", 3, 5),), attempts=4, correct=3, streak=2)
        )
        assert not [o for o in gc.get_objects() if isinstance(o, Figure)]
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
