"""Texts with ``$...$`` formulas to PNG, with matplotlib's mathtext (Agg rasterizer; no TeX install).

``render_text_png(text)`` lays out a whole text (paragraphs, ``- `` bullets, ``**bold**``, ``_italic_``,
```code```, ``[label](url)``) with its formulas inline, wraps it to ``width_px`` and returns a PNG, or
``None`` when the text has no formula. Results are cached by content hash: in memory (LRU) and on disk.

``formula_error(latex)`` / ``text_formula_errors(text)`` tell content checks which formulas mathtext
cannot render.

No pyplot and no Figure: every string is parsed by ``MathTextParser("agg")`` into a bitmap and the
bitmaps are composed with numpy, then encoded by Pillow. matplotlib is imported on first use, and all
matplotlib work holds one lock (its mathtext parser and font caches are shared), so calling these
functions from ``asyncio.to_thread`` is safe. Cached renders take no lock on matplotlib.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.render.unicode import iter_math_spans, latex_to_unicode

__all__ = [
    "MAX_TEXT_CHARS",
    "cache_stats",
    "clear_memory_cache",
    "formula_error",
    "has_math",
    "prepare_latex",
    "render_text_png",
    "set_cache_dir",
    "text_formula_errors",
]

RENDER_VERSION = "1"  # bump when the look changes: it is part of the cache key
MAX_TEXT_CHARS = 4000  # longer texts are cut (with an ellipsis) before rendering
MAX_FORMULA_CHARS = 600  # longer formulas are shown as unicode text
MAX_FORMULAS = 80  # formulas beyond this many in one text are shown as unicode text
MAX_HEIGHT_PX = 9000  # lines below this are dropped
MEMORY_CACHE_SIZE = 256
MAX_OVERFLOW = 1.3  # a formula up to this many times the line width widens the image instead of wrapping

# Grey levels: the picture is greyscale, which halves the PNG and the time to encode it.
TEXT_COLOR = 28
CODE_COLOR = 40
CODE_BG = 238
BULLET_COLOR = 100
BACKGROUND = 255

FONT_FAMILY = "DejaVu Sans"
MONO_FAMILY = "DejaVu Sans Mono"
MATH_FONTSET = "dejavusans"  # matches the text font; "cm" looks like LaTeX but reads worse on phones

DEFAULT_CACHE_DIR = Path("data/cache/formulas")

# ---------------------------------------------------------------------------------------------------------
# Cache

_cache_dir: Path | None = None
_memory: OrderedDict[str, bytes] = OrderedDict()
_memory_lock = threading.Lock()
_stats = {"memory_hits": 0, "disk_hits": 0, "renders": 0}

# One lock for all matplotlib work in this package (charts use it too).
MPL_LOCK = threading.RLock()


@contextmanager
def drawing() -> Iterator[None]:
    """Hold the matplotlib lock with automatic garbage collection paused, and free the figure's cycles after,
    for charts and figures (:mod:`bot.render.charts`, :mod:`bot.render.figures`). A figure is a web of
    reference cycles: left to the collector they reach the oldest generation while it is drawn and pile up
    until a rare full collection (see the charts module's docstring); collecting the youngest generation right
    after a drawing frees it in ~5 ms."""
    with MPL_LOCK:
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if enabled:
                gc.enable()
            gc.collect(0)
            _trim()


@lru_cache(maxsize=1)
def _libc_trim() -> Any:
    """glibc's ``malloc_trim`` (None elsewhere)."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _trim() -> None:
    """Give the heap pages a drawing freed back to the system: a drawing allocates and frees megabytes in the
    drawing thread, and what glibc keeps of them would add up to the process's resident memory (~0.01 ms)."""
    trim = _libc_trim()
    if trim is not None:
        trim(0)


def set_cache_dir(path: str | os.PathLike[str] | None) -> None:
    """Where rendered PNGs are kept (created on first write); ``None`` restores the default
    ``./data/cache/formulas``. Also empties the in-memory cache."""
    global _cache_dir
    _cache_dir = Path(path) if path is not None else None
    clear_memory_cache()


def get_cache_dir() -> Path:
    return _cache_dir if _cache_dir is not None else DEFAULT_CACHE_DIR


def clear_memory_cache() -> None:
    with _memory_lock:
        _memory.clear()


def cache_stats() -> dict[str, int]:
    """Counters since start: ``memory_hits``, ``disk_hits``, ``renders``."""
    with _memory_lock:
        return dict(_stats)


def _cache_key(text: str, width_px: int) -> str:
    return hashlib.sha256(f"{RENDER_VERSION}\x00{width_px}\x00{text}".encode()).hexdigest()


def _memory_get(key: str) -> bytes | None:
    with _memory_lock:
        data = _memory.get(key)
        if data is not None:
            _memory.move_to_end(key)
            _stats["memory_hits"] += 1
        return data


def _memory_put(key: str, data: bytes) -> None:
    with _memory_lock:
        _memory[key] = data
        _memory.move_to_end(key)
        while len(_memory) > MEMORY_CACHE_SIZE:
            _memory.popitem(last=False)


def _disk_path(key: str) -> Path:
    return get_cache_dir() / key[:2] / f"{key}.png"


def _disk_get(key: str) -> bytes | None:
    try:
        data = _disk_path(key).read_bytes()
    except OSError:
        return None
    if not data.startswith(b"\x89PNG"):
        return None
    with _memory_lock:
        _stats["disk_hits"] += 1
    return data


def _disk_put(key: str, data: bytes) -> None:
    path = _disk_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".png")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full disk only costs a re-render next time


# ---------------------------------------------------------------------------------------------------------
# Public API


def has_math(text: str) -> bool:
    """True when ``text`` has at least one ``$...$`` formula."""
    return next(iter_math_spans(text), None) is not None


def render_text_png(text: str, *, width_px: int = 800) -> bytes | None:
    """A PNG of ``text`` with its formulas typeset, at most ``width_px`` wide (narrower when the text is
    short); ``None`` when the text has no formula. Never raises on odd input: a formula mathtext
    rejects is shown as unicode text."""
    if not has_math(text):
        return None
    width_px = max(200, min(int(width_px), 2400))
    return cached_png(_cache_key(text, width_px), lambda: _render(text, width_px))


def cached_png(key: str, make: Callable[[], bytes]) -> bytes:
    """The PNG cached under ``key`` (a content hash): from memory, else from disk, else ``make()`` run under
    the matplotlib lock and kept in both. Formulas and figures (:mod:`bot.render.figures`) share the cache."""
    data = _memory_get(key)
    if data is not None:
        return data
    data = _disk_get(key)
    if data is None:
        with MPL_LOCK:
            data = make()
            with _memory_lock:
                _stats["renders"] += 1
        _disk_put(key, data)
    _memory_put(key, data)
    return data


def cached_in_memory(key: str) -> bytes | None:
    """The PNG cached under ``key`` if it is in memory (no disk read, no drawing: safe on the event loop)."""
    return _memory_get(key)


def cached_file(key: str) -> Path | None:
    """Where the PNG cached under ``key`` is on disk (None when it is not there, e.g. the disk is read-only)."""
    path = _disk_path(key)
    return path if path.is_file() else None


_DIGIT_RUN = re.compile(r"\d+")


def formula_error(latex: str) -> str | None:
    """``None`` when mathtext renders this formula (LaTeX without the ``$``), else why not.

    Cached, and by shape: a formula that renders with ``0`` for every run of digits renders whatever the digits
    are (a template's instances differ only in their numbers); one that does not is parsed as written, so its
    message is the formula's own."""
    if latex.strip() and len(latex) <= MAX_FORMULA_CHARS:
        shape = _DIGIT_RUN.sub("0", latex)
        if shape != latex and _formula_error(shape) is None:
            return None
    return _formula_error(latex)


@lru_cache(maxsize=4096)
def _formula_error(latex: str) -> str | None:
    """Why mathtext cannot render ``latex`` as written (``None`` when it can); cached: the curriculum repeats many
    formulas."""
    if not latex.strip():
        return "empty formula"
    if len(latex) > MAX_FORMULA_CHARS:
        return f"formula too long ({len(latex)} characters, at most {MAX_FORMULA_CHARS})"
    with MPL_LOCK:
        typesetter = _Typesetter.get(24.0)
        try:
            typesetter.parse("$" + prepare_latex(latex) + "$", "text")
        except Exception as first:  # mathtext raises ValueError, pyparsing errors, RecursionError...
            error: BaseException = first
            try:  # the message of the formula as written (no \dfrac), so positions match the author's text
                typesetter.parse("$" + _apply_aliases(latex) + "$", "text")
            except Exception as second:
                error = second
            return _error_message(error)
    return None


def text_formula_errors(text: str) -> list[str]:
    """One message per formula in ``text`` that mathtext cannot render, and per unmatched ``$``."""
    errors: list[str] = []
    pos, rest = 0, []
    for start, end, latex in iter_math_spans(text):
        rest.append(text[pos:start])
        pos = end
        error = formula_error(latex)
        if error is not None:
            errors.append(f"${_shorten(latex, 80)}$: {error}")
    rest.append(text[pos:])
    outside = "".join(rest).replace("\\$", "")
    if "$" in outside:
        n = outside.count("$")
        errors.append(
            f"{n} unmatched $ (a formula is $...$ with no space just inside the dollars; write \\$ for a dollar sign)"
        )
    return errors


# ---------------------------------------------------------------------------------------------------------
# LaTeX accepted by the content but not by mathtext

_ALIASES = {
    "le": r"\leq",
    "ge": r"\geq",
    "implies": r"\Longrightarrow",
    "impliedby": r"\Longleftarrow",
    "top": r"\mathsf{T}",
    "intercal": r"\mathsf{T}",
    "iff": r"\Longleftrightarrow",
    "lnot": r"\neg",
    "land": r"\wedge",
    "lor": r"\vee",
    "gets": r"\leftarrow",
    "lVert": r"\Vert",
    "rVert": r"\Vert",
    "lvert": r"\vert",
    "rvert": r"\vert",
    "tfrac": r"\frac",
    "coloneqq": ":=",
    "argmax": r"\operatorname{argmax}",
    "argmin": r"\operatorname{argmin}",
    "bmod": r"\ \mathrm{mod}\ ",
    "limits": "",
    "nolimits": "",
    "displaystyle": "",
    "textstyle": "",
}
_ALIAS_RE = re.compile(r"\\(" + "|".join(sorted(_ALIASES, key=len, reverse=True)) + r")(?![A-Za-z])")
_OPERATORNAME_STAR_RE = re.compile(r"\\operatorname\*")


@lru_cache(maxsize=1024)
def prepare_latex(latex: str) -> str:
    r"""The formula as given to mathtext: common LaTeX that mathtext lacks (``\le``, ``\implies``,
    ``\lVert``...) replaced by what it has, and ``\frac`` outside sub/superscripts set at full size
    (``\dfrac``): inline fractions are too small to read on a phone."""
    return _display_fractions(_apply_aliases(latex))


def _apply_aliases(latex: str) -> str:
    latex = " ".join(latex.split())  # newlines inside a formula
    latex = _OPERATORNAME_STAR_RE.sub(r"\\operatorname", latex)
    return _ALIAS_RE.sub(lambda m: _ALIASES[m.group(1)], latex)


def _display_fractions(latex: str) -> str:
    r"""``\frac`` -> ``\dfrac`` unless inside a script or another fraction."""
    if r"\frac" not in latex:
        return latex
    out: list[str] = []
    stack: list[tuple[bool, int]] = []  # per open group: (is it small, fraction arguments pending after it)
    small = False  # inside a script or a fraction argument
    pending = 0  # how many of the next arguments are fraction arguments
    script_next = False  # the next argument is a sub/superscript
    i, n = 0, len(latex)
    while i < n:
        ch = latex[i]
        if ch == "{":
            stack.append((small, max(pending - 1, 0)))
            small = small or script_next or pending > 0
            pending, script_next = 0, False
            out.append(ch)
            i += 1
            continue
        if ch == "}":
            small, pending = stack.pop() if stack else (False, 0)
            out.append(ch)
            i += 1
            continue
        if ch.isspace():
            out.append(ch)
            i += 1
            continue
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.?)", latex[i:])
            token = m.group(0) if m else "\\"
        else:
            token = ch
        if token in (r"\frac", r"\dfrac"):
            is_small = small or script_next or pending > 0
            out.append(r"\frac" if is_small else r"\dfrac")
            # a fraction that is itself a single-token argument: its own arguments are small anyway
            pending = 2
            script_next = False
        else:
            out.append(token)
            if token in ("^", "_"):
                script_next = True
            elif script_next:
                script_next = False  # a one-token script: x^2
            elif pending > 0:
                pending -= 1  # a one-token fraction argument: \frac12
        i += len(token)
    return "".join(out)


def _error_message(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "formula nested too deeply"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    message = lines[-1] if lines else type(error).__name__
    message = re.sub(r"^\w*(?:Exception|Error):\s*", "", message)
    # positions refer to mathtext's view of the string, not the author's: leave them out
    message = re.sub(r",?\s*\(line:\d+, col:\d+\)\s*$", "", message)
    message = re.sub(r"\s*\(at char \d+\)", "", message).strip()
    if message.startswith("Expected {") and len(message) > 100:  # pyparsing lists every alternative
        message = "incomplete formula: an argument or a closing brace is missing"
    if message.startswith("Expected end of text"):
        message = "unbalanced braces or a stray character"
    m = re.match(r"Unknown symbol: (\\\w+)", message)
    if m:
        command = m.group(1)
        message = f"unknown command {command} (not in matplotlib mathtext)"
        if command in (r"\begin", r"\end"):
            message = "environments (\\begin...\\end, matrices, cases) are not supported by mathtext"
    return _shorten(message, 200)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------------------
# Typesetting strings to bitmaps


@dataclass(slots=True)
class _Bitmap:
    image: Any  # numpy uint8 array, ink coverage, row 0 at the top
    width: int
    ascent: float  # pixels above the baseline
    descent: float  # pixels below the baseline


class _Typesetter:
    """Parses strings at one font size; keeps the bitmaps of one render."""

    _instances: dict[float, _Typesetter] = {}

    @classmethod
    def get(cls, size: float) -> _Typesetter:
        inst = cls._instances.get(size)
        if inst is None:
            if len(cls._instances) > 8:
                cls._instances.clear()
            inst = cls._instances[size] = cls(size)
        return inst

    def __init__(self, size: float):
        from matplotlib.font_manager import FontProperties
        from matplotlib.mathtext import MathTextParser

        self.size = size
        self.parser = MathTextParser("agg")
        self.props = {
            "text": FontProperties(family=FONT_FAMILY, size=size, math_fontfamily=MATH_FONTSET),
            "bold": FontProperties(
                family=FONT_FAMILY, size=size, weight="bold", math_fontfamily=MATH_FONTSET
            ),
            "italic": FontProperties(
                family=FONT_FAMILY, size=size, style="oblique", math_fontfamily=MATH_FONTSET
            ),
            "code": FontProperties(family=MONO_FAMILY, size=size * 0.92, math_fontfamily=MATH_FONTSET),
        }

    def parse(self, s: str, style: str) -> _Bitmap:
        import numpy as np

        r = self.parser.parse(s, dpi=72, prop=self.props[style])
        image = np.asarray(r.image)
        return _Bitmap(image, image.shape[1], r.height - r.depth, r.depth)


@lru_cache(maxsize=1)
def _charmap() -> frozenset[int]:
    """The code points DejaVu Sans has: other characters (emoji) are dropped from plain text."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    chars: set[int] = set()
    for family in (FONT_FAMILY, MONO_FAMILY):
        chars.update(get_font(findfont(FontProperties(family=family))).get_charmap())
    return frozenset(chars)


def _clean_plain(s: str) -> str:
    charmap = _charmap()
    return "".join(c for c in s if ord(c) in charmap or c.isspace())


# ---------------------------------------------------------------------------------------------------------
# From text to lines of words


@dataclass(slots=True)
class _Seg:
    style: str  # text | bold | italic | code | math
    text: str  # plain text, or the LaTeX of a formula


@dataclass(slots=True)
class _Line:
    words: list[list[_Seg]] = field(default_factory=list)
    bullet: str = ""  # "•" or "1." for list items
    gap_before: bool = False  # a blank line came before it
    center: bool = False  # a display formula ($$...$$)


_LINK_RE = re.compile(r"\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))+\)")
_MARKUP_RE = re.compile(
    r"(?P<bold>\*\*)"
    r"|```(?P<block>.+?)```"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w\\])_(?P<italic>(?=\S)[^_\n]+?(?<=\S))_(?!\w)",
    re.DOTALL,
)
_BULLET_RE = re.compile(r"^(?:[-*•]|\d{1,3}[.)])$")

# Markup escapes (as in bot.core.markup): a backslash makes the next markup character literal. They are
# swapped for private-use characters while the markup is read, and back afterwards.
_ESCAPABLE = "\\*_`[]$()"
_ESCAPE_RE = re.compile(r"\\([" + re.escape(_ESCAPABLE) + r"])")
_PROTECTED = {c: chr(0xE000 + i) for i, c in enumerate(_ESCAPABLE)}
_UNPROTECT = str.maketrans({v: k for k, v in _PROTECTED.items()})


def _protect(s: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _PROTECTED[m.group(1)], s) if "\\" in s else s


def _unprotect(s: str) -> str:
    return s.translate(_UNPROTECT)


def _segments(text: str) -> list[tuple[_Seg, bool]]:
    """The text as segments; the flag is True for a display formula ($$...$$)."""
    out: list[tuple[_Seg, bool]] = []
    bold = False
    pos = 0
    formulas = 0

    def emit(style: str, s: str) -> None:
        out.append((_Seg(style, _unprotect(s)), False))

    def plain(chunk: str) -> None:
        nonlocal bold
        chunk = _LINK_RE.sub(r"\1", _protect(chunk))
        last = 0
        for m in _MARKUP_RE.finditer(chunk):
            if m.start() > last:
                emit("bold" if bold else "text", chunk[last : m.start()])
            last = m.end()
            if m.group("bold") is not None:
                bold = not bold
            elif m.group("block") is not None or m.group("code") is not None:
                emit("code", m.group("block") or m.group("code"))
            else:
                emit("bold" if bold else "italic", m.group("italic"))
        if last < len(chunk):
            emit("bold" if bold else "text", chunk[last:])

    for start, end, latex in iter_math_spans(text):
        plain(text[pos:start])
        pos = end
        display = text.startswith("$$", start)
        formulas += 1
        if formulas > MAX_FORMULAS or len(latex) > MAX_FORMULA_CHARS:
            out.append((_Seg("text", latex_to_unicode(latex)), False))
        else:
            out.append((_Seg("math", " ".join(latex.split())), display))
    plain(text[pos:])
    return out


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    current: _Line | None = None
    pending_blank = False  # a blank line was seen since the last line with words
    glue = False  # the next piece continues the current word (no whitespace in between)

    def line() -> _Line:
        nonlocal current, pending_blank
        if current is None:
            current = _Line(gap_before=pending_blank and bool(lines))
            lines.append(current)
            pending_blank = False
        return current

    def add(seg: _Seg) -> None:
        nonlocal glue
        ln = line()
        if glue and ln.words:
            ln.words[-1].append(seg)
        else:
            ln.words.append([seg])
        glue = True

    for seg, display in _segments(text):
        if seg.style == "math":
            if display:
                if current is not None and current.words:
                    current = None
                ln = line()
                ln.center = True
                ln.words.append([seg])
                current, glue = None, False
            else:
                add(seg)
            continue
        seg.text = _clean_plain(seg.text)
        for k, row in enumerate(seg.text.split("\n")):
            if k > 0:  # a line break
                if current is None:
                    pending_blank = True
                current, glue = None, False
            if row[:1].isspace():
                glue = False
            for j, word in enumerate(row.split()):
                if j > 0:
                    glue = False
                starts_line = current is None or not (current.words or current.bullet)
                if starts_line and seg.style == "text" and _BULLET_RE.match(word):
                    line().bullet = "•" if word in ("-", "*", "•") else word
                    glue = False
                    continue
                add(_Seg(seg.style, word))
            if row[-1:].isspace():
                glue = False
    return [ln for ln in lines if ln.words]


# ---------------------------------------------------------------------------------------------------------
# Layout and drawing


def _escape_plain(s: str) -> str:
    return s.replace("$", r"\$")


@dataclass(slots=True)
class _Piece:
    bitmap: _Bitmap
    style: str
    x: float = 0.0


class _Render:
    def __init__(self, width_px: int):
        self.width_px = width_px
        self.size = round(width_px * 0.04, 1)  # 32 px at 800: ~40 characters a line, readable on a phone
        self.ts = _Typesetter.get(self.size)
        self.pad_x = round(self.size * 0.8)
        self.pad_y = round(self.size * 0.6)
        self.content_width = width_px - 2 * self.pad_x
        self.cache: dict[tuple[str, str], _Bitmap] = {}
        ref = self.bitmap("Ag", "text")
        self.ascent, self.descent = ref.ascent, ref.descent
        self.space = max(1, self.bitmap("x x", "text").width - self.bitmap("xx", "text").width)

    def bitmap(self, s: str, style: str) -> _Bitmap:
        key = (s, style)
        bm = self.cache.get(key)
        if bm is None:
            bm = self.cache[key] = self.ts.parse(s, style)
        return bm

    def word_pieces(self, word: list[_Seg]) -> list[_Piece]:
        """Bitmaps of one word. Formulas and the text glued to them ("$x$,") make one mathtext string;
        a change of text style or code starts another."""
        groups: list[tuple[str | None, list[_Seg]]] = []  # (text style, None while only math; segments)
        for seg in word:
            style = None if seg.style == "math" else seg.style
            if groups and "code" not in (style, groups[-1][0]):
                group_style, segs = groups[-1]
                if style is None or group_style is None or style == group_style:
                    groups[-1] = (group_style or style, [*segs, seg])
                    continue
            groups.append((style, [seg]))
        return [_Piece(self.group_bitmap(style or "text", segs), style or "text") for style, segs in groups]

    def fitted(self, word: list[_Seg], avail: float) -> list[list[_Piece]]:
        """The word's pieces; a word too wide for a line is split: a formula much wider than a line
        becomes unicode text (wrapped at its spaces), a long plain word is cut."""
        pieces = self.word_pieces(word)
        width = sum(p.bitmap.width for p in pieces)
        if width <= avail:
            return [pieces]
        has_math = any(seg.style == "math" for seg in word)
        if has_math and width <= avail * MAX_OVERFLOW:
            return [pieces]  # the canvas grows a little rather than lose the typesetting
        style = next((seg.style for seg in word if seg.style != "math"), "text")
        if has_math:
            plain = "".join(latex_to_unicode(seg.text) if seg.style == "math" else seg.text for seg in word)
            plain = _clean_plain(plain)
            return [fit for part in plain.split() for fit in self.fitted([_Seg(style, part)], avail)]
        text = "".join(seg.text for seg in word)
        per_line = max(1, int(len(text) * avail / width * 0.95))  # characters a line holds, about
        out: list[list[_Piece]] = []
        while text:
            n = min(per_line, len(text))
            if n < len(text):  # prefer to break after an operator or a comma
                cut = max(text.rfind(c, 0, n) for c in "+−-=,;·×")
                if cut >= n * 0.6:
                    n = cut + 1
            bm = self.bitmap(_escape_plain(text[:n]), style)
            while n > 1 and bm.width > avail:
                n = max(1, int(n * 0.9))
                bm = self.bitmap(_escape_plain(text[:n]), style)
            out.append([_Piece(bm, style)])
            text = text[n:]
        return out

    def group_bitmap(self, style: str, segs: list[_Seg]) -> _Bitmap:
        s = "".join(
            "$" + prepare_latex(seg.text) + "$" if seg.style == "math" else _escape_plain(seg.text)
            for seg in segs
        )
        try:
            return self.bitmap(s, style)
        except Exception:
            pass
        # some formula in it is broken: show the broken ones as unicode text
        fixed = []
        for seg in segs:
            if seg.style == "math":
                try:
                    self.bitmap("$" + prepare_latex(seg.text) + "$", style)
                    fixed.append("$" + prepare_latex(seg.text) + "$")
                except Exception:
                    fixed.append(_escape_plain(_clean_plain(latex_to_unicode(seg.text))))
            else:
                fixed.append(_escape_plain(seg.text))
        try:
            return self.bitmap("".join(fixed), style)
        except Exception:
            return self.bitmap("?", style)

    def layout(self, lines: list[_Line]) -> tuple[list[tuple[float, list[_Piece], bool, bool]], float]:
        """Visual lines as (indent, pieces with x set, centered, paragraph gap before) and the widest width."""
        out: list[tuple[float, list[_Piece], bool, bool]] = []
        widest = 0.0
        for line in lines:
            indent = 0.0
            bullet_pieces: list[_Piece] = []
            if line.bullet:
                bullet = self.bitmap(_escape_plain(line.bullet), "text")
                indent = max(bullet.width + self.space * 1.5, self.size * 1.2)
                bullet_pieces = [_Piece(bullet, "bullet", self.size * 0.25 if line.bullet == "•" else 0)]
            avail = self.content_width - indent
            current: list[_Piece] = []
            x = 0.0
            first = True
            for pieces in (fit for word in line.words for fit in self.fitted(word, avail)):
                w = sum(p.bitmap.width for p in pieces)
                if current and x + self.space + w > avail:
                    out.append(
                        (
                            indent,
                            (bullet_pieces if first else []) + current,
                            line.center,
                            line.gap_before and first,
                        )
                    )
                    widest = max(widest, indent + x)
                    current, x, first = [], 0.0, False
                if current:
                    x += self.space
                for p in pieces:
                    p.x = indent + x
                    current.append(p)
                    x += p.bitmap.width
            out.append(
                (indent, (bullet_pieces if first else []) + current, line.center, line.gap_before and first)
            )
            widest = max(widest, indent + x)
        return out, widest


def _render(text: str, width_px: int) -> bytes:
    import numpy as np

    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS].rstrip() + " …"
    r = _Render(width_px)
    visual, widest = r.layout(_lines(text))

    line_gap = r.size * 0.42
    para_gap = r.size * 0.55
    rows: list[tuple[float, list[_Piece], bool, float]] = []  # (baseline y, pieces, centered, line width)
    y = float(r.pad_y)
    for k, (_indent, pieces, center, gap_before) in enumerate(visual):
        ascent = max([r.ascent, *(p.bitmap.ascent for p in pieces)])
        descent = max([r.descent, *(p.bitmap.descent for p in pieces)])
        if k > 0:
            y += line_gap + (para_gap if gap_before else 0.0)
        if y + ascent + descent > MAX_HEIGHT_PX:
            break
        baseline = y + ascent
        line_width = max((p.x + p.bitmap.width for p in pieces), default=0.0)
        rows.append((baseline, pieces, center, line_width))
        y = baseline + descent

    width = int(np.ceil(min(max(widest, 1.0), r.content_width * MAX_OVERFLOW))) + 2 * r.pad_x
    height = int(np.ceil(y)) + r.pad_y
    canvas = np.full((height, width), float(BACKGROUND), np.float32)

    colors = {
        "text": TEXT_COLOR,
        "bold": TEXT_COLOR,
        "italic": TEXT_COLOR,
        "code": CODE_COLOR,
        "bullet": BULLET_COLOR,
    }
    for baseline, pieces, center, line_width in rows:
        shift = r.pad_x + ((width - 2 * r.pad_x - line_width) / 2 if center else 0)
        for p in pieces:
            bm = p.bitmap
            x0 = int(round(shift + p.x))
            y0 = int(round(baseline - bm.ascent))
            if p.style == "code":
                pad = round(r.size * 0.12)
                canvas[
                    max(0, int(baseline - r.ascent) - pad) : min(height, int(baseline + r.descent) + pad),
                    max(0, x0 - pad) : min(width, x0 + bm.width + pad),
                ] = CODE_BG
            _blend(canvas, bm.image, x0, y0, colors.get(p.style, TEXT_COLOR))

    return _encode_png(canvas)


def _blend(canvas: Any, ink: Any, x0: int, y0: int, color: int) -> None:
    import numpy as np

    h, w = ink.shape
    H, W = canvas.shape[:2]
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(W, x0 + w), min(H, y0 + h)
    if xa >= xb or ya >= yb:
        return
    alpha = ink[ya - y0 : yb - y0, xa - x0 : xb - x0].astype(np.float32) / 255.0
    region = canvas[ya:yb, xa:xb]
    region *= 1.0 - alpha
    region += alpha * float(color)


def _encode_png(canvas: Any) -> bytes:
    import numpy as np
    from PIL import Image

    image = Image.fromarray(np.clip(canvas + 0.5, 0, 255).astype(np.uint8), "L")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()
