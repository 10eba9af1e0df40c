"""Curator work on orders: bank transfers awaiting confirmation, and those confirmed recently."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.payments.models import TransferClaim
from marketplace.payments.transfers import UNDO_WINDOW


def list_awaiting_transfers(
    session: Session, *, query: str = "", limit: int = 200
) -> list[tuple[Order, TransferClaim | None]]:
    """Open bank-transfer orders with the buyer's "I have transferred" claim, if any.

    Orders whose buyer says they paid come first (the latest claim on top), then the others,
    oldest deadline first. `query` is an order number or an amount, which may be typed as on a
    bank statement: "Rp 125.347", "125347" or "125,347".
    """
    stmt = (
        sa.select(Order, TransferClaim)
        .outerjoin(TransferClaim, TransferClaim.order_id == Order.id)
        .where(
            Order.status == OrderStatus.AWAITING_PAYMENT,
            Order.payment_method == PaymentMethod.BANK_TRANSFER,
        )
    )
    text = (query or "").strip()
    if text:
        digits = re.sub(r"[^0-9]", "", re.sub(r"[,.]00$", "", text))
        conditions = []
        if len(text) >= 4 and re.search(r"[A-Za-z]", text):  # part of an order number, e.g. "7K3Q"
            conditions.append(Order.number.contains(text.upper()[:24]))
        if digits and len(digits) <= 15:
            conditions.append(Order.total_minor == int(digits))
        stmt = stmt.where(sa.or_(*conditions) if conditions else sa.false())
    claimed_first = sa.case((TransferClaim.id.is_(None), 1), else_=0)
    stmt = stmt.order_by(claimed_first, TransferClaim.updated_at.desc(), Order.payment_due_at, Order.id)
    return [(order, claim) for order, claim in session.execute(stmt.limit(limit))]


def list_recent_confirmations(session: Session, *, now: datetime, limit: int = 100) -> list[Order]:
    """Bank-transfer orders marked paid within the undo window and still paid, newest first."""
    return list(
        session.scalars(
            sa.select(Order)
            .where(
                Order.status == OrderStatus.PAID,
                Order.payment_method == PaymentMethod.BANK_TRANSFER,
                Order.paid_at > now - UNDO_WINDOW,
            )
            .order_by(Order.paid_at.desc(), Order.id)
            .limit(limit)
        )
    )
