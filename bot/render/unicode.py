"""LaTeX to readable unicode text, for platforms and places that show no images. Pure string work.

``latex_to_unicode(r"\\frac{x+1}{2}")`` gives ``"(x+1)/2"``; ``text_to_unicode("so $x^2 \\ge 0$.")`` gives
``"so x² ≥ 0."``. The input is the matplotlib *mathtext* subset of LaTeX that the content uses, plus a
few things mathtext lacks (matrices, ``\\binom``, ``\\text``), so that a formula the image renderer
rejects still reads well as text. Nothing here raises: odd input comes back as readable text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MATH_SPAN_RE", "iter_math_spans", "latex_to_unicode", "reads_well_as_text", "text_to_unicode"]

# ---------------------------------------------------------------------------------------------------------
# Tables

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ",
    "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip

# Ordinary symbols: no spacing of their own.
SYMBOLS = {
    "infty": "∞", "partial": "∂", "nabla": "∇", "ell": "ℓ", "hbar": "ℏ", "Re": "ℜ", "Im": "ℑ",
    "aleph": "ℵ", "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃", "nexists": "∄",
    "neg": "¬", "lnot": "¬", "prime": "′", "degree": "°", "top": "⊤", "bot": "⊥", "dagger": "†",
    "angle": "∠", "triangle": "△", "square": "□", "checkmark": "✓", "cdots": "⋯", "ldots": "…",
    "dots": "…", "dotsc": "…", "dotsb": "⋯", "vdots": "⋮", "ddots": "⋱", "langle": "⟨", "rangle": "⟩",
    "lvert": "|", "rvert": "|", "vert": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "lbrace": "{", "rbrace": "}",
    "{": "{", "}": "}", "%": "%", "$": "$", "&": "&", "#": "#", "_": "_", "backslash": "\\",
    "sum": "∑", "prod": "∏", "coprod": "∐", "int": "∫", "iint": "∬", "iiint": "∭", "oint": "∮",
    "bigcup": "⋃", "bigcap": "⋂", "surd": "√",
}  # fmt: skip

# Binary operators and relations: written with a space on each side.
SPACED = {
    "pm": "±", "mp": "∓", "cdot": "·", "times": "×", "div": "÷", "ast": "∗", "star": "⋆", "circ": "∘", "bullet": "•",
    "oplus": "⊕", "ominus": "⊖", "otimes": "⊗", "odot": "⊙", "cup": "∪", "cap": "∩", "setminus": "∖",
    "wedge": "∧", "land": "∧", "vee": "∨", "lor": "∨",
    "le": "≤", "leq": "≤", "leqslant": "≤", "ge": "≥", "geq": "≥", "geqslant": "≥", "ne": "≠", "neq": "≠",
    "approx": "≈", "sim": "∼", "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝", "ll": "≪",
    "gg": "≫", "lt": "<", "gt": ">", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "supseteq": "⊇", "mid": "|", "nmid": "∤", "parallel": "∥", "perp": "⊥",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "leftrightarrow": "↔",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔", "implies": "⟹", "impliedby": "⟸",
    "iff": "⟺", "mapsto": "↦", "longrightarrow": "⟶", "longmapsto": "⟼", "uparrow": "↑",
    "downarrow": "↓", "coloneqq": "≔", "colon": ":", "models": "⊨", "vdash": "⊢",
    "triangleq": "≜", "doteq": "≐", "prec": "≺", "succ": "≻", "preceq": "⪯", "succeq": "⪰",
}  # fmt: skip

FUNCTIONS = frozenset(
    "sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth log ln lg exp max min sup inf lim "
    "liminf limsup arg argmax argmin det dim ker deg gcd lcm Pr hom tr trace rank diag sgn var cov".split()
)

FONTS = frozenset(
    "mathrm mathit mathbf mathsf mathtt mathnormal boldsymbol bm textbf textit textrm textsf texttt "
    "emph operatorname mathop rm it bf sf tt cal displaystyle textstyle scriptstyle mbox hbox".split()
)
TEXT_COMMANDS = frozenset("text textrm textit textbf textsf texttt mbox hbox emph".split())

# Combining marks for accents; multi-letter arguments get the mark on every letter.
ACCENTS = {
    "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
    "widetilde": "\u0303", "vec": "\u20d7", "overrightarrow": "\u20d7", "dot": "\u0307",
    "ddot": "\u0308", "check": "\u030c", "breve": "\u0306", "acute": "\u0301", "grave": "\u0300",
    "underline": "\u0332", "mathring": "\u030a",
}  # fmt: skip

BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ", "E": "𝔼", "H": "ℍ", "1": "𝟙"}
CALLIGRAPHIC = {
    "A": "𝒜", "B": "ℬ", "C": "𝒞", "D": "𝒟", "E": "ℰ", "F": "ℱ", "G": "𝒢", "H": "ℋ", "I": "ℐ", "J": "𝒥",
    "K": "𝒦", "L": "ℒ", "M": "ℳ", "N": "𝒩", "O": "𝒪", "P": "𝒫", "Q": "𝒬", "R": "ℛ", "S": "𝒮", "T": "𝒯",
    "U": "𝒰", "V": "𝒱", "W": "𝒲", "X": "𝒳", "Y": "𝒴", "Z": "𝒵",
}  # fmt: skip

SPACES = {",": " ", ":": " ", ">": " ", ";": " ", " ": " ", "quad": "\u2003", "qquad": "\u2003\u2003",
          "!": "", "enspace": " ", "thinspace": " ", "medspace": " ", "thickspace": " ", "nobreak": ""}  # fmt: skip

# Sizing and delimiter-prefix commands: dropped, the delimiter after them stays.
DROPPED = frozenset(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr limits nolimits "
    "nonumber notag label tag strut phantom hphantom vphantom".split()
)

# Superscript and subscript forms. Only characters that phone and desktop fonts commonly carry.
SUPERSCRIPT = dict(
    zip(
        "0123456789+−-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
SUBSCRIPT = dict(
    zip("0123456789+−-=()aehiklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True)
)
# Scripts that read better as a plain mark than as ^(...).
SUPERSCRIPT_SPECIAL = {"*": "*", "∗": "*", "′": "′", "′′": "″", "'": "′", "∘": "°", "°": "°", "⊤": "ᵀ",
                       "T": "ᵀ", "†": "†", "-1": "⁻¹", "−1": "⁻¹"}  # fmt: skip

VULGAR_ROOTS = {"2": "√", "3": "∛", "4": "∜"}

MATRIX_DELIMS = {
    "matrix": ("", ""), "smallmatrix": ("", ""), "pmatrix": ("(", ")"), "bmatrix": ("[", "]"),
    "Bmatrix": ("{", "}"), "vmatrix": ("|", "|"), "Vmatrix": ("‖", "‖"), "array": ("", ""),
}  # fmt: skip
OTHER_ENVS = {"cases": ("{ ", ""), "aligned": ("", ""), "align": ("", ""), "align*": ("", ""),
              "gathered": ("", ""), "split": ("", ""), "equation": ("", ""), "equation*": ("", "")}  # fmt: skip

MAX_DEPTH = 60
MAX_LATEX = 5000

# A math span: ``$...$`` (pandoc's rule: no space just inside the dollars, no digit right after the
# closing one, so "costs $5 and $10" is no formula) or ``$$...$$``; ``\$`` is an escaped dollar.
MATH_SPAN_RE = re.compile(
    r"(?<!\\)\$\$(?P<display>(?:[^$\\]|\\.)+?)(?<!\\)\$\$"
    r"|(?<!\\)\$(?![\s$])(?P<inline>(?:[^$\\\n]|\\.|\n(?!\s*\n))+?)(?<![\s\\])\$(?!\d)",
    re.DOTALL,
)


def iter_math_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, latex)`` for every math span in ``text``, ``start:end`` including the dollars."""
    if "$" not in text:
        return
    for m in MATH_SPAN_RE.finditer(text):
        yield m.start(), m.end(), m.group("display") if m.group("display") is not None else m.group("inline")


# ---------------------------------------------------------------------------------------------------------
# Tokenizer

_TOKEN_RE = re.compile(r"\\([A-Za-z]+\*?)|\\(.)|(\s+)|(.)", re.DOTALL)


@dataclass(slots=True)
class _Tok:
    kind: str  # "cmd" | "sym" (\ + one char) | "space" | "char"
    value: str


def _tokenize(latex: str) -> list[_Tok]:
    out: list[_Tok] = []
    after_word = False  # the previous token is a control word such as \alpha
    for m in _TOKEN_RE.finditer(latex):
        if m.group(3) is not None:
            out.append(_Tok("space", " "))
            continue
        if out and after_word and out[-1].kind == "space":
            # TeX ignores the space after a control word; keep it only before an operator or a
            # parenthesis so that `\alpha + 1` keeps its spacing while `\alpha x` becomes αx.
            nxt = m.group(4)
            if nxt is None or nxt.isalnum():
                out.pop()
        after_word = m.group(1) is not None
        if after_word:
            out.append(_Tok("cmd", m.group(1)))
        elif m.group(2) is not None:
            out.append(_Tok("sym", m.group(2)))
        else:
            out.append(_Tok("char", m.group(4)))
    return out


# ---------------------------------------------------------------------------------------------------------
# Parser: a sequence of pieces; each piece is a string with a kind that decides spacing when joined.


@dataclass(slots=True)
class _Piece:
    text: str
    kind: str = "ord"  # ord | space | frac | op (function name) | bigop | spaced


class _TooDeep(Exception):
    pass


class _Parser:
    def __init__(self, tokens: list[_Tok]):
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.envs: list[str] = []

    # -- helpers
    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def skip_spaces(self) -> None:
        while (t := self.peek()) is not None and t.kind == "space":
            self.i += 1

    def raw_group(self) -> str:
        """The raw text of a ``{...}`` argument (for \\text and environment names), or one token."""
        self.skip_spaces()
        t = self.peek()
        if t is None:
            return ""
        if not (t.kind == "char" and t.value == "{"):
            self.i += 1
            return _raw_text(t)
        self.i += 1
        depth, parts = 1, []
        while (t := self.peek()) is not None:
            self.i += 1
            if t.kind == "char" and t.value == "{":
                depth += 1
            elif t.kind == "char" and t.value == "}":
                depth -= 1
                if depth == 0:
                    break
            parts.append(t)
        return "".join(_raw_text(p) for p in parts)

    def optional_arg(self) -> str | None:
        self.skip_spaces()
        t = self.peek()
        if t is None or not (t.kind == "char" and t.value == "["):
            return None
        self.i += 1
        pieces = self.sequence(stop="]")
        t = self.peek()
        if t is not None and t.kind == "char" and t.value == "]":
            self.i += 1
        return _join(pieces)

    def argument(self) -> str:
        """One argument: a ``{group}`` or a single token (with its own arguments for a command)."""
        self.skip_spaces()
        t = self.peek()
        if t is None:
            return ""
        if t.kind == "char" and t.value == "{":
            self.i += 1
            pieces = self.sequence(stop="}")
            if (t := self.peek()) is not None and t.kind == "char" and t.value == "}":
                self.i += 1
            return _join(pieces)
        piece = self.atom()
        return piece.text if piece is not None else ""

    # -- grammar
    def sequence(self, stop: str | None = None) -> list[_Piece]:
        pieces: list[_Piece] = []
        while (t := self.peek()) is not None:
            if stop is not None and t.kind == "char" and t.value == stop:
                break
            if stop != "}" and t.kind == "char" and t.value == "}":  # stray closing brace
                self.i += 1
                continue
            if t.kind == "char" and t.value in "^_":
                self.i += 1
                arg = self.argument()
                if pieces and pieces[-1].kind != "space":
                    target = pieces[-1]
                    if target.kind == "frac":
                        target.text, target.kind = f"({target.text})", "ord"
                else:
                    target = _Piece("", "ord")
                    pieces.append(target)
                target.text += _superscript(arg) if t.value == "^" else _subscript(arg)
                continue
            piece = self.atom()
            if piece is not None:
                pieces.append(piece)
        return pieces

    def atom(self) -> _Piece | None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        try:
            return self._atom()
        finally:
            self.depth -= 1

    def _atom(self) -> _Piece | None:
        t = self.peek()
        if t is None:
            return None
        self.i += 1
        if t.kind == "space":
            return _Piece(" ", "space")
        if t.kind == "char":
            v = t.value
            if v == "{":
                pieces = self.sequence(stop="}")
                if (c := self.peek()) is not None and c.kind == "char" and c.value == "}":
                    self.i += 1
                return _Piece(_join(pieces), "ord")
            if v == "-":
                return _Piece("−")
            if v == "~":
                return _Piece(" ", "space")
            if v == "&":
                env = self.envs[-1] if self.envs else ""
                return _Piece(", " if env in MATRIX_DELIMS else " ", "space")
            if v in "=<>":
                return _Piece(v, "spaced")
            return _Piece(v)
        if t.kind == "sym":
            v = t.value
            if v in SPACES:
                return _Piece(SPACES[v], "space" if SPACES[v] else "ord")
            if v == "\\":
                return _Piece("; ", "space")
            return _Piece(SYMBOLS.get(v, v))
        return self.command(t.value)

    def command(self, name: str) -> _Piece | None:
        if name in GREEK:
            return _Piece(GREEK[name])
        if name in SPACED:
            return _Piece(SPACED[name], "spaced")
        if name in ("sum", "prod", "coprod", "int", "iint", "iiint", "oint", "bigcup", "bigcap"):
            return _Piece(SYMBOLS[name], "bigop")
        if name in SYMBOLS:
            return _Piece(SYMBOLS[name])
        if name in FUNCTIONS:
            return _Piece(name, "op")
        if name in SPACES:
            return _Piece(SPACES[name], "space")
        if name in DROPPED:
            if name in ("phantom", "hphantom", "vphantom", "label", "tag"):
                self.argument()
                return None
            self.skip_spaces()
            t = self.peek()
            if t is not None and t.kind == "char" and t.value == ".":  # \left. \right.
                self.i += 1
            return None
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            num, den = self.argument(), self.argument()
            num, den = num.strip() or "?", den.strip() or "?"
            num = num if _is_atom(num, allow_leading_minus=True) else f"({num})"
            den = den if _is_atom(den) and _is_single_factor(den) else f"({den})"
            return _Piece(f"{num}/{den}", "frac")
        if name == "binom" or name == "dbinom" or name == "tbinom":
            n, k = self.argument(), self.argument()
            return _Piece(f"C({n}, {k})")
        if name == "sqrt":
            index = self.optional_arg()
            arg = self.argument()
            body = arg if _is_root_atom(arg) else f"({arg})"
            if not index or index == "2":
                return _Piece("√" + body)
            if index in VULGAR_ROOTS:
                return _Piece(VULGAR_ROOTS[index] + body)
            sup = _superscript(index)
            return _Piece((sup if not sup.startswith("^") else f"{sup} ") + "√" + body)
        if name in ACCENTS:
            arg = self.argument()
            mark = ACCENTS[name]
            if name == "bar" and len(arg) > 1:
                mark = ACCENTS["overline"]
            return _Piece(
                unicodedata.normalize("NFC", "".join(c + mark if not c.isspace() else c for c in arg))
            )
        if name in TEXT_COMMANDS:
            return _Piece(self.raw_group().replace("\\", ""), "ord")
        if name in ("mathbb", "Bbb", "mathbbm"):
            arg = self.argument()
            return _Piece("".join(BLACKBOARD.get(c, c) for c in arg))
        if name in ("mathcal", "mathscr"):
            arg = self.argument()
            return _Piece("".join(CALLIGRAPHIC.get(c, c) for c in arg))
        if name == "operatorname" or name == "operatorname*":
            return _Piece(self.argument(), "op")
        if name in FONTS:
            if name in ("rm", "it", "bf", "sf", "tt", "cal", "displaystyle", "textstyle", "scriptstyle"):
                return None  # switch forms: no argument
            return _Piece(self.argument(), "ord")
        if name == "not":
            nxt = self.atom()
            text = nxt.text.strip() if nxt is not None else ""
            negated = {
                "=": "≠",
                "∈": "∉",
                "⊂": "⊄",
                "⊆": "⊈",
                "|": "∤",
                "≡": "≢",
                "∼": "≁",
                "<": "≮",
                ">": "≯",
            }
            return _Piece(negated.get(text, text + "\u0338"), "spaced")
        if name in ("bmod", "mod"):
            return _Piece("mod", "spaced")
        if name == "pmod":
            return _Piece(f" (mod {self.argument()})", "ord")
        if name == "begin":
            env = self.raw_group().strip()
            if env == "array":
                self.raw_group()  # column spec
            self.envs.append(env)
            return _Piece(MATRIX_DELIMS.get(env, OTHER_ENVS.get(env, ("", "")))[0])
        if name == "end":
            env = self.raw_group().strip()
            if self.envs:
                self.envs.pop()
            return _Piece(MATRIX_DELIMS.get(env, OTHER_ENVS.get(env, ("", "")))[1])
        if name in ("overset", "stackrel"):
            top, base = self.argument(), self.argument()
            return _Piece(base + _superscript(top), "spaced" if base in "=<>≤≥≈∼→" else "ord")
        if name == "underset":
            bottom, base = self.argument(), self.argument()
            return _Piece(base + _subscript(bottom), "op" if base.isalpha() else "ord")
        if name in ("underbrace", "overbrace", "boxed", "color", "textcolor"):
            if name in ("color", "textcolor"):
                self.argument()
                return None if name == "color" else _Piece(self.argument())
            return _Piece(self.argument())
        # unknown command: its name, and its argument in parentheses when one follows at once
        t = self.peek()
        if t is not None and t.kind == "char" and t.value == "{":
            return _Piece(f"{name.rstrip('*')}({self.argument()})")
        return _Piece(name.rstrip("*"))


def _raw_text(t: _Tok) -> str:
    if t.kind == "cmd":
        return "\\" + t.value + " "
    if t.kind == "sym":
        return "\\" + t.value
    return t.value


# ---------------------------------------------------------------------------------------------------------
# Joining and scripts

_LEFT_JOINERS = ")]}|‖"
_RIGHT_JOINERS = "([√∛∜∑∏∫∂∇"


def _joins_left(s: str) -> bool:
    s = s.rstrip()
    return bool(s) and (s[-1].isalnum() or s[-1] in _LEFT_JOINERS)


def _joins_right(s: str) -> bool:
    s = s.lstrip()
    return bool(s) and (s[0].isalnum() or s[0] in _RIGHT_JOINERS)


def _join(pieces: list[_Piece]) -> str:
    out: list[str] = []
    n = len(pieces)
    for k, p in enumerate(pieces):
        text = p.text
        if p.kind == "frac":
            prev = next((q.text for q in reversed(pieces[:k]) if q.kind != "space"), "")
            nxt = next((q.text for q in pieces[k + 1 :] if q.kind != "space"), "")
            prev_kind = next((q.kind for q in reversed(pieces[:k]) if q.kind != "space"), "")
            if (prev_kind in ("ord", "frac") and _joins_left(prev)) or _joins_right(nxt):
                text = f"({text})"
        elif p.kind == "spaced":
            prev_piece = next((q for q in reversed(pieces[:k]) if q.kind != "space"), None)
            unary = text in "±∓" and (
                prev_piece is None or prev_piece.kind == "spaced" or prev_piece.text[-1:] in "([{,"
            )
            text = text if unary else f" {text} "
        elif p.kind == "op":
            nxt = pieces[k + 1] if k + 1 < n else None
            if nxt is not None and nxt.kind in ("ord", "frac", "bigop", "op") and _joins_right(nxt.text):
                if nxt.text[:1] not in "([" and not (nxt.kind == "op" and text.isalpha()):
                    text += " "
            prev = pieces[k - 1] if k > 0 else None
            if prev is not None and prev.kind not in ("op", "space") and _joins_left(prev.text):
                text = " " + text
        elif p.kind == "bigop":
            nxt = pieces[k + 1] if k + 1 < n else None
            if nxt is not None and nxt.kind != "space":
                text += " "
        out.append(text)
    return "".join(out)


def _is_atom(s: str, *, allow_leading_minus: bool = False) -> bool:
    """True when ``s`` has no top-level operator or space, so it needs no parentheses next to ``/``."""
    s = s.strip()
    if allow_leading_minus and len(s) > 1 and s[0] == "−":
        s = s[1:]
    if not s or _is_parenthesized(s):
        return True
    depth = 0
    for ch in s:
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and (ch.isspace() or ch in _OPERATOR_CHARS):
            return False
    return True


_OPERATOR_CHARS = frozenset("+−-=<>/·×÷,;±∓≤≥≠≈→∼∈|:∣∗⊗⊙∪∩")
_SCRIPT_CHARS = frozenset(
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ′″*"
)
# One factor: a number, a (∂/d/∇-prefixed) letter, a call f(x), a root, a parenthesized group, n!
_FACTOR_RE = re.compile(
    r"\?|(?:\d+(?:[.,]\d+)?|[∂∇d]?[^\W\d_]|[^\W\d_]+\(.*\)|[√∛∜].*|\(.*\)|\[.*\]|‖.*‖|\|.*\|)!?"
)


def _strip_scripts(s: str) -> str:
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if c not in _SCRIPT_CHARS and not unicodedata.combining(c))
    s = re.sub(r"[\^_]\(.*?\)|[\^_]\w+", "", s)
    return s


def _is_single_factor(s: str) -> bool:
    """True for a denominator that reads unambiguously after ``/``: ``2``, ``n``, ``σ²``, ``∂w``, ``f(x)``."""
    return _FACTOR_RE.fullmatch(_strip_scripts(s.strip())) is not None


def _is_parenthesized(s: str) -> bool:
    return bool(s) and s[0] == "(" and _matching_close(s, 0) == len(s) - 1


def _matching_close(s: str, start: int) -> int:
    depth = 0
    for k in range(start, len(s)):
        if s[k] == "(":
            depth += 1
        elif s[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    return -1


def _is_root_atom(s: str) -> bool:
    s = s.strip()
    if not s or _is_parenthesized(s) or s.isdigit() or len(s) == 1:
        return True
    # one letter followed only by script characters or combining marks: √xᵢ, √σ², √x̄
    return s[0].isalpha() and not _strip_scripts(s[1:])


_SCRIPT_SPACES_RE = re.compile(r" *([=<>≤≥≠≈→∈+−·×,]) *")


def _script(s: str, table: dict[str, str], mark: str) -> str:
    """``x`` + script: unicode script characters when every character has one (and letters are not mixed
    with operators, ``xⁿ⁻¹`` reads badly), else ``^2``-style for one alphanumeric word, else ``^(...)``."""
    s = _SCRIPT_SPACES_RE.sub(r"\1", s.strip())
    if not s:
        return ""
    if mark == "^" and s in SUPERSCRIPT_SPECIAL:
        return SUPERSCRIPT_SPECIAL[s]
    has_letters = any(c.isalpha() for c in s)
    has_ops = any(not c.isalnum() for c in s)
    if all(c in table for c in s) and not (has_letters and has_ops):
        return "".join(table[c] for c in s)
    if len(s) == 1 or _is_parenthesized(s) or (mark == "_" and s.isalnum()):
        return mark + s
    return f"{mark}({s})"


def _superscript(s: str) -> str:
    return _script(s, SUPERSCRIPT, "^")


def _subscript(s: str) -> str:
    return _script(s, SUBSCRIPT, "_")


_MULTISPACE_RE = re.compile(r"[ \t\n]{2,}")
_SPACE_BEFORE_PUNCT_RE = re.compile(r" +([,;.)\]])")


def _fallback(latex: str) -> str:
    """Crude conversion for input the parser gives up on (absurd nesting)."""
    text = re.sub(
        r"\\([A-Za-z]+)", lambda m: GREEK.get(m.group(1), SYMBOLS.get(m.group(1), m.group(1))), latex
    )
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "").replace("\\", "")).strip()


@lru_cache(maxsize=4096)
def latex_to_unicode(latex: str) -> str:
    """Turn the LaTeX of one formula (without the $ signs) into plain readable text."""
    latex = latex[:MAX_LATEX]
    try:
        parser = _Parser(_tokenize(latex))
        pieces: list[_Piece] = []
        while parser.i < len(parser.toks):  # a stray "}" or "]" at top level ends `sequence`: skip it
            pieces.extend(parser.sequence())
            if parser.i < len(parser.toks):
                parser.i += 1
        text = _join(pieces)
    except (_TooDeep, RecursionError):
        text = _fallback(latex)
    text = _MULTISPACE_RE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    text = re.sub(r"([(\[]) +", r"\1", text)
    return unicodedata.normalize("NFC", text.strip())


@lru_cache(maxsize=4096)
def reads_well_as_text(latex: str) -> bool:
    """Whether the formula's unicode form reads about as well as a typeset one: ``x²+3x``, ``∂f/∂x``,
    ``∫₀¹ x² dx`` do; a matrix, a script unicode has no characters for (``x_ij``, ``e^(−x²/2)``,
    ``∑_(i=1)ⁿ``) or a fraction of two compound parts (``(a+b)/(c−d)``) does not."""
    if "\\begin" in latex:
        return False
    text = latex_to_unicode(latex)
    return not any(mark in text for mark in ("^", "_", ")/("))


def text_to_unicode(text: str) -> str:
    """Replace every ``$...$`` span in ``text`` with its unicode form.

    An escaped ``\\$`` and a ``$`` without a partner are left as they are.
    """
    if "$" not in text:
        return text
    parts: list[str] = []
    pos = 0
    for start, end, latex in iter_math_spans(text):
        parts.append(text[pos:start])
        parts.append(latex_to_unicode(latex))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
