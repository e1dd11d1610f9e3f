"""Template prompts: fresh numbers on every attempt, drawn from a seed (reproducible), stable while the question
is open (stored with the learner and with each attempt), new on review, the same for everyone in a challenge;
written forms that read naturally; and what check-content's sampling reports, with file and line."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sympy
import yaml

from bot.__main__ import main
from bot.content.loader import check_directory, load_catalog
from bot.content.model import Prompt
from bot.core.challenges import ChallengeService
from bot.core.model import Actor
from bot.core.service import Core
from bot.practice import template
from bot.practice.check import check_prompt
from bot.practice.template import Compiled, TemplateError, draw, fill, rebuild, sample_problems, seed_of
from tests.support import ROOT
from tests.support.conversation import ADA
from tests.support.fakes import RecordingMessenger

TEMPLATES = ROOT / "tests" / "fixtures" / "templates"
LINEAR = {
    "id": "lin", "question": "Solve ${@a*x + b@} = {@c*x + d@}$ for $x$.",
    "params": {"r": "-9..9 except 0", "c": "1..6", "a": "c+2..9", "b": "-12..12 except 0"},
    "let": {"d": "(a - c)*r + b"}, "symbols": ["x"],
    "answer": {"kind": "number", "value": "{@r@}"},
    "hints": ["Collect the $x$ terms on one side."],
    "solution": "Subtract ${@c@}x$: ${@(a - c)*x + b@} = {@d@}$, so ${@a - c@}x = {@d - b@}$ and $x = {@r@}$.",
}


def prompt(**changes) -> Prompt:
    return Prompt.model_validate({**LINEAR, **changes})


@pytest.fixture(scope="module")
def tcatalog():
    return load_catalog(TEMPLATES)


# ---------------------------------------------------------------- drawing


def test_the_same_seed_draws_the_same_instance_and_other_seeds_draw_others():
    p = prompt()
    first = draw(p, seed_of("lin", 7, "2026-03-10T12:00:00+00:00"))
    assert draw(p, seed_of("lin", 7, "2026-03-10T12:00:00+00:00")) == first
    questions = {draw(p, seed_of("lin", 7, k)).prompt.question for k in range(50)}
    assert len(questions) >= 45  # 18 * 6 * ~4.5 * 24 parameter draws
    assert "{@" not in first.prompt.question and first.prompt.params == ()
    assert re.fullmatch(r"Solve \$\d?x [+-] \d+ = \d?x [+-] \d+\$ for \$x\$\.", first.prompt.question)


def test_every_instance_is_right_by_sympy_and_checked_by_the_checker():
    p = prompt()
    x = sympy.Symbol("x")
    for k in range(100):
        inst = draw(p, k)
        v = {name: sympy.Rational(text) for name, text in inst.params.items()}
        a, b, c, r = v["a"], v["b"], v["c"], v["r"]
        d = (a - c) * r + b
        assert sympy.solve(sympy.Eq(a * x + b, c * x + d), x) == [r]  # independently
        assert check_prompt(inst.prompt, str(r)).right
        assert not check_prompt(inst.prompt, str(r + 1)).right


def test_stored_parameters_rebuild_the_instance_exactly(tcatalog):
    for p in tcatalog.prompt_by_id.values():
        for k in range(20):
            inst = draw(p, k)
            assert rebuild(p, inst.stored) == inst
            assert json.loads(inst.stored).keys() == {name for name, _ in p.params}


def test_stored_parameters_that_no_longer_fit_the_template_draw_again():
    p = prompt()
    with pytest.raises(TemplateError):
        rebuild(p, '{"a": "3"}')
    again = template.instance(p, '{"a": "3"}', 1, "then")
    assert again == draw(p, seed_of("lin", 1, "then"))
    assert template.instance(p, "not json", 1, "then") == again


def test_constraints_hold_in_every_draw():
    p = prompt(params={"a": "1..5", "b": "-9..9", "c": "-9..9"}, let={}, symbols=["x"],
               where=["b^2 - 4*a*c > 0", "integer(sqrt(b^2 - 4*a*c))"],
               question="Solve ${@a*x^2 + b*x + c@} = 0$.", answer={"kind": "set", "value": "{{@(-b - sqrt(b^2 - 4*a*c))/(2*a)@}, {@(-b + sqrt(b^2 - 4*a*c))/(2*a)@}}"},
               integers=False, solution="The formula gives the two roots.")
    compiled = template.compile_prompt(p)
    for k in range(100):
        v = template.draw_values(compiled, k)
        disc = v["b"] ** 2 - 4 * v["a"] * v["c"]
        assert disc > 0 and sympy.sqrt(disc).is_integer
        assert check_prompt(draw(p, k).prompt, draw(p, k).prompt.answer.value).right


def test_constraints_that_cannot_hold_are_a_content_error():
    with pytest.raises(ValueError, match="no draw met the constraints"):
        prompt(where=["a > 100"])


# ---------------------------------------------------------------- written forms

ENV = {"a": 1, "b": -4, "c": 0, "m": -1, "p": 3, "q": 9, "h": sympy.Rational(1, 2), "k": 3}
NAMES = Compiled((), (), (), ("x", *ENV), ("x",), True)


@pytest.mark.parametrize(("text", "shown"), [
    ("${@a@}x + {@b@}$", "$x - 4$"),  # not 1x + -4
    ("${@a*x + b@}$", "$x - 4$"),
    ("${@k*x@} = {@p + q - 3@}$", "$3x = 9$"),  # 3x = 9, not 3x = 12 - 3
    ("$x - {@b@}$", "$x + 4$"),  # x - -4 is x + 4
    ("$-{@b@}x$", "$4x$"),
    ("${@m@}x + 2$", "$-x + 2$"),  # not -1x
    ("${@x^2 + c*x + b@}$", "$x^{2} - 4$"),  # no 0x term
    ("${@2*p*q*x@}$", "$54x$"),  # one coefficient
    ("${@x^a@}$", "$x$"),  # not x^1
    ("$3 \\cdot {@b@}$", "$3 \\cdot (-4)$"),
    ("${@h@}$ or {@h@}", "$\\frac{1}{2}$ or 1/2"),  # LaTeX inside $...$, typed form outside
    ("${@h*x@}$", "$\\frac{x}{2}$"),
    ("${@p*(x + b) - k*(x - b)@}$", "$3(x - 4) - 3(x + 4)$"),  # the shape as written
    ("{@sqrt(8)@}", "2*sqrt(2)"),
])
def test_substitution_reads_naturally(text, shown):
    env = {k: sympy.sympify(v) for k, v in ENV.items()}
    assert fill(text, NAMES, env) == shown


def test_vectors_and_matrices_show_as_the_curriculum_writes_them(tcatalog):
    inst = draw(tcatalog.prompt_by_id["t-matrix"], 3)
    a, v = (json.loads(inst.stored)[n] for n in ("A", "v"))
    assert re.fullmatch(r"\[\[-?\d, -?\d\], \[-?\d, -?\d\]\]", a) and re.fullmatch(r"\[-?\d, -?\d\]", v)
    assert f"$A = {a}$" in inst.prompt.question
    want = sympy.Matrix(json.loads(a)) * sympy.Matrix(json.loads(v))
    assert check_prompt(inst.prompt, str(list(want))).right


# ---------------------------------------------------------------- content errors, with file and line


def _write(tmp_path, prompt_yaml: str) -> list[str]:
    (tmp_path / "topics").mkdir()
    (tmp_path / "track.yaml").write_text("title: T\ntopics: [t]\nmin_prompts_per_unit: 1\n")
    (tmp_path / "topics" / "t.yaml").write_text(
        "id: t\ntitle: Topic\nunits:\n- id: u\n  title: Unit\n  minutes: 10\n"
        "  summary: A summary that is long enough.\n  why_ml: Because it matters.\n"
        "  resources: [{title: Khan, url: 'https://www.khanacademy.org/math'}]\n  prompts:\n" + prompt_yaml)
    from bot.app import content_checks

    _, problems = check_directory(tmp_path, content_checks())
    return [str(p) for p in problems if "track.yaml" not in p.file]  # (a topic that fails is not listed)


BASE = """  - id: p1
    question: 'Solve ${@a@}x = {@a*r@}$.'
    params: {a: '2..9', r: '-9..9'}
    symbols: [x]
    answer: {kind: number, value: '{@r@}'}
    hints: ['Divide both sides by the coefficient.']
    solution: 'Divide by {@a@}: $x = {@r@}$.'
"""


def test_a_mistyped_template_is_reported_with_file_and_line(tmp_path):
    problems = _write(tmp_path, BASE.replace("{@a*r@}", "{@a*s@}"))
    assert len(problems) == 1 and re.search(r"t\.yaml:\d+: .*placeholder \{@a\*s@\}: .*'s'", problems[0])


@pytest.mark.parametrize(("change", "said"), [
    (("'-9..9'", "'-9..9 by 0'"), "the step must be positive"),
    (("'2..9'", "'2 to 9'"), "is not a range like 1..9"),
    (("    params: {a: '2..9', r: '-9..9'}\n    symbols: [x]\n", ""), "placeholder needs params"),
    (("r: '-9..9'}", "r: '-9..9', e: '1..2'}"), "cannot be a name"),
])
def test_bad_declarations_are_reported(tmp_path, change, said):
    problems = _write(tmp_path, BASE.replace(*change))
    assert problems and said in " ".join(problems), problems


def test_sampling_reports_what_a_learner_would_meet(tmp_path):
    p = BASE.replace("r: '-9..9'", "r: '-9..9', s: '1..9'") + "    where: ['s > 1']\n" + (
        "    mistakes: [{answer: '{@abs(r)@}', hint: 'Mind the sign.'}]\n")
    p = p.replace("'Divide both sides by the coefficient.'", "'It is {@r@}.'")
    problems = _write(tmp_path, p)
    text = "\n".join(problems)
    assert re.search(r"where 's > 1' rejects \d+% of draws", text)  # ~11% of draws
    assert "the checker accepts the listed wrong answer" in text and "(when a = " in text  # r >= 0
    assert "hint 1 states the answer" in text
    assert "different questions in 200 draws" in text  # s is drawn but never shown
    assert all(re.match(r".*t\.yaml:\d+: prompt 'p1': ", line) for line in problems)


def test_sampling_reports_fractions_where_whole_numbers_are_promised_and_untidy_signs():
    p = prompt(solution="So $x = {@(d - b)/a@}$, then ${@c@} + {@b@}$ and $x + 0$.")
    found = "\n".join(sample_problems(p))
    assert "is not a whole number when" in found and "integers: false" in found
    assert re.search(r"untidy maths when .*'\+ 0'", found)
    assert sample_problems(prompt()) == []


def test_the_fixture_templates_pass_check_content(capsys):
    assert main(["check-content", str(TEMPLATES)]) == 0
    summary, share, figures = capsys.readouterr().out.strip().splitlines()[-3:]
    assert summary.endswith("4 prompts, 1 resources")
    assert share == "templates: 4 of 4 prompts (100.0 %) draw fresh numbers on every attempt; 1 ask for an expression"
    assert figures == "figures: 0 of 1 units show 0 figures with their lesson; 0 prompts draw one of their own"


def test_a_template_without_params_is_refused():
    with pytest.raises(ValueError, match="belong to a template"):
        Prompt.model_validate({**LINEAR, "params": {}, "question": "Solve $2x = 4$.", "answer": {
            "kind": "number", "value": "2"}, "solution": "Divide by 2: x = 2."})


def test_a_draw_is_reproducible_from_yaml_text():
    """What an author writes in YAML (a mapping of params) is what the model reads."""
    p = Prompt.model_validate(yaml.safe_load(
        "id: y\nquestion: 'Add {@a@} and {@b@}.'\nparams:\n  a: 1..9\n  b: one of 10, 20\n"
        "answer: {kind: number, value: '{@a + b@}'}\nhints: [Count on.]\nsolution: 'It is {@a + b@}.'\n"))
    assert p.params == (("a", "1..9"), ("b", "one of 10, 20"))
    inst = draw(p, 5)
    a, b = (int(inst.params[n]) for n in ("a", "b"))
    assert inst.prompt.answer.value == str(a + b) and inst.prompt.question == f"Add {a} and {b}."


# ---------------------------------------------------------------- in the conversation


async def _open_linear(core, repo):
    """A new learner past the lesson: the first practice question is the template t-linear."""
    await core.handle_text(ADA, "/start")
    await core.handle_text(ADA, "/next")
    r = await core.handle_text(ADA, "/done")
    learner = await repo.find_learner("console", "ada")
    assert learner.open_prompt == "t-linear" and learner.open_params, r[0].text
    return learner, r


async def test_a_template_question_stays_the_same_while_open_and_is_stored_with_its_attempts(repo, clock,
                                                                                              tcatalog):
    core = Core(tcatalog, repo, clock)
    learner, r = await _open_linear(core, repo)
    asked = rebuild(tcatalog.prompt_by_id["t-linear"], learner.open_params).prompt
    assert asked.question in r[0].text and "{@" not in r[0].text
    right = asked.answer.value
    wrong = str(int(right) + 1)

    r = await core.handle_text(ADA, f"/answer {wrong}")
    assert r[0].text.startswith("❌ Not quite yet.")
    restarted = Core(tcatalog, repo, clock)  # a restart: the same numbers, read back from the database
    r = await restarted.handle_text(ADA, "/next")
    assert "still open" in r[0].text and asked.question in r[0].text
    r = await restarted.handle_text(ADA, f"/answer {right}")
    assert r[0].text.startswith("✅ Right, on your second try!")
    assert asked.solution.strip() in r[0].text  # the solution of the numbers asked

    rows = (await repo.export_learner(learner.id))["attempts"]
    assert [(a["answer"], a["correct"], a["params"]) for a in rows] == [
        (wrong, False, learner.open_params), (right, True, learner.open_params)]
    r = await core.handle_text(ADA, f"/answer {right}")  # sent twice: the question it closed is known
    assert "already answered that question" in r[0].text


async def test_a_review_draws_new_numbers(repo, clock, tcatalog):
    core = Core(tcatalog, repo, clock)
    learner, _ = await _open_linear(core, repo)
    first = learner.open_params
    await core.handle_text(ADA, f"/answer {rebuild(tcatalog.prompt_by_id['t-linear'], first).prompt.answer.value}")
    due = await repo.review_schedule(learner.id, clock() + timedelta(days=60))
    when = dict(due)["t-linear"]
    clock.set(when + timedelta(minutes=1))
    r = await core.handle_text(ADA, "/review")
    again = await repo.find_learner("console", "ada")
    assert again.open_prompt == "t-linear" and again.open_params and again.open_params != first
    fresh = rebuild(tcatalog.prompt_by_id["t-linear"], again.open_params).prompt
    assert r[0].text.startswith("🔁 Review") and fresh.question in r[0].text
    r = await core.handle_text(ADA, f"/answer {fresh.answer.value}")
    assert r[0].text.startswith("✅ Right!")


async def test_a_choice_template_answers_with_the_options_it_showed(repo, clock, tcatalog):
    core = Core(tcatalog, repo, clock)
    learner, _ = await _open_linear(core, repo)
    await repo.update_learner(learner.id, open_prompt=None, open_params="")
    await repo.update_learner(learner.id, open_prompt="t-choice", open_source="practice", open_at=clock())
    r = await core.handle_text(ADA, "/next")
    asked = template.instance(tcatalog.prompt_by_id["t-choice"], "", learner.id, clock()).prompt
    shown = [b.label for b in r[0].all_buttons if b.action.startswith("c:")]
    assert shown == list(asked.answer.options) and asked.question in r[0].text
    pick = asked.answer.options.index(asked.answer.value)
    r = await core.press(ADA, f"c:t-choice:{pick}")
    assert r[0].text.startswith("✅ Right!")


async def test_everyone_in_a_challenge_gets_the_same_numbers(repo, clock, tcatalog):
    core = Core(tcatalog, repo, clock)
    messenger = RecordingMessenger()
    service = ChallengeService(tcatalog, repo, clock, {"telegram": messenger}, rates={})
    group = "-1001"

    def member(uid: str, admin: bool = False) -> Actor:
        return Actor("telegram", uid, f"user{uid}", chat_id=group, is_private=False, is_admin=admin, guild_id=group)

    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    await core.handle_text(member("100", admin=True), "/challenge start all 3 19:00")
    for uid in ("1", "2"):
        await core.handle_text(member(uid), "/challenge join")
    posts = []
    for day in range(2):
        clock.set(datetime(2026, 3, 10 + day, 19, 0, tzinfo=UTC))
        await service.sweep()
        posts.append(messenger.to(group)[-1].text)
    ch = await repo.latest_challenge("telegram", group, "challenge")
    post = max(await repo.challenge_posts(ch.id), key=lambda p: p.day)
    asked = template.instance(tcatalog.prompt_by_id[post.prompt_id], None, "challenge", ch.id, post.day).prompt
    assert asked.question in posts[-1]  # what was posted is the challenge's instance of the day
    right = asked.answer.value
    clock.advance(seconds=30)
    for uid in ("1", "2"):  # the same answer is right for both members
        r = await core.answer_to(member(uid), f"ca:{ch.id}:{post.day}", right)
        assert r[0].text.startswith("✅ Right!"), r[0].text
    rows = await repo.challenge_answers(ch.id)
    assert len(rows) == 2
    stored = {a["params"] for a in (await repo.export_learner((await repo.find_learner("telegram", "1")).id))[
        "attempts"]}
    assert stored == {template.instance(tcatalog.prompt_by_id[post.prompt_id], None, "challenge", ch.id,
                                        post.day).stored}
