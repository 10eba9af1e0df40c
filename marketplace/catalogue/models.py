"""The public catalogue: regions, clusters, sellers, products, images, quality labels, featuring."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class RegionKind(enum.StrEnum):
    KECAMATAN = "kecamatan"
    DESA = "desa"


class SellerStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    ACTIVE = "active"
    ARCHIVED = "archived"


class LabelStatus(enum.StrEnum):
    REQUESTED = "requested"
    VERIFIED = "verified"
    REJECTED = "rejected"


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


seller_clusters = sa.Table(
    "seller_clusters",
    db.Model.metadata,
    sa.Column("seller_id", sa.ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("cluster_id", sa.ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True),
)


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


class Seller(db.Model):
    """An UMKM: an artisan, artisan group (KUB) or village enterprise (BUMDes)."""

    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account that runs this shop; None when a facilitator manages an offline artisan.
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    name: Mapped[str] = mapped_column(sa.String(140))
    #: individual, kub (artisan group) or bumdes (village enterprise)
    kind: Mapped[str] = mapped_column(sa.String(20), default="individual")
    story_id: Mapped[str] = mapped_column(sa.Text, default="")
    story_en: Mapped[str] = mapped_column(sa.Text, default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Only approved sellers' products are ever public.
    status: Mapped[SellerStatus] = mapped_column(
        enum_column(SellerStatus, "seller_status"), default=SellerStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The curator's note on the last decision about the application (shown on the seller dashboard).
    review_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    village: Mapped[Region] = relationship()
    clusters: Mapped[list[Cluster]] = relationship(secondary=seller_clusters, order_by=Cluster.position)
    products: Mapped[list[Product]] = relationship(back_populates="seller")


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
    #: Both languages' titles, descriptions, seller, village and cluster names, kept by an ORM
    #: hook so every write path updates search; indexed by FTS5 (SQLite) or GIN (PostgreSQL).
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    seller: Mapped[Seller] = relationship(back_populates="products")
    cluster: Mapped[Cluster] = relationship()
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    labels: Mapped[list[ProductLabel]] = relationship(back_populates="product", cascade="all, delete-orphan")


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


class LabelType(db.Model):
    """A kind of quality label (Halal, P-IRT, SNI batik, Kurasi Kecamatan…); curators manage these."""

    __tablename__ = "label_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_id: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_id: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    issuer: Mapped[str] = mapped_column(sa.String(120), default="")
    requires_certificate: Mapped[bool] = mapped_column(default=True)
    #: Curator-set labels (field visit, handmade) have no issuer certificate.
    position: Mapped[int] = mapped_column(default=0)


class ProductLabel(db.Model):
    """A label claimed for a product. Public only when verified and not past `valid_until`."""

    __tablename__ = "product_labels"
    __table_args__ = (sa.Index("ix_product_labels_product_status", "product_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    label_type_id: Mapped[int] = mapped_column(sa.ForeignKey("label_types.id"), index=True)
    status: Mapped[LabelStatus] = mapped_column(
        enum_column(LabelStatus, "label_status"), default=LabelStatus.REQUESTED
    )
    certificate_number: Mapped[str] = mapped_column(sa.String(80), default="")
    issuer: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Last day the label is valid (Asia/Jakarta calendar day); None = no expiry.
    valid_until: Mapped[Optional[date]] = mapped_column(sa.Date)
    evidence_key: Mapped[Optional[str]] = mapped_column(sa.String(120))
    reviewer_note: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="labels")
    label_type: Mapped[LabelType] = relationship()


class FeaturedPlacement(db.Model):
    """A product shown in the home page's featured slots between `starts_at` and `ends_at`."""

    __tablename__ = "featured_placements"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_featured_placements_window", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    headline_id: Mapped[str] = mapped_column(sa.String(160), default="")
    headline_en: Mapped[str] = mapped_column(sa.String(160), default="")
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
