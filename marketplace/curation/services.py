"""Curator work on orders: finding bank transfers awaiting confirmation."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import Order, OrderStatus, PaymentMethod


def list_awaiting_transfers(session: Session, *, query: str = "", limit: int = 200) -> list[Order]:
    """Open bank-transfer orders, oldest deadline first; `query` is an order number or an amount.

    An amount may be typed as on a bank statement: "Rp 125.347", "125347" or "125,347".
    """
    stmt = sa.select(Order).where(
        Order.status == OrderStatus.AWAITING_PAYMENT,
        Order.payment_method == PaymentMethod.BANK_TRANSFER,
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
    return list(session.scalars(stmt.order_by(Order.payment_due_at, Order.id).limit(limit)))
