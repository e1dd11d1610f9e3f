"""Figures in the curriculum: the units that carry one, every one drawn, templates' figures of their own
instance, and check-content's reports of bad figures with the file and line to fix."""

from __future__ import annotations

import gc
import shutil

import pytest

from bot.__main__ import main
from bot.content.loader import load_catalog
from bot.practice.template import draw, seed_of
from bot.render.figures import draw as draw_figure
from tests.support import ROOT
from tests.support.figures import content_with_figures


@pytest.fixture(autouse=True)
def _free_figures():
    """The figures a test holds are reference cycles: collect them, so that no test finds another's."""
    yield
    gc.collect()


CONTENT = ROOT / "content"
TEMPLATES = ROOT / "tests" / "fixtures" / "templates"


@pytest.fixture(scope="module")
def real():
    return load_catalog(CONTENT)


def test_at_least_25_units_carry_a_figure_and_every_kind_is_used(real):
    units = [u for u in real.units if u.figures]
    assert len(units) >= 25, [u.id for u in units]
    kinds = {f.kind for u in units for f in u.figures}
    assert kinds == {"graph", "vectors", "linear-map", "eigenvectors", "unit-circle", "gradient-descent",
                     "density", "clt", "bayes"}
    assert {u.topic for u in units} == {t.id for t in real.topics}, "every topic teaches with pictures"
    assert real.figure_line().startswith(f"figures: {len(units)} of {len(real.units)} units show ")


def test_every_figure_of_the_curriculum_draws(real):
    for u in real.units:
        for f in u.figures:
            fig = draw_figure(f)
            assert fig.axes, (u.id, f.kind)


def test_template_figures_show_their_own_instance(real):
    prompts = [p for p in real.prompt_by_id.values() if p.figure is not None]
    assert len(prompts) >= 5 and all(p.params for p in prompts)
    for p in prompts:
        seen = set()
        for k in range(3):
            inst = draw(p, seed_of(p.id, "figure-test", k))
            figure = inst.prompt.figure
            assert figure is not None and figure.filled(), p.id
            assert "{@" not in figure.model_dump_json()
            draw_figure(figure)
            seen.add(figure.model_dump_json())
        assert len(seen) > 1, f"{p.id}: the figure follows the drawn numbers"


def test_the_vectors_of_a_question_are_the_ones_it_asks_about(real):
    p = real.prompt_by_id["la-vectors-1"]
    inst = draw(p, seed_of(p.id, "figure-test", 7))
    v, w = (tuple(float(x) for x in inst.params[name].strip("[]").split(",")) for name in ("v", "w"))
    assert inst.prompt.figure.vectors == (v, w)
    assert str(inst.params["v"]).replace(" ", "") in inst.prompt.question.replace(" ", "").replace("\\", "")


def _line_of(path, needle: str) -> int:
    text = path.read_text()
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


def _check(capsys, directory) -> tuple[int, list[str]]:
    code = main(["check-content", str(directory)])
    out = capsys.readouterr().out
    return code, [line for line in out.splitlines() if line.strip()]


def test_check_content_counts_the_figures(tmp_path):
    from bot.app import figure_problems
    from bot.content.loader import check_directory

    catalog, problems = check_directory(content_with_figures(tmp_path), [], [figure_problems])
    assert problems == []
    assert catalog.figure_line() == "figures: 1 of 3 units show 1 figures with their lesson; 1 prompts draw one of their own"


@pytest.mark.parametrize("bad, good, where, message", [
    ("    vectors: [[3, 1], [1, 2]]\n", "    vectors: [[3, 1], [1, 2], [1, 2, 3]]\n", "    vectors:", "vectors.2"),
    ("    show: sum\n", "    show: sum\n    colour: red\n", "    colour: red", "Extra inputs are not permitted"),
    ("      angle: 60°\n", "      angle: sixty degrees\n", "      angle:", "is not a number"),
    ("  - kind: vectors\n", "  - kind: arrows\n", "  - kind: arrows", "does not match any of the expected tags"),
    ("    show: sum\n", "    show: sum\n    names: [a]\n", "  - kind: vectors", "1 names for 2 vectors"),
])
def test_check_content_reports_bad_figure_parameters_with_file_and_line(tmp_path, capsys, bad, good, where, message):
    content = content_with_figures(tmp_path)
    basics = content / "topics" / "basics.yaml"
    text = basics.read_text()
    assert bad in text
    basics.write_text(text.replace(bad, good, 1))
    code, lines = _check(capsys, content)
    assert code == 1
    line = _line_of(basics, where)
    hits = [x for x in lines if x.startswith(f"{basics}:{line}: ") and message in x]
    assert hits, (line, lines)


def test_check_content_reports_a_figure_that_does_not_draw(tmp_path, capsys):
    content = content_with_figures(tmp_path)
    basics = content / "topics" / "basics.yaml"
    text = basics.read_text().replace(
        "  - kind: vectors\n    vectors: [[3, 1], [1, 2]]\n    show: sum\n",
        "  - kind: graph\n    f: ln(x)\n    x: [-5, -1]\n", 1)
    basics.write_text(text)
    code, lines = _check(capsys, content)
    assert code == 1
    line = _line_of(basics, "  - kind: graph")
    assert f"{basics}:{line}: unit 'b-one' figure 1 (graph): does not draw: f(x) = ln(x) is undefined on the whole " \
           "range [−5, −1]" in lines


def test_check_content_reports_a_template_figure_wrong_for_some_instances(tmp_path, capsys):
    content = tmp_path / "content"
    shutil.copytree(TEMPLATES, content)
    tmpl = content / "topics" / "tmpl.yaml"
    text = tmpl.read_text()
    needle = "  - id: t-linear\n"
    # r runs over -9..9 except 0: a density's sd of r is negative for half the instances
    tmpl.write_text(text.replace(needle, needle + "    figure:\n      kind: density\n      sd: '{@r@}'\n", 1))
    code, lines = _check(capsys, content)
    assert code == 1
    line = _line_of(tmpl, "  - id: t-linear")
    hits = [x for x in lines if x.startswith(f"{tmpl}:{line}: prompt 't-linear': figure") and "sd must be positive" in x]
    assert hits, lines
    # the same figure with a positive sd is fine
    tmpl.write_text(text.replace(needle, needle + "    figure:\n      kind: density\n      sd: '{@c@}'\n", 1))
    code, lines = _check(capsys, content)
    assert code == 0, lines


def test_a_placeholder_in_a_fixed_prompts_figure_is_refused(tmp_path, capsys):
    content = content_with_figures(tmp_path)
    basics = content / "topics" / "basics.yaml"
    basics.write_text(basics.read_text().replace("      angle: 60°\n", "      angle: '{@a@}'\n", 1))
    code, lines = _check(capsys, content)
    assert code == 1 and any("needs params to fill it in" in x for x in lines), lines
