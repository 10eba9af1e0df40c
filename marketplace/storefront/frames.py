"""The search page's form of filters and sorting, rendered once per process for what it offers.

Rendering it cost ≈ 0.3 ms of every search page (four selects of some thirty options, a dozen
translated strings). What it shows depends on the language, the mount point, whether any filter
is on (the form offers "clear filters"), the currency the visitor sees prices in (the price fields'
legend, keyboard and hidden `price_currency`), whether a link's price range in another currency is
explained, and the choices offered: the clusters, desa, label types and sorts with their labels.
Which options are selected, the "in stock" box, the words, the prices (in the visitor's currency),
that explanation, the number of filters on and the "clear filters" address are per request.

So the form (templates/storefront/_search_filters.html) is rendered once per key with slot marks for
those, and kept as literal pieces and slot names in a bounded least-recently-used store per app, as
the header and footer are (marketplace/site/layout.py); a request joins the pieces with its own
values, escaped as Jinja would escape them. A new cluster, desa, label or translation makes another
key: nothing is ever invalidated, entries nobody asks for age out.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, request
from flask_babel import ngettext
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from marketplace import slots
from marketplace.lru import BoundedLRU, per_app

#: Filter forms kept per app process (≈ 3 KB each: one per language and filters shown, more only
#: while the clusters, desa or labels change).
FRAMES_KEPT = 32

#: Option lists of the form, each option's selection a slot named after the list and its index.
_OPTION_LISTS = ("cluster_options", "village_options", "label_options", "sort_options")


class FilterFrames(BoundedLRU[tuple[str, ...]]):
    """Rendered filter forms keyed by everything they show, least recently used dropped first."""

    def __init__(self, kept: int = FRAMES_KEPT):
        super().__init__(kept)


def filter_frames() -> FilterFrames:
    """This app's filter forms (per app: its settings build the form's address)."""
    return per_app("search_filter_frames", FilterFrames)


def _choices(options: Sequence[dict]) -> tuple:
    return tuple((option["value"], option["label"]) for option in options)


@pass_context
def search_filters(context: Context) -> Markup:
    """The search page's <details> form of filters and sorting for this request."""
    has_filters = bool(context["has_filters"])
    price_form = context["price_form"]
    key = (
        context.get("lang"),
        request.script_root,
        has_filters,
        price_form.legend,
        price_form.price_currency,
        price_form.inputmode,
        bool(price_form.link_note),
        *(_choices(context[name]) for name in _OPTION_LISTS),
    )
    frames = filter_frames()
    frame = frames.get(key)
    if frame is None:
        values = {
            "has_filters": has_filters,
            "q": slots.mark("q"),
            "min_price": slots.mark("min_price"),
            "max_price": slots.mark("max_price"),
            "price_note": slots.mark("price_note"),
            "in_stock": slots.mark("in_stock"),
            "clear_filters_url": slots.mark("clear_filters_url"),
            "filters_on": slots.mark("filters_on"),
        }
        for name in _OPTION_LISTS:
            values[name] = [
                {**option, "selected": slots.mark(f"{name}_{index}")}
                for index, option in enumerate(context[name])
            ]
        html = current_app.jinja_env.get_template("storefront/_search_filters.html").render(
            {**context.get_all(), **values}
        )
        frame = slots.split(html)
        frames.put(key, frame)
    values = _slot_values(context)
    return slots.fill(frame, lambda name: str(escape(values[name])))


def _filters_on(count: int) -> str:
    return " · " + ngettext("%(num)d filter on", "%(num)d filters on", count) if count else ""


def _slot_values(context: Context) -> dict[str, str]:
    params = context["params"]
    price_form = context["price_form"]
    values = {
        "q": context.get("q") or "",
        "min_price": price_form.min_text,
        "max_price": price_form.max_text,
        "price_note": price_form.link_note,
        "in_stock": " checked" if params.in_stock else "",
        "clear_filters_url": context["clear_filters_url"],
        "filters_on": _filters_on(params.filters_on),
    }
    for name in _OPTION_LISTS:
        for index, option in enumerate(context[name]):
            values[f"{name}_{index}"] = " selected" if option["selected"] else ""
    return values
