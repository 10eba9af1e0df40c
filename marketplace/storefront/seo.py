"""Being found: canonical URLs, hreflang alternates, OpenGraph values, JSON-LD and the sitemap.

Each language version of a public page has its own URL: Indonesian (the default) is the bare
path, English is the same path with `?lang=en`. Both name each other as alternates and the bare
path is `x-default`, so search engines show each reader the version in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Cluster, Product, ProductImage, Region
from marketplace.catalogue.queries import newest_order
from marketplace.i18n import current_language, localized
from marketplace.lru import BoundedLRU, per_app
from marketplace.media import picture_attrs
from marketplace.money import Money
from marketplace.request_locals import this_request
from marketplace.seller.models import Seller, SellerStatus
from marketplace.seller.visibility import public_products_filter
from marketplace.storefront import variant_seo

#: Pages search engines may index; everything else (cart, account, seller, curator) gets no links.
INDEXABLE_ENDPOINTS = frozenset(
    {
        "storefront.home",
        "storefront.cluster",
        "storefront.village",
        "storefront.seller",
        "storefront.product",
        "open_data.page",
    }
)
#: Query arguments that only choose how a page is shown to this visitor, never what it is.
PRESENTATION_ARGS = frozenset({"lang", "currency", "country"})
OG_LOCALES = {"id": "id_ID", "en": "en_US"}
#: URLs per sitemap file (the protocol allows 50,000; smaller files are kinder to slow crawlers).
SITEMAP_CHUNK = 10_000
#: The picture shared for a page without one of its own (drawn by scripts/make_share_image.py).
DEFAULT_SHARE_IMAGE = "img/share-default.png"
DEFAULT_SHARE_IMAGE_SIZE = (1200, 630)
#: Width of the product photo rendition shared: the OpenGraph size networks show large.
SHARE_PHOTO_WIDTH = 1200


@dataclass(frozen=True)
class ShareImage:
    """The picture a shared link shows (og:image), always at an absolute URL."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class PageLinks:
    canonical: str
    #: (hreflang, absolute URL) including x-default.
    alternates: tuple[tuple[str, str], ...]
    og_locale: str
    og_locale_alternates: tuple[str, ...]
    #: The site's default picture; a page with a photo of its own passes `share_image` instead.
    default_image: ShareImage


def _absolute(path: str, args: list[tuple[str, str]]) -> str:
    root = request.host_url.rstrip("/")
    return f"{root}{path}" + (f"?{urlencode(args)}" if args else "")


def language_url(path: str, args: list[tuple[str, str]], lang: str) -> str:
    """The absolute URL of `path` in `lang`: the default language has no `lang` argument."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return _absolute(path, args if lang == default else [*args, ("lang", lang)])


#: Page links kept per app process (a few hundred bytes each).
PAGE_LINKS_KEPT = 1024


def kept_page_links(lang: str) -> PageLinks | None:
    """`page_links(lang)`, kept per address, language and host: every part of it is a function of
    those (the path and arguments, the configured languages, the host and mount point of absolute
    URLs, the share image's alt text in `lang`); ≈ 40 µs a page to build."""
    req = this_request()
    if req.endpoint not in INDEXABLE_ENDPOINTS or req.method != "GET":
        return None
    key = (req.endpoint, req.path, req.query_string, lang, req.host_url, req.script_root)
    kept = per_app("seo_page_links", lambda: BoundedLRU(PAGE_LINKS_KEPT))
    found = kept.get(key)
    if found is None:
        found = page_links(lang)
        kept.put(key, found)
    return found


def page_links(lang: str) -> PageLinks | None:
    """Canonical and alternate URLs for the current request, or None for pages not to index."""
    if request.endpoint not in INDEXABLE_ENDPOINTS or request.method != "GET":
        return None
    path = request.path
    args = sorted(
        (key, value) for key, value in request.args.items(multi=True) if key not in PRESENTATION_ARGS
    )
    languages = current_app.config["LANGUAGES"]
    alternates = [(code, language_url(path, args, code)) for code in languages]
    alternates.append(("x-default", _absolute(path, args)))
    return PageLinks(
        canonical=language_url(path, args, lang),
        alternates=tuple(alternates),
        og_locale=OG_LOCALES.get(lang, lang),
        og_locale_alternates=tuple(OG_LOCALES.get(code, code) for code in languages if code != lang),
        default_image=default_share_image(),
    )


def default_share_image() -> ShareImage:
    width, height = DEFAULT_SHARE_IMAGE_SIZE
    return ShareImage(
        url=absolute_url(url_for("static", filename=DEFAULT_SHARE_IMAGE)),
        alt=_("%(market)s: a kawung batik pattern", market=current_app.config["MARKET_NAME"]),
        width=width,
        height=height,
    )


def photo_share_image(image: ProductImage, *, alt: str) -> ShareImage:
    """A product photo's large rendition as the picture of a shared link."""
    attrs = picture_attrs(image, wanted_width=SHARE_PHOTO_WIDTH)
    return ShareImage(url=absolute_url(attrs["src"]), alt=alt, width=attrs["width"], height=attrs["height"])


def find_seller_photo(session: Session, seller: Seller) -> ProductImage | None:
    """The first photo of the shop's first public product that has one, in the shop page's order."""
    stmt = (
        sa.select(ProductImage)
        .join(Product, ProductImage.product_id == Product.id)
        .where(public_products_filter(), Product.seller_id == seller.id)
        .order_by(*newest_order(), ProductImage.position, ProductImage.id)
        .limit(1)
    )
    return session.scalars(stmt).first()


def seller_share_image(session: Session, seller: Seller, *, lang: str) -> ShareImage | None:
    """The shop's first photo (see find_seller_photo), or None for the site's default picture."""
    photo = find_seller_photo(session, seller)
    if photo is None:
        return None
    return photo_share_image(photo, alt=localized(photo, "alt", lang) or seller.name)


def product_json_ld(
    product: Product,
    *,
    title: str,
    description: str,
    url: str,
    image_urls: list[str],
    price: Money,
    rating: dict | None = None,
    reviews: list[dict] | None = None,
) -> dict:
    """schema.org Product with one Offer in the buyer's currency (a decimal string, never a float),
    and, once buyers reviewed it, its `aggregateRating` and first `review`s (marketplace/reviews)."""
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "description": description[:5000],
        "sku": str(product.id),
        "url": url,
        "brand": {"@type": "Brand", "name": product.seller.name},
        "countryOfOrigin": product.origin_country or "ID",
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str(price.as_decimal()),
            "priceCurrency": price.currency,
            "availability": "https://schema.org/InStock"
            if product.has_offered_stock
            else "https://schema.org/OutOfStock",
            "itemCondition": "https://schema.org/NewCondition",
            "seller": {"@type": "Organization", "name": product.seller.name},
        },
    }
    if image_urls:
        data["image"] = image_urls
    if rating:
        data["aggregateRating"] = rating
    if reviews:
        data["review"] = reviews
    return data


@dataclass(frozen=True)
class ShareView:
    """What the product page's head needs for sharing (OpenGraph) and for search (JSON-LD)."""

    description: str
    image: ShareImage
    price_amount: str
    price_currency: str
    json_ld: dict


def absolute_url(url: str) -> str:
    return request.host_url.rstrip("/") + url if url.startswith("/") else url


def product_share(
    product: Product,
    *,
    title: str,
    paragraphs: list[str],
    photo: ProductImage | None,
    price: Money,
    rating: dict | None = None,
    reviews: list[dict] | None = None,
    variant_prices: dict[int, Money] | None = None,
) -> ShareView:
    """OpenGraph and JSON-LD values; a product without a photo shows the site's default picture.

    With `variant_prices` ({variant id: price in the buyer's currency}) a product with options is
    a ProductGroup with one Offer per variant (`variant_seo`)."""
    description = " ".join(paragraphs)
    short = description if len(description) <= 200 else description[:197].rsplit(" ", 1)[0] + "…"
    image = photo_share_image(photo, alt=title) if photo else default_share_image()
    canonical = page_links_for_product(product)
    json_ld = product_json_ld(
        product,
        title=title,
        description=description,
        url=canonical,
        image_urls=[image.url],
        price=price,
        rating=rating,
        reviews=reviews,
    )
    if variant_prices:
        json_ld = variant_seo.as_product_group(
            json_ld, product, title=title, lang=current_language(), variant_prices=variant_prices
        )
    return ShareView(
        description=short,
        image=image,
        price_amount=str(price.as_decimal()),
        price_currency=price.currency,
        json_ld=json_ld,
    )


def page_links_for_product(product: Product) -> str:
    path = url_for("storefront.product", product_id=product.id, slug=product.slug)
    return language_url(path, [], current_language())


# ------------------------------------------------------------------------------------ sitemap


@dataclass(frozen=True)
class SitemapEntry:
    #: Path without language: the Indonesian URL; the English one adds ?lang=en.
    path: str
    lastmod: datetime | None = None


def count_sitemap_products(session: Session) -> int:
    stmt = sa.select(sa.func.count()).select_from(Product).where(public_products_filter())
    return int(session.scalar(stmt) or 0)


def list_sitemap_pages(session: Session) -> list[SitemapEntry]:
    """Home, the open data page, clusters, villages with an approved seller, and approved sellers
    (three queries)."""
    entries = [SitemapEntry(url_for("storefront.home")), SitemapEntry(url_for("open_data.page"))]
    for slug in session.scalars(sa.select(Cluster.slug).order_by(Cluster.position, Cluster.id)):
        entries.append(SitemapEntry(url_for("storefront.cluster", slug=slug)))
    villages = (
        sa.select(Region.slug)
        .where(Region.id.in_(sa.select(Seller.village_id).where(Seller.status == SellerStatus.APPROVED)))
        .order_by(Region.name)
    )
    for slug in session.scalars(villages):
        entries.append(SitemapEntry(url_for("storefront.village", slug=slug)))
    sellers = sa.select(Seller.slug, Seller.approved_at).where(Seller.status == SellerStatus.APPROVED)
    for slug, approved_at in session.execute(sellers.order_by(Seller.id)):
        entries.append(SitemapEntry(url_for("storefront.seller", slug=slug), approved_at))
    return entries


def sitemap_urls(entries: list[SitemapEntry]) -> list[dict]:
    """One <url> per page and language, each naming all language versions (and x-default)."""
    languages = current_app.config["LANGUAGES"]
    urls = []
    for entry in entries:
        alternates = [(code, language_url(entry.path, [], code)) for code in languages]
        alternates.append(("x-default", _absolute(entry.path, [])))
        for _code, loc in alternates[:-1]:
            urls.append({"loc": loc, "lastmod": entry.lastmod, "alternates": alternates})
    return urls


def list_sitemap_products(session: Session, *, chunk: int) -> list[SitemapEntry]:
    """One chunk (0-based) of public products, by id, with their last change (one query)."""
    stmt = (
        sa.select(Product.id, Product.slug, Product.updated_at)
        .where(public_products_filter())
        .order_by(Product.id)
        .offset(chunk * SITEMAP_CHUNK)
        .limit(SITEMAP_CHUNK)
    )
    return [
        SitemapEntry(url_for("storefront.product", product_id=pid, slug=slug), updated)
        for pid, slug, updated in session.execute(stmt)
    ]
