"""An order after placement: paid, cancelled, expired, refunded.

Every write flushes only; the caller commits. Each status move is one conditional UPDATE
(`history.claim_order`), so of two concurrent callers exactly one changes the order; what
follows a move outside this domain (payment rows, payout ledger, emails) listens to
`marketplace.signals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.orders.history import PAID_STATUSES, SYSTEM, add_event, claim_order
from marketplace.orders.models import FulfilmentStatus, Order, OrderEvent, OrderLine, OrderStatus
from marketplace.stock.models import StockMovementKind
from marketplace.stock.services import record_sale, release_order_stock, return_to_stock, unreturned_units

if TYPE_CHECKING:  # payments sits above orders (layering); a type only
    from marketplace.payments.models import Payment

#: Event status written when money arrives for a cancelled order (see mark_order_paid).
REFUND_DUE = "refund_due"


def mark_order_paid(
    session: Session,
    order: Order,
    *,
    actor_id: int | None = None,
    actor_label: str,
    payment: Payment | None = None,
    now: datetime,
) -> bool:
    """Record that the order's money arrived. Idempotent; returns True only the first time.

    Awaiting payment → paid: SALE ledger rows (delta 0, the units were reserved at checkout),
    fulfilments pending → processing, an event, then `signals.order_paid`: the pending
    bank-transfer Payment (or `payment`) marked succeeded, the payout ledger's SALE entries and
    the "payment received" email.

    Already paid/shipped/delivered/refunded → False, nothing changes.
    Cancelled (e.g. expired before the transfer arrived) → False; the order stays cancelled (its
    stock was released and may be sold already), a "payment received after cancellation — refund
    due" event is written and the payment marked succeeded (`signals.order_paid_after_cancel`),
    so `orders_needing_refund` lists it for a curator (or the Stripe helper refunds it).
    """
    if claim_order(
        session,
        order,
        from_statuses=[OrderStatus.AWAITING_PAYMENT],
        values={"status": OrderStatus.PAID, "paid_at": now, "updated_at": now},
    ):
        record_sale(session, order, actor_id=actor_id, now=now)
        for fulfilment in order.fulfilments:
            if fulfilment.status == FulfilmentStatus.PENDING:
                fulfilment.status = FulfilmentStatus.PROCESSING
        add_event(
            session,
            order,
            from_status=OrderStatus.AWAITING_PAYMENT,
            to_status=OrderStatus.PAID,
            actor_id=actor_id,
            actor_label=actor_label,
            now=now,
        )
        session.flush()
        # The payment row succeeds, the sale enters the payout ledger, the email is queued.
        signals.order_paid.send(session=session, order=order, payment=payment, actor_id=actor_id, now=now)
        return True

    if order.status == OrderStatus.CANCELLED:
        already = session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderEvent)
            .where(OrderEvent.order_id == order.id, OrderEvent.to_status == REFUND_DUE)
        )
        if not already:
            add_event(
                session,
                order,
                from_status=OrderStatus.CANCELLED,
                to_status=REFUND_DUE,
                actor_id=actor_id,
                actor_label=actor_label,
                now=now,
                note="payment received after the order was cancelled: refund it",
            )
            session.flush()
            signals.order_paid_after_cancel.send(
                session=session, order=order, payment=payment, actor_id=actor_id, now=now
            )
    return False


def orders_needing_refund(session: Session) -> list[Order]:
    """Cancelled orders whose money arrived anyway (REFUND_DUE event, not refunded yet)."""
    refund_due = sa.select(OrderEvent.order_id).where(OrderEvent.to_status == REFUND_DUE)
    return list(
        session.scalars(
            sa.select(Order)
            .where(Order.id.in_(refund_due), Order.status == OrderStatus.CANCELLED)
            .order_by(Order.id)
        )
    )


def cancel_unpaid_order(
    session: Session,
    order: Order,
    *,
    reason: str,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """Cancel an order still awaiting payment and give its stock back. Idempotent.

    Claims the order with a conditional UPDATE on its status, so of two concurrent callers (two
    expiry jobs, a buyer and the job) exactly one releases the stock: RELEASE ledger rows once.
    Sends `signals.order_cancelled` (pending payments expire). Returns False when the order was
    not awaiting payment (already cancelled, or paid).
    """
    if not claim_order(
        session,
        order,
        from_statuses=[OrderStatus.AWAITING_PAYMENT],
        values={"status": OrderStatus.CANCELLED, "cancelled_at": now, "updated_at": now},
    ):
        return False
    release_order_stock(
        session,
        order,
        kind=StockMovementKind.RELEASE,
        reason=f"{reason}: order {order.number}",
        actor_id=actor_id,
        now=now,
    )
    for fulfilment in order.fulfilments:
        fulfilment.status = FulfilmentStatus.CANCELLED
    add_event(
        session,
        order,
        from_status=OrderStatus.AWAITING_PAYMENT,
        to_status=OrderStatus.CANCELLED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=reason,
    )
    session.flush()
    # Pending payments expire (payments listens).
    signals.order_cancelled.send(session=session, order=order, reason=reason, actor_id=actor_id, now=now)
    return True


def expire_unpaid_orders(session: Session, *, now: datetime, limit: int | None = None) -> int:
    """Cancel every order whose payment window ended and release its stock; returns how many.

    Idempotent and safe to run twice at once: each order is claimed by `cancel_unpaid_order`'s
    conditional UPDATE, so only one run releases it.
    """
    query = (
        sa.select(Order.id)
        .where(Order.status == OrderStatus.AWAITING_PAYMENT, Order.payment_due_at < now)
        .order_by(Order.payment_due_at)
    )
    if limit:
        query = query.limit(limit)
    expired = 0
    for order_id in session.scalars(query).all():
        order = session.get(Order, order_id)
        if order is not None and cancel_unpaid_order(
            session, order, reason="payment window ended", actor_label=SYSTEM, now=now
        ):
            expired += 1
    return expired


def expire_if_overdue(session: Session, order: Order, *, now: datetime) -> bool:
    """Lazily expire one order when its window has ended (a write only when it has)."""
    if order.status == OrderStatus.AWAITING_PAYMENT and order.payment_due_at < now:
        return cancel_unpaid_order(session, order, reason="payment window ended", actor_label=SYSTEM, now=now)
    return False


def release_overdue_reservations(session: Session, *, product_ids: Sequence[int], now: datetime) -> int:
    """Expire overdue unpaid orders holding any of `product_ids` (before a buyer sees "sold out").

    One indexed SELECT when nothing is overdue, so it is cheap on cart and checkout pages.
    """
    if not product_ids:
        return 0
    holding = sa.select(OrderLine.order_id).where(OrderLine.product_id.in_(list(product_ids)))
    ids = session.scalars(
        sa.select(Order.id).where(
            Order.status == OrderStatus.AWAITING_PAYMENT, Order.payment_due_at < now, Order.id.in_(holding)
        )
    ).all()
    expired = 0
    for order_id in ids:
        order = session.get(Order, order_id)
        if order is not None and cancel_unpaid_order(
            session, order, reason="payment window ended", actor_label=SYSTEM, now=now
        ):
            expired += 1
    return expired


#: A parcel still with its seller: its units go back to stock when the whole order is refunded.
UNSHIPPED_PARCEL = (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING)


def mark_order_refunded(
    session: Session,
    order: Order,
    *,
    amount_minor: int,
    actor_label: str,
    actor_id: int | None = None,
    now: datetime,
) -> bool:
    """Record a refund of `amount_minor` (order currency) on the order. Returns True if it changed.

    A refund of the whole total moves a paid/shipped/delivered order — or a cancelled one whose
    money arrived late — to REFUNDED (idempotent: False the second time). Units of a paid order not
    yet shipped go back to stock (RETURN rows); shipped goods come back by a stock adjustment.
    A partial refund writes an event only. Payment rows are the payments domain's to update.
    Raises ValidationError for a non-positive amount or one above the total.
    """
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationError(str(_l("A refund must be a positive amount.")))
    if amount_minor > order.total_minor:
        raise ValidationError(str(_l("A refund cannot exceed the order total.")))
    previous = order.status
    if amount_minor < order.total_minor:
        add_event(
            session,
            order,
            from_status=previous,
            to_status=previous,
            actor_id=actor_id,
            actor_label=actor_label,
            now=now,
            note=f"partial refund {amount_minor} {order.currency}",
        )
        session.flush()
        return True
    refundable = [*PAID_STATUSES, OrderStatus.CANCELLED]
    unshipped = previous == OrderStatus.PAID
    if not claim_order(
        session, order, from_statuses=refundable, values={"status": OrderStatus.REFUNDED, "updated_at": now}
    ):
        return False
    if unshipped:
        # Units an earlier partial refund already put back (return_to_stock) are not returned twice,
        # and units of a parcel already shipped (an order is PAID until its last parcel ships) stay out.
        waiting = {f.id for f in order.fulfilments if f.status in UNSHIPPED_PARCEL}
        left = unreturned_units(session, order)
        return_to_stock(
            session,
            order,
            quantities={ln.id: left.get(ln.id, 0) for ln in order.lines if ln.fulfilment_id in waiting},
            reason=f"refunded: order {order.number}",
            actor_id=actor_id,
            now=now,
        )
        for fulfilment in order.fulfilments:
            if fulfilment.status in (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING):
                fulfilment.status = FulfilmentStatus.CANCELLED
    add_event(
        session,
        order,
        from_status=previous,
        to_status=OrderStatus.REFUNDED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=f"refund {amount_minor} {order.currency}",
    )
    session.flush()
    return True
