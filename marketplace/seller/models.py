"""Seller-side records: payout bank accounts and proposed changes to live products."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product, Seller
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = ["ProductRevision", "RevisionPhoto", "RevisionStatus", "SellerFacilitator", "SellerPayoutAccount"]


class SellerPayoutAccount(db.Model):
    """Where the platform transfers a seller's earnings (the payout ledger pays into this)."""

    __tablename__ = "seller_payout_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"), unique=True)
    bank_name: Mapped[str] = mapped_column(sa.String(80))
    #: Digits only (spaces and dashes removed when saved).
    account_number: Mapped[str] = mapped_column(sa.String(34))
    account_holder: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    seller: Mapped[Seller] = relationship()


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


class SellerFacilitator(db.Model):
    """A facilitator (pendamping) account allowed to run a shop's dashboard for its owner.

    Granted by the shop's owner, or by a curator for an artisan without an account (who agreed
    offline: `consent_note` says how). Revoking sets `revoked_at`; rows are kept as history.
    At most one active link per shop and facilitator.
    """

    __tablename__ = "seller_facilitators"
    __table_args__ = (
        sa.Index(
            "uq_seller_facilitators_active_pair",
            "seller_id",
            "facilitator_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
        sa.Index("ix_seller_facilitators_facilitator", "facilitator_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: The owner or curator who granted access.
    granted_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: "owner" or "curator": who decided, and so who may see the consent note.
    granted_via: Mapped[str] = mapped_column(sa.String(20), default="owner")
    #: For a curator's link: how the artisan agreed (date, place, witness).
    consent_note: Mapped[str] = mapped_column(sa.Text, default="")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    seller: Mapped[Seller] = relationship()
    facilitator: Mapped[User] = relationship(foreign_keys=[facilitator_id])
