"""What the public pages load: featured and newest products, one product, clusters, villages,
sellers and label types.

Visibility rule, applied everywhere public: a product is public when its status is `active` and its
seller is `approved` (`seller.visibility.public_products_filter()`). Query budget: each public page
loads with a fixed number of SQL statements whatever the catalogue's size — relations a page shows
are eager-loaded (`CARD_OPTIONS`; the product page's in `get_public_product`).

    get_public_product(session, product_id) -> Product            raises NotFound
    get_cluster_by_slug / get_village_by_slug / get_seller_by_slug(session, slug)  raise NotFound
    list_active_featured(session, now=None, *, limit=8) -> list[FeaturedPlacement]
    list_newest_products(session, limit=8) -> list[Product]
    list_newest_cards(session, limit=8) -> list[CardProduct]          (one statement)
    list_featured_cards(session, now=None, *, limit=8) -> list[FeaturedCard(card, headline_id, headline_en)]
    list_featured_row(session, now=None, *, limit=8) -> FeaturedRow(cards, left_out)   (sold out last)
    next_featured_change(session, now) -> datetime | None      when a featured window opens or closes
    list_places(session) -> (clusters, villages) with counts          (one scan of the products)
    list_clusters(session, *, with_counts=True) -> list[ClusterSummary(cluster, product_count)]
    list_villages(session, *, with_counts=True) -> list[VillageSummary(village, product_count)]
    list_label_types(session) -> list[LabelType]
    list_choices(session) -> Choices(clusters, villages, labels)   plain rows, one statement
    cluster_choice(choices, slug) -> ChoiceCluster                 raises NotFound
    list_village_sellers(session, village) -> list[Seller]

The statements of the storefront's every-request reads (home, cluster, village and search pages) are
built once per process with bound parameters (`@cache` on their builders, as elsewhere in the app):
SQLAlchemy computes a statement's cache key on each execution of a new Select (≈ 0.2–0.4 ms of CPU
for a card select), once for a kept one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, defaultload, joinedload, selectinload, undefer
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.catalogue.models import (
    Cluster,
    Product,
    ProductOption,
    ProductStatus,
    ProductVariant,
    Region,
    RegionKind,
)
from marketplace.catalogue.queries import newest_order
from marketplace.curation.models import FeaturedPlacement
from marketplace.errors import NotFound
from marketplace.labels.models import LabelType, ProductLabel
from marketplace.params import MAX_ID
from marketplace.reviews.queries import shop_rating_columns
from marketplace.seller.models import Seller, SellerStatus
from marketplace.seller.visibility import public_products_filter, public_products_select
from marketplace.storefront.cards import CardProduct, card_from_row, card_rows, card_select
from marketplace.types import utcnow

#: Loader options for product cards (listings): seller and its village, cluster, images, and
#: whether it can be bought (`Product.has_offered_stock`, deferred elsewhere).
#: Three statements at most per listing (the products with their many-to-ones, then images).
CARD_OPTIONS = (
    joinedload(Product.seller).joinedload(Seller.village),
    joinedload(Product.cluster),
    selectinload(Product.images),
    undefer(Product.has_offered_stock),
)


def list_active_featured(
    session: Session, now: datetime | None = None, *, limit: int = 8
) -> list[FeaturedPlacement]:
    """Featured placements whose window contains `now` (start inclusive, end exclusive) and whose
    product is public, by position with the sold-out ones last (`_featured_order`); one placement
    per product. Product relations loaded."""
    now = now or utcnow()
    stmt = (
        sa.select(FeaturedPlacement)
        .join(Product, Product.id == FeaturedPlacement.product_id)
        .where(FeaturedPlacement.starts_at <= now, FeaturedPlacement.ends_at > now, public_products_filter())
        .order_by(*_featured_order())
        .limit(limit * 2)
        .options(
            joinedload(FeaturedPlacement.product).joinedload(Product.seller).joinedload(Seller.village),
            joinedload(FeaturedPlacement.product).joinedload(Product.cluster),
            joinedload(FeaturedPlacement.product).selectinload(Product.images),
            defaultload(FeaturedPlacement.product).undefer(Product.has_offered_stock),
        )
    )
    seen: set[int] = set()
    placements: list[FeaturedPlacement] = []
    for placement in session.scalars(stmt).unique():
        if placement.product_id not in seen:
            seen.add(placement.product_id)
            placements.append(placement)
    return placements[:limit]


def list_newest_products(session: Session, limit: int = 8) -> list[Product]:
    """The most recently published public products, with card relations loaded."""
    stmt = public_products_select().order_by(*newest_order()).limit(limit).options(*CARD_OPTIONS)
    return list(session.scalars(stmt).unique())


def _featured_order() -> tuple:
    """The featured row's order: what can be bought first, then the curator's positions. A
    featured product that sells out moves behind the others until restocked rather than leave the
    row: its placement (and the curator's choice) stays visible, the row keeps its cards when
    everything is sold out, and nothing else has to fill a gap."""
    return (
        Product.has_offered_stock.desc(),
        FeaturedPlacement.position,
        FeaturedPlacement.starts_at.desc(),
        FeaturedPlacement.id,
    )


class FeaturedCard(NamedTuple):
    card: CardProduct
    headline_id: str
    headline_en: str


class FeaturedRow(NamedTuple):
    #: The row, at most `limit` cards, in `_featured_order`.
    cards: list[FeaturedCard]
    #: Products read but left out past `limit` (sold out, or further down): a page showing the row
    #: depends on their cards too, since one coming back in stock takes a place in it.
    left_out: list[int]


def list_featured_cards(
    session: Session, now: datetime | None = None, *, limit: int = 8
) -> list[FeaturedCard]:
    """list_active_featured() as cards (storefront.cards) with their headlines: one statement."""
    return list_featured_row(session, now, limit=limit).cards


def list_featured_row(session: Session, now: datetime | None = None, *, limit: int = 8) -> FeaturedRow:
    """list_featured_cards() and the products it read but left out (one statement)."""
    stmt = _featured_cards_select()
    seen: set[int] = set()
    featured: list[FeaturedCard] = []
    for row in session.execute(stmt, {"now": now or utcnow(), "limit": limit * 2}):
        card = card_from_row(row)
        if card.id not in seen:
            seen.add(card.id)
            featured.append(FeaturedCard(card, row[-2] or "", row[-1] or ""))
    return FeaturedRow(featured[:limit], [f.card.id for f in featured[limit:]])


@cache  # built once per process: its values are bound at execution
def _featured_cards_select() -> sa.Select:
    now = sa.bindparam("now")
    return (
        card_select()
        .add_columns(FeaturedPlacement.headline_id, FeaturedPlacement.headline_en)
        .join(FeaturedPlacement, FeaturedPlacement.product_id == Product.id)
        .where(FeaturedPlacement.starts_at <= now, FeaturedPlacement.ends_at > now, public_products_filter())
        .order_by(*_featured_order())
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


def next_featured_change(session: Session, now: datetime) -> datetime | None:
    """The first moment after `now` when a featured window opens or closes (None: none will)."""
    starts, ends = session.execute(_next_featured_change_select(), {"now": now}).one()
    return min((t for t in (starts, ends) if t is not None), default=None)


@cache  # built once per process: its values are bound at execution
def _next_featured_change_select() -> sa.Select:
    now = sa.bindparam("now", type_=FeaturedPlacement.starts_at.type)
    starts, ends = FeaturedPlacement.starts_at, FeaturedPlacement.ends_at
    return sa.select(
        sa.select(sa.func.min(starts)).where(starts > now).scalar_subquery(),
        sa.select(sa.func.min(ends)).where(ends > now).scalar_subquery(),
    )


def list_newest_cards(session: Session, limit: int = 8) -> list[CardProduct]:
    """The cards of the most recently published public products (storefront.cards: one statement)."""
    return card_rows(session, _newest_cards_select(), {"limit": limit})


@cache  # built once per process: its values are bound at execution
def _newest_cards_select() -> sa.Select:
    return (
        card_select()
        .where(public_products_filter())
        .order_by(*newest_order())
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


def get_cluster_by_slug(session: Session, slug: str) -> Cluster:
    """The cluster with this slug. Raises NotFound."""
    cluster = session.scalar(_cluster_by_slug_select(), {"slug": slug})
    if cluster is None:
        raise NotFound(_l("Cluster not found."))
    return cluster


@cache  # built once per process: its values are bound at execution
def _cluster_by_slug_select() -> sa.Select:
    return sa.select(Cluster).where(Cluster.slug == sa.bindparam("slug"))


def get_village_by_slug(session: Session, slug: str) -> Region:
    """The desa (not a kecamatan) with this slug, its parent loaded. Raises NotFound."""
    village = session.scalar(_village_by_slug_select(), {"slug": slug})
    if village is None:
        raise NotFound(_l("Village not found."))
    return village


@cache  # built once per process: its values are bound at execution
def _village_by_slug_select() -> sa.Select:
    return (
        sa.select(Region)
        .where(Region.slug == sa.bindparam("slug"), Region.kind == RegionKind.DESA)
        .options(joinedload(Region.parent))
    )


def get_seller_by_slug(session: Session, slug: str) -> Seller:
    """The approved seller with this slug, village and clusters loaded. Raises NotFound otherwise
    (a pending or suspended seller does not exist for the public)."""
    seller = session.scalar(
        sa.select(Seller)
        .where(Seller.slug == slug, Seller.status == SellerStatus.APPROVED)
        .options(joinedload(Seller.village), selectinload(Seller.clusters))
    )
    if seller is None:
        raise NotFound(_l("Seller not found."))
    return seller


def get_seller_page(session: Session, slug: str) -> tuple[Seller, int, int]:
    """(seller, reviews, stars): get_seller_by_slug with the shop's rating counters selected beside it
    (no statement of their own). Raises NotFound as get_seller_by_slug does."""
    row = session.execute(_seller_page_select(), {"slug": slug}).first()
    if row is None:
        raise NotFound(_l("Seller not found."))
    return row[0], int(row[1] or 0), int(row[2] or 0)


@cache  # built once per process: its values are bound at execution
def _seller_page_select() -> sa.Select:
    return (
        sa.select(Seller, *shop_rating_columns(Seller.id))
        .where(Seller.slug == sa.bindparam("slug"), Seller.status == SellerStatus.APPROVED)
        .options(joinedload(Seller.village), selectinload(Seller.clusters))
    )


def get_public_product(session: Session, product_id: int) -> Product:
    """A public product with seller, village, cluster, images, labels (+types) and options loaded;
    its variants too when it has options (a plain product's one variant loads if something asks).

    Two statements for a product without labels or options (the product with its many-to-ones and
    whether it has either, then its photos), one more for its labels, two more for its options and
    variants: the product page and the API used to run all five every time.
    Raises NotFound when it does not exist, is not active, or its seller is not approved.
    """
    # Ids are 32-bit integers on PostgreSQL: a larger number from a URL would be a database error.
    if not isinstance(product_id, int) or not 1 <= product_id <= MAX_ID:
        raise NotFound(_l("Product not found."))
    found = session.execute(_public_product_statement(), {"product_id": product_id}).first()
    if found is None:
        raise NotFound(_l("Product not found."))
    product, has_labels, has_options = found
    labels = (
        session.scalars(
            sa.select(ProductLabel)
            .where(ProductLabel.product_id == product.id)
            .options(joinedload(ProductLabel.label_type))
        ).all()
        if has_labels
        else []
    )
    set_committed_value(product, "labels", list(labels))
    options = (
        session.scalars(
            sa.select(ProductOption)
            .where(ProductOption.product_id == product.id)
            .order_by(ProductOption.position)
        ).all()
        if has_options
        else []
    )
    set_committed_value(product, "options", list(options))
    if has_options:
        variants = session.scalars(
            sa.select(ProductVariant)
            .where(ProductVariant.product_id == product.id)
            .order_by(ProductVariant.position, ProductVariant.id)
        ).all()
        set_committed_value(product, "variants", list(variants))
    return product


@cache  # built once: read on every product page
def _public_product_statement() -> sa.Select:
    return (
        public_products_select()
        .add_columns(
            sa.exists().where(ProductLabel.product_id == Product.id).label("has_labels"),
            sa.exists().where(ProductOption.product_id == Product.id).label("has_options"),
        )
        .where(Product.id == sa.bindparam("product_id"))
        .options(*CARD_OPTIONS)
    )


class ClusterSummary(NamedTuple):
    cluster: Cluster
    product_count: int


class VillageSummary(NamedTuple):
    village: Region
    product_count: int


def list_clusters(session: Session, *, with_counts: bool = True) -> list[ClusterSummary]:
    """Every cluster by position, each with its number of public products (one query)."""
    if not with_counts:
        clusters = session.scalars(_clusters_select())
        return [ClusterSummary(cluster, 0) for cluster in clusters]
    counts = (
        sa.select(Product.cluster_id.label("cluster_id"), sa.func.count(Product.id).label("n"))
        .where(public_products_filter())
        .group_by(Product.cluster_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Cluster, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.cluster_id == Cluster.id)
        .order_by(Cluster.position, Cluster.name_id)
    )
    return [ClusterSummary(cluster, int(count)) for cluster, count in rows]


@cache  # built once per process: its values are bound at execution
def _clusters_select() -> sa.Select:
    return sa.select(Cluster).order_by(Cluster.position, Cluster.name_id)


def list_villages(session: Session, *, with_counts: bool = True) -> list[VillageSummary]:
    """Every desa by name, each with its number of public products (one query)."""
    if not with_counts:
        villages = session.scalars(_villages_select())
        return [VillageSummary(village, 0) for village in villages]
    counts = (
        sa.select(Seller.village_id.label("village_id"), sa.func.count(Product.id).label("n"))
        .join(Product, Product.seller_id == Seller.id)
        .where(Product.status == ProductStatus.ACTIVE, Seller.status == SellerStatus.APPROVED)
        .group_by(Seller.village_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Region, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.village_id == Region.id)
        .where(Region.kind == RegionKind.DESA)
        .order_by(Region.name, Region.id)
    )
    return [VillageSummary(village, int(count)) for village, count in rows]


@cache  # built once per process: its values are bound at execution
def _villages_select() -> sa.Select:
    return sa.select(Region).where(Region.kind == RegionKind.DESA).order_by(Region.name, Region.id)


def list_places(session: Session) -> tuple[list[ClusterSummary], list[VillageSummary]]:
    """list_clusters() and list_villages() with counts, for the home page, reading the public
    products once: one grouped count per (cluster, desa), summed here (the two separate counts
    each scanned every product), then the clusters and the desa as plain rows (list_choices: one
    small statement)."""
    pairs = session.execute(_place_counts_select()).all()
    by_cluster: dict[int, int] = {}
    by_village: dict[int, int] = {}
    for cluster_id, village_id, count in pairs:
        by_cluster[cluster_id] = by_cluster.get(cluster_id, 0) + int(count)
        by_village[village_id] = by_village.get(village_id, 0) + int(count)
    choices = list_choices(session, labels=False)
    clusters = [
        ClusterSummary(summary.cluster, by_cluster.get(summary.cluster.id, 0)) for summary in choices.clusters
    ]
    villages = [
        VillageSummary(summary.village, by_village.get(summary.village.id, 0)) for summary in choices.villages
    ]
    return clusters, villages


@cache  # built once per process: its values are bound at execution
def _place_counts_select() -> sa.Select:
    return (
        sa.select(Product.cluster_id, Seller.village_id, sa.func.count(Product.id))
        .join(Seller, Seller.id == Product.seller_id)
        .where(Product.status == ProductStatus.ACTIVE, Seller.status == SellerStatus.APPROVED)
        .group_by(Product.cluster_id, Seller.village_id)
    )


@dataclass(frozen=True, slots=True)
class ChoiceCluster:
    """What the search form, the home page and the empty search's links show of a cluster (attribute
    names as on Cluster)."""

    id: int
    slug: str
    name_id: str
    name_en: str
    description_id: str
    description_en: str


@dataclass(frozen=True, slots=True)
class ChoiceVillage:
    """A desa as a choice or a link (attribute names as on Region)."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class ChoiceLabel:
    """A label type as a search filter choice (attribute names as on LabelType)."""

    id: int
    code: str
    name_id: str
    name_en: str


class Choices(NamedTuple):
    #: By position (then name), each with a product count of 0 (as list_clusters(with_counts=False)).
    clusters: list[ClusterSummary]
    #: The desa by name (as list_villages(with_counts=False)).
    villages: list[VillageSummary]
    #: Label types by position (as list_label_types); empty unless asked for.
    labels: list[ChoiceLabel]


#: list_choices' row kinds, in the order the statement returns them.
_CLUSTER, _VILLAGE, _LABEL = 0, 1, 2


def list_choices(session: Session, *, labels: bool = True) -> Choices:
    """The clusters, the desa and (with `labels`) the label types as plain rows, in one statement
    (three separate entity queries cost the search page ≈ 1.5 ms of CPU)."""
    clusters: list[ClusterSummary] = []
    villages: list[VillageSummary] = []
    label_choices: list[ChoiceLabel] = []
    stmt = (_choices_select if labels else _places_select)()
    for kind, row_id, slug, name_id, name_en, description_id, description_en in session.execute(stmt):
        if kind == _CLUSTER:
            cluster = ChoiceCluster(
                row_id, slug, name_id, name_en or "", description_id or "", description_en or ""
            )
            clusters.append(ClusterSummary(cluster, 0))  # type: ignore[arg-type] - a Cluster's attributes
        elif kind == _VILLAGE:
            villages.append(VillageSummary(ChoiceVillage(row_id, slug, name_id), 0))  # type: ignore[arg-type]
        else:
            label_choices.append(ChoiceLabel(row_id, slug, name_id, name_en or ""))
    return Choices(clusters, villages, label_choices)


def cluster_choice(choices: Choices, slug: str) -> ChoiceCluster:
    """The cluster with this slug among `choices` (what get_cluster_by_slug finds, as plain values,
    for a page that keeps the choices). Raises NotFound."""
    for summary in choices.clusters:
        if summary.cluster.slug == slug:
            return summary.cluster
    raise NotFound(_l("Cluster not found."))


def _choice_parts() -> list[sa.Select]:
    def kind(value: int):
        return sa.literal_column(str(value), sa.Integer)

    empty = sa.literal_column("''", sa.String)
    return [
        sa.select(
            kind(_CLUSTER).label("kind"), Cluster.position.label("rank"), Cluster.name_id.label("sort_name"),
            Cluster.id.label("id"), Cluster.slug.label("slug"), Cluster.name_id.label("name_id"),
            Cluster.name_en.label("name_en"), Cluster.description_id.label("description_id"),
            Cluster.description_en.label("description_en"),
        ),
        sa.select(
            kind(_VILLAGE), kind(0), Region.name, Region.id, Region.slug, Region.name, empty, empty, empty
        ).where(Region.kind == RegionKind.DESA),
        sa.select(
            kind(_LABEL), LabelType.position, LabelType.code, LabelType.id, LabelType.code,
            LabelType.name_id, LabelType.name_en, empty, empty,
        ),
    ]  # fmt: skip


def _ordered_choices(parts: list[sa.Select]) -> sa.Select:
    rows = sa.union_all(*parts).subquery("choices")
    return sa.select(
        rows.c.kind, rows.c.id, rows.c.slug, rows.c.name_id, rows.c.name_en, rows.c.description_id,
        rows.c.description_en,
    ).order_by(rows.c.kind, rows.c.rank, rows.c.sort_name, rows.c.id)  # fmt: skip


@cache  # built once per process: its values are bound at execution
def _choices_select() -> sa.Select:
    return _ordered_choices(_choice_parts())


@cache  # built once per process: its values are bound at execution
def _places_select() -> sa.Select:
    return _ordered_choices(_choice_parts()[:2])


def list_label_types(session: Session) -> list[LabelType]:
    """Every label type by position (for filters and legends)."""
    return list(session.scalars(_label_types_select()))


@cache  # built once per process: its values are bound at execution
def _label_types_select() -> sa.Select:
    return sa.select(LabelType).order_by(LabelType.position, LabelType.code)


def list_village_sellers(session: Session, village: Region) -> list[Seller]:
    """Approved sellers of a village by name, their clusters loaded."""
    return list(session.scalars(_village_sellers_select(), {"village_id": village.id}))


@cache  # built once per process: its values are bound at execution
def _village_sellers_select() -> sa.Select:
    return (
        sa.select(Seller)
        .where(Seller.village_id == sa.bindparam("village_id"), Seller.status == SellerStatus.APPROVED)
        .order_by(Seller.name, Seller.id)
        .options(selectinload(Seller.clusters))
    )
