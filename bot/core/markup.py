"""The neutral text markup of :class:`~bot.core.model.Reply` and its translations.

Markup: ``**bold**``, ``_italic_``, ```code```, ``[label](https://url)``, ``$latex$``; a backslash
escapes the next character. Text from users (names, echoed answers) goes through :func:`esc` first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

from bot.render.unicode import latex_to_unicode, reads_well_as_text

_TOKEN = re.compile(
    r"\\(?P<esc>[\\*_`\[\]$()])"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w\\])_(?P<ital>[^_\n]+?)_(?!\w)"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"
    # the same rule as bot.render: no space just inside the dollars, no digit right after ("$5 and $10")
    r"|(?<!\\)\$(?![\s$])(?P<math>(?:[^$\\\n]|\\.)+?)(?<![\s\\])\$(?!\d)",
    re.S,
)
_ESCAPE = re.compile(r"([\\*_`\[\]$])")


def esc(text: str) -> str:
    """Make user-provided text inert inside markup."""
    return _ESCAPE.sub(r"\\\1", text)


def tokens(text: str) -> Iterator[tuple[str, str, str]]:
    """(kind, text, url) runs: kind in plain, bold, italic, code, link, math."""
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            yield "plain", text[pos : m.start()], ""
        if m.group("esc") is not None:
            yield "plain", m.group("esc"), ""
        elif m.group("bold") is not None:
            yield "bold", m.group("bold"), ""
        elif m.group("ital") is not None:
            yield "italic", m.group("ital"), ""
        elif m.group("code") is not None:
            yield "code", m.group("code"), ""
        elif m.group("label") is not None:
            yield "link", m.group("label"), m.group("url")
        else:
            yield "math", m.group("math"), ""
        pos = m.end()
    if pos < len(text):
        yield "plain", text[pos:], ""


def _inner(s: str) -> str:
    """Text inside bold/italic may carry escapes; drop them."""
    return re.sub(r"\\(.)", r"\1", s)


def render(text: str, fmt: Callable[[str, str, str], str]) -> str:
    return "".join(fmt(kind, value, url) for kind, value, url in tokens(text))


def _plain(kind: str, value: str, url: str) -> str:
    if kind == "math":
        return latex_to_unicode(value)
    if kind == "link":
        return f"{value} <{url}>"
    if kind in ("bold", "italic"):
        return _inner(value)
    return value


def _html(kind: str, value: str, url: str) -> str:
    e = html.escape
    if kind == "plain":
        return e(value, quote=False)
    if kind == "bold":
        return f"<b>{e(_inner(value), quote=False)}</b>"
    if kind == "italic":
        return f"<i>{e(_inner(value), quote=False)}</i>"
    if kind == "code":
        return f"<code>{e(value, quote=False)}</code>"
    if kind == "link":
        return f'<a href="{e(url, quote=True)}">{e(value, quote=False)}</a>'
    return e(latex_to_unicode(value), quote=False)


_MD_SPECIAL = re.compile(r"([\\*_`~|>\[\]()#-])")


def _md(kind: str, value: str, url: str) -> str:
    def m(s: str) -> str:
        return _MD_SPECIAL.sub(r"\\\1", s)

    if kind == "plain":
        return m(value)
    if kind == "bold":
        return f"**{m(_inner(value))}**"
    if kind == "italic":
        return f"*{m(_inner(value))}*"
    if kind == "code":
        return f"`{value.replace('`', '')}`"
    if kind == "link":
        return f"[{m(value)}](<{url}>)"
    return m(latex_to_unicode(value))


def to_plain(text: str) -> str:
    """For terminals and fallbacks: formulas as unicode, links as ``label <url>``."""
    return render(text, _plain)


def to_html(text: str) -> str:
    """Telegram's HTML parse mode; everything is escaped."""
    return render(text, _html)


def to_markdown(text: str) -> str:
    """Discord markdown; everything outside our markup is escaped."""
    return render(text, _md)


def typeset_paragraphs(text: str) -> str:
    """The paragraphs of ``text`` with a formula that reads badly as plain text, to show typeset where images
    are shown ('' when every formula reads well: ``x² + 1`` needs no picture, a matrix or ``x_ij`` does).
    Only those paragraphs: the text itself always carries every formula in unicode, and a picture of content
    paragraphs alone (not of an echoed answer) is the same for every learner, so it is rendered once."""
    return "\n\n".join(
        para for para in text.split("\n\n")
        if any(kind == "math" and not reads_well_as_text(value) for kind, value, _ in tokens(para))
    )
