"""Product pictures drawn locally with Pillow (no downloads): a pattern per cluster and initials.

Deterministic: the same product and variant always give the same picture.
"""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageFont

from marketplace.demo.data import PALETTES

WIDTH, HEIGHT = 1200, 900


def _initials(title: str) -> str:
    words = [w for w in title.replace("(", " ").split() if w[:1].isalpha()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _batik(draw: ImageDraw.ImageDraw, rng: random.Random, bg, fg, accent) -> None:
    """Rows of Gajah Oling-like curls with dotted fillings (isen-isen), offset every other row."""
    cell = rng.choice((110, 130, 150))
    for row, y in enumerate(range(-cell, HEIGHT + cell, cell)):
        offset = cell // 2 if row % 2 else 0
        for x in range(-cell + offset, WIDTH + cell, cell):
            box = (x + 15, y + 15, x + cell - 15, y + cell - 15)
            draw.arc(box, start=200, end=520, fill=fg, width=9)
            cx, cy = x + cell // 2, y + cell // 2
            draw.ellipse((cx - 9, cy - 9, cx + 9, cy + 9), fill=accent)
            for angle in range(0, 360, 45):
                dx = math.cos(math.radians(angle)) * cell * 0.46
                dy = math.sin(math.radians(angle)) * cell * 0.46
                draw.ellipse((cx + dx - 3, cy + dy - 3, cx + dx + 3, cy + dy + 3), fill=fg)
    for y0 in (0, HEIGHT - 60):  # border bands, like a kain's pinggiran
        draw.rectangle((0, y0, WIDTH, y0 + 60), fill=accent)
        for x in range(0, WIDTH, 60):
            draw.ellipse((x + 12, y0 + 12, x + 48, y0 + 48), outline=fg, width=4)


def _weave(draw: ImageDraw.ImageDraw, rng: random.Random, bg, fg, accent) -> None:
    """A basket weave: strips passing over and under each other."""
    strip = rng.choice((40, 50, 60))
    for i, y in enumerate(range(0, HEIGHT, strip)):
        for j, x in enumerate(range(0, WIDTH, strip)):
            over = (i + j) % 2 == 0
            colour = bg if over else fg
            draw.rectangle((x, y, x + strip - 3, y + strip - 3), fill=colour)
            if over:
                draw.line((x + 4, y + strip // 2, x + strip - 7, y + strip // 2), fill=accent, width=2)
            else:
                draw.line((x + strip // 2, y + 4, x + strip // 2, y + strip - 7), fill=accent, width=2)


def _confetti(draw: ImageDraw.ImageDraw, rng: random.Random, bg, fg, accent) -> None:
    """Bright scattered shapes for small gifts."""
    for _ in range(140):
        x, y, r = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.randrange(10, 45)
        colour = rng.choice((fg, accent))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.polygon(((x, y - r), (x + r, y), (x, y + r), (x - r, y)), fill=colour)


def _harvest(draw: ImageDraw.ImageDraw, rng: random.Random, bg, fg, accent) -> None:
    """A gradient with beans or grains scattered over it."""
    for y in range(0, HEIGHT, 6):
        t = y / HEIGHT
        colour = tuple(round(bg[k] * (1 - t) + fg[k] * t) for k in range(3))
        draw.rectangle((0, y, WIDTH, y + 6), fill=colour)
    for _ in range(70):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        w, h = rng.randrange(30, 60), rng.randrange(20, 40)
        draw.ellipse((x, y, x + w, y + h), fill=accent if rng.random() < 0.3 else bg)
        draw.arc((x + 4, y + 2, x + w - 4, y + h - 2), start=250, end=290, fill=fg, width=3)


_PATTERNS = {"batik": _batik, "kerajinan": _weave, "suvenir": _confetti, "agro": _harvest}


def product_picture(slug: str, cluster: str, title: str, variant: int = 0) -> bytes:
    """A 1200x900 JPEG for a demo product, as a phone camera would upload it."""
    rng = random.Random(f"{slug}:{variant}")
    palettes = PALETTES.get(cluster, PALETTES["suvenir"])
    bg, fg, accent = palettes[(variant + rng.randrange(len(palettes))) % len(palettes)]
    image = Image.new("RGB", (WIDTH, HEIGHT), bg)
    draw = ImageDraw.Draw(image)
    _PATTERNS.get(cluster, _confetti)(draw, rng, bg, fg, accent)

    # A medallion with the product's initials, and its name on a band, so pictures tell apart.
    ink = min((bg, fg, accent), key=lambda c: 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2])
    cx, cy, r = WIDTH // 2, HEIGHT // 2 - 40, 190
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 246, 238), outline=ink, width=10)
    font = ImageFont.load_default(size=170)
    draw.text((cx, cy), _initials(title), font=font, fill=ink, anchor="mm")
    draw.rectangle((0, HEIGHT - 170, WIDTH, HEIGHT - 80), fill=(250, 246, 238))
    caption = title if len(title) <= 44 else title[:43] + "…"
    draw.text(
        (WIDTH // 2, HEIGHT - 125),
        caption,
        font=ImageFont.load_default(size=44),
        fill=(30, 30, 30),
        anchor="mm",
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
