"""The public, read-only JSON API at /api/v1, described by /api/v1/openapi.json.

Views parse strict parameters (`params`), call the catalogue services (so the API shows exactly
what the pages show: active products of approved sellers, verified unexpired labels), and build
JSON with `serializers`. Errors are JSON `{"error": {"status", "message"}}` (marketplace/web.py).
Responses are public and cacheable for a minute, and readable from any origin.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute

from marketplace.api import openapi, params, serializers
from marketplace.cache.kept import Loaded, kept_listing, kept_per_product
from marketplace.catalogue.variants import load_options_and_variants
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.labels import visibility
from marketplace.markets.context import current_rates, kept_for_generation_by_key
from marketplace.request_locals import this_request
from marketplace.storefront import listings
from marketplace.storefront import search as storefront_search
from marketplace.timezones import market_today

bp = Blueprint("api", __name__, url_prefix="/api/v1")

CACHE_CONTROL = "public, max-age=60"
#: Errors depend on data that may change (a product published a second later): never cached.
ERROR_CACHE_CONTROL = "no-store"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def _is_api_request() -> bool:
    # Any /api/ address, not only /api/v1: a client trying /api/v2/… is told in its language where
    # the endpoints are, as for an unknown /api/v1 route (marketplace.web answers /api/ in JSON).
    path = this_request().path
    return path == bp.url_prefix or path.startswith("/api/")


@bp.after_app_request
def api_headers(response):
    """CORS and caching for every /api/ response, including 404 and 405 for unknown routes."""
    if not _is_api_request():
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Max-Age"] = "86400"
    if response.status_code == 200 and request.method in ("GET", "HEAD"):
        response.headers["Cache-Control"] = CACHE_CONTROL
    else:
        response.headers["Cache-Control"] = ERROR_CACHE_CONTROL
    if response.status_code == 405:
        valid = getattr(request.routing_exception, "valid_methods", None)
        if valid:
            response.headers["Allow"] = ", ".join(sorted(valid))
    return _explain_routing_error(response)


def _explain_routing_error(response):
    """An address or a method no API route answers: in place of Werkzeug's English sentence ("The
    requested URL was not found on the server…"), one in the reader's language saying where the
    endpoints are listed. Errors the views raise keep their own message."""
    error = request.routing_exception
    if isinstance(error, MethodNotAllowed):
        message = _("The API answers only GET, HEAD and OPTIONS requests.")
    elif isinstance(error, NoRoute) and response.status_code == 404:
        message = _(
            "There is no such address in the API. Its endpoints are listed at %(url)s.",
            url=url_for("api.index", _external=True),
        )
    else:
        return response
    if response.mimetype == "application/json":
        response.set_data(jsonify(error={"status": response.status_code, "message": message}).get_data())
    return response


def _check_currency(args) -> None:
    """A malformed `currency` is a 400; a well-formed one we have no exchange rate for, a 404."""
    currency = params.parse_currency(args)
    if currency is not None and currency not in current_rates().offered():
        raise NotFound(_("There is no exchange rate for %(currency)s.", currency=currency))


#: `cache.kept` store of the product list's pages: their ids and totals.
API_PAGES = "api.product_pages"
#: `cache.kept` store of product objects as the API writes them, per language, currency, host and day.
API_ITEMS = "api.product_items"
#: Product objects kept per process: ≈ 10 KB each with their photos' renditions, ≈ 5 MB in all
#: (the products of the pages asked for lately; a list's page is 24 by default).
ITEMS_KEPT = 512


def _item_key(kind: str, lang: str, today) -> tuple:
    """What an API product object depends on besides the product: the list's or the product's own
    labels' reading, the language, the `?currency=` asked for (rates move the catalogue
    generation), the host and mount point of its absolute URLs, and the day labels expire by."""
    req = this_request()
    return (kind, lang, params.parse_currency(req.args), req.host_url, req.script_root, today)


def _product_page(search, today) -> storefront_search.ProductPage:
    """One page of the list, its items the products' ids. Kept as the storefront keeps a
    listing's rows (while the catalogue, the products' cards and the facets its order rests on
    hold: `cache.kept`), which spares the count and the ids' statements; the products' objects
    are kept apart, each while the product holds (`kept_per_product`)."""

    def load() -> Loaded:
        found = storefront_search.search_products(db.session, search, today=today, as_ids=True)
        return Loaded(found, found.items, storefront_search.listing_facets(search))

    return kept_listing(API_PAGES, (search, today), load)


@bp.get("/products")
def products():
    lang = params.parse_language(request.args)
    search = params.parse_product_search(request.args)
    _check_currency(request.args)  # checked here even when no product is listed
    session = db.session
    today = market_today()
    result = _product_page(search, today)
    if not result.total:
        # A filter naming nothing we know matches nothing: say so rather than "no products".
        # (With results, every filter named something real, so the lookups are skipped.)
        params.check_filters_exist(session, search)
    if result.page != search.page:
        raise NotFound(
            _(
                "%(name)s %(page)d does not exist: the last page is %(last)d.",
                name="page",
                page=search.page,
                last=result.pages,
            )
        )
    serializer = serializers.Serializer(lang)

    def make(ids: list[int]) -> dict[int, dict]:
        products = storefront_search.load_products(session, ids)
        labels = serializers.visible_labels_by_product(session, ids, today)
        load_options_and_variants(session, products)
        return {p.id: serializer.product(p, labels.get(p.id, [])) for p in products}

    items = kept_per_product(
        API_ITEMS, result.items, _item_key("list", lang, today), make, entries=ITEMS_KEPT
    )
    # Links keep the language only when the client chose one, so default URLs stay short.
    extra = {"lang": lang} if request.args.get("lang", "").strip() else {}

    def page_url(number: int) -> str:
        return url_for("api.products", **search.to_args(page=number), **extra, _external=True)

    page = serializer.product_page(result, items, page_url)
    if search.q and not search.tokens:
        # Words of symbols alone ("!@#"): nothing to search for, so every product (the filters
        # applied) is listed; said so, as the search page says it. Only then: other answers are
        # as they always were.
        page["q_ignored"] = True
        page["notice"] = _(
            "“%(q)s” has no letters or numbers to search for, so all products are shown.", q=search.q
        )
    return jsonify(page)


@bp.get("/products/<int:product_id>")
def product(product_id: int):
    lang = params.parse_language(request.args)
    _check_currency(request.args)  # ids past marketplace.params.MAX_ID never reach here: 404
    today = market_today()

    def make(ids: list[int]) -> dict[int, dict]:
        found = listings.get_public_product(db.session, ids[0])  # NotFound unless public
        return {
            found.id: serializers.Serializer(lang).product(found, visibility.visible_labels(found, today))
        }

    [item] = kept_per_product(
        API_ITEMS, [product_id], _item_key("one", lang, today), make, entries=ITEMS_KEPT
    )
    return jsonify(item)


#: `kept_for_generation` store of the desa and cluster lists as the API writes them.
API_PLACES = "api.places"
#: Lists kept per catalogue generation: two kinds × two languages × a few hosts.
PLACES_KEPT = 16


def _kept_places(kind: str, lang: str, build) -> list[dict]:
    """`build()`'s objects, written once per catalogue generation, language, host and mount point.
    Each list counts every public product (≈ 6 ms at 10,000 products); what moves a count or a
    name (publishing, hiding, a product's cluster, a shop's status or desa, a desa's story, a
    cluster's text) moves the catalogue generation, so nothing else can make a kept list stale."""
    req = this_request()
    return kept_for_generation_by_key(
        API_PLACES, (kind, lang, req.host_url, req.script_root), build, entries=PLACES_KEPT
    )


@bp.get("/villages")
def villages():
    lang = params.parse_language(request.args)
    serializer = serializers.Serializer(lang)
    items = _kept_places(
        "villages", lang, lambda: [serializer.village(v) for v in listings.list_villages(db.session)]
    )
    return jsonify(items=items)


@bp.get("/clusters")
def clusters():
    lang = params.parse_language(request.args)
    serializer = serializers.Serializer(lang)
    items = _kept_places(
        "clusters", lang, lambda: [serializer.cluster(c) for c in listings.list_clusters(db.session)]
    )
    return jsonify(items=items)


@bp.get("/", strict_slashes=False)  # /api/v1 too, answered rather than redirected
def index():
    """Where everything is: a client (or a person) at the API's root finds the endpoints from here."""

    def link(endpoint: str, **values) -> str:
        return url_for(endpoint, **values, _external=True)

    return jsonify(
        name=openapi.TITLE,
        version=openapi.API_VERSION,
        documentation=link("open_data.page"),
        openapi=link("api.openapi_document"),
        endpoints={
            "products": link("api.products"),
            # A URI template (RFC 6570): url_for would quote the braces.
            "product": link("api.products") + "/{id}",
            "villages": link("api.villages"),
            "clusters": link("api.clusters"),
        },
    )


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(
        openapi.document(server_url=url_for("api.openapi_document", _external=True).rsplit("/", 1)[0])
    )
