"""Quality labels: label types, the labels claimed for products, and the expiry reminders sent."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalogue.models import Product
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = ["LabelReminder", "LabelStatus", "LabelType", "ProductLabel"]


class LabelStatus(enum.StrEnum):
    REQUESTED = "requested"
    VERIFIED = "verified"
    REJECTED = "rejected"


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


class LabelReminder(db.Model):
    """An expiry reminder already sent for `label_id` expiring on `valid_until`.

    Unique on (label, valid_until): `labels remind` run twice sends nothing new, while a label whose
    `valid_until` changed (renewed) is reminded again before its new expiry.
    """

    __tablename__ = "label_reminders"
    __table_args__ = (sa.UniqueConstraint("label_id", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(sa.ForeignKey("product_labels.id", ondelete="CASCADE"))
    #: The expiry date the reminder was about (the label's `valid_until` at the time).
    valid_until: Mapped[date] = mapped_column(sa.Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
