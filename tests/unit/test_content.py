"""check-content on the real curriculum and on broken fixtures, one per kind of problem."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.content.loader import check_directory, load_catalog
from tests.support import FIXTURE_CONTENT, ROOT

CONTENT = ROOT / "content"

GUIDE_URLS = [
    "https://youtu.be/aircAruvnKk",
    "https://seeing-theory.brown.edu/basic-probability/index.html",
    "https://www.youtube.com/playlist?list=PL49CF3715CB9EF31D",
    "https://www.youtube.com/watch?v=fNk_zzaMoSs&list=PLZHQObOWTQDPD3MizzM2xVFitgF8hE_ab",
    "https://www.khanacademy.org/math",
    "https://www.youtube.com/watch?v=WUvTyaaNkzM&list=PL0-GT3co4r2wlh6UHTUeQsrf3mlS2lk6x",
    "https://mml-book.github.io",
]


@pytest.fixture(scope="module")
def real():
    return load_catalog(CONTENT)


def test_the_curriculum_counts_meet_the_issue(real):
    """The two lines check-content ends with, for the real curriculum: the issue's bounds on its size and its
    template share. (check-content itself, with its 200 draws of every template, is CI's own step before the
    tests, .ci/run; here it runs on the small fixtures, test_templates.py and the cases below.)"""
    summary, share = real.summary_line(), real.template_line()
    m = re.fullmatch(r"content: (\d+) topics, (\d+) units, (\d+) prompts, (\d+) resources", summary)
    assert m, summary
    topics, units, prompts, resources = map(int, m.groups())
    assert topics == 6 and units >= 60 and prompts >= 600 and resources >= units  # issue #39: the whole curriculum
    m = re.fullmatch(
        r"templates: (\d+) of (\d+) prompts \((\d+)\.(\d) %\) draw fresh numbers on every attempt; "
        r"(\d+) ask for an expression", share)
    assert m, share
    templates, of, whole, tenth, expressions = map(int, m.groups())
    assert of == prompts and templates >= 240  # fresh numbers on every attempt
    assert whole + tenth / 10 <= 100 * templates / prompts < whole + (tenth + 1) / 10  # rounded down, not up
    assert 100 * templates / prompts >= 40 and expressions >= 30


def test_check_content_refuses_too_few_templates(tmp_path):
    """The track's least template share is a check: a bound one point over the curriculum's own share fails, with
    the numbers and the line of track.yaml that sets it; the share itself passes."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    catalog = load_catalog(content)
    share = catalog.template_count / catalog.prompt_count
    track = content / "track.yaml"
    text = track.read_text(encoding="utf-8")
    assert "min_template_share: " in text
    line = text[: text.index("min_template_share: ")].count("\n") + 1
    track.write_text(re.sub(r"min_template_share: [0-9.]+", f"min_template_share: {share + 0.01:.4f}", text))
    assert check_directory(content)[0] is None
    problems = [str(p) for p in check_directory(content)[1]]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{track}:{line}: {catalog.template_count} of {catalog.prompt_count} prompts (")
    assert "are templates; at least" in problems[0] and "give more prompts params" in problems[0]
    track.write_text(re.sub(r"min_template_share: [0-9.]+", f"min_template_share: {int(share * 10000) / 10000}", text))
    assert check_directory(content)[1] == []


def test_templates_span_the_topics(real):
    """At least 30 prompts draw fresh numbers, in at least three topics, none of them self-graded."""
    templates = [p for p in real.prompt_by_id.values() if p.params]
    topics = {real.unit_by_id[real.unit_of_prompt[p.id]].topic for p in templates}
    assert len(templates) >= 30 and len(topics) >= 3, (len(templates), topics)
    assert all(p.answer.kind != "self" for p in templates)


def test_curriculum_shape(real):
    assert [t.title for t in real.topics] == [
        "Algebra & Trigonometry", "Linear Algebra", "Calculus", "Statistics", "Probability",
        "The maths inside ML models"]
    kinds = Counter(p.answer.kind for p in real.prompt_by_id.values())
    assert kinds["self"] <= 0.15 * sum(kinds.values())
    assert sum(p.daily for p in real.prompt_by_id.values()) >= 50
    for u in real.units:
        assert u.resources and len(u.prompts) >= 6, u.id
        assert len({p.difficulty for p in u.prompts}) >= 2, f"{u.id}: prompts are not graded"
        sentences = len(re.findall(r"[.!?](\s|$)", u.summary.strip()))
        assert 2 <= sentences <= 5, f"{u.id}: summary has {sentences} sentences"
        for p in u.prompts:
            if p.answer.kind not in ("self", "choice"):
                assert p.mistakes, f"{p.id} lists no common mistakes"


def test_every_guide_resource_is_linked_exactly(real):
    urls = {r.url for u in real.units for r in u.resources}
    for url in GUIDE_URLS:
        assert url in urls, url


def test_study_order_starts_with_algebra_and_pays_off_at_the_end(real):
    order = [u.id for u in real.units]
    assert order[0] == "alg-expressions"
    for payoff, before in (("la-pca", "la-svd"), ("calc-backprop", "calc-chain-rule"),
                           ("prob-mle", "calc-optimisation")):
        assert order.index(before) < order.index(payoff)


def test_every_resource_is_listed_in_sources_with_how_it_was_verified(real):
    """content/SOURCES.md lists every link the curriculum gives learners (it says how each was verified)."""
    sources = (CONTENT / "SOURCES.md").read_text(encoding="utf-8")
    missing = sorted({r.url for u in real.units for r in u.resources if r.url not in sources})
    assert missing == []


def test_resources_point_at_the_part_to_study(real):
    """A book link opens the section (#page=), a lecture its own video: not a whole book or playlist with the
    part named only in a note."""
    vague = []
    for u in real.units:
        for r in u.resources:
            if "mml-book.pdf" in r.url and not re.search(r"#page=\d+$", r.url):
                vague.append(f"{u.id}: {r.url} has no #page=")
            if "list=PL49CF3715CB9EF31D" in r.url and "watch?v=" not in r.url and re.search(r"[Ll]ecture \d",
                                                                                            r.note + r.title):
                vague.append(f"{u.id}: {r.title!r} names a lecture but links the whole 18.06 playlist")
    assert vague == []


def test_every_algebra_and_trigonometry_unit_has_its_own_video(real):
    videos = {u.id: {r.url for r in u.resources if r.kind == "video"} for u in real.units_of("algebra")}
    assert all(videos.values()), [uid for uid, v in videos.items() if not v]
    shared = [url for url in set().union(*videos.values()) if sum(url in v for v in videos.values()) > 1]
    assert all(len(v - set(shared)) >= 1 for v in videos.values()), shared


# ---------------------------------------------------------------- broken fixtures


def broken(tmp_path: Path, mutate) -> Path:
    d = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, d)
    path = d / "topics" / "basics.yaml"
    data = yaml.safe_load(path.read_text())
    mutate(data, d)
    if data is not None:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return d


def unit(data, i=0):
    return data["units"][i]


def _yaml_error(data, d):
    (d / "topics" / "more.yaml").write_text("id: more\ntitle: [unclosed\n")


def _missing_track_topic(data, d):
    (d / "topics" / "more.yaml").unlink()


def _cycle(data, d):
    unit(data, 0)["needs"] = ["b-two"]


def _concepts(data, d, **changes):
    """Declare concepts in every unit: b-one teaches fractions, b-two decimals (using fractions), m-one percent
    (using decimals, and fractions through b-two's own prerequisite); then apply ``changes`` to b-one/b-two."""
    unit(data, 0).update(teaches=["fractions"])
    unit(data, 1).update(teaches=["decimals"], uses=["fractions"])
    more = d / "topics" / "more.yaml"
    m = yaml.safe_load(more.read_text())
    m["units"][0].update(teaches=["percent"], uses=["decimals", "fractions"])
    more.write_text(yaml.safe_dump(m, sort_keys=False))
    for i, fields in changes.items():
        unit(data, int(i[1:])).update(fields)


CASES = {
    "schema": (lambda data, d: unit(data).pop("summary"), r"basics\.yaml:\d+: units\.0\.summary: Field required"),
    "duplicate unit": (lambda data, d: unit(data, 1).update(id="b-one"), r"duplicate unit id 'b-one'"),
    "duplicate prompt": (lambda data, d: unit(data, 1)["prompts"][0].update(id="b-one-1"),
                         r"duplicate prompt id 'b-one-1'"),
    "missing prerequisite": (lambda data, d: unit(data, 1).update(needs=["b-onne"]),
                             r"needs unknown unit 'b-onne' \(did you mean 'b-one'\?\)"),
    "cycle": (_cycle, r"unit 'b-one' is part of a prerequisite cycle"),
    "unreachable": (_cycle, r"more\.yaml:\d+: unit 'm-one' is unreachable"),
    "no resources": (lambda data, d: unit(data).update(resources=[]), r"unit 'b-one' has no resources"),
    "too few prompts": (lambda data, d: unit(data).update(prompts=unit(data)["prompts"][:3]),
                        r"unit 'b-one' has 3 prompts; at least 6 needed"),
    "malformed url": (lambda data, d: unit(data)["resources"][0].update(url="htps:/khan academy"),
                      r"resources\.0\.url: malformed URL"),
    "canonical unreadable": (lambda data, d: unit(data)["prompts"][0]["answer"].update(value="3/0"),
                             r"prompt 'b-one-1': the checker cannot read the answer '3/0'"),
    "mistake unreadable": (lambda data, d: unit(data)["prompts"][0].update(mistakes=[{"answer": "one quarter"}]),
                           r"prompt 'b-one-1': the checker cannot read the listed wrong answer 'one quarter'"),
    "mistake accepted": (lambda data, d: unit(data)["prompts"][0].update(mistakes=[{"answer": "0.25"}]),
                         r"prompt 'b-one-1': the checker accepts the listed wrong answer '0.25'"),
    "formula": (lambda data, d: unit(data)["prompts"][1].update(question=r"What is $\frac{1}{$ here?"),
                r"prompt 'b-one-2': formula in question does not render"),
    "yaml syntax": (_yaml_error, r"more\.yaml:\d+: YAML syntax"),
    "listed topic without file": (_missing_track_topic, r"track\.yaml:\d+: topic 'more' is listed but"),
    "choice value": (lambda data, d: unit(data)["prompts"][2]["answer"].update(value="99"),
                     r"choice value '99' is not one of the options"),
    "concept from a later unit": (lambda data, d: _concepts(data, d, u0={"uses": ["decimals"]}),
                                  r"basics\.yaml:\d+: unit 'b-one' uses concept 'decimals', taught by 'b-two', which "
                                  r"is not among its prerequisites: add 'b-two'"),
    "concept taught twice": (lambda data, d: _concepts(data, d, u1={"teaches": ["decimals", "fractions"]}),
                             r"concept 'fractions' is taught twice: by 'b-two' and by 'b-one'"),
    "concept nobody teaches": (lambda data, d: _concepts(data, d, u1={"uses": ["fraction"]}),
                               r"unit 'b-two' uses concept 'fraction', which no unit teaches \(did you mean "
                               r"'fractions'\?\)"),
    "unit teaching nothing": (lambda data, d: _concepts(data, d, u1={"teaches": []}),
                              r"unit 'b-two' teaches no concept"),
    "concept taught and used": (lambda data, d: _concepts(data, d, u0={"uses": ["fractions"]}),
                                r"unit 'b-one' both teaches and uses concept 'fractions'"),
    "hint with the answer": (lambda data, d: unit(data)["prompts"][0].update(hints=["So $x = 0.25$."]),
                             r"prompt 'b-one-1': hint 1 gives the answer away"),
}


@pytest.mark.parametrize("name", CASES)
def test_each_problem_is_reported_with_file_and_line(name, tmp_path, capsys):
    mutate, pattern = CASES[name]
    d = broken(tmp_path, mutate)
    assert main(["check-content", str(d)]) == 1
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert any(re.search(pattern, line) for line in lines), "\n".join(lines)
    assert all(re.match(r".+\.yaml:\d+: ", line) for line in lines), lines
    assert "problem(s)" in out.err


def test_declared_concepts_in_study_order_pass(tmp_path):
    """Used concepts taught by a prerequisite, directly or through its own (m-one uses b-one's fractions)."""
    from bot.content.loader import check_directory

    _, problems = check_directory(broken(tmp_path, _concepts))
    assert problems == []


def test_the_curriculum_declares_what_each_unit_teaches_and_uses(real):
    """Every unit teaches something; the units after the first use what earlier ones taught."""
    for u in real.units:
        assert u.teaches, u.id
        assert u.uses or not u.needs, f"{u.id} needs {u.needs} but uses none of what they teach"


def _misordered(content: Path) -> None:
    """PCA before covariance: la-pca back to needing only the SVD and descriptive statistics."""
    path = content / "topics" / "linear-algebra.yaml"
    text = path.read_text()
    before = "    needs: [la-svd, stat-correlation]\n"
    assert before in text
    path.write_text(text.replace(before, "    needs: [la-svd, stat-descriptive]\n"))


def test_check_content_fails_on_a_misordered_copy_of_the_curriculum(tmp_path, capsys):
    d = tmp_path / "content"
    shutil.copytree(CONTENT, d)
    _misordered(d)
    from bot.content.loader import check_directory

    _, problems = check_directory(d)  # the order checks only: no per-prompt checks needed for this
    found = [str(p) for p in problems]
    assert found and all("la-pca" in p and "not among its prerequisites" in p for p in found), found
    assert any("uses concept 'covariance-matrix', taught by 'stat-correlation'" in p for p in found), found
    assert all(re.match(r".+linear-algebra\.yaml:\d+: ", p) for p in found), found


def test_one_notation_and_prompts_that_stand_alone(real):
    """One transpose (A^T) and one vector notation (bold); a review shows a prompt alone, so none refers to
    another ("Again, ...", "the same test as before")."""
    odd = []
    for u in real.units:
        for p in u.prompts:
            text = p.text() + "\n" + u.summary
            odd += [f"{p.id}: {m}" for m in re.findall(r"\\top\b|\\vec\{|\\overrightarrow", text)]
            odd += [f"{p.id}: {m!r}" for m in re.findall(r"(?i)^again\b|\bas before\b|\bprevious (?:question|prompt)\b"
                                                           r"|\bthe same (?:test|table|coin|data) as\b", p.question)]
    assert odd == []


# code-like maths, and vectors or matrices written as data ([3, 2], [[4, 2], [2, 4]])
_CODE_NOTATION = re.compile(r"`|\w\*\w|\*\*\d|sqrt\(|\^|\bexp\(|\\[a-zA-Z]+|\b[a-z]_\{?\w|\[\[|\[-?\d")


def test_hints_and_solutions_write_their_maths_as_maths(real):
    """Maths outside $...$ is shown raw: 3*sqrt(3), x^2, A^T A, [[4, 2], [2, 4]] would reach the learner as code
    (a question may show what to type, "give it row by row as [[a, b], [c, d]]")."""
    from bot.practice.template import draw
    from bot.render.unicode import iter_math_spans

    raw = []
    shown = [(pid, draw(p, k).prompt) for pid, p in real.prompt_by_id.items() for k in range(5 if p.params else 1)]
    for pid, p in shown:  # a template: as learners see it, its numbers filled in
        for where, text in [("hint", h) for h in p.hints] + [("solution", p.solution)] + [
                ("mistake hint", m.hint) for m in p.mistakes] + [("option", o) for o in p.answer.options]:
            prose, pos = [], 0
            for start, end, _ in iter_math_spans(text):
                prose.append(text[pos:start])
                pos = end
            prose.append(text[pos:])
            found = _CODE_NOTATION.findall("".join(prose))
            if found:
                raw.append(f"{pid} {where}: {found}")
    assert raw == []


def test_the_curriculum_names_no_chat_platform():
    """Lessons and questions are shown on Discord, on Telegram and in the console alike: none of them may
    name a platform's things (a "server" in a word problem reads as the Discord server on Telegram)."""
    from tests.support.wording import foreign_words

    found = [f"{path.relative_to(CONTENT)}:{n}: {line.strip()}"
             for path in sorted(CONTENT.rglob("*.yaml"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if foreign_words("console", line) or foreign_words("discord", line)]
    assert not found, "\n".join(found)
