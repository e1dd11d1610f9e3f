"""Does a formula render? matplotlib's mathtext draws it to a PNG, as the content tests require.

A formula that rendered once in this process is not drawn again: the curriculum repeats many formulas
(``x``, ``\\mu``, ``P(A)``...), and the same text renders the same way. A formula that fails raises on
every call (exceptions are not cached).
"""

from __future__ import annotations

import functools
import io


@functools.cache
def render_formula(latex: str) -> None:
    """Raise unless mathtext renders ``$latex$`` (LaTeX without the dollars)."""
    from matplotlib.mathtext import math_to_image

    math_to_image("$" + latex + "$", io.BytesIO(), format="png")
