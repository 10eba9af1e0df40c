"""A buyer's problem report on one seller's part of an order, its messages and its photos."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.orders.models import Fulfilment, Order
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = ["Case", "CaseMessage", "CasePhoto", "CaseProblem", "CaseResolution", "CaseStatus"]

#: A buyer attaches at most this many photos to a report.
MAX_PHOTOS = 3


class CaseProblem(enum.StrEnum):
    NOT_RECEIVED = "not_received"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseResolution(enum.StrEnum):
    REFUND = "refund"  # the whole part: its units and its shipping
    PARTIAL_REFUND = "partial_refund"  # an amount the curator chose
    REJECT = "reject"


class Case(db.Model):
    """One problem report; at most one open per fulfilment (Fulfilment.has_open_case guards it)."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.CheckConstraint("refund_minor >= 0", name="case_refund_not_negative"),
        sa.Index("ix_cases_status_opened", "status", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    fulfilment_id: Mapped[int] = mapped_column(sa.ForeignKey("fulfilments.id"), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    buyer_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    problem: Mapped[CaseProblem] = mapped_column(enum_column(CaseProblem, "case_problem"))
    status: Mapped[CaseStatus] = mapped_column(
        enum_column(CaseStatus, "case_status"), default=CaseStatus.OPEN
    )
    #: The part's goods and shipping in rupiah when the case opened (what payouts hold).
    amount_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    resolution: Mapped[Optional[CaseResolution]] = mapped_column(
        enum_column(CaseResolution, "case_resolution")
    )
    #: What went back to the buyer, in the order's currency's minor units (0 for a rejection).
    refund_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refund_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("refunds.id"))
    #: Bank-transfer orders: the buyer's account a refund is transferred to (asked by the report
    #: form, correctable by the buyer while the case is open; refunds.accounts checks it). Shown
    #: to the buyer and the curators, never to the seller. Empty: not given (a card order, or a
    #: report made before it was asked).
    refund_bank_name: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    refund_account_number: Mapped[str] = mapped_column(sa.String(34), default="", server_default="")
    refund_account_holder: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    #: The curator's note, shown to both sides.
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    fulfilment: Mapped[Fulfilment] = relationship()
    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case", order_by="CaseMessage.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[CasePhoto]] = relationship(
        back_populates="case", order_by="CasePhoto.id", cascade="all, delete-orphan"
    )


class CaseMessage(db.Model):
    """What one side said: the buyer's report first, then replies of the seller (and the buyer)."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    #: "buyer" or "seller".
    side: Mapped[str] = mapped_column(sa.String(12))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="messages")


class CasePhoto(db.Model):
    """A photo with the report, re-encoded to WebP and stored under a private key."""

    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="photos")
