"""The curriculum as immutable, validated data.

The YAML files under ``content/`` are parsed into these pydantic models. Every
model is frozen: the catalog is loaded once at start and shared read-only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content.figures import FigureSpec, strings

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]

AnswerKind = Literal["number", "choice", "expression", "vector", "matrix", "set", "self"]
AnswerForm = Literal["any", "expanded", "factored", "simplified", "numeric"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Resource(Frozen):
    """A curated link: what to watch or read, and which part of it."""

    title: str = Field(min_length=3, max_length=200)
    url: str
    kind: Literal["video", "book", "course", "interactive", "article", "notes"] = "video"
    note: str = Field(default="", max_length=300)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        from urllib.parse import urlparse

        p = urlparse(v)
        if p.scheme not in ("http", "https") or not p.netloc or "." not in p.netloc or " " in v:
            raise ValueError(f"malformed URL {v!r}: expected http(s)://host/path")
        return v


class Mistake(Frozen):
    """A plausible wrong answer that the checker must reject, with an optional specific hint."""

    answer: str = Field(min_length=1, max_length=200)
    hint: str = Field(default="", max_length=300)


class Answer(Frozen):
    """How a prompt's answer is checked.

    - number: ``value`` is a number or a closed form (``3/4``, ``sqrt(2)/2``, ``pi/4``); ``tolerance`` absolute.
    - choice: ``options`` are shown as buttons; ``value`` is the correct option's text.
    - expression: ``value`` is an expression in the declared ``vars``; equivalence is symbolic/numeric.
    - vector / matrix: ``value`` like ``[1, 2]`` or ``[[1, 2], [3, 4]]``.
    - set: ``value`` like ``{1, -2}`` (order does not matter).
    - self: the learner compares with the worked solution and grades themselves.

    ``form`` is the form the question asks for, checked as well as the value (:mod:`bot.practice.forms`):
    ``expanded``, ``factored`` (expressions), ``simplified``, ``numeric`` (also numbers, vectors, matrices,
    sets, per entry) or ``any``. A right value in another form is sent back with a nudge, not counted.
    """

    kind: AnswerKind
    value: str = Field(default="", max_length=500)
    options: tuple[str, ...] = ()
    vars: tuple[str, ...] = ()
    tolerance: float | None = Field(default=None, ge=0)
    form: AnswerForm = "any"

    @model_validator(mode="after")
    def _shape(self) -> Answer:
        if self.kind == "self":
            if self.value or self.options or self.form != "any":
                raise ValueError("a self-graded answer has no value, options or form")
            return self
        if not self.value:
            raise ValueError(f"a {self.kind} answer needs a value")
        if self.kind == "choice":
            if not 2 <= len(self.options) <= 6:
                raise ValueError("a choice answer needs 2 to 6 options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("choice options must differ")
            if self.value not in self.options and "{@" not in self.value:  # a template's: checked when drawn
                raise ValueError(f"choice value {self.value!r} is not one of the options")
        elif self.options:
            raise ValueError("only choice answers have options")
        if self.vars and self.kind != "expression":
            raise ValueError("only expression answers declare vars")
        if self.form != "any" and self.kind == "choice":
            raise ValueError("a choice answer has no form")
        if self.form in ("expanded", "factored") and self.kind != "expression":
            raise ValueError(f"form {self.form!r} is for expression answers; use simplified or numeric")
        return self


class Prompt(Frozen):
    id: Id
    question: str = Field(min_length=5, max_length=1500)
    answer: Answer
    difficulty: int = Field(default=1, ge=1, le=3)
    daily: bool = False
    hints: tuple[str, ...] = Field(min_length=1)
    solution: str = Field(min_length=5, max_length=2500)
    mistakes: tuple[Mistake, ...] = ()
    # A template (:mod:`bot.practice.template`): what to draw, what follows from it, what must hold
    params: tuple[tuple[str, str], ...] = ()
    let: tuple[tuple[str, str], ...] = ()
    where: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()  # free variables its maths shows (default: the answer's vars)
    integers: bool | None = None  # every value shown is a whole number (default: when the parameters are)
    figure: FigureSpec | None = None  # a picture shown with the question (a template's: of its instance)

    @field_validator("params", "let", mode="before")
    @classmethod
    def _pairs(cls, v: object) -> object:
        if isinstance(v, dict):
            return [(str(k), str(x)) for k, x in v.items()]
        return v

    @field_validator("where", mode="before")
    @classmethod
    def _lines(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _template(self) -> Prompt:
        if not self.params:
            if self.let or self.where or self.symbols or self.integers is not None:
                raise ValueError("let, where, symbols and integers belong to a template: declare its params")
            if "{@" in self.text():
                raise ValueError("a {@...@} placeholder needs params to fill it in")
            return self
        from bot.practice.template import check_template

        problem = check_template(self)
        if problem:
            raise ValueError(problem)
        return self

    def text(self) -> str:
        """Every text of the prompt, for a search (placeholders, formulas)."""
        a = self.answer
        return "\n".join((self.question, *self.hints, self.solution, a.value, *a.options,
                          *(f"{m.answer}\n{m.hint}" for m in self.mistakes),
                          *(strings(self.figure) if self.figure is not None else ())))

    @field_validator("mistakes", mode="before")
    @classmethod
    def _mistakes(cls, v: object) -> object:
        # Allow a plain string as shorthand for {answer: "..."}.
        if isinstance(v, list | tuple):
            return [{"answer": str(m)} if not isinstance(m, dict) else m for m in v]
        return v


class Unit(Frozen):
    id: Id
    title: str = Field(min_length=3, max_length=120)
    summary: str = Field(min_length=20, max_length=1200)
    why_ml: str = Field(min_length=10, max_length=500)
    minutes: int = Field(ge=5, le=600)
    needs: tuple[str, ...] = ()
    # The concepts the unit teaches and the ones it uses from earlier units (short ids such as
    # ``dot-product``): check-content holds every used concept to be taught by a prerequisite.
    teaches: tuple[Id, ...] = ()
    uses: tuple[Id, ...] = ()
    resources: tuple[Resource, ...] = ()
    prompts: tuple[Prompt, ...] = ()
    figures: tuple[FigureSpec, ...] = Field(default=(), max_length=3)  # pictures shown with the lesson
    # Filled in by the loader, not by authors:
    topic: str = ""


class Topic(Frozen):
    id: Id
    title: str = Field(min_length=3, max_length=80)
    why: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=1000)
    units: tuple[Unit, ...] = ()


class Track(Frozen):
    title: str
    description: str = ""
    topics: tuple[str, ...] = Field(min_length=1)
    min_prompts_per_unit: int = Field(default=6, ge=1)
    # the least share of all prompts that are templates (draw fresh numbers on every attempt), 0.4 for 40 %
    min_template_share: float = Field(default=0.0, ge=0.0, le=1.0)
