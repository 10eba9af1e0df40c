"""View models for catalogue templates: formatted money, localized text, image URLs, links.

Templates receive these plain dataclasses and only print them; every decision (which title, which
rendition, lazy or eager, in stock or not) is taken here. Needs an app context (url_for, config).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from marketplace.catalogue.models import Cluster, Product, ProductImage, Region
from marketplace.catalogue.variants import offered_stock
from marketplace.html_refs import latin1_html
from marketplace.i18n import localized
from marketplace.labels.models import ProductLabel
from marketplace.labels.visibility import visible_labels
from marketplace.lru import BoundedLRU, per_app
from marketplace.markets.context import current_market, current_rates
from marketplace.markets.presenters import price
from marketplace.media import picture_attrs
from marketplace.reviews.presenters import RatingSummary, rating_summary, sold_text
from marketplace.seller.models import Seller
from marketplace.storefront.grids import CardList
from marketplace.storefront.listings import ClusterSummary, VillageSummary
from marketplace.timezones import day_text

#: Cards in the first row are above the fold on every screen size: those load eagerly.
EAGER_CARDS = 4
CARD_SIZES = "(min-width: 72em) 17rem, (min-width: 64em) 23vw, (min-width: 40em) 30vw, 46vw"
DETAIL_SIZES = "(min-width: 52em) 32rem, calc(100vw - 2rem)"
#: A product's photos when it has several: on phones each is one slide of the swiping row (site.css:
#: `.gallery li`), on wide screens the first is large and the others are thumbnails under it.
GALLERY_FIRST_SIZES = "(min-width: 52em) 32rem, min(78vw, 17rem)"
GALLERY_SIZES = "(min-width: 52em) 8rem, min(78vw, 17rem)"


@dataclass(frozen=True)
class ImageView:
    src: str
    srcset: str
    sizes: str
    width: int
    height: int
    alt: str
    lazy: bool


def image_view(
    image: ProductImage,
    *,
    alt_fallback: str,
    sizes: str,
    lazy: bool,
    lang: str,
    display_width: int = 640,
    decorative: bool = False,
) -> ImageView:
    """An <img> over the stored WebP renditions (media decides which widths exist and their URLs).

    width/height give the aspect ratio, so the page does not jump while images load.
    """
    attrs = picture_attrs(image, wanted_width=display_width)
    return ImageView(
        src=attrs["src"],
        srcset=attrs["srcset"],
        sizes=sizes,
        width=attrs["width"],
        height=attrs["height"],
        alt="" if decorative else (localized(image, "alt", lang) or alt_fallback),
        lazy=lazy,
    )


def price_text(product: Product, lang: str) -> str:
    """The product's price in the buyer's currency (prices are kept in rupiah)."""

    return price(product.price_minor, lang)


def card_price_text(product: Product, lang: str) -> str:
    """A card's price: "from Rp 75.000" when some variant (the 500 g bag) costs more."""
    text = price_text(product, lang)
    return _("from %(price)s", price=text) if product.price_varies else text


@dataclass(frozen=True)
class ProductCard:
    id: int
    url: str
    title: str
    price: str
    in_stock: bool
    availability: str
    seller_name: str
    seller_url: str
    village_name: str
    village_url: str
    cluster_name: str
    image: ImageView | None
    headline: str = ""
    #: "Not available for shipping abroad" for a buyer abroad when the product is not exportable.
    abroad_notice: str = ""
    #: Stars from the product's counters (no query), None before its first review; "12 sold".
    rating: RatingSummary | None = None
    sold: str = ""


def product_url(product: Product, **args) -> str:
    return url_for("storefront.product", product_id=product.id, slug=product.slug, **args)


def _card_fields(product: Product, lang: str, *, lazy: bool, headline: str) -> ProductCard:
    title = localized(product, "title", lang)
    image = product.images[0] if product.images else None
    village = product.seller.village
    return ProductCard(
        id=product.id,
        url=product_url(product),
        title=title,
        price=card_price_text(product, lang),
        in_stock=product.has_offered_stock,
        availability=_("In stock") if product.has_offered_stock else _("Out of stock"),
        seller_name=product.seller.name,
        seller_url=url_for("storefront.seller", slug=product.seller.slug),
        village_name=village.name,
        village_url=url_for("storefront.village", slug=village.slug),
        cluster_name=localized(product.cluster, "name", lang),
        # The card's link already says the title; alt text there makes screen readers say it twice
        # (axe: image-redundant-alt), so in a card the photo is decorative.
        image=image_view(image, alt_fallback="", sizes=CARD_SIZES, lazy=lazy, lang=lang, decorative=True)
        if image
        else None,
        headline=headline,
        abroad_notice=abroad_notice(product),
        rating=rating_summary(product.rating_count, product.rating_sum),
        sold=sold_text(product.units_sold),
    )


@dataclass(frozen=True)
class CardView:
    """A card as listings print it: its body, the same for every visitor who sees the same product,
    language and market, rendered once; and what the visitor's own heart (saved or not, with their
    CSRF token) needs beside it."""

    id: int
    title: str
    body: Markup


#: Card bodies kept per app process, least recently used dropped first (about 1.5 KB each).
CARD_BODIES_KEPT = 2048


class CardBodies(BoundedLRU[Markup]):
    """Rendered card bodies keyed by everything a body shows.

    A changed title, price, stock state, rating, photo, seller or village name, exchange rate or
    language is a different key, so nothing is ever invalidated: an entry nobody asks for again
    ages out (marketplace/lru.py).
    """

    def __init__(self, kept: int = CARD_BODIES_KEPT):
        super().__init__(kept)


def card_bodies() -> CardBodies:
    """This app's card bodies (per app: links and photo URLs depend on its settings)."""
    return per_app("card_bodies", CardBodies)


def _market_key() -> tuple:
    """What a card's body takes from the request: the buyer's currency, whether they are abroad, the
    rate prices are converted at, and the mount point of links."""
    market = current_market()
    rate = current_rates().get(market.currency)
    return (market.currency, market.is_domestic, rate.rate if rate else None, request.script_root)


#: What card bodies take from the request (a key part for callers keeping cards themselves).
cards_market_key = _market_key


def _card_key(product: Product, lang: str, lazy: bool, headline: str, market_key: tuple) -> tuple:
    seller = product.seller
    village = seller.village
    cluster = product.cluster
    image = product.images[0] if product.images else None
    return (
        product.id, product.slug, product.title_id, product.title_en, product.price_minor,
        product.price_varies, product.has_offered_stock, product.exportable, product.rating_count,
        product.rating_sum, product.units_sold, seller.slug, seller.name, village.slug, village.name,
        cluster.name_id, cluster.name_en, (image.storage_key, image.width, image.height) if image else None,
        lang, lazy, headline, market_key,
    )  # fmt: skip


def product_card(
    product: Product, lang: str, *, lazy: bool = True, headline: str = "", market_key: tuple | None = None
) -> CardView:
    """The card of `product`; its body comes from this process's card bodies when one was rendered
    for the same content (a listing of 24 cards then costs no link building, price formatting or
    card template)."""
    key = _card_key(product, lang, lazy, headline, market_key or _market_key())
    bodies = card_bodies()
    body = bodies.get(key)
    if body is None:
        fields = _card_fields(product, lang, lazy=lazy, headline=headline)
        html = current_app.jinja_env.get_template("storefront/_card_body.html").render(card=fields)
        body = Markup(latin1_html(html))  # noqa: S704 - Jinja output, autoescaped
        bodies.put(key, body)
    return CardView(id=product.id, title=localized(product, "title", lang), body=body)


def abroad_notice(product: Product) -> str:
    """The notice a buyer in a market abroad sees on a product that cannot be shipped there."""

    if product.exportable or current_market().is_domestic:
        return ""
    return _("Not available for shipping abroad")


def product_cards(products: Iterable[Product], lang: str, *, eager: int = EAGER_CARDS) -> CardList:
    """Cards in order; the first `eager` load their image at once, the rest lazily."""
    market_key = _market_key()
    return CardList(
        product_card(p, lang, lazy=index >= eager, market_key=market_key) for index, p in enumerate(products)
    )


#: Card lists kept per app for the kept listings' rows (cache.kept), with their grids.
CARD_LISTS_KEPT = 128


def kept_cards(rows: Sequence, lang: str, make: Callable[[], CardList], *variant: Hashable) -> CardList:
    """`make()`, kept while `rows` is the very list a kept listing serves (cache.kept: the same
    object while nothing its cards show has changed) for this language, market and `variant`.

    Keyed by the list's identity: the entry holds the list, so its id is not reused while kept, and
    a listing read again is a new list. Card bodies and hearts take nothing else from the request.
    """
    store = per_app("card_lists", lambda: BoundedLRU(CARD_LISTS_KEPT))
    key = (id(rows), lang, _market_key(), variant)
    found = store.get(key)
    if found is not None and found[0] is rows:
        return found[1]
    cards = make()
    store.put(key, (rows, cards))
    return cards


@dataclass(frozen=True)
class LinkView:
    name: str
    url: str
    count: int = 0
    count_text: str = ""
    description: str = ""


def cluster_links(summaries: Sequence[ClusterSummary], lang: str) -> list[LinkView]:
    return [
        LinkView(
            name=localized(s.cluster, "name", lang),
            url=url_for("storefront.cluster", slug=s.cluster.slug),
            count=s.product_count,
            count_text=ngettext("%(num)d product", "%(num)d products", s.product_count),
            description=localized(s.cluster, "description", lang),
        )
        for s in summaries
    ]


def village_links(summaries: Sequence[VillageSummary], lang: str) -> list[LinkView]:
    return [
        LinkView(
            name=s.village.name,
            url=url_for("storefront.village", slug=s.village.slug),
            count=s.product_count,
            count_text=ngettext("%(num)d product", "%(num)d products", s.product_count),
        )
        for s in summaries
    ]


def seller_links(sellers: Sequence[Seller], lang: str) -> list[LinkView]:
    return [
        LinkView(
            name=seller.name,
            url=url_for("storefront.seller", slug=seller.slug),
            description=", ".join(localized(c, "name", lang) for c in seller.clusters),
        )
        for seller in sellers
    ]


def paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs (templates print each in its own <p>, escaped)."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


#: A story's opening shown above a listing's products: about two lines on a 360 px phone, so the
#: first cards stay on the first screen; the whole story follows the products.
INTRO_CHARS = 75
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class StoryIntro:
    text: str
    continues: bool  # the story says more than `text` (the page links to the rest)


def story_intro(story: Sequence[str], limit: int = INTRO_CHARS) -> StoryIntro:
    """The first sentence of `story` (its paragraphs), cut at a word with "…" past `limit`."""
    if not story:
        return StoryIntro("", False)
    first = _SENTENCE_END.split(story[0], maxsplit=1)[0]
    if len(first) > limit:
        cut = first[:limit].rsplit(" ", 1)[0] if " " in first[:limit] else first[:limit]
        first = cut.rstrip(" ,;:–-") + "…"
    return StoryIntro(first, len(story) > 1 or first != story[0])


@dataclass(frozen=True)
class LabelView:
    name: str
    description: str
    certificate_number: str
    issuer: str
    valid_until: str


def label_views(labels: Sequence[ProductLabel], lang: str) -> list[LabelView]:
    return [
        LabelView(
            name=localized(label.label_type, "name", lang),
            description=localized(label.label_type, "description", lang),
            certificate_number=label.certificate_number,
            issuer=label.issuer or label.label_type.issuer,
            valid_until=day_text(label.valid_until, lang),
        )
        for label in labels
    ]


@dataclass(frozen=True)
class ProductDetail:
    id: int
    title: str
    description: list[str]
    description_translated: bool
    price: str
    in_stock: bool
    availability: str
    processing: str
    seller_name: str
    seller_url: str
    seller_story: list[str]
    village_name: str
    village_url: str
    cluster_name: str
    cluster_url: str
    images: list[ImageView]
    labels: list[LabelView]
    exportable: bool
    export_text: str
    hs_code: str
    origin_country: str
    weight: str
    dimensions: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    abroad_notice: str = ""
    #: "12 sold" (units in delivered parcels), empty before the first.
    sold: str = ""
    #: Units in stock, none offered (each variant misses a value): not "back in stock" material.
    awaiting_seller: bool = False


def product_detail(product: Product, lang: str, today: date) -> ProductDetail:
    title = localized(product, "title", lang)
    seller = product.seller
    village = seller.village
    first_sizes = DETAIL_SIZES if len(product.images) == 1 else GALLERY_FIRST_SIZES
    images = [
        image_view(
            image,
            alt_fallback=title,
            sizes=first_sizes if index == 0 else GALLERY_SIZES,
            lazy=index > 0,
            lang=lang,
            display_width=1200 if index == 0 else 320,
        )
        for index, image in enumerate(product.images)
    ]
    # Variants missing a value for an option (named after they existed) are not offered: their
    # units do not count, and when they are all there is, the product waits for its seller.
    stock = offered_stock(product)
    if stock > 0:
        availability = ngettext("In stock: %(num)d left", "In stock: %(num)d left", stock)
    elif product.stock > 0:
        availability = _("Not available right now")
    else:
        availability = _("Out of stock")
    processing = (
        ngettext("Ready to ship in %(num)d day", "Ready to ship in %(num)d days", product.processing_days)
        if product.processing_days
        else _("Ready to ship")
    )
    dims = [product.length_mm, product.width_mm, product.height_mm]
    dimensions = (
        _("%(l)s × %(w)s × %(h)s cm", l=_cm(dims[0]), w=_cm(dims[1]), h=_cm(dims[2]))
        if all(d for d in dims)
        else ""
    )
    weight = _("%(grams)s g", grams=format_number(product.weight_grams))
    if product.exportable:
        export_text = _("Available for export")
    else:
        export_text = _("Ships within Indonesia only")
    detail = ProductDetail(
        id=product.id,
        title=title,
        description=paragraphs(localized(product, "description", lang)),
        description_translated=lang == "id" or bool((product.description_en or "").strip()),
        price=price_text(product, lang),
        in_stock=stock > 0,
        availability=availability,
        processing=processing,
        awaiting_seller=stock <= 0 < product.stock,
        seller_name=seller.name,
        seller_url=url_for("storefront.seller", slug=seller.slug),
        seller_story=paragraphs(localized(seller, "story", lang))[:1],
        village_name=village.name,
        village_url=url_for("storefront.village", slug=village.slug),
        cluster_name=localized(product.cluster, "name", lang),
        cluster_url=url_for("storefront.cluster", slug=product.cluster.slug),
        images=images,
        labels=label_views(visible_labels(product, today), lang),
        exportable=product.exportable,
        export_text=export_text,
        hs_code=product.hs_code or "",
        origin_country=product.origin_country,
        weight=weight,
        dimensions=dimensions,
        abroad_notice=abroad_notice(product),
        sold=sold_text(product.units_sold),
    )
    return detail


def _cm(mm: int | None) -> str:
    if mm is None:
        return ""
    whole, rest = divmod(mm, 10)
    return str(whole) if rest == 0 else f"{whole},{rest}"


@dataclass(frozen=True)
class PlaceView:
    name: str
    story: list[str]
    parent_name: str = ""
    intro: StoryIntro = StoryIntro("", False)


def village_view(village: Region, lang: str) -> PlaceView:
    story = paragraphs(localized(village, "story", lang))
    return PlaceView(
        name=village.name,
        story=story,
        parent_name=village.parent.name if village.parent else "",
        intro=story_intro(story),
    )


@dataclass(frozen=True)
class SellerView:
    name: str
    story: list[str]
    village_name: str
    village_url: str
    kind: str
    clusters: list[LinkView]
    intro: StoryIntro


def seller_view(seller: Seller, lang: str) -> SellerView:
    kinds = {
        "individual": _("Artisan"),
        "kub": _("Artisan group (KUB)"),
        "bumdes": _("Village enterprise (BUMDes)"),
    }
    story = paragraphs(localized(seller, "story", lang))
    return SellerView(
        name=seller.name,
        story=story,
        intro=story_intro(story),
        village_name=seller.village.name,
        village_url=url_for("storefront.village", slug=seller.village.slug),
        kind=kinds.get(seller.kind, ""),
        clusters=[
            LinkView(name=localized(c, "name", lang), url=url_for("storefront.cluster", slug=c.slug))
            for c in seller.clusters
        ],
    )


def cluster_view(cluster: Cluster, lang: str) -> PlaceView:
    return PlaceView(
        name=localized(cluster, "name", lang), story=paragraphs(localized(cluster, "description", lang))
    )
