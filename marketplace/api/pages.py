"""The open data page at /open-data: the public API explained for people, in their language.

Server-rendered, no JavaScript: what the data is, each endpoint with a working example, its main
parameters, and links to the machine-readable documents (/api/v1/ and /api/v1/openapi.json).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from marketplace.api import params
from marketplace.cache import cache_public_page
from marketplace.extensions import db
from marketplace.storefront import search as storefront_search
from marketplace.storefront.search_params import SearchParams
from marketplace.timezones import market_today

bp = Blueprint("open_data", __name__)


@dataclass(frozen=True)
class Parameter:
    name: str
    text: str


@dataclass(frozen=True)
class Endpoint:
    path: str
    text: str
    example_url: str  # empty when there is nothing to show yet (no public product)
    parameters: list[Parameter]
    answer: str = ""  # what the answer holds, when it is more than the thing asked for


def _newest_product_id() -> int | None:
    """A public product for the single-product example: the newest, as /api/v1/products lists."""
    found = storefront_search.search_products(
        db.session, SearchParams(per_page=1), today=market_today(), as_ids=True
    )
    return found.items[0] if found.items else None


def _endpoints(product_id: int | None) -> list[Endpoint]:
    lang = Parameter("lang", _("Language of names, descriptions and prices: id (the default) or en."))
    currency = Parameter(
        "currency",
        _(
            "Also show each price in this currency, at the latest exchange rate: %(codes)s.",
            codes=", ".join(params.SCHEMAS["currency"]["enum"]),
        ),
    )
    return [
        Endpoint(
            "/api/v1/products",
            _("Public products, newest first, a page at a time, with the same filters as the search page."),
            url_for("api.products", lang="en"),
            [
                Parameter("q", _("Words to search for.")),
                Parameter(
                    "cluster, village, seller",
                    _("Only products of this cluster, village or shop (its slug)."),
                ),
                Parameter(
                    "label",
                    _(
                        "Only products carrying this verified quality label: its code, as in the "
                        "code of a product's labels."
                    ),
                ),
                Parameter(
                    "min_price, max_price",
                    _("Price range in whole rupiah, whatever currency is asked for."),
                ),
                Parameter("in_stock", _("true: only products in stock.")),
                Parameter(
                    "sort",
                    _(
                        "%(values)s. Without it: relevance (best match) when q has words, newest otherwise.",
                        values=", ".join(params.SCHEMAS["sort"]["enum"]),
                    ),
                ),
                Parameter(
                    "page, per_page",
                    _("Which page, and how many products a page (at most %(max)d).", max=params.MAX_PER_PAGE),
                ),
                lang,
                currency,
            ],
            _(
                "The answer: items (the page's products), total, page, pages, per_page, and next and "
                "prev, the addresses of the neighbouring pages (null at either end). total_capped "
                "true means total stopped counting: there may be more."
            )
            + " "
            + _(
                "When q has no letters or numbers (for example !@#), it is ignored: every product is "
                "listed, and the answer adds q_ignored (true) and notice, a sentence saying so."
            ),
        ),
        Endpoint(
            "/api/v1/products/{id}",
            _("One public product, with its photos, labels and sizes."),
            url_for("api.product", product_id=product_id) if product_id else "",
            [lang, currency],
        ),
        Endpoint(
            "/api/v1/villages",
            _("Every village with its story and its number of products."),
            url_for("api.villages"),
            [lang],
        ),
        Endpoint(
            "/api/v1/clusters",
            _("Every product cluster (batik, handicraft, food…) with its number of products."),
            url_for("api.clusters"),
            [lang],
        ),
    ]


@bp.get("/open-data")
@cache_public_page
def page():
    return render_template(
        "api/open_data.html",
        endpoints=_endpoints(_newest_product_id()),
        index_url=url_for("api.index"),
        openapi_url=url_for("api.openapi_document"),
        products_url=url_for("api.products"),
    )
