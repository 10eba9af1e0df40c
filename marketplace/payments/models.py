"""Payments against orders, and the Stripe events already handled (each exactly once)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.orders.models import Order, PaymentMethod
from marketplace.types import UTCDateTime, enum_column, utcnow


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class Payment(db.Model):
    """One attempt to collect an order's total: a bank transfer or a Stripe Checkout Session."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        sa.CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_within_amount"
        ),
        #: The console's "refunds due" count on every curator page: only the few flagged rows.
        sa.Index(
            "ix_payments_needs_refund",
            "needs_refund",
            sqlite_where=sa.text("needs_refund = 1"),
            postgresql_where=sa.text("needs_refund"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, "payment_method"))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    #: In the order's currency's minor units (ISO exponent), not Stripe's.
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    refunded_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Stripe Checkout Session id (cs_…) or the bank transfer's reference.
    provider_reference: Mapped[Optional[str]] = mapped_column(sa.String(255), unique=True)
    payment_intent_id: Mapped[Optional[str]] = mapped_column(sa.String(255), index=True)
    checkout_url: Mapped[Optional[str]] = mapped_column(sa.Text)
    #: When the Stripe Checkout Session stops accepting payment (Stripe allows 30 min to 24 h).
    checkout_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Sent to Stripe with the session creation: one attempt per key, so a double click makes one session.
    idempotency_key: Mapped[Optional[str]] = mapped_column(sa.String(120))
    #: Money arrived that must go back: paid after the order was cancelled, or a second payment.
    needs_refund: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Why, for the curator who handles it (e.g. "paid after the order was cancelled").
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    confirmed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    #: Bank transfers: the reference on the bank statement the curator matched (empty until then).
    bank_reference: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship()


class StripeEvent(db.Model):
    """A webhook event id seen once; a second delivery of the same id is acknowledged and ignored."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TransferClaim(db.Model):
    """The buyer's "I have transferred" for a bank-transfer order: one per order, updated on resubmit.

    The receipt photo is re-encoded and kept under `private/` (never served by /media/); only the
    buyer (or the guest link) and curators fetch it, through an access-checked view.
    """

    __tablename__ = "transfer_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    #: As typed by the buyer, to match the bank statement (both optional).
    sender_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    sender_bank: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    #: Media key of the re-encoded receipt photo (WebP) under private/, or None.
    receipt_key: Mapped[Optional[str]] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The latest submit: what puts the order at the top of the curators' queue.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship()
