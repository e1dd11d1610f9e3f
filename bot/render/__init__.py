"""Formulas and charts to PNG (matplotlib, no TeX install), and LaTeX to unicode for text-only places.

- :mod:`bot.render.unicode`: ``latex_to_unicode``, ``text_to_unicode`` (pure string work, fast).
- :mod:`bot.render.formulas`: ``render_text_png`` (cached), ``formula_error``, ``text_formula_errors``.
- :mod:`bot.render.charts`: ``progress_chart``.

Nothing here imports matplotlib until the first picture is drawn.
"""
