"""Rendered HTML kept with holes: the one mechanism behind the kept header and footer
(`site/layout.py`), the search filter form (`storefront/frames.py`) and the product page
(`storefront/product_page.py`).

A template is rendered once with `mark(name)` wherever a request's own value goes (a CSRF token, the
words searched for, a selection). `split` cuts the HTML at the marks into a frame: literal HTML at
even positions, slot names at odd ones. A frame is kept, and each request joins it with its own
values through `fill`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup

from marketplace.html_refs import latin1_html

MARK = "\ue000"  # a private-use character: never in a translation, a URL or a name
_SLOT = re.compile(MARK + r"([a-z0-9_]+)" + MARK)


def mark(name: str) -> Markup:
    """Where the slot `name` goes in a frame's template (passes autoescape unchanged)."""
    return Markup(f"{MARK}{name}{MARK}")  # noqa: S704 - a slot mark, replaced per request


def split(html: str) -> tuple[str, ...]:
    """The frame of rendered `html`: literal HTML at even positions, slot names at odd ones. The
    literal HTML is kept in Latin-1 (`html_refs.latin1_html`): a frame is joined on every request."""
    return tuple(_SLOT.split(latin1_html(html)))


def fill(frame: tuple[str, ...], value: Callable[[str], str]) -> Markup:
    """`frame` joined with `value(name)` for each slot, asked once per name. `value` returns HTML:
    the caller escapes what is text, as Jinja would have."""
    parts = list(frame)
    filled: dict[str, str] = {}
    for index in range(1, len(parts), 2):
        name = parts[index]
        if name not in filled:
            filled[name] = value(name)
        parts[index] = filled[name]
    return Markup("".join(parts))  # noqa: S704 - Jinja output joined with escaped values
