"""What a listing's product card shows, loaded as plain rows in one statement.

Listings (home, clusters, villages, shops, search, the product page's rows) only show cards, and a
card shows a dozen columns of the product, its seller's and village's names and slugs, its
cluster's name and its first photo. Loading full ORM products for that (every column, the seller,
village and cluster joined as entities, then every photo in a second statement) was about a third of
a listing's CPU time. `card_select()` selects those columns only, the first photo by a correlated
subquery, and `card_rows()` turns the rows into `CardProduct`s, read by storefront.presenters'
product_card exactly as it reads a Product (same attribute names).

    card_select() -> Select        (add where/order_by/limit; one statement, no images query)
    card_rows(session, stmt, params=None) -> list[CardProduct]
    card_from_row(row) -> CardProduct              (a card_select() row, extra columns after it)
    load_cards(session, ids) -> list[CardProduct]      in the order of `ids`
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from marketplace.catalogue.models import Cluster, Product, ProductImage, Region
from marketplace.seller.models import Seller


@dataclass(frozen=True, slots=True)
class CardVillage:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class CardSeller:
    slug: str
    name: str
    village: CardVillage


@dataclass(frozen=True, slots=True)
class CardCluster:
    slug: str
    name_id: str
    name_en: str


@dataclass(frozen=True, slots=True)
class CardImage:
    storage_key: str
    width: int
    height: int
    alt_id: str
    alt_en: str


@dataclass(frozen=True, slots=True)
class CardProduct:
    """The columns of a product a card shows (attribute names as on Product)."""

    id: int
    slug: str
    title_id: str
    title_en: str
    price_minor: int
    price_varies: bool
    #: Whether buyers can order a unit now (`Product.has_offered_stock`: stock held only by variants
    #: missing an option's value is not), all a card says of stock.
    has_offered_stock: bool
    exportable: bool
    rating_count: int
    rating_sum: int
    units_sold: int
    seller: CardSeller
    cluster: CardCluster
    #: The first photo (by position) or none, as a tuple like Product.images' list.
    images: tuple[CardImage, ...]


_PRODUCT_COLUMNS = (
    Product.id, Product.slug, Product.title_id, Product.title_en, Product.price_minor,
    Product.price_varies, Product.has_offered_stock, Product.exportable, Product.rating_count,
    Product.rating_sum, Product.units_sold,
)  # fmt: skip


#: Columns of a card_select() row.
CARD_COLUMNS = len(_PRODUCT_COLUMNS) + 12


def card_select() -> sa.Select:
    """The card columns of products with their seller, village, cluster and first photo (outer
    joined: a product without photos has a card too). Filters and order are the caller's."""
    return _card_select()


@cache  # built once (a Select is immutable: callers' .where() make new ones); not at import, where
# aliasing would configure the mappers before every model is imported
def _card_select() -> sa.Select:
    village = aliased(Region, name="card_village")
    image = aliased(ProductImage, name="card_image")
    first_image = (
        sa.select(ProductImage.id)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    return (
        sa.select(
            *_PRODUCT_COLUMNS,
            Seller.slug,
            Seller.name,
            village.slug,
            village.name,
            Cluster.slug,
            Cluster.name_id,
            Cluster.name_en,
            image.storage_key,
            image.width,
            image.height,
            image.alt_id,
            image.alt_en,
        )  # fmt: skip
        .select_from(Product)
        .join(Seller, Seller.id == Product.seller_id)
        .join(village, village.id == Seller.village_id)
        .join(Cluster, Cluster.id == Product.cluster_id)
        .outerjoin(image, image.id == first_image)
    )


def card_from_row(row) -> CardProduct:
    """The card of a card_select() row (columns the caller added after the card's are ignored)."""
    (
        pid, slug, title_id, title_en, price_minor, price_varies, offered, exportable, rating_count,
        rating_sum, units_sold, seller_slug, seller_name, village_slug, village_name, cluster_slug,
        cluster_name_id, cluster_name_en, image_key, image_width, image_height, alt_id, alt_en,
    ) = row[:CARD_COLUMNS]  # fmt: skip
    return CardProduct(
        id=pid,
        slug=slug,
        title_id=title_id,
        title_en=title_en or "",
        price_minor=price_minor,
        price_varies=bool(price_varies),
        has_offered_stock=bool(offered),
        exportable=bool(exportable),
        rating_count=rating_count or 0,
        rating_sum=rating_sum or 0,
        units_sold=units_sold or 0,
        seller=CardSeller(seller_slug, seller_name, CardVillage(village_slug, village_name)),
        cluster=CardCluster(cluster_slug, cluster_name_id, cluster_name_en or ""),
        images=(CardImage(image_key, image_width, image_height, alt_id or "", alt_en or ""),)
        if image_key is not None
        else (),
    )


def card_rows(session: Session, stmt: sa.Select, params: dict | None = None) -> list[CardProduct]:
    """The cards of `stmt` (a card_select() with the caller's filters), in its order."""
    return [card_from_row(row) for row in session.execute(stmt, params)]


def load_cards(session: Session, ids: Sequence[int]) -> list[CardProduct]:
    """The cards of `ids`, in that order (ids not found are left out). One statement."""
    if not ids:
        return []
    by_id = {card.id: card for card in card_rows(session, _cards_by_ids(), {"ids": list(ids)})}
    return [by_id[i] for i in ids if i in by_id]


@cache  # built once with its ids bound at execution: SQLAlchemy keeps a kept Select's cache key
def _cards_by_ids() -> sa.Select:
    return card_select().where(Product.id.in_(sa.bindparam("ids", expanding=True)))
