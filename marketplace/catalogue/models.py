"""The product catalogue: regions, clusters, products and their images.

The lowest business layer: sellers (`seller.models`) and quality labels (`labels.models`) sit
above it, so relationships to them name their class by string and import it only for typing.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from marketplace.labels.models import ProductLabel
    from marketplace.seller.models import Seller


class RegionKind(enum.StrEnum):
    KECAMATAN = "kecamatan"
    DESA = "desa"


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Region(db.Model):
    """A kecamatan or one of its desa. Names change and villages split: key on id/slug, never name."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    kind: Mapped[RegionKind] = mapped_column(enum_column(RegionKind, "region_kind"))
    #: Official region code (Kemendagri), e.g. 35.10.14 for Kabat.
    code: Mapped[Optional[str]] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    story_id: Mapped[str] = mapped_column(sa.Text, default="")
    story_en: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Optional[Region]] = relationship(remote_side=[id])


class Cluster(db.Model):
    """A product cluster (batik, souvenir, handicraft, agro…): data the kecamatan can extend."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_id: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    description_id: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)


#: `Product.rating_average`'s expression (migration 0021_sort_columns holds a copy).
RATING_AVERAGE_SQL = (
    "CASE WHEN rating_count > 0 THEN (rating_sum / rating_count) * 1000000000000"
    " + (rating_sum % rating_count) * 1000000000000 / rating_count ELSE 0 END"
)


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
        sa.CheckConstraint("weight_grams > 0", name="weight_positive"),
        sa.CheckConstraint("processing_days >= 0", name="processing_days_not_negative"),
        sa.Index("ix_products_status_published", "status", "published_at"),
        sa.Index("ix_products_status_price", "status", "price_minor"),
        sa.Index("ix_products_cluster_status", "cluster_id", "status"),
        #: The rating and best-selling sorts (`storefront.search._order`), whole: walked backwards
        #: they give the sort's order, so a listing or a search window stops after a page.
        sa.Index(
            "ix_products_status_rating", "status", "rating_average", "rating_count", "published_at", "id"
        ),
        sa.Index("ix_products_status_sold", "status", "units_sold", "published_at", "id"),
        #: The same orders within a cluster: a search window under a cluster filter walks the
        #: cluster's products in the sort's order (migration 0032_search).
        sa.Index(
            "ix_products_cluster_status_rating",
            "cluster_id",
            "status",
            "rating_average",
            "rating_count",
            "published_at",
            "id",
        ),
        sa.Index(
            "ix_products_cluster_status_sold", "cluster_id", "status", "units_sold", "published_at", "id"
        ),
        #: A search's village filter (`storefront.search._apply_filters`), newest or by price
        #: within it: a window under a village filter walks one of these, not the whole catalogue.
        sa.Index("ix_products_village_status_published", "village_id", "status", "published_at"),
        sa.Index("ix_products_village_status_price", "village_id", "status", "price_minor"),
        #: Naik kelas measures every shop's products (naikkelas.services.compute_metrics): on
        #: PostgreSQL an index-only scan of these columns instead of reading the wide rows (2,000
        #: pages for 10,000 products, once per metric).
        sa.Index(
            "ix_products_seller_metrics",
            "seller_id",
            "status",
            postgresql_include=["id", "exportable", "hs_code", "rating_count", "rating_sum"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    cluster_id: Mapped[int] = mapped_column(sa.ForeignKey("clusters.id"))
    slug: Mapped[str] = mapped_column(sa.String(160), unique=True)
    title_id: Mapped[str] = mapped_column(sa.String(160))
    title_en: Mapped[str] = mapped_column(sa.String(160), default="")
    description_id: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: Price in minor units of `currency` (whole rupiah for IDR). Buyers' currencies are converted.
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="IDR")
    #: Units available to sell now. Changed only by atomic UPDATEs that also write a stock ledger row.
    stock: Mapped[int] = mapped_column(default=0)
    low_stock_threshold: Mapped[int] = mapped_column(default=3)
    weight_grams: Mapped[int] = mapped_column()
    length_mm: Mapped[Optional[int]] = mapped_column()
    width_mm: Mapped[Optional[int]] = mapped_column()
    height_mm: Mapped[Optional[int]] = mapped_column()
    #: Days to make or prepare before shipping (made-to-order batik can take weeks).
    processing_days: Mapped[int] = mapped_column(default=1)
    status: Mapped[ProductStatus] = mapped_column(
        enum_column(ProductStatus, "product_status"), default=ProductStatus.DRAFT
    )
    exportable: Mapped[bool] = mapped_column(default=False)
    #: Harmonized System code for customs, 6+ digits (e.g. 4602.10 rattan basketwork).
    hs_code: Mapped[Optional[str]] = mapped_column(sa.String(12))
    origin_country: Mapped[str] = mapped_column(sa.String(2), default="ID")
    #: Counters kept by the reviews domain in the transaction that changes them (reviews/services.py,
    #: reviews/listeners.py), so cards and sorts read them without a query per product: visible
    #: reviews and the sum of their stars (average = sum / count), units in delivered parcels.
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(default=0, server_default="0")
    units_sold: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The rating sort's key: the average stars (sum / count) in 10^-12 stars, floored (4.5 ->
    #: 4,500,000,000,000; 0 without reviews). Two different averages of products with at most a
    #: million reviews each differ by more than that, so it orders them as the fraction itself
    #: did (the sort's order before it was stored); equal averages tie. The whole stars and the
    #: remainder are scaled apart, so 64 bits hold it up to 9 million reviews. Generated by the
    #: database from the two counters in the very statement that changes them, so it cannot
    #: drift; the rating sort's index holds it. (Stored; a migrated SQLite database has it
    #: virtual - ALTER TABLE cannot add a stored one - which reads the same.)
    rating_average: Mapped[int] = mapped_column(
        sa.BigInteger, sa.Computed(RATING_AVERAGE_SQL, persisted=True)
    )
    #: Both languages' titles, descriptions, seller, village and cluster names, kept by an ORM
    #: hook so every write path updates search; indexed by FTS5 (SQLite) or GIN (PostgreSQL).
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The seller's desa (`Seller.village_id`), copied so a search's village filter is an index
    #: on products rather than a subquery over sellers. Kept by `storefront.search_index` in the
    #: flush that writes the product or moves its shop to another desa; no foreign key (a copy).
    village_id: Mapped[Optional[int]] = mapped_column()
    #: The label types this product has a verified label of, each with the furthest last valid
    #: day among them (" halal :20271216 kurasi :99991231 "; "" for none): a search's label filter
    #: tests the row (and a GIN index on PostgreSQL finds a label's products) instead of looking
    #: each product up among its labels; the date keeps expiry exact without a job. Kept by
    #: database triggers on product_labels and label_types (`labels.label_codes`), in the
    #: statement that verifies, rejects, re-dates, moves or deletes a label or renames its type.
    label_codes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    seller: Mapped[Seller] = relationship("Seller", back_populates="products")
    cluster: Mapped[Cluster] = relationship()
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    labels: Mapped[list[ProductLabel]] = relationship(
        "ProductLabel", back_populates="product", cascade="all, delete-orphan"
    )
    #: The seller's named options (size, colour…), at most MAX_OPTIONS; none for a plain product.
    options: Mapped[list[ProductOption]] = relationship(
        back_populates="product", order_by="ProductOption.position", cascade="all, delete-orphan"
    )
    #: Always at least one: a product without options has exactly one (its default variant).
    #: `stock` above is the sum of their stock, kept by `stock.services` in the same transaction.
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product",
        order_by="(ProductVariant.position, ProductVariant.id)",
        cascade="all, delete-orphan",
    )


class ProductImage(db.Model):
    """One photo; its WebP renditions live in media storage as `<storage_key>-<width>.webp`."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: Random name (never the uploader's file name).
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: Size of the largest rendition, so pages can set width and height and avoid layout shift.
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    alt_id: Mapped[str] = mapped_column(sa.String(200), default="")
    alt_en: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")


#: Options one product can have (one value column each on ProductVariant).
MAX_OPTIONS = 3


class ProductOption(db.Model):
    """An option the seller names, in both languages: "Ukuran" / "Size", "Berat" / "Weight"."""

    __tablename__ = "product_options"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "position", name="uq_product_options_product_position"),
        sa.CheckConstraint("position BETWEEN 1 AND 3", name="option_position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    #: 1..MAX_OPTIONS: which value column of ProductVariant holds this option's values.
    position: Mapped[int] = mapped_column()
    name_id: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(40), default="")

    product: Mapped[Product] = relationship(back_populates="options")


class ProductVariant(db.Model):
    """One buyable version of a product (size XL, 500 g…) with its own stock.

    `price_minor` and `weight_grams` None mean the product's. A variant's own price is never below
    the product's, so `Product.price_minor` stays the lowest price ("from") listings show and filter.
    """

    __tablename__ = "product_variants"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "value1", "value2", "value3", name="uq_product_variants_values"),
        sa.CheckConstraint("stock >= 0", name="variant_stock_not_negative"),
        sa.CheckConstraint("price_minor IS NULL OR price_minor >= 0", name="variant_price_not_negative"),
        sa.CheckConstraint("weight_grams IS NULL OR weight_grams > 0", name="variant_weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: The value of option 1, 2 and 3 ("XL", "250 g"); "" where the product has no such option.
    value1: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    value2: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    value3: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    sku: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    #: In minor units of the product's currency; None = the product's price.
    price_minor: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    #: None = the product's weight.
    weight_grams: Mapped[Optional[int]] = mapped_column()
    #: Units of this variant available now; changed only by `stock.services._move_stock`.
    stock: Mapped[int] = mapped_column(default=0, server_default="0")
    #: One of the product's photos shown for this variant (None: the product's first photo).
    image_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("product_images.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="variants")
    image: Mapped[Optional[ProductImage]] = relationship()

    @property
    def values(self) -> tuple[str, str, str]:
        return (self.value1, self.value2, self.value3)

    @property
    def effective_price_minor(self) -> int:
        return self.price_minor if self.price_minor is not None else self.product.price_minor

    @property
    def effective_weight_grams(self) -> int:
        return self.weight_grams if self.weight_grams is not None else self.product.weight_grams


def _has_every_value(variant: sa.Table, name: str) -> sa.ColumnElement[bool]:
    """SQL: the `variant` row (an alias of product_variants) has a value for every option of its
    product, as `catalogue.variants.is_offered` says: one the seller named after the variant existed
    leaves it empty, and buyers cannot choose it. A NOT EXISTS on the options' product_id index."""
    unvalued = ProductOption.__table__.alias(name)
    empty = sa.literal_column("''", sa.String)  # no parameters
    missing = sa.or_(
        *(
            sa.and_(
                unvalued.c.position == sa.literal_column(str(position), sa.Integer),
                sa.func.trim(value) == empty,
            )
            for position, value in ((1, variant.c.value1), (2, variant.c.value2), (3, variant.c.value3))
        )
    )
    unvalued_here = sa.exists().where(unvalued.c.product_id == variant.c.product_id, missing)
    return ~unvalued_here.correlate_except(unvalued)


#: Whether a variant buyers can choose costs more than the product's own (lowest) price: cards then
#: say "from". Read in the product's own SELECT (an EXISTS on product_variants' product_id index), so
#: a list of cards needs no query of its variants.
_dearer_variant = ProductVariant.__table__.alias("dearer_variant")  # never the outer query's variants
Product.price_varies = column_property(
    sa.exists()
    .where(
        _dearer_variant.c.product_id == Product.id,
        _dearer_variant.c.price_minor > Product.price_minor,
        _has_every_value(_dearer_variant, "dearer_unvalued_option"),
    )
    .correlate_except(_dearer_variant),
)


def has_offered_stock_expression(product_id, stock) -> sa.ColumnElement[bool]:
    """Whether buyers can order any unit of the product now, as SQL over its `id` and `stock`
    columns (`Product`'s, or a subquery's of the same names): `catalogue.variants.offered_stock`
    above zero. A product without options reads its own stock; one with options needs a variant
    in stock with a value for every option (one the seller named after the variant existed leaves
    it empty, and such a variant is not offered: the product page, cart and checkout refuse it).
    Two EXISTS on the options' and variants' product_id indexes, so cards, the in-stock filter
    and the featured row read it in their own statement."""
    any_option = ProductOption.__table__.alias("any_option")
    variant = ProductVariant.__table__.alias("offered_variant")
    zero = sa.literal_column("0", sa.Integer)  # no parameters
    has_options = sa.exists().where(any_option.c.product_id == product_id).correlate_except(any_option)
    offered_in_stock = (
        sa.exists()
        .where(
            variant.c.product_id == product_id,
            variant.c.stock > zero,
            _has_every_value(variant, "unvalued_option"),
        )
        .correlate_except(variant)
    )
    return sa.and_(stock > zero, sa.or_(~has_options, offered_in_stock))


#: `has_offered_stock_expression` of the product, read in its own SELECT as `price_varies` is: what
#: a card's "In stock", the in-stock filter, the featured row's order and the API's `in_stock` say.
#: Deferred: the cart, checkout and seller pages load products without it (their statements stay as
#: they were); a card's row selects it (`storefront.cards`), the card loaders undefer it
#: (`storefront.listings.CARD_OPTIONS`).
Product.has_offered_stock = column_property(
    has_offered_stock_expression(Product.id, Product.stock), deferred=True
)
