"""Where `?next=` may send a user: only to a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_MAX_LENGTH = 2000


def _is_local_path(value: str) -> bool:
    # Browsers treat "\" as "/" and drop tabs and newlines, so "/\evil" and "/\t/evil" mean "//evil".
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value) or "\\" in value:
        return False
    if not value.startswith("/") or value.startswith("//") or value[1:2].isspace():
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a path on this site ("/orders?x=1"), else None.

    Refuses absolute URLs (https://evil), scheme-relative ones (//evil, /\\evil, \\\\evil),
    javascript: and other schemes, control characters, and any of these hidden behind
    percent-encoding (checked after each of several rounds of decoding).
    """
    if not target or len(target) > _MAX_LENGTH:
        return None
    value = target
    for _round in range(4):
        if not _is_local_path(value):
            return None
        decoded = unquote(value)
        if decoded == value:
            return target
        value = decoded
    return None  # still decoding after several rounds: nobody writes links like that
