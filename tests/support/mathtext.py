"""Does a formula render? matplotlib's mathtext draws it to a PNG, as the content tests require.

A formula that rendered once in this process is not drawn again: the curriculum repeats many formulas
(``x``, ``\\mu``, ``P(A)``...), and the same text renders the same way. A formula that fails raises on
every call (exceptions are not cached).
"""

from __future__ import annotations

import functools
import io
import re

_DIGIT_RUN = re.compile(r"\d+")


def render_formula(latex: str) -> None:
    """Raise unless mathtext renders ``$latex$`` (LaTeX without the dollars). A formula whose shape (every run of
    digits as 0) rendered is not drawn again: a template's instances differ only in their numbers, and every
    digit is a glyph of the same font. A shape that fails is tried as written, so the error is the formula's."""
    shape = _DIGIT_RUN.sub("0", latex)
    if shape != latex:
        try:
            _render(shape)
            return
        except Exception:  # noqa: BLE001 - decided by the formula as written, below
            pass
    _render(latex)


@functools.cache
def _render(latex: str) -> None:
    from matplotlib.mathtext import math_to_image

    math_to_image("$" + latex + "$", io.BytesIO(), format="png")
