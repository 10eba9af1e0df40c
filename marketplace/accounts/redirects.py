"""Where a user-supplied target (`next`) may send a user: only to a path on this site.

`safe_next_url` is the one check for every redirect to a target taken from the request (login,
register, addresses, cart, market chooser); views never build such a redirect another way.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

_MAX_LENGTH = 2000
#: Never in a target as sent: control, format (zero-width, bidi) and separator characters. Browsers
#: drop some (a tab in "/\t/evil" makes "//evil"), and a raw newline in a Location header is a 500.
_REFUSED_RAW = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
#: Once percent-decoded, a space is ordinary ("/cari?q=batik%20tulis"); the others are still refused.
_REFUSED_DECODED = _REFUSED_RAW - {"Zs"}


def _has_refused(value: str, refused: frozenset[str]) -> bool:
    if value.isascii() and value.isprintable():
        # U+0020–U+007E: of the refused categories only the space (Zs) is among them. Every page's
        # own address is checked so (its market switch, its hearts' way back): this spares a
        # Unicode lookup per character.
        return "Zs" in refused and " " in value
    return any(unicodedata.category(ch) in refused for ch in value)


def _is_local_path(value: str, refused: frozenset[str]) -> bool:
    # Browsers treat "\" as "/" and drop tabs and newlines, so "/\evil" and "/\t/evil" mean "//evil".
    if "\\" in value or _has_refused(value, refused):
        return False
    if not value.startswith("/") or value.startswith("//") or value[1:2].isspace():
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a path on this site ("/orders?x=1"), else None.

    Refuses absolute URLs (https://evil, https:evil), scheme-relative ones (//evil, /\\evil,
    \\\\evil), javascript: and other schemes, control and invisible characters, whitespace
    tricks ("/\\t/evil", "/ /evil"), and any of these hidden behind percent-encoding (checked after
    each of several rounds of decoding). Callers fall back to a page of their own:
    `redirect(safe_next_url(request.form.get("next")) or url_for("cart.show"))`.
    """
    if not isinstance(target, str) or not target or len(target) > _MAX_LENGTH:
        return None
    value, refused = target, _REFUSED_RAW
    for _round in range(4):
        if not _is_local_path(value, refused):
            return None
        decoded = unquote(value)
        if decoded == value:
            return target
        value, refused = decoded, _REFUSED_DECODED
    return None  # still decoding after several rounds: nobody writes links like that
