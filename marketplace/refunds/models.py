"""Refunds a curator made (card: through Stripe; bank transfer: paid back by hand) and their lines."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.orders.models import PaymentMethod
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = ["BankRefundRequest", "Refund", "RefundLine", "RefundStatus"]


class RefundStatus(enum.StrEnum):
    #: Asked of Stripe; the `charge.refunded` webhook confirms it (and moves Payment.refunded_minor).
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(db.Model):
    """Money given back for one payment of an order.

    Card refunds count in `Payment.refunded_minor` only once the webhook reports them; until then
    the row is PENDING and the refundable amount subtracts it, so nothing is counted twice and
    nothing can be refunded twice. Bank-transfer refunds are SUCCEEDED at once.
    """

    __tablename__ = "refunds"
    __table_args__ = (sa.CheckConstraint("amount_minor > 0", name="refund_amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, "payment_method"))
    status: Mapped[RefundStatus] = mapped_column(enum_column(RefundStatus, "refund_status"))
    #: In the order's currency's minor units (as Payment.amount_minor).
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    reason: Mapped[str] = mapped_column(sa.Text)
    #: Bank transfers: the reference of the curator's transfer back to the buyer.
    bank_reference: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    stripe_refund_id: Mapped[Optional[str]] = mapped_column(sa.String(255), unique=True)
    #: From the refund form: a second submit of the same form finds this row (one effect).
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: A refund of money that should never have been taken (Payment.needs_refund): no goods, no ledger.
    returns_payment_only: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: A FAILED card refund: Stripe's `failure_reason` ("expired_or_canceled_card", "declined", …;
    #: None when Stripe gave none). Worded for the curator and the buyer by refunds/failure_reasons.py.
    failure_reason: Mapped[Optional[str]] = mapped_column(sa.String(80))

    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", order_by="RefundLine.id", cascade="all, delete-orphan"
    )


class RefundLine(db.Model):
    """One seller's share of a refund: units of an order line, or (order_line_id None) their shipping."""

    __tablename__ = "refund_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity >= 0", name="refund_quantity_not_negative"),
        sa.CheckConstraint("restocked >= 0 AND restocked <= quantity", name="restocked_within_quantity"),
        sa.CheckConstraint("amount_minor >= 0", name="refund_line_amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(sa.ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    fulfilment_id: Mapped[int] = mapped_column(sa.ForeignKey("fulfilments.id"), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    order_line_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("order_lines.id"), index=True)
    #: Units refunded (0 for a shipping line).
    quantity: Mapped[int] = mapped_column(default=0)
    #: Of those, units that came back and went back on sale (StockMovement RETURN).
    restocked: Mapped[int] = mapped_column(default=0)
    #: In the order's currency.
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    #: The seller's IDR share (unit_price_idr × quantity, or the parcel's shipping in IDR).
    amount_idr: Mapped[int] = mapped_column(sa.BigInteger)

    refund: Mapped[Refund] = relationship(back_populates="lines")


class BankRefundRequest(db.Model):
    """A cancelled bank-transfer part whose money a curator must transfer back (refunds/cancellation.py).

    Opened when the buyer (with their account details) or the seller cancels; done when the curator
    records the transfer (then `refund_id` names the Refund row).
    """

    __tablename__ = "bank_refund_requests"
    __table_args__ = (sa.CheckConstraint("amount_minor >= 0", name="bank_request_amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    cancellation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_cancellations.id", ondelete="CASCADE"), unique=True
    )
    #: In the order's currency's minor units (what the cancellation said goes back).
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    #: The buyer's account, from the cancel form (empty when the seller cancelled: ask the buyer).
    bank_name: Mapped[str] = mapped_column(sa.String(80), default="")
    account_number: Mapped[str] = mapped_column(sa.String(34), default="")
    account_holder: Mapped[str] = mapped_column(sa.String(120), default="")
    refund_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("refunds.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
