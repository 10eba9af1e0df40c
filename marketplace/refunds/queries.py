"""Reading refunds: what an order's payments can still give back, what was refunded so far, the
curators' queue of refunds due and order search. The writes are in `services.py`."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from marketplace.errors import NotFound
from marketplace.orders import services as orders
from marketplace.orders.models import Order, OrderEvent, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.refunds.models import Refund, RefundLine, RefundStatus

#: A payment in one of these has money that can still go back.
REFUNDED_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)


def find_refund_by_token(session: Session, token: str) -> Refund | None:
    return session.scalar(sa.select(Refund).where(Refund.token == token)) if token else None


def paying_payment(payments: list[Payment]) -> Payment | None:
    """The payment that paid for the order (not one flagged to give back), even if refunded since."""
    for payment in sorted(payments, key=lambda p: p.id):
        if payment.status in (*REFUNDED_STATUSES, PaymentStatus.REFUNDED) and not payment.needs_refund:
            return payment
    return None


def pending_minor(session: Session, payment_ids: list[int]) -> dict[int, int]:
    """{payment_id: card refunds asked of Stripe whose webhook has not arrived yet}."""
    if not payment_ids:
        return {}
    rows = session.execute(
        sa.select(Refund.payment_id, sa.func.sum(Refund.amount_minor))
        .where(Refund.payment_id.in_(payment_ids), Refund.status == RefundStatus.PENDING)
        .group_by(Refund.payment_id)
    ).all()
    return {payment_id: int(total or 0) for payment_id, total in rows}


def refundable_minor(payment: Payment, pending: int) -> int:
    return max(payment.amount_minor - payment.refunded_minor - pending, 0)


def refunded_so_far(session: Session, order: Order) -> tuple[dict[int, int], dict[int, int], set[int]]:
    """({line id: units refunded}, {line id: units restocked}, {fulfilment ids with shipping refunded})."""
    rows = session.execute(
        sa.select(
            RefundLine.order_line_id, RefundLine.fulfilment_id, RefundLine.quantity, RefundLine.restocked
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.order_id == order.id, Refund.status != RefundStatus.FAILED)
    ).all()
    units: dict[int, int] = defaultdict(int)
    restocked: dict[int, int] = defaultdict(int)
    shipping: set[int] = set()
    for line_id, fulfilment_id, quantity, back in rows:
        if line_id is None:
            shipping.add(fulfilment_id)
        else:
            units[line_id] += quantity
            restocked[line_id] += back
    return dict(units), dict(restocked), shipping


def list_refunds_due(session: Session) -> list[tuple[Order, Payment | None]]:
    """Money to give back: payments flagged `needs_refund`, and cancelled orders whose bank
    transfer arrived late (REFUND_DUE), oldest first. Two queries."""
    flagged = session.execute(
        sa.select(Payment, Order)
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.needs_refund == sa.true())
        .order_by(Payment.id)
    ).all()
    due = [(order, payment) for payment, order in flagged]
    seen = {order.id for order, _payment in due}
    late = session.scalars(
        sa.select(Order)
        .where(
            Order.id.in_(sa.select(OrderEvent.order_id).where(OrderEvent.to_status == orders.REFUND_DUE)),
            Order.status == OrderStatus.CANCELLED,
        )
        .order_by(Order.id)
    ).all()
    due.extend((order, None) for order in late if order.id not in seen)
    return due


def search_orders(session: Session, query: str, *, limit: int = 20) -> list[Order]:
    """Orders whose number contains `query` (case-insensitive), newest first."""
    text = (query or "").strip().upper()[:24]
    if len(text) < 3:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(
        session.scalars(
            sa.select(Order)
            .where(Order.number.like(f"%{escaped}%", escape="\\"))
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )


def get_order_for_refund(session: Session, number: str) -> tuple[Order, list[Payment]]:
    order = orders.find_order_by_number(session, number)
    if order is None:
        raise NotFound(_("Order not found."))
    payments = list(
        session.scalars(sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))
    )
    return order, payments


def list_order_refunds(session: Session, order: Order) -> list[Refund]:
    return list(
        session.scalars(
            sa.select(Refund)
            .where(Refund.order_id == order.id)
            .options(selectinload(Refund.lines))
            .order_by(Refund.id)
        )
    )
