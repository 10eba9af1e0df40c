"""Curation records: featured placements on the home page and sellers' proposed product changes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalogue.models import Product
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = ["FeaturedPlacement", "ProductRevision", "RevisionPhoto", "RevisionStatus"]


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
    #: 0 is the first slot; curators see and type it from 1 (curation.featured.shown_position).
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: The product was archived while the change waited: nothing to apply any more.
    DISCARDED = "discarded"


class ProductRevision(db.Model):
    """Changes a seller proposed to an ACTIVE product; buyers see the live product until approval.

    `changes` holds only the proposed values, keyed by Product column (title_id, title_en,
    description_id, description_en, price_minor) plus "photos": the proposed photo order as
    tokens "i<ProductImage.id>" (a live photo) and "p<RevisionPhoto.id>" (a new upload).
    A curator sending a NEW listing back is recorded as a rejected revision with no changes, so
    the seller's page can show the note.
    """

    __tablename__ = "product_revisions"
    __table_args__ = (
        # At most one open revision per product: a second edit updates it.
        sa.Index(
            "uq_product_revisions_pending_per_product",
            "product_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_column(RevisionStatus, "revision_status"), default=RevisionStatus.PENDING
    )
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Who proposed the change last (a seller's owner, later a facilitator).
    submitted_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    reviewer_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship()
    photos: Mapped[list[RevisionPhoto]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="RevisionPhoto.id"
    )


class RevisionPhoto(db.Model):
    """A photo uploaded for an active product, stored in media but not shown until approval."""

    __tablename__ = "product_revision_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_revisions.id", ondelete="CASCADE"), index=True
    )
    #: Same naming as ProductImage.storage_key: approval turns this row into a ProductImage.
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revision: Mapped[ProductRevision] = relationship(back_populates="photos")
