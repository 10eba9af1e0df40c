"""HTML pages of the public catalogue: home, clusters, villages, sellers, products, search.

Each view parses its input, calls services, hands presenter view models to a template. Malformed
query parameters are ignored (and the page says so); unknown slugs and ids raise NotFound (404).
"""

from __future__ import annotations

from flask import Blueprint, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import gettext as _

from marketplace.cache import RATING, cache_public_page, page_shows_products
from marketplace.cache.kept import Loaded, kept_listing
from marketplace.extensions import db
from marketplace.favourites.current import product_page_is_personal
from marketplace.html_refs import latin1_text
from marketplace.i18n import current_language, localized
from marketplace.markets.context import (
    current_market,
    current_rates,
    kept_for_generation,
    kept_for_generation_by_key,
)
from marketplace.reviews import presenters as review_presenters
from marketplace.seller.presenters import workshop_photo_view
from marketplace.seller.profile import list_public_workshop_photos
from marketplace.storefront import (
    frames,
    grids,
    listing_presenters,
    listings,
    presenters,
    price_filter,
    product_page,
    search_params,
    seo,
    spelling,
)
from marketplace.storefront import search as storefront_search
from marketplace.storefront.search_params import SearchParams
from marketplace.timezones import market_today
from marketplace.types import utcnow

bp = Blueprint("storefront", __name__)
# A Jinja global (not a context value) so the imported catalogue macros see it too.
bp.add_app_template_global(grids.card_items, "card_items")
bp.add_app_template_global(frames.search_filters, "search_filters")

#: app.extensions key: the home page's clusters and desa with their counts, kept by generation.
PLACE_COUNTS = "storefront.place_counts"
#: app.extensions keys: the home page's featured and newest cards, and the listings' and searches'
#: pages of cards, kept while what they show holds (cache.kept).
HOME_CARDS = "storefront.home_cards"
#: app.extensions key: the home page's rendered cluster and desa lists, kept by generation; in each,
#: one per language and mount point (their links' prefix).
PLACE_LISTS = "storefront.place_lists"
PLACE_LIST_VARIANTS = 8
#: app.extensions key: desa pages' headings and shops, kept by generation (per desa, language and
#: mount point in each).
VILLAGE_HEADINGS = "storefront.village_headings"
VILLAGE_HEADINGS_KEPT = 256
#: app.extensions key: the clusters, desa and label types (list_choices), kept by generation.
CHOICES = "storefront.choices"
LISTING_PAGES = "storefront.listing_pages"
#: app.extensions key: the public titles' words (spelling.list_title_words), kept by generation.
SPELLING_WORDS = "storefront.spelling_words"
#: Listing pages (cluster, village, seller) offer these orders; relevance needs words.
LISTING_SORTS = ("newest", "price_asc", "price_desc", "rating", "best_selling")
HOME_NEWEST = 8
#: A workshop photo's width on the shop's page: most of a phone's width (srcset offers the rest).
WORKSHOP_PHOTO_WIDTH = 320


def _sort_options(current: str, sorts) -> list[dict]:
    names = {
        "relevance": _("Best match"),
        "newest": _("Newest"),
        "price_asc": _("Price: low to high"),
        "price_desc": _("Price: high to low"),
        "rating": _("Best rated"),
        "best_selling": _("Best selling"),
    }
    return [{"value": s, "label": names[s], "selected": s == current} for s in sorts]


def _ignored_message(params: SearchParams, *, rupiah_form: bool = False) -> str:
    if not params.ignored:
        return ""
    message = _(
        "Some options in the address were not valid and were ignored or shortened: %(names)s.",
        names=", ".join(listing_presenters.ignored_names(params.ignored)),
    )
    if rupiah_form and {"min_price", "max_price"} & set(params.ignored):
        # Most likely typed in the form's price fields: say how a price is written there.
        message += " " + _("Write prices in figures, e.g. 50,000 or 1,000,000.")
    return message


def _listing_params(**fixed) -> SearchParams:
    """Page and sort from the query string for a listing; everything else fixed by the route."""
    parsed = search_params.parse_search_params(request.args)
    ignored = tuple(name for name in parsed.ignored if name in ("page", "sort", "per_page"))
    sort = parsed.sort if parsed.sort in LISTING_SORTS else "newest"
    if parsed.sort not in LISTING_SORTS and request.args.get("sort") and "sort" not in ignored:
        ignored += ("sort",)
    return SearchParams(sort=sort, page=parsed.page, ignored=ignored, **fixed)


def _places():
    """The clusters and desa with their numbers of public products (listings.list_places), kept by
    catalogue generation: the counts scan every public product, and what moves them (publishing,
    hiding, a product's cluster, a shop's status or desa) moves the generation."""
    return kept_for_generation(PLACE_COUNTS, listings.list_places) or listings.list_places(db.session)


def _search_within(params: SearchParams, **place) -> str:
    """The search page narrowed to a listing's cluster or desa, in the order the listing shows."""
    return url_for("storefront.search", **place, **({"sort": params.sort} if params.sort != "newest" else {}))


def _choices() -> listings.Choices:
    # Clusters, regions and label types are structural: any change to them moves the generation.
    return kept_for_generation(CHOICES, listings.list_choices) or listings.list_choices(db.session)


def _search_page(params: SearchParams) -> storefront_search.ProductPage:
    """One page of cards for `params` (a price range in rupiah: storefront.price_filter), kept while
    its products' cards, the facets its choice and order rest on and the catalogue hold (the same
    things its cached page depends on). Keyed by the rupiah range, which a rate change moves."""
    today = market_today()  # a label's validity is by the market's day

    def load() -> Loaded:
        result = storefront_search.search_products(db.session, params, today=today, as_cards=True)
        return Loaded(result, [p.id for p in result.items], storefront_search.listing_facets(params))

    return kept_listing(LISTING_PAGES, (params, today), load)


def _home_cards(now) -> Loaded:
    session = db.session
    featured, left_out = listings.list_featured_row(session, now)
    newest = listings.list_newest_cards(session, HOME_NEWEST)
    # The featured row's order rests on its products' stock (sold out last): kept while the cards
    # it shows, and those of featured products it left out (one restocked takes a place), hold.
    shown = [f.card.id for f in featured] + left_out + [p.id for p in newest]
    return Loaded((featured, newest, shown), shown)


def _next_featured_change(now) -> float | None:
    # From the `now` the featured cards were read at: a window opening in between is not skipped.
    change = listings.next_featured_change(db.session, now)
    return None if change is None else change.timestamp()


def _listing_context(
    result: storefront_search.ProductPage, params: SearchParams, endpoint: str, **route_args
) -> dict:
    lang = current_language()
    page_shows_products([p.id for p in result.items], facets=storefront_search.listing_facets(params))

    def page_url(number: int) -> str:
        args = {"sort": params.sort} if params.sort != "newest" else {}
        if number > 1:
            args["page"] = number
        return url_for(endpoint, **route_args, **args)

    return {
        "cards": _cards(result.items, lang),
        "result": result,
        "result_summary": listing_presenters.result_summary(result),
        "pagination": listing_presenters.pagination(result, page_url),
        "sort_options": _sort_options(params.sort, LISTING_SORTS),
        "ignored_message": _ignored_message(params),
        "listing_action": url_for(endpoint, **route_args),
    }


@bp.get("/")
@cache_public_page
def home():
    lang = current_language()
    # Featured and newest cards as read while none of them, nor the catalogue, has changed since
    # (a featured window opening or closing is a change without a write: kept until the next one).
    now = utcnow()
    featured, newest, shown = kept_listing(
        HOME_CARDS, HOME_NEWEST, lambda: _home_cards(now), until=lambda: _next_featured_change(now)
    )
    featured_cards = presenters.kept_cards(featured, lang, lambda: _featured_cards(featured, lang))
    # Featured fill the first row when there are any; newest are then below the fold.
    page_shows_products(shown)
    cluster_list, village_list = _place_lists(lang)
    eager = 0 if featured_cards else presenters.EAGER_CARDS
    newest_cards = presenters.kept_cards(
        newest, lang, lambda: presenters.product_cards(newest, lang, eager=eager), eager
    )
    return render_template(
        "storefront/home.html",
        featured=featured_cards,
        newest=newest_cards,
        cluster_list=cluster_list,
        village_list=village_list,
    )


def _cards(items, lang: str) -> grids.CardList:
    """A listing's cards, kept with the kept rows they show (presenters.kept_cards)."""
    return presenters.kept_cards(items, lang, lambda: presenters.product_cards(items, lang))


def _featured_cards(featured, lang: str) -> grids.CardList:
    market_key = presenters.cards_market_key()
    return grids.CardList(
        presenters.product_card(
            f.card,
            lang,
            lazy=index >= presenters.EAGER_CARDS,
            headline=localized(f, "headline", lang),
            market_key=market_key,
        )
        for index, f in enumerate(featured)
    )


def _place_lists(lang: str):
    """The home page's cluster and desa lists with their counts, rendered once per catalogue
    generation, language and mount point (≈ 50 links with a plural each, the page's largest part)."""

    def render():
        clusters, villages = _places()
        link_list = get_template_attribute("macros/catalogue.html", "link_list")
        return (
            link_list(
                presenters.cluster_links(clusters, lang), _("Clusters"), show_counts=True, class_="tiles"
            ),
            link_list(presenters.village_links(villages, lang), _("Villages"), show_counts=True),
        )

    key = (lang, request.script_root)
    return kept_for_generation_by_key(PLACE_LISTS, key, render, entries=PLACE_LIST_VARIANTS)


@bp.get("/clusters/<slug>")
@cache_public_page
def cluster(slug: str):
    lang = current_language()
    found = listings.cluster_choice(_choices(), slug)
    params = _listing_params(cluster=found.slug)
    result = _search_page(params)
    return render_template(
        "storefront/cluster.html",
        cluster=presenters.cluster_view(found, lang),
        search_url=_search_within(params, cluster=found.slug),
        **_listing_context(result, params, "storefront.cluster", slug=found.slug),
    )


@bp.get("/villages/<slug>")
@cache_public_page
def village(slug: str):
    lang = current_language()
    found_slug, heading, sellers = _village_heading(slug, lang)
    params = _listing_params(village=found_slug)
    result = _search_page(params)
    return render_template(
        "storefront/village.html",
        village=heading,
        sellers=sellers,
        search_url=_search_within(params, village=found_slug),
        **_listing_context(result, params, "storefront.village", slug=found_slug),
    )


def _village_heading(slug: str, lang: str):
    """(slug, the desa's heading, its shops' links) as presented once per catalogue generation, desa,
    language and mount point: the desa with its kecamatan, its shops and their clusters are three
    statements, and every change to them (regions, sellers, clusters) moves the generation."""

    def present():
        session = db.session
        village = listings.get_village_by_slug(session, slug)  # NotFound is not kept
        sellers = listings.list_village_sellers(session, village)
        return village.slug, presenters.village_view(village, lang), presenters.seller_links(sellers, lang)

    key = (slug, lang, request.script_root)
    return kept_for_generation_by_key(VILLAGE_HEADINGS, key, present, entries=VILLAGE_HEADINGS_KEPT)


@bp.get("/sellers/<slug>")
@cache_public_page
def seller(slug: str):
    session = db.session
    lang = current_language()
    found, rating_count, rating_stars = listings.get_seller_page(session, slug)
    page_shows_products((), facets=(RATING,))  # the shop's rating sums its products'
    params = _listing_params(seller=found.slug)
    result = _search_page(params)
    return render_template(
        "storefront/seller.html",
        seller=presenters.seller_view(found, lang),
        workshop_photos=[
            workshop_photo_view(photo, lang, width=WORKSHOP_PHOTO_WIDTH)
            for photo in list_public_workshop_photos(session, found.id)
        ],
        shop_rating=review_presenters.rating_summary(rating_count, rating_stars),
        share_image=seo.seller_share_image(session, found, lang=lang),
        **_listing_context(result, params, "storefront.seller", slug=found.slug),
    )


@bp.get("/products/<int:product_id>")
@bp.get("/products/<int:product_id>-<slug>")
# The add-to-cart form's CSRF token is filled in per visitor on every hit; a visitor with recently
# viewed products or a back-in-stock alert of theirs to show gets their own page (favourites.current).
@cache_public_page(personal=product_page_is_personal)
def product(product_id: int, slug: str | None = None):
    """The product page lives at /products/<id>-<slug>; any other spelling redirects there.

    The page's own parts are rendered once per product version and kept (storefront.product_page);
    the visitor's (hearts, forms' tokens, their questions, recently viewed) are filled in per request.
    """
    session = db.session
    lang = current_language()
    frame = product_page.find_frame(product_id, lang)
    found = None if frame is not None else listings.get_public_product(session, product_id)
    canonical = frame.slug if frame is not None else found.slug
    if slug != canonical:
        target = url_for("storefront.product", product_id=product_id, slug=canonical)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target, 301)
    if frame is None:
        frame = product_page.render_frame(session, found, lang)
    product_page.note_shown(frame)
    return render_template(
        "storefront/product.html",
        page=product_page.page_parts(session, frame, lang),
        share_image=frame.share_image,
    )


@bp.get("/search")
@cache_public_page
def search():
    lang = current_language()
    params = search_params.parse_search_params(request.args)
    clusters, villages, labels = _choices()
    params = search_params.drop_unknown_filters(
        params,
        cluster_slugs=[c.cluster.slug for c in clusters],
        village_slugs=[v.village.slug for v in villages],
        label_codes=[label.code for label in labels],
    )
    priced = price_filter.price_search(
        params, shown_currency=current_market().currency, rates=current_rates()
    )
    params = priced.params
    result = _search_page(priced.in_rupiah)
    page_shows_products([p.id for p in result.items], facets=storefront_search.listing_facets(params))

    def page_url(number: int) -> str:
        return url_for("storefront.search", **params.to_args(page=number))

    # Words of symbols alone ("!@#"): nothing to search for, so every product, said so.
    words = params.q if params.tokens else ""
    # A cluster or desa with nothing to show only leads to an empty page; the one chosen stays
    # selectable. None: the counts are not kept, every place is offered.
    with_products = _places_with_products()
    cluster_options = [
        {
            "value": c.cluster.slug,
            "label": localized(c.cluster, "name", lang),
            "selected": c.cluster.slug == params.cluster,
        }
        for c in clusters
        if with_products is None or c.cluster.slug in with_products[0] or c.cluster.slug == params.cluster
    ]
    village_options = [
        {"value": v.village.slug, "label": v.village.name, "selected": v.village.slug == params.village}
        for v in villages
        if with_products is None or v.village.slug in with_products[1] or v.village.slug == params.village
    ]
    label_options = [
        {
            "value": label.code,
            "label": localized(label, "name", lang),
            "selected": label.code == params.label,
        }
        for label in labels
    ]
    chosen = {
        name: next((o["label"] for o in options if o["selected"]), "")
        for name, options in (
            ("cluster", cluster_options),
            ("village", village_options),
            ("label", label_options),
        )
    }
    active_filters = listing_presenters.active_filters(
        params, priced, lang, names=chosen, url_with=lambda args: url_for("storefront.search", **args)
    )
    suggested_clusters, suggested_villages = _suggested_places(lang) if not result.items else ([], [])
    # Only when words found nothing: a search that finds products runs nothing more.
    did_you_mean = _did_you_mean(params, priced.in_rupiah) if words and not result.items else None
    price_form = listing_presenters.price_range_form(priced, lang)
    return render_template(
        "storefront/search.html",
        q=params.q,
        words=words,
        heading=listing_presenters.search_heading(words),
        no_words_message=(
            latin1_text(
                _("“%(q)s” has no letters or numbers to search for, so all products are shown.", q=params.q)
            )
            if params.q and not words
            else ""
        ),
        params=params,
        cards=_cards(result.items, lang),
        result=result,
        result_summary=listing_presenters.result_summary(result),
        pagination=listing_presenters.pagination(result, page_url),
        ignored_message=_ignored_message(params, rupiah_form=not price_form.price_currency),
        active_filters=active_filters,
        remove_filter_text=_("Remove filter:") if active_filters else "",
        clear_all_chip=len(active_filters) > 1,
        price_form=price_form,
        sort_options=_sort_options(params.sort, search_params.SORTS),
        cluster_options=cluster_options,
        village_options=village_options,
        label_options=label_options,
        # Shown only when nothing was found (the empty state's links): built only then.
        suggested_clusters=suggested_clusters,
        suggested_villages=suggested_villages,
        did_you_mean=did_you_mean,
        clear_filters_url=url_for("storefront.search", **({"q": params.q} if params.q else {})),
        clear_all_url=url_for("storefront.search"),
        has_filters=params.has_filters,
    )


def _places_with_products() -> tuple[frozenset[str], frozenset[str]] | None:
    """The slugs of the clusters and of the desa with public products, from the place counts kept
    per catalogue generation (the home page's); None when they are not kept (no generation to
    read): then the form offers every place rather than read the counts on every search."""
    places = kept_for_generation(PLACE_COUNTS, listings.list_places)
    if places is None:
        return None
    clusters, villages = places
    return (
        frozenset(c.cluster.slug for c in clusters if c.product_count),
        frozenset(v.village.slug for v in villages if v.product_count),
    )


def _did_you_mean(params: SearchParams, in_rupiah: SearchParams) -> dict | None:
    """The "Did you mean: batik?" of a search with words that found nothing: the link to the same
    search (filters kept) with its misspelt words corrected, when that finds products. The titles'
    words are read once per catalogue generation (spelling.list_title_words)."""
    session = db.session
    vocabulary = kept_for_generation(SPELLING_WORDS, spelling.list_title_words)
    if vocabulary is None:
        vocabulary = spelling.list_title_words(session)
    corrected = spelling.did_you_mean(session, in_rupiah, vocabulary, today=market_today())
    if corrected is None:
        return None
    return {"q": corrected, "url": url_for("storefront.search", **params.to_args(q=corrected, page=1))}


#: The empty search page suggests this many desa: those with the most products.
SUGGESTED_VILLAGES = 8


def _suggested_places(lang: str):
    """The empty search page's links: the clusters and the desa with products to show (the most
    first), never a place that would be empty too. The counts are the home page's, kept."""
    clusters, villages = _places()
    busiest = sorted((v for v in villages if v.product_count), key=lambda v: -v.product_count)
    return (
        presenters.cluster_links([c for c in clusters if c.product_count], lang),
        presenters.village_links(busiest[:SUGGESTED_VILLAGES], lang),
    )
