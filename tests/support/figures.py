"""Figures in tests: the fixture curriculum with figures added, and reading a drawn figure's pixels at the
data coordinates of one of its axes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from tests.support import FIXTURE_CONTENT

LESSON_FIGURE = """  figures:
  - kind: vectors
    vectors: [[3, 1], [1, 2]]
    show: sum
    caption: Adding vectors tip to tail
"""
QUESTION_FIGURE = """    figure:
      kind: unit-circle
      angle: 60°
"""


def content_with_figures(root: Path) -> Path:
    """The fixture curriculum in ``root/content``, where the first unit's lesson (Unit One) carries a vectors
    figure and its question "Which is 3 + 3?" (b-one-3) a unit circle."""
    content = root / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    basics = content / "topics" / "basics.yaml"
    text = basics.read_text()
    text = text.replace("  prompts:\n", LESSON_FIGURE + "  prompts:\n", 1)
    text = text.replace("  - id: b-one-3\n", "  - id: b-one-3\n" + QUESTION_FIGURE, 1)
    basics.write_text(text)
    return content


def pixels(png: bytes) -> np.ndarray:
    """An RGB array (rows from the top) of a PNG."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def hex_rgb(color: str, alpha: float = 1.0) -> np.ndarray:
    """``color`` as RGB, as it shows over white paper at ``alpha``."""
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return np.rint(alpha * rgb + (1 - alpha) * 255).astype(int)


class Picture:
    """A drawn figure and its PNG: ``at(ax, x, y)`` is the pixel (column, row) of data point (x, y)."""

    def __init__(self, fig, png: bytes):
        self.fig = fig
        self.img = pixels(png)
        self.height = self.img.shape[0]
        assert self.img.shape[:2] == (int(fig.bbox.height), int(fig.bbox.width))

    def at(self, ax, x: float, y: float) -> tuple[int, int]:
        px, py = ax.transData.transform((x, y))
        return int(round(px)), int(round(self.height - py))

    def near(self, ax, x: float, y: float, color: str, *, alpha: float = 1.0, radius: int = 3,
             tolerance: int = 30) -> bool:
        """A pixel within ``radius`` px of data point (x, y) has ``color`` (drawn at ``alpha``)."""
        col, row = self.at(ax, x, y)
        patch = self.img[max(row - radius, 0):row + radius + 1, max(col - radius, 0):col + radius + 1]
        want = hex_rgb(color, alpha)
        return bool((np.abs(patch - want).max(axis=2) <= tolerance).any())

    def share(self, ax, box: tuple[float, float, float, float], color: str, *, alpha: float = 1.0,
              tolerance: int = 30) -> float:
        """The share of the pixels inside data box (x0, y0, x1, y1) that have ``color``."""
        c0, r1 = self.at(ax, box[0], box[1])
        c1, r0 = self.at(ax, box[2], box[3])
        patch = self.img[r0:r1, c0:c1]
        want = hex_rgb(color, alpha)
        return float((np.abs(patch - want).max(axis=2) <= tolerance).mean())
