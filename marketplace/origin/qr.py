"""The QR code on a tag: the absolute address of the product's verification page, drawn by segno.

The address starts with `SERVER_NAME_FOR_LINKS` (the site's public address), never with the host
of the request that printed the sheet: a tag hangs on a product for years.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

from marketplace.email.links import external_url

#: Medium error correction survives a crease or a smudge on a paper tag; segno raises it further
#: when the symbol has room to spare.
ERROR_LEVEL = "m"
#: The quiet zone scanners need around the symbol, in modules.
BORDER = 4


def tag_url(code: str) -> str:
    """The public verification page of a tag, e.g. "https://pasar.example/t/Xy3…"."""
    return external_url("origin.verify", code=code)


def make_qr(url: str) -> segno.QRCode:
    """The QR symbol encoding exactly `url` (never a Micro QR: phones' cameras read only full QR)."""
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def qr_svg(url: str, *, title: str) -> Markup:
    """Inline SVG of the QR for `url`, scaled by CSS (viewBox, no fixed size), with a <title>."""
    svg = make_qr(url).svg_inline(border=BORDER, omitsize=True, title=title, svgclass="qr-code", dark="#000")
    return Markup(svg)  # noqa: S704  (segno escapes the title; the rest is numbers and path commands)
