"""The chart `/summarybot stats` attaches: runs per day, stacked by outcome, as a PNG.

Drawn with Pillow's own primitives (rectangles, lines, its bundled font): a handful of bars
needs no plotting library, and Pillow imports in milliseconds with nothing to download or
cache at run time (README, Libraries).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from scheduling.models import RunStatus

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 36, 56
BACKGROUND = (255, 255, 255)
INK = (49, 51, 56)
GRID = (225, 227, 230)
# Bottom to top, with Discord's palette: what went well at the foot of each bar.
OUTCOME_COLOURS: dict[RunStatus, tuple[int, int, int]] = {
    RunStatus.SUCCEEDED: (35, 165, 90),
    RunStatus.PARTIAL: (240, 178, 50),
    RunStatus.SKIPPED: (148, 155, 164),
    RunStatus.INTERRUPTED: (88, 101, 242),
    RunStatus.FAILED: (218, 55, 60),
    RunStatus.RUNNING: (0, 168, 252),
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> Font:
    """Pillow's bundled font at `size` (its bitmap font where FreeType is missing)."""
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError):  # pragma: no cover - Pillow built without FreeType
        return ImageFont.load_default()


def nice_ceiling(value: int) -> int:
    """The y-axis top: at least `value`, a round number (1–6, 8 or 10 times a power of ten)."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    return next(step * magnitude for step in (1, 2, 3, 4, 5, 6, 8, 10) if step * magnitude >= value)


def runs_chart(per_day: Sequence[tuple[date, Mapping[RunStatus, int]]], title: str) -> bytes:
    """A PNG of runs per day, one stacked bar per day, with a legend of the outcomes shown."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    small, large = _font(11), _font(14)
    draw.text((LEFT, 10), title, font=large, fill=INK)
    bottom, height = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    top = nice_ceiling(max((sum(c.values()) for _, c in per_day), default=0))
    for value in (0, top // 2, top) if top > 1 else (0, top):
        y = bottom - height * value / top
        draw.line([(LEFT, y), (WIDTH - RIGHT, y)], fill=GRID)
        draw.text((LEFT - 6, y), str(value), font=small, fill=INK, anchor="rm")
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(per_day))
    bar = max(1.0, slot * 0.7)
    for index, (_, counts) in enumerate(per_day):
        x = LEFT + index * slot + (slot - bar) / 2
        y = float(bottom)
        for status, colour in OUTCOME_COLOURS.items():
            count = counts.get(status, 0)
            if count:
                rise = height * count / top
                draw.rectangle([x, y - rise, x + bar - 1, y - 1], fill=colour)
                y -= rise
    _date_labels(draw, per_day, slot, small)
    _legend(draw, per_day, small)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _date_labels(
    draw: ImageDraw.ImageDraw,
    per_day: Sequence[tuple[date, Mapping[RunStatus, int]]],
    slot: float,
    font: Font,
) -> None:
    """The first, middle and last day under their bars (all of them when they fit)."""
    count = len(per_day)
    if not count:
        return
    picked = range(count) if count <= 8 else sorted({0, count // 2, count - 1})
    years = per_day[0][0].year != per_day[-1][0].year
    for index in picked:
        x = LEFT + index * slot + slot / 2
        label = per_day[index][0].strftime("%d %b %Y" if years else "%d %b")
        draw.text((x, HEIGHT - BOTTOM + 6), label, font=font, fill=INK, anchor="ma")


def _legend(
    draw: ImageDraw.ImageDraw,
    per_day: Sequence[tuple[date, Mapping[RunStatus, int]]],
    font: Font,
) -> None:
    """A swatch and a name for every outcome that occurs, along the foot of the image."""
    shown = [s for s in OUTCOME_COLOURS if any(counts.get(s) for _, counts in per_day)]
    x = float(LEFT)
    y = HEIGHT - 22
    for status in shown:
        draw.rectangle([x, y, x + 10, y + 10], fill=OUTCOME_COLOURS[status])
        draw.text((x + 14, y + 5), status.value, font=font, fill=INK, anchor="lm")
        x += 24 + draw.textlength(status.value, font=font)
