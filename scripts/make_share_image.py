"""Draw static/img/share-default.png: the picture shared for pages without a photo of their own.

1200 × 630 (the OpenGraph size every network crops well): a kawung batik motif in the site's
colours in a brand-coloured frame, no text (the page title travels beside it, in every language).
Run once with the project's Python and commit the PNG; re-run only to change the picture:

    .venv/bin/python scripts/make_share_image.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1200, 630
#: The same colours as static/css/site.css: --bg, --panel, --brand, --line.
BACKGROUND = (255, 253, 249)
PANEL = (246, 240, 231)
BRAND = (138, 59, 18)
LINE = (221, 210, 195)
#: Distance between motif centres, in pixels.
STEP = 120
OUT = Path(__file__).resolve().parents[1] / "static" / "img" / "share-default.png"


def _oval(cx: float, cy: float, rx: float, ry: float, angle: float, points: int = 48) -> list[tuple]:
    cos, sin = math.cos(angle), math.sin(angle)
    outline = []
    for n in range(points):
        t = 2 * math.pi * n / points
        x, y = rx * math.cos(t), ry * math.sin(t)
        outline.append((cx + x * cos - y * sin, cy + x * sin + y * cos))
    return outline


def kawung(draw: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
    """Four leaf-shaped ovals on the diagonals around a dot, as in the kawung batik pattern."""
    reach = STEP / 2 * math.sqrt(2) / 2  # each leaf fills half the diagonal to the next motif
    for quarter in range(4):
        angle = math.pi / 4 + quarter * math.pi / 2
        ox, oy = cx + math.cos(angle) * reach / 2 * 1.05, cy + math.sin(angle) * reach / 2 * 1.05
        draw.polygon(_oval(ox, oy, reach / 2, reach / 4.2, angle), fill=PANEL, outline=BRAND, width=3)
    draw.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=BRAND)


def main() -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for y in range(0, HEIGHT + STEP, STEP // 2):
        offset = STEP // 2 if (y // (STEP // 2)) % 2 else 0
        for x in range(-STEP, WIDTH + STEP, STEP):
            kawung(draw, x + offset, y)
    # A frame in the brand colour, so the picture reads as the site's even as a small thumbnail.
    draw.rectangle((0, 0, WIDTH - 1, HEIGHT - 1), outline=BRAND, width=24)
    draw.rectangle((24, 24, WIDTH - 25, HEIGHT - 25), outline=LINE, width=6)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=16).save(OUT, "PNG", optimize=True)
    print(f"{OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
