"""Which replies carry their text typeset as a picture: only those whose formulas read badly as plain text."""

from __future__ import annotations

import pytest

from bot.adapters.common import reply_images
from bot.core.markup import to_plain, typeset_paragraphs
from bot.core.model import Reply


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Expand $(x+1)^2$.", "Expand (x+1)²."),
        ("What is $\\frac{1}{2} + \\frac{1}{3}$?", "What is 1/2 + 1/3?"),
        ("Find $\\frac{\\partial f}{\\partial x}$ for $f = x^2 y$.", "Find ∂f/∂x for f = x² y."),
        ("Compute $\\int_0^1 x^2\\,dx$.", "Compute ∫₀¹ x² dx."),
        ("Let $\\sigma^2 = 4$ and $A^{-1}$ exist.", "Let σ² = 4 and A⁻¹ exist."),
        ("No formula at all.", "No formula at all."),
    ],
)
def test_formulas_that_read_well_as_text_need_no_picture(text, plain):
    assert to_plain(text) == plain
    assert typeset_paragraphs(text) == ""


@pytest.mark.parametrize(
    "text",
    [
        "Find $\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}^{-1}$.",
        "The density is $\\frac{1}{\\sqrt{2\\pi}} e^{-x^2/2}$.",
        "What is $\\sum_{i=1}^{n} x_i$?",
        "Entry $a_{ij}$ of the product.",
        "Simplify $\\frac{a+b}{c-d}$.",
        "Easy $x^2$, then hard $x_{ij}$.",
    ],
)
def test_formulas_that_read_badly_as_text_need_a_picture(text):
    assert typeset_paragraphs(text) == text


def test_only_the_paragraphs_that_need_it_are_typeset():
    text = "Not quite: you answered `12`.\n\n**Solution:** $\\sum_{i=1}^{3} i = 6$.\n\nSee $x^2$ too."
    assert typeset_paragraphs(text) == "**Solution:** $\\sum_{i=1}^{3} i = 6$."


async def test_reply_images_typesets_only_what_needs_it():
    [(name, png)] = await reply_images(Reply("What is $\\sum_{i=1}^{n} i$?", math=True))
    assert name == "formulas.png" and png.startswith(b"\x89PNG")
    # the same content paragraph after another learner's answer: the same picture
    [(_, again)] = await reply_images(Reply("You answered `7`.\n\nWhat is $\\sum_{i=1}^{n} i$?", math=True))
    assert again == png
    assert await reply_images(Reply("Expand $(x+1)^2$.", math=True)) == []
    assert await reply_images(Reply("What is $\\sum_{i=1}^{n} i$?")) == []  # the core did not ask for it
