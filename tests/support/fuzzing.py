"""The fuzzing's shared parts: what people type (hypothesis strategies), the oracle's checks of a reply
and of stored data, and the settings every fuzz test runs with (``tests/unit/test_fuzz_core.py`` fuzzes
the core, ``tests/integration/test_fuzz_adapters.py`` the adapters)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from bot.adapters.discord import render as discord_render
from bot.adapters.telegram import html_parts, keyboard, visible_len
from bot.content.loader import load_catalog
from bot.core.commands import ACTIONS, build_registry
from bot.core.model import Actor, Reply
from bot.core.service import owner_tag, split_owner
from bot.storage.tables import metadata
from tests.support import ROOT, examples
from tests.support.fake_telegram import ApiError, parse_html

SORRY = "Sorry, something went wrong"
REJECTION_REPLIES = ("I don't know the command", "That button has expired", "That answer is too long")
CATALOG = load_catalog(ROOT / "content")
REGISTRY = build_registry()
NAMES = REGISTRY.names()
ARG_NAMES = sorted({a.name for c in REGISTRY for a in c.args})
TEXT_ACTIONS = sorted(getattr(__import__("bot.core.commands", fromlist=["TEXT_ACTIONS"]), "TEXT_ACTIONS", {}))

# ---------------------------------------------------------------- what people type

NASTY = [
    "", " ", "\n", "\t", "$", "$$", "$x$", "$\\frac{1}{0}$", "\\", "\\\\", "**", "__", "_", "`", "```", "<b>", "</i>",
    "<a href='x'>", "&", "&amp;", "&#0;", "<", ">", "[a](javascript:alert(1))", "[x](https://e.com)", "\u202e",
    "\u200b", "\ufeff", "👨‍👩‍👧‍👦", "🧮", "é", "e\u0301", "ﷺ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\x00", "\x1b[31m", "%s", "{0}", "{}",
    "'; DROP TABLE learners; --", "null", "None", "NaN", "inf", "-inf", "1e999", "9" * 60, "-0", "0", "-1", "61",
    "999999", "1.5", "/next", "/", "@", "@MathStudyBot", "@other_bot", "Europe/Berlin", "europe/berlin", "berlin",
    "Asia/Kolkata", "UTC", "Etc/GMT+5", "../../etc/passwd", "25:99", "07:30", "7.30", "19h00", "24:00", "off",
    "OFF", "skip", "nice", "all", "calculus", "linear algebra", "Linear-Algebra", "probability", "start", "end",
    "status", "resume", "join", "leave", "post", "topic:all", "days:7", "time:19:00", "days:0", "days:-3",
    "topic:", ":", "::", "a:b:c", "x^2", "sqrt(-1)", "[[1,2],[3,4]]", "{1, -2}", "1/0", "3/4", "(" * 100,
    "9^9^9^9", "__import__('os')", "x" * 600,
]
_chars = st.characters(blacklist_categories=("Cs",))
# digits that str.isdigit() or a regex's \\d accept but that are not ASCII: superscripts, Arabic-Indic, ...
DIGITS = st.text(alphabet="0123456789²³¹⁰٠١٢٣٧۳₀①߀१੩", min_size=1, max_size=4)
IDS = st.one_of(st.sampled_from(sorted(CATALOG.prompt_by_id)), st.sampled_from(sorted(CATALOG.unit_by_id)), DIGITS)
WORD = st.one_of(st.sampled_from(NASTY), st.text(_chars, max_size=30), DIGITS,
                 st.builds(lambda h, m: f"{h}:{m}", DIGITS, DIGITS))
HUGE = st.builds(lambda s, n: (s or "x") * n, st.text(_chars, min_size=1, max_size=4), st.integers(1000, 5000))
TEXT = st.one_of(WORD, st.lists(WORD, max_size=5).map(" ".join), HUGE)
COMMAND_NAME = st.one_of(
    st.sampled_from(NAMES), st.sampled_from(NAMES).map(str.upper), st.sampled_from(NAMES).map(lambda n: n + "@MathStudyBot"),
    st.text(_chars, max_size=45), st.sampled_from(NAMES).map(lambda n: n[:-1] or n + "x"),
)
OPTION_VALUE = st.one_of(TEXT, st.integers(-10**9, 10**9), st.none(), st.booleans(), st.floats(allow_nan=True))
OPTIONS = st.dictionaries(st.one_of(st.sampled_from(ARG_NAMES), st.text(_chars, max_size=12)), OPTION_VALUE,
                          max_size=4)
ACTORS = [
    Actor("telegram", "101", "Ann", chat_id="101"),
    Actor("discord", "202", "<b>Bob</b> $x$ _*[y](z)", chat_id="d202"),
    Actor("console", "c3", "🧮" * 60 + " & <Zoë>", chat_id="console:c3"),
    Actor("telegram", "404", "Grace (organiser)", chat_id="-100777", is_private=False, is_admin=True,
          guild_id="-100777"),
    Actor("telegram", "405", "Mo", chat_id="-100777", is_private=False, guild_id="-100777"),
    Actor("discord", "505", "Dee", chat_id="9001", is_private=False, is_admin=True, guild_id="77"),
]
ACTOR = st.integers(0, len(ACTORS) - 1)
# whose a forged button says it is: the people above, people of the adapters' fakes, nobody known
OWNER_TAGS = sorted({owner_tag(a.user_id) for a in ACTORS} - {""}) + [owner_tag("703"), owner_tag("704"), "zz9"]
NONCE = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", max_size=16)
# destructive confirms nobody asked for (a guessed or replayed nonce, the old bare form), and anybody's buttons
# with somebody else's owner tag
FORGED = st.one_of(
    st.builds(lambda verb, n: f"{verb}:{n}", st.sampled_from(["fy", "fn"]), NONCE),
    st.sampled_from(["fy", "fn", "fy:", "fy::", "fy~", "fy:~"]),
    st.builds(lambda a, t: f"{a}~{t}", st.one_of(
        st.sampled_from(["fy", "fn", "n", "z", "dy", "d:b-one", "p:b-one", "s:b-one", "tz:Europe/Berlin"]),
        st.builds(lambda v, i: f"{v}:{i}", st.sampled_from(sorted(ACTIONS)), IDS),
        NONCE.map(lambda n: f"fy:{n}"),
    ), st.sampled_from(OWNER_TAGS)),
)
ACTION = st.one_of(
    FORGED,
    st.builds(lambda v, a: f"{v}:{a}", st.sampled_from(sorted(ACTIONS)), TEXT),
    st.builds(lambda v, i, d: f"{v}:{i}:{d}", st.sampled_from(sorted(ACTIONS)), IDS, st.one_of(DIGITS, WORD)),
    st.builds(lambda v, i, d, x: f"{v}:{i}:{d}:{x}", st.sampled_from(sorted(ACTIONS)), DIGITS, DIGITS, DIGITS),
    st.sampled_from(sorted(ACTIONS)),
    TEXT,
    st.text(_chars, min_size=60, max_size=80),
)


# An operation: what one person does next.
OP = st.one_of(
    st.tuples(st.just("text"), ACTOR, TEXT),
    st.tuples(st.just("command"), ACTOR, COMMAND_NAME, TEXT),
    st.tuples(st.just("options"), ACTOR, st.sampled_from(NAMES), OPTIONS),
    st.tuples(st.just("press"), ACTOR, ACTION),
    st.tuples(st.just("others"), ACTOR, ACTOR, st.integers(0, 30)),  # a button of a message meant for another
    st.tuples(st.just("answer_to"), ACTOR, st.one_of(st.sampled_from(TEXT_ACTIONS or ["q"]), ACTION), TEXT),
    # valid moves, so that garbage also meets open lessons, open questions and running challenges
    st.tuples(st.just("shown"), ACTOR, st.integers(0, 30)),
    st.tuples(st.just("solve"), ACTOR, st.booleans()),
    st.tuples(st.just("solve"), ACTOR, st.booleans()),
    st.tuples(st.just("command"), ACTOR, st.sampled_from(["next", "done", "daily", "review", "hint"]), st.just("")),
    st.tuples(st.just("command"), st.sampled_from([3, 5]), st.just("challenge"),
              st.sampled_from(["start all 3 19:00", "start topic:calculus days:2 time:07:00 Europe/Berlin", "status",
                               "join", "end", "resume"])),
    st.tuples(st.just("clock"), ACTOR, st.integers(1, 30)),
)


# ---------------------------------------------------------------- the oracle


def db_state(path) -> dict:
    """Every row of every table, read straight from the SQLite file (committed data; fast enough to do twice
    per input)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in metadata.tables}


def diff(before: dict, after: dict) -> dict:
    return {t: {"gone": [r for r in before[t] if r not in after[t]], "new": [r for r in after[t] if r not in before[t]]}
            for t in before if before[t] != after[t]}


def someone_elses(action: str, presser_id: str) -> bool:
    """Whether a button's action carries the owner tag of a person other than its presser."""
    tag = split_owner(action)[1]
    return bool(tag) and tag != owner_tag(presser_id)


def forged_confirm(action: str) -> bool:
    """A destructive confirm (``/forget``'s Yes) not taken from a message the bot sent its presser."""
    return split_owner(action)[0].partition(":")[0] == "fy"


def rejected(events: list, texts: list[str]) -> bool:
    """Whether the core rejected the input: a usage error (``Core.observer``'s outcome ``usage``), an
    unreadable answer, or a reply saying the command, button or answer is refused."""
    outcomes = [f.get("outcome") for e, f in events if e == "command"]
    return ("usage" in outcomes
            or any(e == "answer_check" and f.get("result") == "unreadable" for e, f in events)
            or any(t.startswith(REJECTION_REPLIES) for t in texts))


async def reply_problems(reply: Reply) -> list[str]:
    """What a platform would refuse (or silently lose) when this reply is shown there."""
    out: list[str] = []
    if not (reply.text.strip() or reply.file or reply.image or reply.chart):
        out.append("an empty reply")
    for b in reply.all_buttons:
        if not b.label.strip():
            out.append(f"a button without a label ({b.action!r})")
        if not 1 <= len(b.action.encode()) <= 64:
            out.append(f"button action {b.action!r} is not 1-64 bytes")
    # Telegram, as the adapter converts it
    parts = html_parts(reply.text)
    if not parts and not (reply.file or reply.image or reply.chart):
        out.append("telegram: nothing to send")
    for p in parts:
        try:
            shown = parse_html(p)
        except ApiError as exc:
            out.append(f"telegram refuses the HTML: {exc.description}")
            continue
        if visible_len(p) > 4096 or len(shown.encode("utf-16-le")) // 2 > 4096:
            out.append(f"telegram: a message of {visible_len(p)} characters")
        if not shown.strip():
            out.append("telegram: an empty message")
    kb = keyboard(reply)
    if len([b for row in (kb.inline_keyboard if kb else ()) for b in row]) != len(reply.all_buttons):
        out.append("telegram: buttons were dropped")
    # Discord, as the adapter renders it (without drawing images: that is the renderers' business)
    messages = await discord_render(dataclasses.replace(reply, math=False, chart=None, image=None))
    for m in messages:
        if len(m.content) > 2000:
            out.append(f"discord: content of {len(m.content)} characters")
        if m.embed is not None and len(m.embed.description or "") > 4096:
            out.append(f"discord: an embed of {len(m.embed.description)} characters")
        if m.embed is not None and len(m.embed.title or "") > 256:
            out.append("discord: an embed title over 256 characters")
        if not (m.content.strip() or m.embed or m.files):
            out.append("discord: an empty message")
        if m.view is not None:
            items = m.view.children
            if len(items) > 25:
                out.append(f"discord: {len(items)} components")
            for item in items:
                cid = getattr(item, "custom_id", None) or ""
                if not 1 <= len(cid) <= 100:
                    out.append(f"discord: custom_id {cid!r}")
                if len(getattr(item, "label", "") or "") > 80:
                    out.append("discord: a label over 80 characters")
    shown_buttons = sum(len(m.view.children) for m in messages if m.view is not None)
    if shown_buttons != len(reply.all_buttons) + (1 if reply.expects_answer else 0):
        out.append("discord: buttons were dropped")
    return out


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)




def fuzz(max_examples: int) -> settings:
    """Deterministic settings with the property's own example count (scaled down by the fast profile only)."""
    return settings(max_examples=examples(max_examples), deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
