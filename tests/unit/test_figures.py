"""Figures (bot.content.figures, bot.render.figures): every kind draws, and the pixels show what matters, at
positions recomputed here from the parameters (numpy / scipy), not read from the renderer."""

from __future__ import annotations

import asyncio
import gc
import io
import math
import threading

import numpy as np
import pytest
from PIL import Image
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from bot.content.figures import KINDS, FigureSpec
from bot.render import figures as F
from bot.render.formulas import cache_stats, clear_memory_cache, get_cache_dir, set_cache_dir
from tests.support.figures import Picture, hex_rgb, pixels


@pytest.fixture(autouse=True)
def _free_figures(tmp_path):
    """Each test draws into a cache of its own; the figures it holds are reference cycles: collect them, so
    that no test finds another's."""
    previous = get_cache_dir()
    set_cache_dir(tmp_path / "cache")
    yield
    set_cache_dir(previous)
    gc.collect()


SPEC = TypeAdapter(FigureSpec)


def spec(**params):
    return SPEC.validate_python(params)


def picture(s) -> Picture:
    fig = F.draw(s)
    return Picture(fig, F.png_of(fig))


EVERY_KIND = {
    "graph": {"kind": "graph", "f": "x^2 - 2x", "x": [-2, 4], "points": [3], "tangent": 2},
    "vectors": {"kind": "vectors", "vectors": [[2, 3], [4, 1]], "show": "projection"},
    "linear-map": {"kind": "linear-map", "matrix": [[1, 1], [0, 1]], "vector": [1, 2]},
    "eigenvectors": {"kind": "eigenvectors", "matrix": [[1, 2], [2, 1]]},
    "unit-circle": {"kind": "unit-circle", "angle": "2pi/3"},
    "gradient-descent": {"kind": "gradient-descent", "f": "x^2 + 3y^2", "start": [2.5, 1.5], "rate": 0.1},
    "density": {"kind": "density", "shade": [-1, 1]},
    "clt": {"kind": "clt", "population": "dice"},
    "bayes": {"kind": "bayes", "prior": 0.1, "sensitivity": 0.9, "false_positive": 0.2},
}


def test_the_examples_cover_every_kind():
    assert sorted(EVERY_KIND) == sorted(KINDS)


@pytest.mark.parametrize("kind", sorted(EVERY_KIND))
def test_each_kind_draws_an_opaque_picture_that_reads_on_light_and_dark_themes(kind):
    png = F.figure_png(spec(**EVERY_KIND[kind]))
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size[0] >= 800 and image.size[1] >= 500
    # no transparency: a dark theme shows the white card, never dark ink on a dark background
    assert image.mode == "RGB" or np.asarray(image.convert("RGBA"))[..., 3].min() == 255
    img = pixels(png)
    assert (img[0, 0] == 255).all() and (img[-1, -1] == 255).all()  # the paper
    dark = (img.max(axis=2) < 90).mean()
    assert 0.002 < dark < 0.2, "dark ink (text, axes) on the white card"


def test_graph_marks_the_point_and_draws_the_tangent_through_it():
    p = picture(spec(**EVERY_KIND["graph"]))
    ax = p.fig.axes[0]
    f = np.poly1d([1, -2, 0])  # x² − 2x
    slope = f.deriv()(2)  # 2
    assert p.near(ax, 3, f(3), F.ORANGE), "the marked point (3, f(3))"
    assert p.near(ax, 2, f(2), F.GREEN), "the tangent's point of contact"
    for x in (1.5, 3.5):
        assert p.near(ax, x, f(2) + slope * (x - 2), F.GREEN), f"the tangent line at x = {x}"
    for x in (-1.5, 0.0, 1.0):
        assert p.near(ax, x, f(x), F.BLUE), f"the curve at x = {x}"
    assert not p.near(ax, -1, 6, F.BLUE, radius=2), "no curve where f is not"


def test_projection_foot_lies_on_the_line_and_the_perpendicular_meets_it():
    a, b = np.array([2.0, 3.0]), np.array([4.0, 1.0])
    foot = (a @ b) / (b @ b) * b
    p = picture(spec(**EVERY_KIND["vectors"]))
    ax = p.fig.axes[0]
    assert p.near(ax, *foot, F.GREEN, radius=2), "the foot of the projection"
    for t in (-1.0, -0.4):  # the line through b, where no arrow or label covers it
        assert p.near(ax, *(t * b), F.GREY, radius=3), f"b's line at {t}·b"
    # the foot is on that line: in pixels, it is collinear with the origin and b's tip
    (x0, y0), (x1, y1), (xf, yf) = (p.at(ax, *v) for v in ((0, 0), b, foot))
    cross = (x1 - x0) * (yf - y0) - (y1 - y0) * (xf - x0)
    assert abs(cross) / math.hypot(x1 - x0, y1 - y0) < 1.5
    assert abs((a - foot) @ b) < 1e-12
    midway = (a + foot) / 2  # the dotted perpendicular from a to the foot
    assert p.near(ax, *midway, F.MUTED, radius=3)
    assert not p.near(ax, 2, 0, F.GREEN, radius=2), "not a projection onto the x-axis"


def test_sum_is_drawn_tip_to_tail():
    p = picture(spec(kind="vectors", vectors=[[3, 1], [1, 2]], show="sum"))
    ax = p.fig.axes[0]
    a, b = np.array([3.0, 1.0]), np.array([1.0, 2.0])
    assert p.near(ax, *(0.6 * (a + b)), F.GREEN), "a + b from the origin"
    assert p.near(ax, *(a + 0.5 * b), F.ORANGE, alpha=0.55, tolerance=40), "b again, from a's tip"


def test_linear_map_moves_the_basis_and_the_grid():
    p = picture(spec(**EVERY_KIND["linear-map"]))
    before, after = p.fig.axes
    m = np.array([[1.0, 1.0], [0.0, 1.0]])
    assert p.near(before, 0.7, 0, F.GREEN) and p.near(before, 0, 0.7, F.RED), "î and ĵ before"
    assert p.near(after, *(0.7 * m[:, 0]), F.GREEN) and p.near(after, *(0.7 * m[:, 1]), F.RED), "Aî, Aĵ"
    assert p.near(after, *(0.5 * (m @ [1, 2])), F.PURPLE), "Av"
    # a grid line of the plane after the map: the image of the vertical line x = 2 passes through A(2, t)
    for t in (-1.5, -2.5):
        assert p.near(after, *(m @ [2, t]), "#54aeff", radius=2), f"A·(2, {t}) is on a mapped grid line"
    assert not p.near(before, *(m @ [2, -1.5]), "#54aeff", radius=2)


def test_eigenvectors_stay_on_their_span_and_another_vector_does_not():
    p = picture(spec(**EVERY_KIND["eigenvectors"]))
    ax = p.fig.axes[0]
    a = np.array([[1.0, 2.0], [2.0, 1.0]])  # λ = 3 along (1, 1), λ = −1 along (1, −1): flipped
    values, vectors = np.linalg.eigh(a)
    for lam, v in zip(values, vectors.T, strict=True):
        v = v if v[0] > 0 else -v
        color = F.GREEN if lam == values.max() else F.ORANGE
        assert p.near(ax, *(0.6 * v), color), f"the eigenvector for {lam}"
        assert p.near(ax, *(-1.2 * v), color, alpha=0.8, tolerance=50), "its span, the dashed line"
        assert p.near(ax, *(0.5 * lam * v), color, alpha=0.35, tolerance=40), f"Av = {lam}v on the same line"
    assert p.near(ax, *(0.7 * a @ [1, 0]), F.PURPLE), "Au, off u's line"


def test_unit_circle_shows_cosine_and_sine_of_the_angle():
    theta = 2 * math.pi / 3
    p = picture(spec(**EVERY_KIND["unit-circle"]))
    ax = p.fig.axes[0]
    c, s = math.cos(theta), math.sin(theta)
    assert p.near(ax, c, s, F.BLUE), "the point (cos θ, sin θ)"
    assert p.near(ax, c / 2, 0, F.ORANGE), "cos θ along the x-axis"
    assert p.near(ax, c, s / 2, F.GREEN), "sin θ, up from the x-axis"
    assert not p.near(ax, -c / 2, 0, F.ORANGE, radius=2), "cos θ is negative: nothing on the right"


def test_gradient_descent_follows_minus_the_gradient():
    s = spec(**EVERY_KIND["gradient-descent"])
    path = F.descent_path(s)
    # f = x² + 3y²: x ← x − 0.1·2x = 0.8x, y ← y − 0.1·6y = 0.4y
    want = [(2.5 * 0.8**k, 1.5 * 0.4**k) for k in range(s.steps + 1)]
    assert np.allclose(path, want)
    p = picture(s)
    ax = p.fig.axes[0]
    for k in (1, 2, 3):
        assert p.near(ax, *want[k], F.ORANGE), f"step {k}"
    assert p.near(ax, *want[-1], F.GREEN, radius=4), "where it ends"


def test_a_rate_too_large_is_shown_leaving_the_view():
    s = spec(kind="gradient-descent", f="x^2 + y^2", start=[1, 1], rate=1.5, steps=10)
    path = F.descent_path(s)  # x ← x − 3x = −2x: it doubles and flips every step
    assert path[3] == pytest.approx((-8.0, -8.0))
    fig = F.draw(s)
    assert any("too large" in t.get_text() for t in fig.axes[0].texts)


def test_density_shades_exactly_the_asked_interval_and_states_its_area():
    s = spec(**EVERY_KIND["density"])
    _, _, _, area = F.density_parts(s)
    assert area == pytest.approx(stats.norm.cdf(1) - stats.norm.cdf(-1), abs=1e-9)
    p = picture(s)
    ax = p.fig.axes[0]
    for x in (-0.8, 0.0, 0.8):
        assert p.near(ax, x, 0.5 * stats.norm.pdf(x), F.SHADE, alpha=0.6, tolerance=25), f"shaded under {x}"
    for x in (-1.6, 1.4):
        assert not p.near(ax, x, 0.5 * stats.norm.pdf(x), F.SHADE, alpha=0.6, radius=2), f"not shaded at {x}"
    assert not p.near(ax, 0, 0.45, F.SHADE, alpha=0.6, radius=2), "nothing above the curve"
    assert any("0.6827" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize("params, cdf", [
    ({"distribution": "uniform", "low": 2, "high": 14, "shade": [5, 11]}, stats.uniform(2, 12).cdf),
    ({"distribution": "exponential", "rate": 0.5, "shade": [None, 2]}, stats.expon(scale=2).cdf),
    ({"mean": 55, "sd": 5, "shade": [45, None]}, stats.norm(55, 5).cdf),
])
def test_density_areas_and_shapes(params, cdf):
    s = spec(kind="density", **params)
    pdf, _, (lo, hi), area = F.density_parts(s)
    a, b = (v if v is not None else math.inf * (1 if i else -1) for i, v in enumerate(params["shade"]))
    assert area == pytest.approx(cdf(b) - cdf(a), abs=1e-9)
    xs = np.linspace(lo, hi, 50)
    dist = {"uniform": stats.uniform(2, 12), "exponential": stats.expon(scale=2)}.get(
        params.get("distribution", "normal"), stats.norm(55, 5))
    assert np.allclose(pdf(xs), dist.pdf(xs))


def test_a_question_figure_can_hide_the_area_it_asks_for():
    fig = F.draw(spec(kind="density", distribution="uniform", low=2, high=14, shade=[5, 11], area=False))
    assert not any("P(" in t.get_text() for t in fig.axes[0].texts)


def test_clt_histograms_narrow_around_the_mean_like_the_normal_curve():
    p = picture(spec(**EVERY_KIND["clt"]))
    mu, sigma = 3.5, math.sqrt(35 / 12)  # one die
    for ax, n in zip(p.fig.axes, (1, 2, 5, 30), strict=True):
        peak = 1 / (sigma / math.sqrt(n) * math.sqrt(2 * math.pi))
        assert ax.get_title() == f"n = {n}"
        assert p.near(ax, mu, peak, F.ORANGE, radius=3), f"the normal curve's peak at μ for n = {n}"
        if n >= 5:
            assert p.near(ax, mu, 0.5 * peak, "#54aeff", radius=2), "the bars reach up around μ"
            assert not p.near(ax, 1.2, 0.5 * peak, "#54aeff", radius=2), "and not far from it"


def test_bayes_areas_are_the_joint_probabilities():
    prior, sens, fp = 0.1, 0.9, 0.2
    p = picture(spec(**EVERY_KIND["bayes"]))
    ax = p.fig.axes[0]
    square = (0, 0, 1, 1)
    assert p.share(ax, square, F.ORANGE, alpha=0.85, tolerance=25) == pytest.approx(prior * sens, abs=0.01)
    assert p.share(ax, square, F.PURPLE, alpha=0.85, tolerance=25) == pytest.approx((1 - prior) * fp, abs=0.01)
    texts = [t.get_text() for t in p.fig.texts]
    assert f"= {round(prior * sens / (prior * sens + (1 - prior) * fp), 4)}" in texts


@pytest.mark.parametrize("params, message", [
    ({"kind": "graph", "f": "x^2 + y"}, "not a function of x"),
    ({"kind": "graph", "f": "import os"}, "not a function of x"),
    ({"kind": "graph", "f": "x", "x": [3, 1]}, "smaller number to a larger one"),
    ({"kind": "graph", "f": "x", "points": [9]}, "outside the graph's x range"),
    ({"kind": "vectors", "vectors": [[1, 2]], "show": "sum"}, "exactly two vectors"),
    ({"kind": "vectors", "vectors": ["[1, 2, 3]"]}, "not a point"),
    ({"kind": "linear-map", "matrix": [[1, 2, 3], [4, 5, 6]]}, "2"),
    ({"kind": "eigenvectors", "matrix": [[0, -1], [1, 0]]}, "complex eigenvalues"),
    ({"kind": "unit-circle", "angle": "__import__('os')"}, "not a number"),
    ({"kind": "gradient-descent", "f": "x^2", "start": [1, 1], "rate": -1}, "rate must be between"),
    ({"kind": "density", "sd": 0}, "sd must be positive"),
    ({"kind": "clt", "sizes": [5, 2]}, "must grow"),
    ({"kind": "bayes", "prior": 1.5, "sensitivity": 0.9, "false_positive": 0.1}, "prior must be a probability"),
    ({"kind": "pie-chart"}, "does not match any of the expected tags"),
    ({"kind": "graph", "f": "x", "colour": "red"}, "Extra inputs are not permitted"),
])
def test_bad_parameters_are_refused_with_a_reason(params, message):
    with pytest.raises(ValidationError) as exc:
        spec(**params)
    assert message in str(exc.value)


def test_a_function_undefined_on_the_whole_range_does_not_draw():
    with pytest.raises(F.FigureError, match="undefined on the whole range"):
        F.draw(spec(kind="graph", f="ln(x)", x=[-5, -1]))


def test_figures_are_cached_by_content_and_kept_on_disk():
    clear_memory_cache()
    s = spec(kind="unit-circle", angle="1.234")
    before = cache_stats()["renders"]
    first = F.figure_png(s)
    assert cache_stats()["renders"] == before + 1
    assert F.figure_png(spec(kind="unit-circle", angle=1.234)) == first  # same content, same key
    assert cache_stats()["renders"] == before + 1
    clear_memory_cache()
    path = F.figure_file(s)
    assert cache_stats()["renders"] == before + 1, "read back from disk, not drawn again"
    assert path is not None and path.read_bytes() == first and F.figure_key(s) in path.name
    assert F.figure_key(s) != F.figure_key(spec(kind="unit-circle", angle=1.235))


async def test_figures_are_drawn_off_the_event_loop_in_the_figure_worker(monkeypatch):
    clear_memory_cache()
    seen: list[str] = []
    paint = F.PAINTERS[F.UnitCircle]

    def watched(s):
        seen.append(threading.current_thread().name)
        return paint(s)

    monkeypatch.setitem(F.PAINTERS, F.UnitCircle, watched)
    png = await F.figure_async(spec(kind="unit-circle", angle="0.4321"))
    assert png is not None and png.startswith(b"\x89PNG")
    assert seen and seen[0].startswith("figures") and seen[0] != threading.main_thread().name


def held_unit_circles(monkeypatch) -> threading.Event:
    """Unit circles wait in the worker until the returned event is set (an empty cache first)."""
    clear_memory_cache()
    gate = threading.Event()
    paint = F.PAINTERS[F.UnitCircle]

    def slow(s):
        gate.wait(10)
        return paint(s)

    monkeypatch.setitem(F.PAINTERS, F.UnitCircle, slow)
    return gate


async def test_a_full_queue_sends_without_the_figure_at_once(monkeypatch, caplog):
    gate = held_unit_circles(monkeypatch)
    monkeypatch.setattr(F, "MAX_QUEUE", 3)
    waiting = [asyncio.ensure_future(F.figure_async(spec(kind="unit-circle", angle=0.5 + k / 100)))
               for k in range(3)]
    await asyncio.sleep(0.05)
    assert await F.figure_async(spec(kind="unit-circle", angle=0.9)) is None  # the queue is full: no wait
    assert "figure queue full" in caplog.text
    gate.set()
    assert all(png is not None for png in await asyncio.gather(*waiting))
    assert await F.figure_async(spec(kind="unit-circle", angle=0.9)) is not None  # room again


async def test_the_same_figure_asked_at_once_is_drawn_once(monkeypatch):
    clear_memory_cache()
    calls: list[int] = []
    paint = F.PAINTERS[F.UnitCircle]

    def counted(s):
        calls.append(1)
        return paint(s)

    monkeypatch.setitem(F.PAINTERS, F.UnitCircle, counted)
    s = spec(kind="unit-circle", angle="0.777")
    results = await asyncio.gather(*(F.figure_async(s) for _ in range(5)))
    assert len(set(results)) == 1 and len(calls) == 1


def test_hex_helper():
    assert list(hex_rgb("#ff0000", 0.5)) == [255, 128, 128]


async def test_a_cancelled_reply_does_not_cancel_a_figure_others_wait_for(monkeypatch):
    gate = held_unit_circles(monkeypatch)
    blocker = asyncio.ensure_future(F.figure_async(spec(kind="unit-circle", angle="0.111")))  # the worker is busy
    s = spec(kind="unit-circle", angle="0.222")
    gone, kept = asyncio.ensure_future(F.figure_async(s)), asyncio.ensure_future(F.figure_async(s))
    await asyncio.sleep(0.05)
    gone.cancel()
    gate.set()
    assert (await kept) is not None and (await blocker) is not None
    assert gone.cancelled()
