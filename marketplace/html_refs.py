"""HTML kept in Latin-1: typographic punctuation written as character references (issue 16).

CPython stores a string at one byte a character while every character fits in Latin-1, at two once
one does not. Our templates and translations use punctuation beyond it (“ ” ‘ ’ … – ›, U+2000 to
U+206F), and a page is joined from hundreds of pieces: one such character in any of them made every
join copy the page at two bytes a character, and its UTF-8 encoding take the slow path. HTML reads
`&#8220;` as “ in text and in attribute values alike, so the pieces a page is made of are written
that way once, when they are rendered and kept (cards, the product page's blocks, the header and
footer, the hearts' names). Other characters are content (a price's €, a title in another script):
they stay as written, for whoever reads or searches the page's source. Script and style elements do
not decode references: their content is left as it is, and so is a piece where one opens unclosed.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: A script or style element, whose text HTML does not decode.
_RAW_TEXT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_RAW_TEXT_OPENS = re.compile(r"<(script|style)\b", re.IGNORECASE)


#: General Punctuation (U+2000 to U+206F) → its numeric character reference.
_PUNCTUATION = {code: f"&#{code};" for code in range(0x2000, 0x2070)}


def latin1_html(html: str) -> str:
    """`html` (already escaped) with its typographic punctuation outside script and style elements
    as numeric character references."""
    if html.isascii():
        return html
    pieces, last = [], 0
    for element in _RAW_TEXT.finditer(html):
        pieces += (_references(html[last : element.start()]), element.group())
        last = element.end()
    pieces.append(_references(html[last:]))
    if any(_RAW_TEXT_OPENS.search(piece) for piece in pieces[::2]):
        return html  # an element cut open: its end is in another piece
    written = "".join(pieces)
    return Markup(written) if isinstance(html, Markup) else written  # noqa: S704 - escaped input


def latin1_text(text: str) -> Markup:
    """Plain `text` escaped, with its typographic punctuation as character references."""
    return Markup(_references(str(escape(text))))  # noqa: S704 - escaped here


def _references(text: str) -> str:
    return text if text.isascii() else text.translate(_PUNCTUATION)
