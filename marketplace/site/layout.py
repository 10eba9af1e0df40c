"""The header and footer every HTML page shows, rendered once per process for what they depend on.

Rendering them cost ≈ 2 ms of a storefront page (two dozen links and translated strings, the
language switch, the account links and the country/currency chooser, twice). What they show depends
only on the language, the mount point, the market (country, currency, the currencies offered),
whether a visitor is logged in (and a curator) and their cart count; the rest is per request: the
CSRF token, the language links and the chooser's way back (this page's address), the words in the
search box.

So each is rendered once per key (templates/_site_header.html, _site_footer.html) with those
per-request values replaced by slot marks, and kept as a list of literal pieces and slot names in a
bounded least-recently-used store per app; a request joins the pieces with its own values, escaped
as Jinja would escape them. A changed language, market, login or count is another key: nothing is
ever invalidated, entries nobody asks for age out. The templates show nothing read from the
database besides the currencies offered (today's rates), which are part of the key.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from marketplace import slots
from marketplace.lru import BoundedLRU, per_app

#: Header and footer frames kept per app process (≈ 10 KB each: the chooser's ~250 countries).
FRAMES_KEPT = 128


class LayoutFrames(BoundedLRU[tuple[str, ...]]):
    """Rendered frames keyed by everything they show, least recently used dropped first."""

    def __init__(self, kept: int = FRAMES_KEPT):
        super().__init__(kept)


def layout_frames() -> LayoutFrames:
    """This app's frames (per app: its settings name the market and build the links)."""
    return per_app("layout_frames", LayoutFrames)


def _market_key(switch) -> tuple | None:
    if not switch:
        return None  # no chooser (an error page while the database is down)
    return (switch["country"], switch["currency"], tuple(switch["currencies"]))


def _script_root() -> str:
    return request.script_root if has_request_context() else ""


def _logged_in(context: Context) -> bool | str:
    """False, True, or "curator": the account links differ for the district office's curators."""
    user = context.get("current_user")
    if not (user and user.is_authenticated):
        return False
    return "curator" if getattr(user, "is_curator", False) else True


def _frame(context: Context, template: str, key: tuple, values: dict) -> tuple[str, ...]:
    """The frame of `template` for `key`: rendered with `values` (slot marks) over the page's context."""
    frames = layout_frames()
    frame = frames.get(key)
    if frame is None:
        html = current_app.jinja_env.get_template(template).render({**context.get_all(), **values})
        frame = slots.split(html)
        frames.put(key, frame)
    return frame


def _fill(frame: tuple[str, ...], context: Context) -> Markup:
    return slots.fill(frame, lambda name: str(escape(_slot_value(name, context))))


def _slot_value(name: str, context: Context) -> str:
    if name == "csrf":
        return context["csrf_token"]()  # only when the frame has a form: it may start a session
    if name == "lang_id":
        return context["lang_urls"]["id"]
    if name == "lang_en":
        return context["lang_urls"]["en"]
    if name == "q":
        return context.get("q") or ""
    if name == "next":
        return context["market_switch"]["next"]
    raise KeyError(name)


def _slot_values(context: Context) -> dict:
    switch = context.get("market_switch")
    return {
        "csrf_token": lambda: slots.mark("csrf"),
        "lang_urls": {"id": slots.mark("lang_id"), "en": slots.mark("lang_en")},
        "market_switch": {**switch, "next": slots.mark("next")} if switch else switch,
    }


@pass_context
def site_header(context: Context) -> Markup:
    """The header bar of base.html for this request (everything in <header> before a page's nav)."""
    count = context["header_cart_count"]()
    key = (
        "header",
        context.get("lang"),
        _script_root(),
        _logged_in(context),
        count,
        _market_key(context.get("market_switch")),
    )
    values = {**_slot_values(context), "q": slots.mark("q"), "header_cart_count": lambda: count}
    return _fill(_frame(context, "_site_header.html", key, values), context)


@pass_context
def site_footer(context: Context) -> Markup:
    """The footer's content of base.html for this request."""
    key = (
        "footer",
        context.get("lang"),
        _script_root(),
        _logged_in(context),
        _market_key(context.get("market_switch")),
    )
    return _fill(_frame(context, "_site_footer.html", key, _slot_values(context)), context)
