"""What every chat adapter needs the same way: images for a reply, and splitting long texts."""

from __future__ import annotations

import asyncio
import logging

from bot.core.markup import typeset_paragraphs
from bot.core.model import Reply

log = logging.getLogger(__name__)


async def reply_images(reply: Reply) -> list[tuple[str, bytes]]:
    """PNG images to show with a reply on platforms that show images: its chart, its figures, and the
    paragraphs of its text whose formulas read badly as plain text, typeset
    (:func:`bot.core.markup.typeset_paragraphs`).

    Rendering runs in a worker thread; a failure is logged and the text (with unicode formulas) stands alone.
    """
    out: list[tuple[str, bytes]] = []
    if reply.image is not None:
        out.append(("image.png", reply.image))
    if reply.chart is not None:
        try:
            from bot.render.charts import progress_chart

            out.append(("progress.png", await asyncio.to_thread(progress_chart, reply.chart)))
        except Exception:
            log.exception("progress chart failed; sending text only")
    if reply.figures:
        from bot.render.figures import figure_async

        for i, spec in enumerate(reply.figures):
            png = await figure_async(spec)  # None (logged) when it cannot be drawn now: the text stands alone
            if png is not None:
                out.append((f"figure-{i + 1}.png", png))
    typeset = typeset_paragraphs(reply.text) if reply.math else ""
    if typeset:
        try:
            from bot.render.formulas import render_text_png

            png = await asyncio.to_thread(render_text_png, typeset)
            if png:
                out.append(("formulas.png", png))
        except Exception:
            log.exception("formula rendering failed; sending text only")
    return out


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph boundaries (then lines, then hard) so that every part is at most ``limit`` chars."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for para in _pieces(text, limit):
        candidate = f"{current}\n\n{para}" if current else para
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = para
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    out: list[str] = []
    for para in text.split("\n\n"):
        if len(para) <= limit:
            out.append(para)
            continue
        line_buf = ""
        for line in para.split("\n"):
            while len(line) > limit:
                if line_buf:
                    out.append(line_buf)
                    line_buf = ""
                out.append(line[:limit])
                line = line[limit:]
            cand = f"{line_buf}\n{line}" if line_buf else line
            if len(cand) <= limit:
                line_buf = cand
            else:
                out.append(line_buf)
                line_buf = line
        if line_buf:
            out.append(line_buf)
    return out
