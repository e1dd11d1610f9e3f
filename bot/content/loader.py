"""Load the curriculum from YAML into an immutable :class:`Catalog`, reporting problems with file and line."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.model import Prompt, Topic, Track, Unit


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


# ---------------------------------------------------------------- YAML with line numbers


def _construct(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            out[key] = _construct(value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, (*path, i), lines) for i, child in enumerate(node.value)]
    return _SCALARS.construct_object(node, deep=True)


# libyaml's parser when PyYAML was built with it: ~25x faster than the pure-Python one, same nodes and marks
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = _LOADER("")  # only used to turn scalar nodes into str/int/float/bool/None


def read_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse one YAML file safely; return the data and a map from key path to line number."""
    lines: dict[tuple, int] = {}
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=_LOADER)
    if node is None:
        return None, lines
    return _construct(node, (), lines), lines


def _line_for(lines: dict[tuple, int], loc: Iterable[Any]) -> int:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get((), 1)


# ---------------------------------------------------------------- the catalog


@dataclass(frozen=True)
class Catalog:
    """Everything learners can study, loaded once. Units are in study order (topological)."""

    track: Track
    topics: tuple[Topic, ...]
    units: tuple[Unit, ...]
    unit_by_id: MappingProxyType[str, Unit]
    prompt_by_id: MappingProxyType[str, Prompt]
    unit_of_prompt: MappingProxyType[str, str]
    topic_by_id: MappingProxyType[str, Topic]
    unit_index: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def resource_count(self) -> int:
        return sum(len(u.resources) for u in self.units)

    @property
    def prompt_count(self) -> int:
        return len(self.prompt_by_id)

    @property
    def template_count(self) -> int:
        return sum(1 for p in self.prompt_by_id.values() if p.params)

    @property
    def expression_count(self) -> int:
        return sum(1 for p in self.prompt_by_id.values() if p.answer.kind == "expression")

    def summary_line(self) -> str:
        return (
            f"content: {len(self.topics)} topics, {len(self.units)} units, "
            f"{self.prompt_count} prompts, {self.resource_count} resources"
        )

    def template_line(self) -> str:
        """How many prompts draw fresh numbers on every attempt, and how many ask for an expression."""
        return (
            f"templates: {self.template_count} of {self.prompt_count} prompts "
            f"({_percent(self.template_count, self.prompt_count)}) draw fresh numbers on every attempt; "
            f"{self.expression_count} ask for an expression"
        )

    def figure_line(self) -> str:
        """How many units show a figure with their lesson, and how many prompts one of their own."""
        units = [u for u in self.units if u.figures]
        figures = sum(len(u.figures) for u in units)
        prompts = sum(1 for p in self.prompt_by_id.values() if p.figure is not None)
        return (f"figures: {len(units)} of {len(self.units)} units show {figures} figures with their lesson; "
                f"{prompts} prompts draw one of their own")

    def find_topic(self, name: str) -> Topic | None:
        """A topic by id or title, forgiving case, spaces and '&'."""
        key = _norm(name)
        if not key:
            return None
        for t in self.topics:
            if key in (_norm(t.id), _norm(t.title)):
                return t
        starts = [t for t in self.topics if _norm(t.title).startswith(key) or _norm(t.id).startswith(key)]
        return starts[0] if len(starts) == 1 else None

    def suggest_topics(self, name: str, n: int = 3) -> list[str]:
        names = {_norm(t.title): t.title for t in self.topics} | {_norm(t.id): t.title for t in self.topics}
        close = difflib.get_close_matches(_norm(name), list(names), n=n, cutoff=0.4)
        out: list[str] = []
        for c in close:
            if names[c] not in out:
                out.append(names[c])
        return out

    def units_of(self, topic_id: str) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.topic == topic_id)


def _percent(part: int, whole: int) -> str:
    """A share rounded down to a tenth of a per cent, so a share just under a bound never reads as the bound."""
    tenths = 1000 * part // whole if whole else 0
    return f"{tenths // 10}.{tenths % 10} %"


def _norm(s: str) -> str:
    return "".join(ch for ch in s.lower().replace("&", "and") if ch.isalnum())


# ---------------------------------------------------------------- loading and checking

PromptCheck = Callable[[Prompt], list[str]]
FigureCheck = Callable[[Any], list[str]]


def load_catalog(directory: str | Path, prompt_checks: Iterable[PromptCheck] = ()) -> Catalog:
    """Load and validate; raise :class:`ContentError` listing every problem found."""
    catalog, problems = check_directory(directory, prompt_checks)
    if problems or catalog is None:
        raise ContentError(problems or [Problem(str(directory), 1, "no content")])
    return catalog


def check_directory(
    directory: str | Path, prompt_checks: Iterable[PromptCheck] = (), figure_checks: Iterable[FigureCheck] = ()
) -> tuple[Catalog | None, list[Problem]]:
    """The catalog of ``directory`` (None when there are problems) and every problem, with file and line.
    ``prompt_checks`` run on every prompt, ``figure_checks`` on every figure of a unit (a prompt's figures are
    the prompt checks' to draw)."""
    root = Path(directory)
    problems: list[Problem] = []
    track_file = root / "track.yaml"
    if not track_file.is_file():
        return None, [Problem(str(track_file), 1, "missing track.yaml (the track title and its topic order)")]

    def parse(path: Path) -> tuple[Any, dict[tuple, int]] | None:
        try:
            return read_yaml(path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            problems.append(Problem(str(path), line, f"YAML syntax: {getattr(exc, 'problem', exc)}"))
            return None

    parsed = parse(track_file)
    if parsed is None:
        return None, problems
    data, track_lines = parsed
    try:
        track = Track.model_validate(data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, track_file, track_lines)
        return None, problems

    topics: list[Topic] = []
    unit_site: dict[str, tuple[str, int]] = {}  # unit id -> (file, line)
    unit_lines: dict[str, tuple[dict, int]] = {}  # unit id -> (its file's line map, its index there)
    prompt_site: dict[str, tuple[str, int]] = {}
    topic_files = sorted((root / "topics").glob("*.yaml")) if (root / "topics").is_dir() else []
    by_id: dict[str, tuple[Topic, Path, dict]] = {}
    for path in topic_files:
        parsed = parse(path)
        if parsed is None:
            continue
        data, lines = parsed
        try:
            topic = Topic.model_validate(data)
        except ValidationError as exc:
            problems += _pydantic_problems(exc, path, lines)
            continue
        if topic.id in by_id:
            problems.append(Problem(str(path), _line_for(lines, ("id",)), f"duplicate topic id {topic.id!r}"))
            continue
        by_id[topic.id] = (topic, path, lines)

    for tid in track.topics:
        if tid not in by_id:
            problems.append(
                Problem(str(track_file), _line_for(track_lines, ("topics", track.topics.index(tid))),
                        f"topic {tid!r} is listed but there is no topics/*.yaml with that id")
            )
    for tid, (_, path, lines) in by_id.items():
        if tid not in track.topics:
            problems.append(Problem(str(path), _line_for(lines, ("id",)), f"topic {tid!r} is not listed in track.yaml"))

    all_units: list[Unit] = []
    prompts: dict[str, Prompt] = {}
    unit_of_prompt: dict[str, str] = {}
    for tid in track.topics:
        if tid not in by_id:
            continue
        topic, path, lines = by_id[tid]
        units = []
        for ui, unit in enumerate(topic.units):
            uline = _line_for(lines, ("units", ui, "id"))
            if unit.id in unit_site:
                f, ln = unit_site[unit.id]
                problems.append(Problem(str(path), uline, f"duplicate unit id {unit.id!r} (first at {f}:{ln})"))
                continue
            unit_site[unit.id] = (str(path), uline)
            unit_lines[unit.id] = (lines, ui)
            if not unit.resources:
                problems.append(Problem(str(path), uline, f"unit {unit.id!r} has no resources"))
            for fi, figure in enumerate(unit.figures):
                for check in figure_checks:
                    for msg in check(figure):
                        problems.append(Problem(str(path), _line_for(lines, ("units", ui, "figures", fi)),
                                                f"unit {unit.id!r} figure {fi + 1} ({figure.kind}): {msg}"))
            if len(unit.prompts) < track.min_prompts_per_unit:
                problems.append(
                    Problem(str(path), uline,
                            f"unit {unit.id!r} has {len(unit.prompts)} prompts; at least {track.min_prompts_per_unit} needed")
                )
            for pi, prompt in enumerate(unit.prompts):
                pline = _line_for(lines, ("units", ui, "prompts", pi, "id"))
                if prompt.id in prompt_site:
                    f, ln = prompt_site[prompt.id]
                    problems.append(Problem(str(path), pline, f"duplicate prompt id {prompt.id!r} (first at {f}:{ln})"))
                    continue
                prompt_site[prompt.id] = (str(path), pline)
                prompts[prompt.id] = prompt
                unit_of_prompt[prompt.id] = unit.id
                for check in prompt_checks:
                    for msg in check(prompt):
                        problems.append(Problem(str(path), pline, f"prompt {prompt.id!r}: {msg}"))
            units.append(unit.model_copy(update={"topic": topic.id}))
        topics.append(topic.model_copy(update={"units": tuple(units)}))
        all_units += units

    templates = sum(1 for p in prompts.values() if p.params)
    if prompts and templates < track.min_template_share * len(prompts):
        problems.append(
            Problem(str(track_file), _line_for(track_lines, ("min_template_share",)),
                    f"{templates} of {len(prompts)} prompts ({_percent(templates, len(prompts))}) are templates; "
                    f"at least {track.min_template_share:.0%} needed (give more prompts params)")
        )

    # prerequisites: missing, cyclic, unreachable
    known = {u.id for u in all_units}
    for u in all_units:
        f, ln = unit_site[u.id]
        for need in u.needs:
            if need not in known:
                close = difflib.get_close_matches(need, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(Problem(f, ln, f"unit {u.id!r} needs unknown unit {need!r}{hint}"))
            elif need == u.id:
                problems.append(Problem(f, ln, f"unit {u.id!r} needs itself"))

    order, stuck = _topological(all_units)
    cyclic = _cycle_members(all_units)
    for uid in stuck:
        f, ln = unit_site[uid]
        if uid in cyclic:
            problems.append(Problem(f, ln, f"unit {uid!r} is part of a prerequisite cycle"))
        else:
            problems.append(Problem(f, ln, f"unit {uid!r} is unreachable: no path of prerequisites leads to it"))

    if not stuck:
        problems += _concept_problems(all_units, unit_site, unit_lines)

    problems.sort(key=lambda p: (p.file, p.line, p.message))
    if problems:
        return None, problems
    unit_by_id = {u.id: u for u in all_units}
    ordered = tuple(unit_by_id[uid] for uid in order)
    catalog = Catalog(
        track=track,
        topics=tuple(topics),
        units=ordered,
        unit_by_id=MappingProxyType(unit_by_id),
        prompt_by_id=MappingProxyType(prompts),
        unit_of_prompt=MappingProxyType(unit_of_prompt),
        topic_by_id=MappingProxyType({t.id: t for t in topics}),
        unit_index=MappingProxyType({uid: i for i, uid in enumerate(order)}),
    )
    return catalog, []


def _topological(units: list[Unit]) -> tuple[list[str], list[str]]:
    """Kahn's algorithm, stable: among available units the one written first goes first."""
    known = {u.id for u in units}
    position = {u.id: i for i, u in enumerate(units)}
    needs = {u.id: {n for n in u.needs if n in known and n != u.id} for u in units}
    missing = {u.id for u in units if any(n not in known or n == u.id for n in u.needs)}
    done: list[str] = []
    placed: set[str] = set()
    import heapq

    ready = [(position[u], u) for u, ns in needs.items() if not ns and u not in missing]
    heapq.heapify(ready)
    dependants: dict[str, list[str]] = {u.id: [] for u in units}
    for u, ns in needs.items():
        for n in ns:
            dependants[n].append(u)
    remaining = {u: len(ns) for u, ns in needs.items()}
    while ready:
        _, uid = heapq.heappop(ready)
        done.append(uid)
        placed.add(uid)
        for d in dependants[uid]:
            remaining[d] -= 1
            if remaining[d] == 0 and d not in missing:
                heapq.heappush(ready, (position[d], d))
    stuck = [u.id for u in units if u.id not in placed]
    return done, stuck


def prerequisites(needs: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Every unit's prerequisites, direct and indirect (the needs of its needs), from each unit's ``needs`` by
    unit id; a need that is not a key (another topic's unit, when a topic is read alone) is kept, not followed."""
    out: dict[str, frozenset[str]] = {}
    for uid in needs:
        found: set[str] = set()
        todo = list(needs[uid])
        while todo:
            n = todo.pop()
            if n not in found:
                found.add(n)
                todo += needs.get(n, ())
        out[uid] = frozenset(found)
    return out


def _concept_problems(
    units: list[Unit], site: dict[str, tuple[str, int]], unit_lines: dict[str, tuple[dict, int]]
) -> list[Problem]:
    """A study order that holds: every concept a unit uses is taught by one of its prerequisites (directly or
    through theirs), and every concept is taught once. A curriculum that declares concepts declares them for
    every unit; one that declares none (a small test curriculum) is not checked."""
    if not any(u.teaches or u.uses for u in units):
        return []
    problems: list[Problem] = []

    def where(uid: str, key: str, i: int | None = None) -> tuple[str, int]:
        lines, ui = unit_lines[uid]
        loc = ("units", ui, key) if i is None else ("units", ui, key, i)
        return site[uid][0], _line_for(lines, loc)

    teacher: dict[str, str] = {}
    for u in units:
        if not u.teaches:
            problems.append(Problem(*site[u.id], f"unit {u.id!r} teaches no concept: list what it teaches under teaches:"))
        for i, c in enumerate(u.teaches):
            if c in teacher:
                first = teacher[c]
                f, ln = where(first, "teaches")
                problems.append(Problem(*where(u.id, "teaches", i),
                                        f"concept {c!r} is taught twice: by {u.id!r} and by {first!r} ({f}:{ln}); "
                                        "teach it in one unit and let the other use it"))
            else:
                teacher[c] = u.id
    before = prerequisites({u.id: u.needs for u in units})
    for u in units:
        for i, c in enumerate(u.uses):
            f, ln = where(u.id, "uses", i)
            by = teacher.get(c)
            if by is None:
                close = difflib.get_close_matches(c, list(teacher), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(Problem(f, ln, f"unit {u.id!r} uses concept {c!r}, which no unit teaches{hint}"))
            elif by == u.id:
                problems.append(Problem(f, ln, f"unit {u.id!r} both teaches and uses concept {c!r}: keep it under teaches"))
            elif by not in before[u.id]:
                problems.append(Problem(f, ln,
                                        f"unit {u.id!r} uses concept {c!r}, taught by {by!r}, which is not among its "
                                        f"prerequisites: add {by!r} (or a unit that needs it) to its needs"))
    return problems


def _cycle_members(units: list[Unit]) -> set[str]:
    known = {u.id for u in units}
    graph = {u.id: [n for n in u.needs if n in known] for u in units}
    members: set[str] = set()
    for start in graph:
        stack, seen = list(graph[start]), set()
        while stack:
            n = stack.pop()
            if n == start:
                members.add(start)
                break
            if n in seen:
                continue
            seen.add(n)
            stack.extend(graph[n])
    return members


def _pydantic_problems(exc: ValidationError, path: Path, lines: dict[tuple, int]) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = _without_tags(tuple(err["loc"]))
        where = ".".join(str(p) for p in loc) or "(top)"
        msg = err["msg"].removeprefix("Value error, ")
        out.append(Problem(str(path), _line_for(lines, loc), f"{where}: {msg}"))
    return out


def _without_tags(loc: tuple) -> tuple:
    """A pydantic location without the kind a figure's union adds (``figures, 0, graph, x`` is ``figures, 0,
    x`` in the file)."""
    from bot.content.figures import KINDS

    return tuple(p for i, p in enumerate(loc)
                 if not (p in KINDS and i and (loc[i - 1] == "figure" or (i > 1 and loc[i - 2] == "figures"))))
